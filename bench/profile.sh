#!/usr/bin/env bash
# Samples the fixture JVM with libspark_jmxagent under sequential scrapes
# with perf (cpu-clock: this machine has no hardware counters) and prints
# the hottest symbols of the agent and the whole process.
#   bash bench/profile.sh [spark|stress] [config] [scrapes] [spark-samples]
set -euo pipefail
cd "$(dirname "$0")/.."
set_=${1:-stress}
config=${2:-$PWD/bench/configs/stress_20rules.yaml}
n=${3:-20}
samples=${4:-1.0}
J=$(echo "$PWD"/build/venv/lib/python3*/site-packages/pyspark/jars)
CP=build/bench/classes:$J/metrics-core-4.2.15.jar:$J/metrics-jmx-4.2.15.jar:$J/metrics-jvm-4.2.15.jar:$J/slf4j-api-2.0.6.jar
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(port); C=$(port)
out=build/bench/profile; mkdir -p $out
# The fixture's classes, as bench.py compiles them (a fresh checkout has none).
build/venv/bin/python -c 'import sys; sys.path.insert(0, "bench"); import bench; bench.compile_fixture(bench.pyspark_jars())'
cp build/libspark_jmxagent.so $out/libspark_jmxagent.so    # immune to a rebuild meanwhile
# Every scrape a walk of its own (minScrapeIntervalSeconds: 0): profile walks.
{ echo "minScrapeIntervalSeconds: 0"; grep -v -e '^{}$' -e '^---$' "$config"; } >$out/config.yaml
config=$PWD/$out/config.yaml
args=(--set "$set_" --ctl-port "$C")
[ "$set_" = spark ] && args+=(--samples "$samples")
java -XX:+UseG1GC -Xmx1g -XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit \
  -agentpath:$PWD/$out/libspark_jmxagent.so=127.0.0.1:$P:$config \
  -cp "$CP" BenchFixture "${args[@]}" >$out/fixture.out 2>$out/fixture.err &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until grep -q READY $out/fixture.out 2>/dev/null; do
  kill -0 $pid 2>/dev/null || { echo "profile: the fixture JVM exited; see $out/fixture.err" >&2; exit 1; }
  sleep 0.1
done
for i in $(seq 10); do curl -s -o /dev/null 127.0.0.1:$P/metrics; done     # warm-up
perf record -q -e cpu-clock -F 499 -g -p $pid -o $out/perf.data >/dev/null 2>&1 &
perfpid=$!
sleep 0.5
t0=$(date +%s.%N)
for i in $(seq "$n"); do curl -s -o /dev/null 127.0.0.1:$P/metrics; done
t1=$(date +%s.%N)
kill -INT $perfpid; wait $perfpid || true
cp /proc/$pid/maps $out/maps
kill $pid; wait $pid || true      # JVM exit writes /tmp/perf-<pid>.map (DumpPerfMapAtExit)
trap - EXIT
echo "$n scrapes in $(echo "$t1 - $t0" | bc) s"
python3 bench/perf_summary.py $out/perf.data /tmp/perf-$pid.map $out/maps
echo "--- top symbols, whole process"
perf report -i $out/perf.data --no-children --sort dso,sym -g none -q 2>/dev/null | grep -v '^$' | head -${TOP:-30}
