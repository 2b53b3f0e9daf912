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
