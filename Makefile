# libspark_jmxagent - a native JVM agent that exports JMX to Prometheus,
# and the Spark observability lab around it.
#
#   make            build build/libspark_jmxagent.so
#   make test       install what is missing, then run every test
#   make lab        the native observability lab (see README)
#   make bench      side-by-side benchmark against jmx_prometheus_javaagent

SHELL      := /bin/bash
BUILD      := build
CC         ?= gcc
JAVA_HOME  ?= $(shell d=$$(readlink -f "$$(command -v javac 2>/dev/null)"); [ -n "$$d" ] && dirname "$$(dirname "$$d")")
VERSION    := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)
LIBDIR     := /usr/lib/x86_64-linux-gnu

WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS   := -Iinclude -isystem $(JAVA_HOME)/include -isystem $(JAVA_HOME)/include/linux \
              -D_GNU_SOURCE -DJXA_VERSION='"$(VERSION)"'
CFLAGS     ?= -O2 -g
CFLAGS     += -std=c11 -fPIC -fvisibility=hidden -fno-omit-frame-pointer \
              -fstack-protector-strong $(WARN)
# glibc's checked variants (__memcpy_chk, __snprintf_chk, __read_chk, ...)
# abort on an overflow of a buffer whose size the compiler knows.  They
# need optimisation (at -O0 glibc warns, and -Werror makes that an error),
# so only with an -O level; -U first in case the compiler already defines
# it.  The sanitizer and fuzz builds have their own flags and checks.
ifneq ($(filter -O1 -O2 -O3 -Os -Og -Ofast -Oz,$(CFLAGS)),)
CFLAGS     += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
endif
# Static libyaml and PCRE2 with hidden symbols: no interposition by another
# copy in the JVM's process, and only Agent_* exported (agent/agent.map).
# Debian ships no libcivetweb.a, so civetweb is linked dynamically.
LDFLAGS_SO := -shared -Wl,--version-script=agent/agent.map -Wl,--exclude-libs,ALL \
              -Wl,-z,defs -Wl,-z,now -Wl,-z,relro -Wl,--as-needed -static-libgcc
LIBS_SO    := $(LIBDIR)/libyaml.a $(LIBDIR)/libpcre2-8.a -lcivetweb -lz -lpthread -lm

# Modules that need a JVM (JNI/JVMTI) or civetweb; everything else is pure C
# and goes into the unit-test binary too.
JVM_SRCS   := $(filter $(wildcard agent/*.c), agent/agent.c agent/jmx.c agent/jvm.c agent/jni_util.c agent/jvmti_util.c \
              agent/scraper.c agent/http.c agent/oneflag.c)
PURE_SRCS  := $(filter-out $(JVM_SRCS), $(wildcard agent/*.c))
ALL_SRCS   := $(PURE_SRCS) $(JVM_SRCS)
UNIT_SRCS  := $(wildcard test/unit/*.c)

OBJ        := $(BUILD)/obj
AGENT      := $(BUILD)/libspark_jmxagent.so
UNIT       := $(BUILD)/unit_tests
UNIT_SAN   := $(BUILD)/unit_tests_san

.PHONY: all deps test test-unit test-unit-san fuzz test-fuzz clean
.DEFAULT_GOAL := all

all: $(AGENT)

# Objects and the agent are written under a temporary name and renamed:
# a JVM that has the old .so mapped keeps its inode (rewriting it in place
# crashes that JVM with SIGBUS), and a concurrent make never links a
# half-written object.
$(OBJ)/%.o: agent/%.c $(wildcard include/*.h agent/*.h) | $(OBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@.$$$$.tmp && mv -f $@.$$$$.tmp $@

$(OBJ):
	mkdir -p $@

$(AGENT): $(patsubst agent/%.c,$(OBJ)/%.o,$(ALL_SRCS)) agent/agent.map
	$(CC) $(CFLAGS) $(LDFLAGS_SO) -o $@.$$$$.tmp $(filter %.o,$^) $(LIBS_SO) && mv -f $@.$$$$.tmp $@

# Unit tests: the pure modules and the test files, no JVM.
$(UNIT): $(PURE_SRCS) $(UNIT_SRCS) $(wildcard include/*.h test/unit/*.h)
	@mkdir -p $(BUILD)
	$(CC) $(CPPFLAGS) -Itest/unit $(CFLAGS) -o $@ $(PURE_SRCS) $(UNIT_SRCS) \
	    -lyaml -lpcre2-8 -lz -lpthread -lm

# The same under ASan+UBSan(+LSan): sanitizer builds are first-class.
$(UNIT_SAN): $(PURE_SRCS) $(UNIT_SRCS) $(wildcard include/*.h test/unit/*.h)
	@mkdir -p $(BUILD)
	$(CC) $(CPPFLAGS) -Itest/unit -std=c11 -O1 -g $(WARN) \
	    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	    -o $@ $(PURE_SRCS) $(UNIT_SRCS) -lyaml -lpcre2-8 -lz -lpthread -lm

# libFuzzer targets (clang): `make fuzz` runs each for FUZZ_SECONDS;
# `make test-fuzz` is the short pass inside `make test`.  Crashes are kept
# under build/fuzz/<target>/ and become regression inputs in test/fuzz/regress/.
FUZZ_TARGETS := options javafmt objname config rules negotiate
FUZZ_SECONDS ?= 120
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
FUZZ_CFLAGS  := -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $(CPPFLAGS)

$(BUILD)/fuzz/fuzz_%: test/fuzz/fuzz_%.c $(PURE_SRCS) $(wildcard include/*.h)
	@mkdir -p $(BUILD)/fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(filter-out agent/log.c,$(PURE_SRCS)) agent/log.c -lyaml -lpcre2-8 -lz -lpthread -lm

define run_fuzz
	@for t in $(FUZZ_TARGETS); do if [ -d test/fuzz/regress/$$t ]; then \
	  $(BUILD)/fuzz/fuzz_$$t test/fuzz/regress/$$t/* >/dev/null 2>&1 || { echo "regression input of fuzz_$$t fails"; exit 1; }; fi; done
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)/fuzz/corpus-$$t $(BUILD)/fuzz/$$t; \
	  seeds=test/fuzz/seeds/$$t; [ -d $$seeds ] || seeds=; \
	  echo "fuzz_$$t: $(1) s"; \
	  $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(1) -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
	    -artifact_prefix=$(BUILD)/fuzz/$$t/ -print_final_stats=1 \
	    $(BUILD)/fuzz/corpus-$$t $$seeds 2>&1 | grep -E "^stat::number_of_executed_units|ERROR|SUMMARY|Done" || true; \
	  if [ -n "$$(ls -A $(BUILD)/fuzz/$$t)" ]; then \
	    echo "fuzz_$$t found a crash: $$(ls $(BUILD)/fuzz/$$t/)"; exit 1; fi; \
	done
endef

fuzz: $(FUZZ_BINS)
	$(call run_fuzz,$(FUZZ_SECONDS))

test-fuzz: $(FUZZ_BINS)
	$(call run_fuzz,10)

# The agent under ASan+UBSan inside a real JVM.  The ASan runtime must come
# first in the process (LD_PRELOAD); HotSpot uses SIGSEGV for implicit null
# checks, so ASan must not take it over (handle_segv=0); LSan cannot run
# inside a JVM (docs/design.md §15), leaks are checked by the unit tests.
ASAN_AGENT := $(BUILD)/asan/libspark_jmxagent.so
ASAN_OBJ   := $(BUILD)/asan/obj

$(ASAN_OBJ)/%.o: agent/%.c $(wildcard include/*.h) | $(ASAN_OBJ)
	$(CC) $(CPPFLAGS) -std=c11 -O1 -g -fPIC -fvisibility=hidden $(WARN) \
	    -fsanitize=address,undefined -fno-omit-frame-pointer -c $< -o $@

$(ASAN_OBJ):
	mkdir -p $@

$(ASAN_AGENT): $(patsubst agent/%.c,$(ASAN_OBJ)/%.o,$(ALL_SRCS)) agent/agent.map
	$(CC) -shared -fsanitize=address,undefined -Wl,--version-script=agent/agent.map \
	    -o $@.$$$$.tmp $(filter %.o,$^) $(LIBS_SO) && mv -f $@.$$$$.tmp $@

.PHONY: test-asan
test-asan: $(ASAN_AGENT)
	@bash .ci/fetch-jar.sh
	@bash .ci/venv.sh
	IT_AGENT=$(abspath $(ASAN_AGENT)) \
	IT_JVM_PRELOAD=$$($(CC) -print-file-name=libasan.so):$$($(CC) -print-file-name=libubsan.so) \
	ASAN_OPTIONS=handle_segv=0:detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  timeout -k 10 1200 $(BUILD)/venv/bin/pytest -p no:cacheprovider test/it -q -k 'not jar' $(IT_ARGS)

# --- One flag (issue 14) ----------------------------------------------------
# agent/rules_embed.c embeds rules/*.yml with the assembler's .incbin: every
# object and binary compiled from it is rebuilt when a rule file changes.
RULES_YML := $(wildcard rules/*.yml)
$(OBJ)/rules_embed.o $(ASAN_OBJ)/rules_embed.o $(UNIT) $(UNIT_SAN) $(FUZZ_BINS): $(RULES_YML)

deps:
	@bash .ci/deps.sh

# Unit suites run under an outer timeout, like the JVM tests: a test that
# hangs fails the target instead of the whole CI run.  UNIT_ARGS names
# suites to run only those (make test-unit UNIT_ARGS='config rules').
UNIT_TIMEOUT ?= 300
UNIT_ARGS    ?=
test-unit: $(UNIT)
	cd test/unit && timeout -k 10 $(UNIT_TIMEOUT) ../../$(UNIT) $(UNIT_ARGS)

test-unit-san: $(UNIT_SAN)
	cd test/unit && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    timeout -k 10 $(UNIT_TIMEOUT) ../../$(UNIT_SAN) $(UNIT_ARGS)

# Files generated from one source are current: the Spark rule files and
# docs/metrics.md (rules/gen_rules.py), docs/errors.md (test/catalogue.py).
# Seconds, and no prerequisites, so it runs first.
.PHONY: test-generated
test-generated:
	python3 rules/gen_rules.py --check
	python3 test/catalogue.py --check

# Each part of the project adds its own targets and appends to TEST_TARGETS.
TEST_TARGETS := test-generated test-unit test-unit-san test-fuzz
-include test/it/it.mk test/spark/spark.mk compose/lab.mk bench/bench.mk test/soak/soak.mk
TEST_TARGETS += test-asan

test: deps
	@$(MAKE) --no-print-directory all
	@set -e; for t in $(TEST_TARGETS); do echo "== make $$t"; $(MAKE) --no-print-directory $$t; done
	@echo "== all test targets passed: $(TEST_TARGETS)"

clean:
	rm -rf $(OBJ) $(AGENT) $(UNIT) $(UNIT_SAN)
