#!/usr/bin/env bash
# The local Spark standalone cluster of the observability lab: one Master and
# one Worker on 127.0.0.1, from the pyspark package of $LAB_VENV (build/venv:
# 3.4.1; build/spark-venvs/<version> for the other releases), on $JAVA_HOME,
# every JVM with the agent.  State and logs under $LAB_DIR (build/spark).
#
#   lab.sh render      write $LAB_DIR/conf (SPARK_CONF_DIR) from examples/conf
#   lab.sh up          render, start Master and Worker, wait until registered
#   lab.sh down        stop Worker (and its executors) and Master
#   lab.sh status      what runs
#   lab.sh submit ...  spark-submit with the lab's SPARK_CONF_DIR
#   lab.sh env         print the settings (sourceable)
#
# Settings (environment; the make variables of test/spark/spark.mk):
#   LAB_AGENT_KIND=native|jar   our libspark_jmxagent.so or jmx_prometheus_javaagent
#   LAB_MASTER_PORT, LAB_MASTER_UI_PORT, LAB_WORKER_PORT, LAB_WORKER_UI_PORT,
#   LAB_DRIVER_UI_PORT, LAB_AGENT_MASTER_PORT, LAB_AGENT_WORKER_PORT,
#   LAB_AGENT_DRIVER_PORTS (A-B, native; the jar takes A), LAB_AGENT_EXECUTOR_BASE
#   (jar only: executor N listens on BASE+N), LAB_WORKER_CORES, LAB_WORKER_MEMORY
#   LAB_WIRING=explicit|bare    explicit: each JVM gets port, rule file, sd_dir,
#   and metrics.properties switches JmxSink on; bare (native only): every JVM
#   gets a bare -agentpath:<so> and nothing else - no metrics.properties, no
#   rule path, no port (the agent's own port scheme: docs/spark.md, "One flag")
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${LAB_DIR:=$ROOT/build/spark}"
: "${LAB_AGENT_KIND:=native}"
: "${LAB_AGENT:=$ROOT/build/libspark_jmxagent.so}"
: "${LAB_JAR:=$ROOT/build/jmx_prometheus_javaagent.jar}"
: "${LAB_RULES:=$ROOT/rules}"
: "${LAB_VENV:=$ROOT/build/venv}"
: "${LAB_HOST:=127.0.0.1}"
: "${LAB_MASTER_PORT:=17077}"
: "${LAB_MASTER_UI_PORT:=18080}"
: "${LAB_WORKER_PORT:=17078}"
: "${LAB_WORKER_UI_PORT:=18081}"
: "${LAB_DRIVER_UI_PORT:=14040}"
: "${LAB_AGENT_MASTER_PORT:=17091}"
: "${LAB_AGENT_WORKER_PORT:=17092}"
: "${LAB_AGENT_DRIVER_PORTS:=17093-17099}"
: "${LAB_AGENT_EXECUTOR_BASE:=17100}"
: "${LAB_WORKER_CORES:=2}"
: "${LAB_WORKER_MEMORY:=2g}"
: "${LAB_TIMEOUT:=90}"
: "${LAB_WIRING:=explicit}"
if [ "$LAB_WIRING" = bare ]; then
  # The agent's port scheme and discovery directory (include/autoconf.h).
  LAB_AGENT_MASTER_PORT=9405 LAB_AGENT_WORKER_PORT=9406 LAB_AGENT_DRIVER_PORTS=9410-9419
  LAB_SD_DIR_BARE=/tmp/jmxagent-sd
fi
: "${JAVA_HOME:=/usr/lib/jvm/java-17-openjdk-amd64}"
export JAVA_HOME

SPARK_HOME=$(ls -d "$LAB_VENV"/lib/python3*/site-packages/pyspark 2>/dev/null | head -1 || true)
# The release, from its core jar (spark-core_<scala>-<version>.jar).
SPARK_VERSION=$(ls "$SPARK_HOME"/jars/spark-core_*.jar 2>/dev/null | sed -n 's/.*spark-core_[0-9.]*-\(.*\)\.jar$/\1/p' | head -1)
CONF=$LAB_DIR/conf
SD=${LAB_SD_DIR_BARE:-$LAB_DIR/sd}
RUN=$LAB_DIR/run
LOGS=$LAB_DIR/logs
MASTER_URL=spark://$LAB_HOST:$LAB_MASTER_PORT

die() { echo "lab.sh: $*" >&2; exit 1; }

# agent_opts ROLE PORT: the JVM option that loads the agent for ROLE
# (driver|executor|master|worker) on PORT (native: N, A-B or 0).
agent_opts() {
  local role=$1 port=$2 cfg=$LAB_RULES/$1.yml
  if [ "$LAB_WIRING" = bare ]; then
    [ "$LAB_AGENT_KIND" = native ] || die "LAB_WIRING=bare needs LAB_AGENT_KIND=native"
    echo "-agentpath:$LAB_AGENT"; return
  fi
  case $LAB_AGENT_KIND in
    native)
      echo "-agentpath:$LAB_AGENT=port=$port,host=$LAB_HOST,config=$cfg,sd_dir=$SD,sd_job=spark-$role" ;;
    jar)
      echo "-javaagent:$LAB_JAR=$LAB_HOST:${port%%-*}:$cfg" ;;
    *) die "LAB_AGENT_KIND must be native or jar, not '$LAB_AGENT_KIND'" ;;
  esac
}

driver_opts() { agent_opts driver "$LAB_AGENT_DRIVER_PORTS"; }
executor_opts() {
  if [ "$LAB_AGENT_KIND" = jar ]; then
    # The jar binds one fixed port; executors of one app share the option
    # string, so derive the port from the executor id (ids 0..9 only).
    agent_opts executor "${LAB_AGENT_EXECUTOR_BASE%?}{{EXECUTOR_ID}}"
  else
    agent_opts executor 0
  fi
}

render() {
  [ -n "$SPARK_HOME" ] || die "no pyspark in $LAB_VENV; run: bash .ci/venv.sh"
  mkdir -p "$CONF" "$SD" "$RUN" "$LOGS" "$LAB_DIR/work" "$LAB_DIR/local" "$LAB_DIR/out"
  local f
  for f in metrics.properties spark-defaults.conf spark-env.sh; do
    sed -e "s|@JXA_ROOT@|$ROOT|g" \
        -e "s|@JXA_SPARK_DIR@|$LAB_DIR|g" \
        -e "s|@JXA_CONF_DIR@|$CONF|g" \
        -e "s|@JXA_PYTHON@|$LAB_VENV/bin/python|g" \
        -e "s|@SPARK_MASTER_PORT@|$LAB_MASTER_PORT|g" \
        -e "s|@SPARK_DRIVER_UI_PORT@|$LAB_DRIVER_UI_PORT|g" \
        -e "s|@JXA_MASTER_OPTS@|$(agent_opts master "$LAB_AGENT_MASTER_PORT")|g" \
        -e "s|@JXA_WORKER_OPTS@|$(agent_opts worker "$LAB_AGENT_WORKER_PORT")|g" \
        -e "s|@JXA_DRIVER_OPTS@|$(driver_opts)|g" \
        -e "s|@JXA_EXECUTOR_OPTS@|$(executor_opts)|g" \
        "$ROOT/examples/conf/$f" > "$CONF/$f.tmp"
    mv "$CONF/$f.tmp" "$CONF/$f"
  done
  if [ "$LAB_WIRING" = bare ]; then
    # Nothing switches Spark's metrics on but the agent itself.
    rm -f "$CONF/metrics.properties"
    grep -v -E '^spark\.metrics\.conf ' "$CONF/spark-defaults.conf" > "$CONF/spark-defaults.conf.tmp"
    mv "$CONF/spark-defaults.conf.tmp" "$CONF/spark-defaults.conf"
  fi
  # The same defaults without the agent lines, for runs that add the agent
  # through SPARK_DRIVER_JAVA_OPTIONS/SPARK_EXECUTOR_JAVA_OPTIONS instead.
  grep -v -E '^spark\.(driver|executor)\.extraJavaOptions' "$CONF/spark-defaults.conf" \
    > "$CONF/spark-defaults-noagent.conf"
}

print_env() {
  cat <<EOF
export SPARK_HOME='$SPARK_HOME'
export SPARK_CONF_DIR='$CONF'
export JAVA_HOME='$JAVA_HOME'
export LAB_SPARK_VERSION='$SPARK_VERSION'
export LAB_DIR='$LAB_DIR' LAB_SD_DIR='$SD' LAB_AGENT_KIND='$LAB_AGENT_KIND' LAB_WIRING='$LAB_WIRING' LAB_AGENT='$LAB_AGENT'
export LAB_MASTER_URL='$MASTER_URL' LAB_HOST='$LAB_HOST'
export LAB_MASTER_UI_PORT='$LAB_MASTER_UI_PORT' LAB_WORKER_UI_PORT='$LAB_WORKER_UI_PORT'
export LAB_DRIVER_UI_PORT='$LAB_DRIVER_UI_PORT'
export LAB_AGENT_MASTER_PORT='$LAB_AGENT_MASTER_PORT' LAB_AGENT_WORKER_PORT='$LAB_AGENT_WORKER_PORT'
export LAB_AGENT_DRIVER_PORTS='$LAB_AGENT_DRIVER_PORTS' LAB_AGENT_EXECUTOR_BASE='$LAB_AGENT_EXECUTOR_BASE'
export LAB_DRIVER_OPTS='$(driver_opts)'
export LAB_EXECUTOR_OPTS='$(executor_opts)'
EOF
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pidof_role() { cat "$RUN/$1.pid" 2>/dev/null || true; }

# wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds.
wait_for() {
  local t=$1 what=$2; shift 2
  local end=$((SECONDS + t))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.5
  done
}

# Run spark-class in the background, in its own session (so that `down` can
# signal exactly this JVM), with a clean environment for load-spark-env.sh.
start_daemon() {
  local role=$1; shift
  local pid
  pid=$(pidof_role "$role")
  if alive "$pid"; then echo "lab.sh: $role already runs (pid $pid)"; return 0; fi
  env -u SPARK_ENV_LOADED SPARK_HOME="$SPARK_HOME" SPARK_CONF_DIR="$CONF" \
      setsid "$SPARK_HOME/bin/spark-class" "$@" > "$LOGS/$role.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$role.pid"   # spark-class execs java: this is the JVM's pid
  echo "lab.sh: $role started (pid $!, log $LOGS/$role.log)"
}

master_json() { curl -sf --max-time 2 "http://$LAB_HOST:$LAB_MASTER_UI_PORT/json/"; }
worker_alive() { master_json | grep -q '"aliveworkers" *: *1'; }
agent_up() { curl -sf --max-time 2 -o /dev/null "http://$LAB_HOST:$1/metrics"; }

up() {
  render
  case $LAB_AGENT_KIND in
    native) [ -f "$LAB_AGENT" ] || die "$LAB_AGENT missing; run make (or LAB_AGENT_KIND=jar)" ;;
    jar) [ -f "$LAB_JAR" ] || bash "$ROOT/.ci/fetch-jar.sh" || die "$LAB_JAR missing" ;;
  esac
  start_daemon master org.apache.spark.deploy.master.Master \
    --host "$LAB_HOST" --port "$LAB_MASTER_PORT" --webui-port "$LAB_MASTER_UI_PORT"
  wait_for "$LAB_TIMEOUT" "master UI" master_json || { tail -30 "$LOGS/master.log" >&2; die "master did not come up"; }
  start_daemon worker org.apache.spark.deploy.worker.Worker "$MASTER_URL" \
    --host "$LAB_HOST" --port "$LAB_WORKER_PORT" --webui-port "$LAB_WORKER_UI_PORT" \
    --cores "$LAB_WORKER_CORES" --memory "$LAB_WORKER_MEMORY" --work-dir "$LAB_DIR/work"
  wait_for "$LAB_TIMEOUT" "worker registration" worker_alive || { tail -30 "$LOGS/worker.log" >&2; die "worker did not register"; }
  wait_for 30 "master agent" agent_up "$LAB_AGENT_MASTER_PORT" || die "no /metrics on master agent port $LAB_AGENT_MASTER_PORT"
  wait_for 30 "worker agent" agent_up "$LAB_AGENT_WORKER_PORT" || die "no /metrics on worker agent port $LAB_AGENT_WORKER_PORT"
  echo "lab.sh: cluster up: $MASTER_URL, UI http://$LAB_HOST:$LAB_MASTER_UI_PORT, agents :$LAB_AGENT_MASTER_PORT (master) :$LAB_AGENT_WORKER_PORT (worker) [$LAB_AGENT_KIND]"
}

# stop ROLE: TERM the daemon, wait, KILL if needed.  The Worker's shutdown
# hook kills its executors; any that survive are killed by pid afterwards.
stop() {
  local role=$1 pid kids=""
  pid=$(pidof_role "$role")
  if ! alive "$pid"; then rm -f "$RUN/$role.pid"; return 0; fi
  [ "$role" = worker ] && kids=$(pgrep -P "$pid" || true)
  kill -TERM "$pid" 2>/dev/null || true
  local end=$((SECONDS + 20))
  while alive "$pid" && [ $SECONDS -lt $end ]; do sleep 0.3; done
  if alive "$pid"; then echo "lab.sh: $role did not stop on TERM; KILL" >&2; kill -KILL "$pid" 2>/dev/null || true; fi
  local k
  for k in $kids; do
    if alive "$k"; then kill -TERM "$k" 2>/dev/null || true; sleep 2; alive "$k" && kill -KILL "$k" 2>/dev/null || true; fi
  done
  rm -f "$RUN/$role.pid"
  echo "lab.sh: $role stopped"
}

down() { stop worker; stop master; }

status() {
  local r pid
  for r in master worker; do
    pid=$(pidof_role $r)
    if alive "$pid"; then echo "$r: running (pid $pid)"; else echo "$r: stopped"; fi
  done
  ls "$SD" 2>/dev/null | sed 's/^/sd: /' || true
}

submit() {
  [ -n "$SPARK_HOME" ] || die "no pyspark in $LAB_VENV"
  [ -f "$CONF/spark-defaults.conf" ] || render
  exec env -u SPARK_ENV_LOADED SPARK_HOME="$SPARK_HOME" SPARK_CONF_DIR="$CONF" \
    "$SPARK_HOME/bin/spark-submit" "$@"
}

cmd=${1:-}; [ $# -gt 0 ] && shift
case $cmd in
  render) render ;;
  up) up ;;
  down) down ;;
  status) status ;;
  submit) submit "$@" ;;
  env) print_env ;;
  *) sed -n '2,20p' "$0"; exit 2 ;;
esac
