# test/soak/soak.mk - the agent under load and over its lifetime
# (test/soak/README.md).  Included by the top-level Makefile.
#
#   make soak                  SOAK_SECONDS (default 600) of concurrent scrapes
#                              and MBean churn, RSS and live heap must stay flat
#   make test-soak             the same for 30 s (part of `make test`)
#   make test-exits            EXITS (default 200) JVM exits with scrapes in
#                              flight, plus EXITS_BASELINE (90) without the agent
#
#   SOAK_AGENT=/path/libspark_jmxagent.so   test another build (e.g. a private
#                              `make BUILD=build/h-soak all`)
#   SOAK_ARGS='--configs rules --churn-rate 2000'   more soak.py options
#   EXITS_ARGS='--slow-ms 50'  more exits.py options

SOAK_PY         := $(BUILD)/venv/bin/python
SOAK_SECONDS    ?= 600
SOAK_ARGS       ?=
EXITS           ?= 200
EXITS_BASELINE  ?= 90
EXITS_ARGS      ?=

.PHONY: soak test-soak test-exits soak-prereqs
TEST_TARGETS += test-soak test-exits

soak-prereqs:
	@bash .ci/venv.sh
	@$(MAKE) --no-print-directory all

# Outer guards only: every wait inside the scripts has its own deadline.
soak: soak-prereqs
	@timeout -k 10 $$(( $(SOAK_SECONDS) + 300 )) $(SOAK_PY) test/soak/soak.py \
	    --seconds $(SOAK_SECONDS) $(SOAK_ARGS)

test-soak: soak-prereqs
	@timeout -k 10 330 $(SOAK_PY) test/soak/soak.py --seconds 30 $(SOAK_ARGS)

test-exits: soak-prereqs
	@timeout -k 10 1800 $(SOAK_PY) test/soak/exits.py --runs $(EXITS) \
	    --baseline $(EXITS_BASELINE) $(EXITS_ARGS)
