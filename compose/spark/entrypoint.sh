#!/usr/bin/env bash
# Entrypoint of the Compose lab's Spark image (compose/spark/Dockerfile).
#
#   master             standalone Master, agent on :19404 (SPARK_MASTER_OPTS)
#   worker             standalone Worker, agent on :19405 (SPARK_WORKER_OPTS)
#   submit ARGS...     spark-submit ARGS (the driver runs in this container)
#   etl [ARGS...]      submit examples/etl_job.py (output under /opt/lab/data)
#   check              build-time self test: libraries resolve, config renders
#   render             only write $LAB_DIR/conf (used by test/lab)
#   anything else      exec'd as is
#
# Spark's configuration is rendered from the repository's examples/conf (the
# same templates `make spark-up` renders for the native lab) into
# $LAB_DIR/conf = SPARK_CONF_DIR. Its spark-env.sh maps
# SPARK_DRIVER_JAVA_OPTIONS onto the driver JVM (SPARK_SUBMIT_OPTS) and
# SPARK_EXECUTOR_JAVA_OPTIONS onto every executor
# (-Dspark.executor.defaultJavaOptions), exactly as in the native lab. Both
# default to the agent (port=0, file_sd target in $LAB_SD_DIR); set one to
# an empty string to run that side without the agent.
set -euo pipefail

AGENT=${JXA_AGENT:-/opt/jmxagent/libspark_jmxagent.so}
RULES=${JXA_RULES:-/opt/jmxagent/rules}
TEMPLATES=${JXA_TEMPLATES:-/opt/jmxagent/conf}
: "${LAB_DIR:=/opt/lab/spark}"
: "${LAB_SD_DIR:=/opt/lab/sd}"
: "${SPARK_HOME:=/opt/spark}"
: "${SPARK_MASTER_HOST:=spark-master}"
: "${SPARK_MASTER_PORT:=7077}"
: "${SPARK_MASTER_WEBUI_PORT:=8080}"
: "${SPARK_WORKER_WEBUI_PORT:=8081}"
: "${SPARK_WORKER_CORES:=2}"
: "${SPARK_WORKER_MEMORY:=2g}"
: "${SPARK_DRIVER_UI_PORT:=4040}"
: "${JXA_MASTER_PORT:=19404}"
: "${JXA_WORKER_PORT:=19405}"
CONF=$LAB_DIR/conf

agent_opts() {  # ROLE PORT [sd]
  local o="-agentpath:$AGENT=port=$2,host=0.0.0.0,config=$RULES/$1.yml"
  [ "${3:-}" = sd ] && o="$o,sd_dir=$LAB_SD_DIR,sd_job=spark-$1"
  echo "$o"
}

# Unset means "the lab's default"; an empty value means "no agent".
if [ -z "${SPARK_DRIVER_JAVA_OPTIONS+x}" ]; then
  SPARK_DRIVER_JAVA_OPTIONS=$(agent_opts driver 0 sd)
fi
if [ -z "${SPARK_EXECUTOR_JAVA_OPTIONS+x}" ]; then
  SPARK_EXECUTOR_JAVA_OPTIONS=$(agent_opts executor 0 sd)
fi
export SPARK_DRIVER_JAVA_OPTIONS SPARK_EXECUTOR_JAVA_OPTIONS

render() {
  local out=$1 f host
  host=$(hostname)
  mkdir -p "$out" "$LAB_DIR/logs" "$LAB_DIR/run" "$LAB_DIR/work" "$LAB_DIR/local"
  for f in metrics.properties spark-defaults.conf spark-env.sh; do
    # The agent reaches driver and executors through the two environment
    # variables above (spark-env.sh), so the spark-defaults agent lines of
    # the native lab stay empty here: one agent per JVM.
    sed -e "s|@JXA_ROOT@|/opt/jmxagent|g" \
        -e "s|@JXA_SPARK_DIR@|$LAB_DIR|g" \
        -e "s|@JXA_CONF_DIR@|$CONF|g" \
        -e "s|@JXA_PYTHON@|python3|g" \
        -e "s|@SPARK_MASTER_PORT@|$SPARK_MASTER_PORT|g" \
        -e "s|@SPARK_DRIVER_UI_PORT@|$SPARK_DRIVER_UI_PORT|g" \
        -e "s|@JXA_MASTER_OPTS@|$(agent_opts master "$JXA_MASTER_PORT")|g" \
        -e "s|@JXA_WORKER_OPTS@|$(agent_opts worker "$JXA_WORKER_PORT")|g" \
        -e "s|@JXA_DRIVER_OPTS@||g" \
        -e "s|@JXA_EXECUTOR_OPTS@||g" \
        "$TEMPLATES/$f" > "$out/$f.tmp"
    if grep -n '@[A-Z_]*@' "$out/$f.tmp" >&2; then
      echo "entrypoint: unknown placeholder in $TEMPLATES/$f (see above); update compose/spark/entrypoint.sh" >&2
      exit 1
    fi
    mv "$out/$f.tmp" "$out/$f"
  done
  # Container networking instead of the native lab's 127.0.0.1 (Java
  # Properties: the last occurrence of a key wins).
  cat >> "$out/spark-defaults.conf" <<EOF

# --- Compose lab (compose/spark/entrypoint.sh) ---
spark.master                    spark://$SPARK_MASTER_HOST:$SPARK_MASTER_PORT
spark.driver.host               $host
spark.driver.bindAddress        0.0.0.0
EOF
}

check() {
  if ldd "$AGENT" | grep 'not found'; then
    echo "entrypoint: $AGENT has unresolved libraries (above)" >&2; exit 1
  fi
  local tmp; tmp=$(mktemp -d)
  LAB_DIR=$tmp CONF=$tmp/conf render "$tmp/conf"
  for r in master worker driver executor; do
    [ -f "$RULES/$r.yml" ] || { echo "entrypoint: missing $RULES/$r.yml" >&2; exit 1; }
  done
  rm -rf "$tmp"
  echo "entrypoint: check ok"
}

cmd=${1:-master}; [ $# -gt 0 ] && shift
case $cmd in
  check) check; exit 0 ;;
  render) render "$CONF"; echo "entrypoint: rendered $CONF"; exit 0 ;;
esac

render "$CONF"
export SPARK_CONF_DIR=$CONF
cd "$LAB_DIR"
case $cmd in
  master)
    exec "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
      --host "$(hostname)" --port "$SPARK_MASTER_PORT" --webui-port "$SPARK_MASTER_WEBUI_PORT" "$@" ;;
  worker)
    exec "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
      "spark://$SPARK_MASTER_HOST:$SPARK_MASTER_PORT" --host "$(hostname)" \
      --webui-port "$SPARK_WORKER_WEBUI_PORT" --cores "$SPARK_WORKER_CORES" \
      --memory "$SPARK_WORKER_MEMORY" --work-dir "$LAB_DIR/work" "$@" ;;
  submit)
    exec "$SPARK_HOME/bin/spark-submit" "$@" ;;
  etl)
    exec "$SPARK_HOME/bin/spark-submit" /opt/lab/examples/etl_job.py \
      --output /opt/lab/data/etl_out "$@" ;;
  *)
    exec "$cmd" "$@" ;;
esac
