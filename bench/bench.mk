# bench/bench.mk - the side-by-side benchmark (docs/bench.md), included by
# the top-level Makefile.
#
#   make bench          the full run: no agent, libspark_jmxagent,
#                       jmx_prometheus_javaagent and the pure-Java lower bound
#                       on the same fixture JVM; markdown on stdout, JSON in
#                       build/bench/results.json.  BENCH_ARGS=... passes options
#                       (e.g. BENCH_ARGS='--workloads spark --seq 300').
#   make bench-smoke    a tiny run (< 1 minute): asserts only that every
#                       contender answered and that numbers were produced.

BENCH_PY := $(BUILD)/venv/bin/python

.PHONY: bench bench-smoke bench-prereqs

bench-prereqs: $(AGENT)
	@bash .ci/venv.sh
	@bash .ci/fetch-jar.sh >/dev/null || echo "bench: fetch-jar.sh failed; falling back to ~/.m2's 1.0.1" >&2

bench: bench-prereqs
	$(BENCH_PY) bench/bench.py $(BENCH_ARGS)

bench-smoke: bench-prereqs
	$(BENCH_PY) bench/bench.py --smoke

TEST_TARGETS += bench-smoke

# The writers alone (bench/micro/expo_bench.c): bytes and time per write of
# one result in text, OpenMetrics and protobuf.  Not part of make test.
.PHONY: bench-expo
$(BUILD)/bench/expo_bench: bench/micro/expo_bench.c $(PURE_SRCS) $(GEN_SRCS) $(GEN_HDRS) $(wildcard include/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -O2 -o $@ $< $(PURE_SRCS) $(GEN_SRCS) -lyaml -lpcre2-8 -lprotobuf-c -lz -lpthread -lm

bench-expo: $(BUILD)/bench/expo_bench
	$(BUILD)/bench/expo_bench
