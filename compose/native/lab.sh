#!/usr/bin/env bash
# The native observability lab: Debian's Prometheus, Alertmanager,
# node_exporter and Pushgateway, the webhook receiver, and the Spark
# standalone cluster of test/spark/lab.sh, every Spark JVM with the agent,
# all on 127.0.0.1. State, logs and pid files under $LAB_STATE (build/lab).
#
#   lab.sh up [--fast] [--no-etl]   start everything, run the ETL job, print where to look
#   lab.sh down                     stop exactly what `up` started (pid files)
#   lab.sh status                   what runs
#   lab.sh submit ARGS...           spark-submit into the lab's cluster
#   lab.sh etl                      run examples/etl_job.py once more
#
# --fast renders the test configuration (2 s scrape/evaluation, `for:` <= 5 s,
# short Alertmanager waits; compose/native/render.py). Ports: see PORTS below
# and docs/lab.md; override with the environment variables of the same names.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${LAB_STATE:=$ROOT/build/lab}"
: "${PYTHON:=$ROOT/build/venv/bin/python}"
# ---- PORTS (127.0.0.1) ----------------------------------------------------
: "${LAB_PROMETHEUS_PORT:=19090}"
: "${LAB_ALERTMANAGER_PORT:=19093}"
: "${LAB_NODE_EXPORTER_PORT:=19100}"
: "${LAB_PUSHGATEWAY_PORT:=19091}"
: "${LAB_WEBHOOK_PORT:=19095}"
: "${LAB_VICTORIA_METRICS_PORT:=19428}"
# Long-term storage: VictoriaMetrics keeps what Prometheus remote-writes for
# this long (its -retentionPeriod), across lab runs; Prometheus' own TSDB
# starts empty every run.
: "${LAB_RETENTION:=90d}"
# The Spark cluster (test/spark/lab.sh settings), on ports of its own so that
# it never meets the Spark tests' cluster (test/spark, 17xxx ports).
export LAB_DIR=${LAB_SPARK_DIR:-$LAB_STATE/spark}
export LAB_MASTER_PORT=${LAB_MASTER_PORT:-19077}
export LAB_MASTER_UI_PORT=${LAB_MASTER_UI_PORT:-19080}
export LAB_WORKER_PORT=${LAB_WORKER_PORT:-19078}
export LAB_WORKER_UI_PORT=${LAB_WORKER_UI_PORT:-19081}
export LAB_DRIVER_UI_PORT=${LAB_DRIVER_UI_PORT:-19040}
export LAB_AGENT_MASTER_PORT=${LAB_AGENT_MASTER_PORT:-19404}
export LAB_AGENT_WORKER_PORT=${LAB_AGENT_WORKER_PORT:-19405}
export LAB_AGENT_DRIVER_PORTS=${LAB_AGENT_DRIVER_PORTS:-19410-19419}
export LAB_AGENT_KIND=${LAB_AGENT_KIND:-native}
SPARK_LAB=$ROOT/test/spark/lab.sh
SD=$LAB_DIR/sd
ETC=$LAB_STATE/etc
PIDS=$LAB_STATE/pids
LOGS=$LAB_STATE/logs
H=127.0.0.1

say() { echo "lab: $*"; }
die() { echo "lab: $*" >&2; exit 1; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

port_free() { ! (exec 3<>"/dev/tcp/$H/$1") 2>/dev/null; }

# wait_http SECONDS URL: poll until URL answers 2xx.
wait_http() {
  local end=$((SECONDS + $1))
  until curl -sf --max-time 2 -o /dev/null "$2"; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.2
  done
}

# start NAME CMD...: run CMD in its own session, remember its pid.
start() {
  local name=$1; shift
  local pid
  pid=$(cat "$PIDS/$name.pid" 2>/dev/null || true)
  if alive "$pid"; then say "$name already runs (pid $pid)"; return 0; fi
  setsid "$@" > "$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$name.pid"
}

# stop_pid NAME: TERM the process group `start` created (setsid: its id is
# the pid; a spark-submit's Python child goes with it), wait up to 10 s,
# then KILL.
stop_pid() {
  local name=$1 pid
  pid=$(cat "$PIDS/$name.pid" 2>/dev/null || true)
  if alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local end=$((SECONDS + 10))
    while alive "$pid" && [ $SECONDS -lt $end ]; do sleep 0.2; done
    if alive "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
    say "$name stopped (pid $pid)"
  fi
  rm -f "$PIDS/$name.pid"
}

DAEMONS=(prometheus alertmanager webhook pushgateway node-exporter victoria-metrics)

# Drivers of this lab that still run (`lab.sh submit` runs them in the
# foreground, without a pid file): their agents' target files in $SD name
# their pids; only JVMs that use this lab's SPARK_CONF_DIR are signalled.
stop_drivers() {
  local f pid pids=() end
  for f in "$SD"/*.json; do
    [ -e "$f" ] || continue
    grep -q '"job" *: *"spark-driver"' "$f" || continue
    pid=$(grep -o '"pid" *: *"[0-9]*"' "$f" | grep -o '[0-9][0-9]*' || true)
    alive "$pid" || continue
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$LAB_DIR/conf" || continue
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid") && say "driver pid $pid stopped"
  done
  end=$((SECONDS + 15))
  for pid in "${pids[@]}"; do
    while alive "$pid" && [ $SECONDS -lt $end ]; do sleep 0.2; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
}

down() {
  # Spark first (drivers, then executors with the worker), then the stack.
  stop_pid etl
  stop_drivers
  if [ -f "$SPARK_LAB" ]; then
    bash "$SPARK_LAB" down || true
  fi
  local d
  for d in "${DAEMONS[@]}"; do stop_pid "$d"; done
}

render() {
  local fast=()
  [ "${1:-}" = --fast ] && fast=(--fast)
  mkdir -p "$ETC" "$SD"
  "$PYTHON" "$ROOT/compose/native/render.py" --out "$ETC" --sd-dir "$SD" "${fast[@]}" \
    --port "prometheus:9090=$LAB_PROMETHEUS_PORT" --port "alertmanager:9093=$LAB_ALERTMANAGER_PORT" \
    --port "node-exporter:9100=$LAB_NODE_EXPORTER_PORT" --port "pushgateway:9091=$LAB_PUSHGATEWAY_PORT" \
    --port "webhook:19095=$LAB_WEBHOOK_PORT" --port "victoria-metrics:8428=$LAB_VICTORIA_METRICS_PORT" \
    --port "spark-master:19404=$LAB_AGENT_MASTER_PORT" --port "spark-worker:19405=$LAB_AGENT_WORKER_PORT"
  promtool check config "$ETC/prometheus.yml" > "$LOGS/promtool.log" 2>&1 \
    || { cat "$LOGS/promtool.log" >&2; die "rendered prometheus.yml is invalid"; }
}

start_stack() {
  local p
  for p in "$LAB_PROMETHEUS_PORT" "$LAB_ALERTMANAGER_PORT" "$LAB_NODE_EXPORTER_PORT" \
           "$LAB_PUSHGATEWAY_PORT" "$LAB_WEBHOOK_PORT" "$LAB_VICTORIA_METRICS_PORT" "$LAB_MASTER_PORT" "$LAB_MASTER_UI_PORT" \
           "$LAB_WORKER_PORT" "$LAB_WORKER_UI_PORT" "$LAB_AGENT_MASTER_PORT" "$LAB_AGENT_WORKER_PORT"; do
    port_free "$p" || die "127.0.0.1:$p is in use (another lab? run: make lab-stop)"
  done
  # A fresh TSDB per run: old samples would satisfy queries for 5 minutes.
  rm -rf "$LAB_STATE/prometheus-data" "$LAB_STATE/alertmanager-data"
  # The webhook's record starts empty too; the previous run's is kept once.
  [ -f "$LAB_STATE/alerts.jsonl" ] && mv -f "$LAB_STATE/alerts.jsonl" "$LAB_STATE/alerts.jsonl.previous"
  mkdir -p "$LAB_STATE/prometheus-data" "$LAB_STATE/alertmanager-data"
  command -v victoria-metrics >/dev/null || die "victoria-metrics is not installed: make deps"
  mkdir -p "$LAB_STATE/victoria-metrics-data"
  start victoria-metrics victoria-metrics -storageDataPath="$LAB_STATE/victoria-metrics-data" \
    -retentionPeriod="$LAB_RETENTION" -httpListenAddr="$H:$LAB_VICTORIA_METRICS_PORT"
  start webhook "$PYTHON" "$ROOT/compose/webhook/receiver.py" --listen "$H:$LAB_WEBHOOK_PORT" \
    --out "$LAB_STATE/alerts.jsonl"
  start alertmanager prometheus-alertmanager --config.file="$ETC/alertmanager.yml" \
    --storage.path="$LAB_STATE/alertmanager-data" --web.listen-address="$H:$LAB_ALERTMANAGER_PORT" \
    --cluster.listen-address=
  start node-exporter prometheus-node-exporter --web.listen-address="$H:$LAB_NODE_EXPORTER_PORT" \
    --no-collector.systemd
  start pushgateway prometheus-pushgateway --web.listen-address="$H:$LAB_PUSHGATEWAY_PORT"
  start prometheus prometheus --config.file="$ETC/prometheus.yml" \
    --storage.tsdb.path="$LAB_STATE/prometheus-data" --web.listen-address="$H:$LAB_PROMETHEUS_PORT" \
    --web.enable-lifecycle --enable-feature=native-histograms \
    --web.console.templates="$ETC/consoles" --web.console.libraries="$ETC/console_libraries"
  wait_http 20 "http://$H:$LAB_WEBHOOK_PORT/-/healthy" || die "webhook did not start ($LOGS/webhook.log)"
  wait_http 20 "http://$H:$LAB_ALERTMANAGER_PORT/-/ready" || die "alertmanager did not start ($LOGS/alertmanager.log)"
  wait_http 20 "http://$H:$LAB_NODE_EXPORTER_PORT/metrics" || die "node-exporter did not start ($LOGS/node-exporter.log)"
  wait_http 20 "http://$H:$LAB_PUSHGATEWAY_PORT/-/ready" || die "pushgateway did not start ($LOGS/pushgateway.log)"
  wait_http 20 "http://$H:$LAB_VICTORIA_METRICS_PORT/health" || die "victoria-metrics did not start ($LOGS/victoria-metrics.log)"
  wait_http 20 "http://$H:$LAB_PROMETHEUS_PORT/-/ready" || die "prometheus did not start ($LOGS/prometheus.log)"
  say "stack up: prometheus, alertmanager, node-exporter, pushgateway, webhook, victoria-metrics"
}

submit() {
  bash "$SPARK_LAB" submit "$@"
}

etl() {
  mkdir -p "$LAB_STATE/out"
  say "running examples/etl_job.py (log $LOGS/etl.log)"
  # --linger: the driver and executors stay a little after the work, so that
  # Prometheus scrapes their final counter values.
  start etl bash "$SPARK_LAB" submit "$ROOT/examples/etl_job.py" --output "$LAB_STATE/out/etl" \
    --linger "${LAB_ETL_LINGER:-15}"
  local pid rc=0
  pid=$(cat "$PIDS/etl.pid")
  wait "$pid" || rc=$?
  rm -f "$PIDS/etl.pid"
  [ $rc -eq 0 ] || { tail -20 "$LOGS/etl.log" >&2; die "the ETL job failed (exit $rc)"; }
  # A batch result for the Pushgateway (Prometheus scrapes it with honor_labels).
  printf '# TYPE lab_etl_last_success_timestamp_seconds gauge\nlab_etl_last_success_timestamp_seconds %s\n' \
    "$(date +%s)" | curl -sf --max-time 5 --data-binary @- \
    "http://$H:$LAB_PUSHGATEWAY_PORT/metrics/job/lab_etl" >/dev/null || say "push to the Pushgateway failed"
  say "ETL job done"
}

banner() {
  cat <<EOF

The native Spark observability lab runs (127.0.0.1; state in $LAB_STATE):

  Dashboards     http://$H:$LAB_PROMETHEUS_PORT/consoles/index.html   (start here: links to everything)
                 http://$H:$LAB_PROMETHEUS_PORT/consoles/spark-cluster.html
                 http://$H:$LAB_PROMETHEUS_PORT/consoles/spark-jobs.html
                 http://$H:$LAB_PROMETHEUS_PORT/consoles/system-metrics.html
  Prometheus     http://$H:$LAB_PROMETHEUS_PORT/classic/graph   (Debian ships the classic UI)
                 http://$H:$LAB_PROMETHEUS_PORT/classic/targets
                 http://$H:$LAB_PROMETHEUS_PORT/classic/alerts
  Alertmanager   http://$H:$LAB_ALERTMANAGER_PORT/api/v2/alerts   (API only: Debian has no UI for it)
  Webhook        http://$H:$LAB_WEBHOOK_PORT/alerts   (recorded to $LAB_STATE/alerts.jsonl)
  node-exporter  http://$H:$LAB_NODE_EXPORTER_PORT/metrics
  Pushgateway    http://$H:$LAB_PUSHGATEWAY_PORT/metrics
  Long-term      http://$H:$LAB_VICTORIA_METRICS_PORT/   (VictoriaMetrics: Prometheus remote-writes here,
                 kept $LAB_RETENTION in $LAB_STATE/victoria-metrics-data; query API /api/v1/query)
  Spark master   http://$H:$LAB_MASTER_UI_PORT   (spark://$H:$LAB_MASTER_PORT)   worker http://$H:$LAB_WORKER_UI_PORT

  Agent endpoints (/metrics):
    master       http://$H:$LAB_AGENT_MASTER_PORT/metrics
    worker       http://$H:$LAB_AGENT_WORKER_PORT/metrics
    drivers      first free port of $LAB_AGENT_DRIVER_PORTS, executors an ephemeral port;
                 each writes a file_sd target into $SD (see $H:$LAB_PROMETHEUS_PORT/classic/targets)
EOF
  local f
  for f in "$SD"/*.json; do
    [ -e "$f" ] && echo "                 $(basename "$f"): $(tr -d '\n ' < "$f")"
  done
  cat <<EOF

  The dashboards are Prometheus console templates generated from the same
  panels as the Compose lab's Grafana dashboards (docs/lab.md); choose the
  application and instance on the page (URL parameters ?application=&instance=).

  More jobs:
    compose/native/lab.sh etl
    compose/native/lab.sh submit examples/failing_job.py --linger 120    # fires SparkTaskFailures (for: 1m)
    compose/native/lab.sh submit examples/streaming_job.py --duration 120
  Stop everything:  make lab-stop
EOF
}

status() {
  local d pid
  for d in "${DAEMONS[@]}" etl; do
    pid=$(cat "$PIDS/$d.pid" 2>/dev/null || true)
    if alive "$pid"; then echo "$d: running (pid $pid)"; else echo "$d: stopped"; fi
  done
  bash "$SPARK_LAB" status || true
}

up() {
  local fast="" run_etl=1 a
  for a in "$@"; do
    case $a in
      --fast) fast=--fast ;;
      --no-etl) run_etl=0 ;;
      *) die "unknown option $a" ;;
    esac
  done
  command -v prometheus >/dev/null || die "prometheus is not installed: make deps"
  [ -x "$PYTHON" ] || bash "$ROOT/.ci/venv.sh"
  [ -f "$SPARK_LAB" ] || die "$SPARK_LAB missing (the Spark side of the lab)"
  mkdir -p "$PIDS" "$LOGS"
  # Whatever fails from here on: stop what was started.
  trap 'rc=$?; if [ $rc -ne 0 ]; then echo "lab: start failed; stopping what was started" >&2; down >&2 || true; fi' EXIT
  render $fast
  start_stack
  bash "$SPARK_LAB" up
  [ $run_etl = 1 ] && etl
  trap - EXIT
  banner
}

cmd=${1:-}; [ $# -gt 0 ] && shift
case $cmd in
  up) up "$@" ;;
  down) down ;;
  status) status ;;
  render) mkdir -p "$LOGS"; render "$@" ;;
  submit) submit "$@" ;;
  etl) mkdir -p "$PIDS" "$LOGS"; etl ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
