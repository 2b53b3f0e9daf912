# libspark_jmxagent - a native JVM agent that exports JMX to Prometheus,
# and the Spark observability lab around it.
#
#   make            build build/libspark_jmxagent.so (self-contained, glibc >= 2.17)
#   make ARCH=aarch64   the same for arm64: build/aarch64/libspark_jmxagent.so
#   make dist       release tarballs for x86_64 and aarch64 under build/dist
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
CPPFLAGS   := -Iinclude -I$(BUILD)/gen -isystem $(JAVA_HOME)/include -isystem $(JAVA_HOME)/include/linux \
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

# The agent: one self-contained .so per arch (README, Build).  Zig's clang
# (tools/toolchain.sh) compiles it against glibc 2.17's symbol versions;
# civetweb, mbedTLS, libyaml, PCRE2 and zlib are built from Debian's source
# packages into build/3p/ARCH (tools/thirdparty.sh, once) and linked in
# statically with hidden symbols: no interposition by another copy in the
# JVM's process, and only Agent_* exported (agent/agent.map).  The build
# machine's arch goes to build/, another one to build/ARCH/.
HOST_ARCH  := $(shell uname -m)
ARCH       ?= $(HOST_ARCH)
ARCHES     := x86_64 aarch64
ifeq ($(filter $(ARCH),$(ARCHES)),)
$(error ARCH=$(ARCH): one of $(ARCHES))
endif
ABUILD     := $(if $(filter $(ARCH),$(HOST_ARCH)),$(BUILD),$(BUILD)/$(ARCH))
TP         := $(BUILD)/3p/$(ARCH)
TP_STAMP   := $(TP)/.stamp
XCC        := $(BUILD)/toolchain/bin/$(ARCH)-cc
AGENT_CPPFLAGS := $(CPPFLAGS) -isystem $(TP)/include
LDFLAGS_SO := -shared -Wl,--version-script=agent/agent.map -Wl,--gc-sections \
              -Wl,-z,defs -Wl,-z,now -Wl,-z,relro
LIBS_SO    := $(addprefix $(TP)/lib/,libcivetweb.a libmbedtls.a libmbedx509.a libmbedcrypto.a \
              libyaml.a libpcre2-8.a libz.a libprotobuf-c.a) -lpthread -ldl -lm
# The sanitizer build links the system's -dev packages instead (ASan's
# runtime comes with the system compiler), except civetweb and mbedTLS
# (also the crypto of agent/auth.c):
# TLS needs our patched civetweb (tools/patches/), so those two come from
# build/3p (position-independent static libraries, headers of the same
# Debian versions); protobuf-c too, for the same reason (build/3p headers).
SYS_LIBS_SO := $(LIBDIR)/libyaml.a $(LIBDIR)/libpcre2-8.a \
               $(addprefix $(TP)/lib/,libcivetweb.a libmbedtls.a libmbedx509.a libmbedcrypto.a \
               libprotobuf-c.a) -lz -lpthread -ldl -lm

# Modules that need a JVM (JNI/JVMTI) or civetweb; everything else is pure C
# and goes into the unit-test binary too.
JVM_SRCS   := $(filter $(wildcard agent/*.c), agent/agent.c agent/jmx.c agent/jvm.c agent/jni_util.c agent/jvmti_util.c \
              agent/scraper.c agent/http.c agent/oneflag.c)
# TLS (httpServer.ssl, docs/tls.md): the keystore reader and the server
# configs, pure C on mbedTLS.  The agent links build/3p's PIC mbedTLS; the
# unit tests, the fuzzer and the sanitizer build link Debian's shared one
# (the -dev package; Debian's libmbedcrypto.a is not PIC).
TLS_SRCS   := $(filter $(wildcard agent/*.c), agent/keystore.c agent/rc2.c agent/tls.c)
TLS_LIBS   := -lmbedtls -lmbedx509 -lmbedcrypto
PURE_SRCS  := $(filter-out $(JVM_SRCS) $(TLS_SRCS), $(wildcard agent/*.c))
ALL_SRCS   := $(PURE_SRCS) $(TLS_SRCS) $(JVM_SRCS)
UNIT_SRCS  := $(wildcard test/unit/*.c)

# --- Protobuf: C code generated from .proto files at build time ----------
# protoc-c (Debian's protobuf-c-compiler) writes build/gen/<path>.pb-c.{c,h}
# for every <path>.proto of PROTOS, found under PROTO_PATH (the .proto files
# come from Debian packages, .ci/deps.d/protobuf.list; none is committed).
# Another part adds its own with
#   PROTO_PATH += /dir/holding/the/tree
#   PROTOS     += some/pkg/thing.proto      (path relative to a PROTO_PATH dir)
# and includes "some/pkg/thing.pb-c.h"; the generated .c files join the
# agent and the ASan agent (against build/3p's PIC libprotobuf-c.a), the
# unit tests and the fuzzers (against Debian's libprotobuf-c).
# metrics.proto: Prometheus' client_model (io.prometheus.client.MetricFamily,
# native-histogram fields included); it imports google/protobuf/timestamp.proto.
# build/gen is on CPPFLAGS (-I), for the agent and the tests alike.
GEN        := $(BUILD)/gen
PROTOC_C   ?= protoc-c
PROTO_PATH := /usr/share/gocode/src/github.com/prometheus/client_model /usr/include
PROTOS     := io/prometheus/client/metrics.proto google/protobuf/timestamp.proto
# OTLP (the openTelemetry push, agent/otlp.c): the opentelemetry-proto
# package's files, put under build/proto/otlp by .ci/otlp-proto.sh.
PROTO_PATH += $(BUILD)/proto/otlp
OTLP_PROTOS := opentelemetry/proto/collector/metrics/v1/metrics_service.proto \
               opentelemetry/proto/common/v1/common.proto \
               opentelemetry/proto/metrics/v1/metrics.proto \
               opentelemetry/proto/resource/v1/resource.proto
PROTOS     += $(OTLP_PROTOS)
GEN_SRCS    = $(patsubst %.proto,$(GEN)/%.pb-c.c,$(PROTOS))
GEN_HDRS    = $(patsubst %.proto,$(GEN)/%.pb-c.h,$(PROTOS))
vpath %.proto $(PROTO_PATH)

# One run writes both files (a pattern rule with two targets is one recipe);
# protoc-c resolves the relative name against the -I directories.
$(GEN)/%.pb-c.c $(GEN)/%.pb-c.h: %.proto
	@mkdir -p $(GEN)
	$(PROTOC_C) $(addprefix -I,$(PROTO_PATH)) --c_out=$(GEN) $*.proto

# The OTLP files are fetched on first use (protoc-c finds them through
# PROTO_PATH; the recipe above names $*.proto, not the path make assumed).
# A grouped target (&:): one run of the script for all four, also under -j.
$(OTLP_PROTOS) &:
	@bash .ci/otlp-proto.sh

# A .proto that no PROTO_PATH directory holds: say which package brings it.
%.proto:
	@echo "protobuf: $@ is not under any of $(PROTO_PATH); run 'make deps' as root (.ci/deps.d/protobuf.list)" >&2; exit 1

OBJ        := $(ABUILD)/obj
AGENT      := $(ABUILD)/libspark_jmxagent.so
UNIT       := $(BUILD)/unit_tests
UNIT_SAN   := $(BUILD)/unit_tests_san

.PHONY: all deps test test-unit test-unit-san fuzz test-fuzz clean distclean
.DEFAULT_GOAL := all

all: $(AGENT)

# Objects and the agent are written under a temporary name and renamed:
# a JVM that has the old .so mapped keeps its inode (rewriting it in place
# crashes that JVM with SIGBUS), and a concurrent make never links a
# half-written object.
$(OBJ)/%.o: agent/%.c $(wildcard include/*.h agent/*.h) $(TP_STAMP) $(GEN_HDRS) | $(OBJ)
	$(XCC) $(AGENT_CPPFLAGS) $(CFLAGS) -c $< -o $@.$$$$.tmp && mv -f $@.$$$$.tmp $@

# Generated protobuf code (build/gen), for this arch.
$(OBJ)/gen/%.o: $(GEN)/%.c $(GEN_HDRS) $(TP_STAMP)
	@mkdir -p $(@D)
	$(XCC) $(AGENT_CPPFLAGS) $(CFLAGS) -c $< -o $@.$$$$.tmp && mv -f $@.$$$$.tmp $@

# agent/compat: libc functions newer than glibc 2.17, for this build only.
$(OBJ)/compat/%.o: agent/compat/%.c $(TP_STAMP) | $(OBJ)
	@mkdir -p $(@D)
	$(XCC) $(AGENT_CPPFLAGS) $(CFLAGS) -c $< -o $@.$$$$.tmp && mv -f $@.$$$$.tmp $@

$(OBJ):
	mkdir -p $@

COMPAT_SRCS := $(wildcard agent/compat/*.c)
GEN_OBJS    = $(patsubst $(GEN)/%.c,$(OBJ)/gen/%.o,$(GEN_SRCS))
$(AGENT): $(patsubst agent/%.c,$(OBJ)/%.o,$(ALL_SRCS) $(COMPAT_SRCS)) $(GEN_OBJS) agent/agent.map $(TP_STAMP)
	$(XCC) $(CFLAGS) $(LDFLAGS_SO) -o $@.$$$$.tmp $(filter %.o,$^) $(LIBS_SO) && mv -f $@.$$$$.tmp $@

# The .so of the release tarballs: the same link without debug info
# (about 1.4 MB instead of 8; build/libspark_jmxagent.so keeps it).
DIST_SO := $(ABUILD)/release/libspark_jmxagent.so
$(DIST_SO): $(AGENT)
	@mkdir -p $(@D)
	$(XCC) $(CFLAGS) $(LDFLAGS_SO) -Wl,--strip-debug -o $@.$$$$.tmp \
	    $(patsubst agent/%.c,$(OBJ)/%.o,$(ALL_SRCS) $(COMPAT_SRCS)) $(GEN_OBJS) $(LIBS_SO) && mv -f $@.$$$$.tmp $@

.PHONY: dist dist-so
dist-so: $(DIST_SO)

# build/dist/libspark_jmxagent-VERSION-linux-ARCH.tar.gz for every arch, and
# build/dist/SHA256SUMS.
dist:
	@set -e; for a in $(ARCHES); do $(MAKE) --no-print-directory ARCH=$$a dist-so; done
	bash tools/dist.sh $(VERSION) $(ARCHES)

# The toolchain and the libraries, built once and kept under build/; the
# script is a no-op while it and the toolchain are unchanged (the touch
# keeps make from asking again).
$(TP_STAMP): tools/thirdparty.sh tools/toolchain.sh $(wildcard tools/patches/*.patch)
	bash tools/thirdparty.sh $(ARCH) && touch $@

# Unit tests: the pure modules and the test files, no JVM.
$(UNIT): $(PURE_SRCS) $(TLS_SRCS) $(UNIT_SRCS) $(GEN_SRCS) $(wildcard include/*.h test/unit/*.h) $(GEN_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CPPFLAGS) -Itest/unit $(CFLAGS) -o $@ $(PURE_SRCS) $(TLS_SRCS) $(UNIT_SRCS) $(GEN_SRCS) \
	    $(TLS_LIBS) -lyaml -lpcre2-8 -lprotobuf-c -lz -lpthread -lm

# The same under ASan+UBSan(+LSan): sanitizer builds are first-class.
$(UNIT_SAN): $(PURE_SRCS) $(TLS_SRCS) $(UNIT_SRCS) $(GEN_SRCS) $(wildcard include/*.h test/unit/*.h) $(GEN_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(CPPFLAGS) -Itest/unit -std=c11 -O1 -g $(WARN) \
	    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	    -o $@ $(PURE_SRCS) $(TLS_SRCS) $(UNIT_SRCS) $(GEN_SRCS) $(TLS_LIBS) -lyaml -lpcre2-8 -lprotobuf-c -lz -lpthread -lm

# libFuzzer targets (clang): `make fuzz` runs each for FUZZ_SECONDS;
# `make test-fuzz` is the short pass inside `make test`.  Crashes are kept
# under build/fuzz/<target>/ and become regression inputs in test/fuzz/regress/.
# Run by hand (build/fuzz/fuzz_config test/fuzz/seeds/config), a target
# writes there too, and its new inputs into build/fuzz/corpus-<target>,
# never into the seeds (test/fuzz/fuzz_dirs.c).
# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (libFuzzer's convention): the
# keystore reader computes but ignores its integrity checks and caps key
# derivation at 64 iterations, so mutated inputs reach the parsers behind
# the MAC and one input stays fast.
FUZZ_TARGETS := options javafmt objname config rules negotiate keystore javaregex pbexpo
FUZZ_SECONDS ?= 120
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
FUZZ_CFLAGS  := -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
                -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION $(CPPFLAGS)

$(BUILD)/fuzz/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/fuzz_dirs.c $(PURE_SRCS) $(TLS_SRCS) $(GEN_SRCS) $(wildcard include/*.h) $(GEN_HDRS)
	@mkdir -p $(BUILD)/fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< test/fuzz/fuzz_dirs.c $(filter-out agent/log.c,$(PURE_SRCS)) agent/log.c $(TLS_SRCS) $(GEN_SRCS) \
	    $(TLS_LIBS) -lyaml -lpcre2-8 -lprotobuf-c -lz -lpthread -lm

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

# The agent under ASan+UBSan inside a real JVM (not the jar's runs, and not
# the 100,000-MBean scale runs: 48 s under ASan, the same code paths as the
# smaller walks; make test-it runs them with the release build).  The ASan runtime must come
# first in the process (LD_PRELOAD); HotSpot uses SIGSEGV for implicit null
# checks, so ASan must not take it over (handle_segv=0); LSan cannot run
# inside a JVM (docs/design.md §15), leaks are checked by the unit tests.
ASAN_AGENT := $(BUILD)/asan/libspark_jmxagent.so
ASAN_OBJ   := $(BUILD)/asan/obj

$(ASAN_OBJ)/%.o: agent/%.c $(wildcard include/*.h) $(GEN_HDRS) $(TP_STAMP) | $(ASAN_OBJ)
	$(CC) $(AGENT_CPPFLAGS) -std=c11 -O1 -g -fPIC -fvisibility=hidden $(WARN) \
	    -fsanitize=address,undefined -fno-omit-frame-pointer -c $< -o $@

$(ASAN_OBJ)/gen/%.o: $(GEN)/%.c $(GEN_HDRS) $(TP_STAMP)
	@mkdir -p $(@D)
	$(CC) $(AGENT_CPPFLAGS) -std=c11 -O1 -g -fPIC -fvisibility=hidden $(WARN) \
	    -fsanitize=address,undefined -fno-omit-frame-pointer -c $< -o $@

$(ASAN_OBJ)/gen/%.o: $(GEN)/%.c $(GEN_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -std=c11 -O1 -g -fPIC -fvisibility=hidden $(WARN) \
	    -fsanitize=address,undefined -fno-omit-frame-pointer -c $< -o $@

$(ASAN_OBJ):
	mkdir -p $@

$(ASAN_AGENT): $(patsubst agent/%.c,$(ASAN_OBJ)/%.o,$(ALL_SRCS)) \
               $(patsubst $(GEN)/%.c,$(ASAN_OBJ)/gen/%.o,$(GEN_SRCS)) agent/agent.map $(TP_STAMP)
	$(CC) -shared -fsanitize=address,undefined -Wl,--version-script=agent/agent.map \
	    -o $@.$$$$.tmp $(filter %.o,$^) $(SYS_LIBS_SO) && mv -f $@.$$$$.tmp $@

.PHONY: test-asan
test-asan: $(ASAN_AGENT)
	@bash .ci/fetch-jar.sh
	@bash .ci/venv.sh
	IT_AGENT=$(abspath $(ASAN_AGENT)) \
	IT_JVM_PRELOAD=$$($(CC) -print-file-name=libasan.so):$$($(CC) -print-file-name=libubsan.so) \
	ASAN_OPTIONS=handle_segv=0:detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  timeout -k 10 1200 $(BUILD)/venv/bin/pytest -p no:cacheprovider test/it -q -k 'not jar and not 100k' $(IT_ARGS)

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
	python3 tools/gen_javaregex_blocks.py --check

# Each part of the project adds its own targets and appends to TEST_TARGETS.
TEST_TARGETS := test-generated test-unit test-unit-san test-fuzz
-include test/portable/portable.mk test/it/it.mk test/spark/spark.mk test/yarn/yarn.mk compose/lab.mk bench/bench.mk test/soak/soak.mk
TEST_TARGETS += test-asan

test: deps
	@$(MAKE) --no-print-directory all
	@set -e; for t in $(TEST_TARGETS); do echo "== make $$t"; $(MAKE) --no-print-directory $$t; done
	@echo "== all test targets passed: $(TEST_TARGETS)"

clean:
	rm -rf $(OBJ) $(AGENT) $(UNIT) $(UNIT_SAN) $(GEN)

# Also the toolchain, the third-party builds and their sources, the dist
# tarballs and the other arch's build (build/rootfs: make rootfs-clean).
distclean: clean
	rm -rf $(BUILD)/toolchain $(BUILD)/3p $(BUILD)/dist $(addprefix $(BUILD)/,$(filter-out $(HOST_ARCH),$(ARCHES)))
