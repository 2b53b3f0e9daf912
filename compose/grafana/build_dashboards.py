#!/usr/bin/env python3
"""Writes the lab's three dashboards: Grafana JSON and Prometheus consoles.

    python3 compose/grafana/build_dashboards.py [--check]

One set of panel definitions (below) becomes
  compose/grafana/dashboards/*.json   what Grafana provisions (Compose lab)
  compose/prometheus/consoles/*.html  console templates Prometheus serves
                                      (native lab; drawn by
                                      compose/prometheus/console_libraries/lab.lib)
so the two never drift: same panels, PromQL, units, legends, variables.
Edit here, run, commit all. --check exits 1 if a file differs from what the
script would write.

Metric names: JVM/process families are the agent's defaults (those of
jmx_prometheus_javaagent 1.0.1); spark_* are the ones rules/*.yml produce
(docs/metrics.md); node_* are node_exporter's.
"""
import argparse
import json
import os
import re
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboards")
CONSOLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "prometheus", "consoles")
DS = {"type": "prometheus", "uid": "lab-prometheus"}  # provisioning/datasources/prometheus.yml
APP = 'app_id=~"$application"'
INST = 'instance=~"$instance"'
SPARK_JOBS = 'job=~"spark-.*"'


# ------------------------------------------------------------------ helpers
def target(expr, legend="", ref="A", instant=False, fmt=None):
    t = {"refId": ref, "datasource": DS, "expr": expr, "legendFormat": legend or "__auto",
         "range": not instant, "instant": instant, "editorMode": "code"}
    if fmt:
        t["format"] = fmt
    return t


def thresholds(*steps):
    """steps: (value or None, color)"""
    return {"mode": "absolute", "steps": [{"value": v, "color": c} for v, c in steps]}


def field_defaults(unit, minv=None, maxv=None, thr=None, custom=None, decimals=None):
    d = {"unit": unit, "thresholds": thr or thresholds((None, "green"))}
    if minv is not None:
        d["min"] = minv
    if maxv is not None:
        d["max"] = maxv
    if decimals is not None:
        d["decimals"] = decimals
    if custom is not None:
        d["custom"] = custom
    return {"defaults": d, "overrides": []}


REDUCE = {"calcs": ["lastNotNull"], "fields": "", "values": False}


def timeseries(title, targets, unit="short", desc="", stack=False, minv=None, maxv=None):
    custom = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
              "spanNulls": False, "axisPlacement": "auto",
              "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    return {"type": "timeseries", "title": title, "description": desc, "datasource": DS,
            "targets": targets,
            "fieldConfig": field_defaults(unit, minv, maxv, custom=custom),
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []},
                        "tooltip": {"mode": "multi", "sort": "desc"}}}


def stat(title, targets, unit="short", desc="", thr=None, graph="area", decimals=None):
    return {"type": "stat", "title": title, "description": desc, "datasource": DS, "targets": targets,
            "fieldConfig": field_defaults(unit, thr=thr, decimals=decimals),
            "options": {"graphMode": graph, "colorMode": "value", "justifyMode": "auto", "textMode": "auto",
                        "wideLayout": True, "showPercentChange": False, "percentChangeColorMode": "standard",
                        "orientation": "auto", "reduceOptions": REDUCE}}


def gauge(title, targets, unit="percentunit", desc="", minv=0, maxv=1, thr=None):
    return {"type": "gauge", "title": title, "description": desc, "datasource": DS, "targets": targets,
            "fieldConfig": field_defaults(unit, minv, maxv, thr=thr or thresholds(
                (None, "green"), (0.75, "orange"), (0.85, "red"))),
            "options": {"showThresholdLabels": False, "showThresholdMarkers": True, "sizing": "auto",
                        "minVizWidth": 75, "minVizHeight": 75, "orientation": "auto", "reduceOptions": REDUCE}}


def table(title, targets, unit="short", desc="", exclude=()):
    p = {"type": "table", "title": title, "description": desc, "datasource": DS, "targets": targets,
         "fieldConfig": field_defaults(unit, custom={"align": "auto", "inspect": False}),
         "options": {"frameIndex": 0, "showHeader": True, "cellHeight": "sm",
                     "footer": {"show": False, "reducer": ["sum"], "countRows": False}}}
    hide = {"Time": True, "__name__": True}
    hide.update({k: True for k in exclude})
    p["transformations"] = [{"id": "merge", "options": {}},
                            {"id": "organize", "options": {"excludeByName": hide}}]
    return p


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def variable(name, label, query, desc):
    return {"type": "query", "name": name, "label": label, "description": desc, "datasource": DS,
            "query": query,
            "definition": query, "refresh": 2, "sort": 1, "multi": True, "includeAll": True,
            "allValue": ".*", "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
            "options": [], "hide": 0}


def layout(panels):
    """Rows span the width; other panels flow left to right, 24 columns."""
    x = y = 0
    rowh = 0
    pid = 1
    for p in panels:
        p["id"] = pid
        pid += 1
        if p["type"] == "row":
            if x:
                y += rowh
            p["gridPos"] = {"h": 1, "w": 24, "x": 0, "y": y}
            y += 1
            x = rowh = 0
            continue
        w, h = p.pop("_w", 8), p.pop("_h", 8)
        if x + w > 24:
            x, y, rowh = 0, y + rowh, 0
        p["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
        x += w
        rowh = max(rowh, h)
    return panels


def size(p, w, h):
    p["_w"], p["_h"] = w, h
    return p


def dashboard(uid, title, desc, tags, variables, panels, links=()):
    return {
        "uid": uid, "title": title, "description": desc, "tags": ["spark-lab"] + tags,
        "editable": False, "graphTooltip": 1, "timezone": "browser", "schemaVersion": 39,
        "time": {"from": "now-30m", "to": "now"}, "refresh": "10s", "liveNow": False,
        "fiscalYearStartMonth": 0, "weekStart": "",
        "timepicker": {"refresh_intervals": ["5s", "10s", "30s", "1m", "5m"]},
        "annotations": {"list": [{
            "builtIn": 1, "name": "Annotations & Alerts", "type": "dashboard", "enable": True, "hide": True,
            "iconColor": "rgba(0, 211, 255, 1)",
            "datasource": {"type": "grafana", "uid": "-- Grafana --"}}]},
        "templating": {"list": variables},
        "links": [{"title": t, "type": "dashboards", "tags": ["spark-lab"], "asDropdown": False,
                   "includeVars": True, "keepTime": True, "icon": "external link",
                   "targetBlank": False, "tooltip": "", "url": ""} for t in links],
        "panels": layout(panels),
    }


# ------------------------------------------------------------------ variables
V_APP = variable("application", "Application",
                 "label_values(spark_jvm_cpu_seconds_total, app_id)",
                 "Spark application id (app_id label of the spark_* families).")
V_INST_SPARK = variable("instance", "Instance", 'label_values(up{job=~"spark-.*"}, instance)',
                        "Agent endpoint (host:port) of a Spark JVM.")
V_INST_NODE = variable("instance", "Instance", "label_values(node_uname_info, instance)",
                       "node_exporter endpoint (one per host).")


# ------------------------------------------------------------------ dashboards
# jvm_gc_pause_seconds reaches Prometheus in one of two shapes: a native
# histogram when Prometheus scrapes the agent's protobuf exposition with
# --enable-feature=native-histograms (the lab's Prometheus does; 2.42 then
# keeps no _bucket/_count/_sum series), classic series otherwise.  Each
# expression asks for the native histogram first and falls back to the
# classic series ("or": same labels, the native result wins).
def pause_quantile(q, by, sel, fn="rate"):
    return ("histogram_quantile(%g, sum by (%s) (%s(jvm_gc_pause_seconds{%s}[$__rate_interval])))"
            " or histogram_quantile(%g, sum by (%s, le) (%s(jvm_gc_pause_seconds_bucket{%s}[$__rate_interval])))"
            % (q, by, fn, sel, q, by, fn, sel))


def pause_rate(part, by, sel):
    """Pauses per second (part "count") or paused seconds per second ("sum")."""
    return ("sum by (%s) (histogram_%s(rate(jvm_gc_pause_seconds{%s}[$__rate_interval])))"
            " or sum by (%s) (rate(jvm_gc_pause_seconds_%s{%s}[$__rate_interval]))"
            % (by, part, sel, by, part, sel))


def spark_cluster():
    sel = "%s,%s" % (SPARK_JOBS, INST)
    heap_ratio = ('jvm_memory_used_bytes{area="heap",%s,%s} / (jvm_memory_max_bytes{area="heap",%s,%s} > 0)'
                  % (SPARK_JOBS, INST, SPARK_JOBS, INST))
    panels = [
        row("Standalone cluster"),
        size(stat("Alive workers", [target("sum(spark_master_alive_workers{%s})" % INST)],
                  thr=thresholds((None, "red"), (1, "green")), graph="none",
                  desc="Workers registered with the master and alive (spark_master_alive_workers)."), 4, 4),
        size(stat("Applications", [target("sum(spark_master_apps{%s})" % INST)], graph="none",
                  desc="Applications known to the master (running and waiting)."), 4, 4),
        size(stat("Waiting applications", [target("sum(spark_master_waiting_apps{%s})" % INST)],
                  thr=thresholds((None, "green"), (1, "orange")), graph="none"), 4, 4),
        size(stat("Worker cores used", [target("sum(spark_worker_cores_used{%s})" % INST)], graph="none"), 4, 4),
        size(stat("Worker cores free", [target("sum(spark_worker_cores_free{%s})" % INST)], graph="none"), 4, 4),
        size(stat("Spark targets up", [target('sum(up{%s,%s})' % (SPARK_JOBS, INST))], graph="none",
                  desc="Agent endpoints Prometheus scrapes successfully: master, worker, drivers, executors."), 4, 4),
        size(timeseries("Worker memory for executors", [
            target("spark_worker_memory_used_bytes{%s}" % INST, "used {{instance}}", "A"),
            target("spark_worker_memory_free_bytes{%s}" % INST, "free {{instance}}", "B")], unit="bytes"), 12, 7),
        size(timeseries("Executors on workers", [
            target("spark_worker_executors{%s}" % INST, "{{instance}}")], unit="short"), 12, 7),
        row("JVMs (every agent: master, worker, drivers, executors)"),
        size(gauge("Heap used", [target(heap_ratio, "{{job}} {{instance}}", instant=True)],
                   desc="Heap used / max heap per JVM; the SparkJvmHeapHigh alert fires above 85%."), 8, 8),
        size(timeseries("Heap used", [
            target('jvm_memory_used_bytes{area="heap",%s,%s}' % (SPARK_JOBS, INST), "{{job}} {{instance}}")],
            unit="bytes"), 16, 8),
        size(timeseries("GC time (fraction of wall time)", [
            target("sum by (job, instance) (rate(jvm_gc_collection_seconds_sum{%s,%s}[$__rate_interval]))"
                   % (SPARK_JOBS, INST), "{{job}} {{instance}}")], unit="percentunit",
            desc="Seconds spent in GC per second, all collectors; SparkJvmGcTimeHigh fires above 10%."), 12, 8),
        size(timeseries("Process CPU (cores)", [
            target("rate(process_cpu_seconds_total{%s,%s}[$__rate_interval])" % (SPARK_JOBS, INST),
                   "{{job}} {{instance}}")], unit="short"), 12, 8),
        size(timeseries("Heap of the selected applications' JVMs", [
            target('spark_jvm_memory_used_bytes{area="heap",%s,%s}' % (APP, INST),
                   "{{app_id}} {{executor_id}}")], unit="bytes",
            desc="Spark's JvmSource on drivers and executors, labelled with the application."), 12, 8),
        size(timeseries("Live threads", [
            target("jvm_threads_current{%s,%s}" % (SPARK_JOBS, INST), "{{job}} {{instance}}")]), 12, 8),
        size(table("Scrape targets", [
            target('up{%s,%s}' % (SPARK_JOBS, INST), "", instant=True, fmt="table")],
            desc="1 = the agent answered the last scrape. Drivers and executors come and go through file_sd."),
            12, 8),
        row("GC pauses (stop-the-world, measured by the agent through JVMTI)"),
        size(timeseries("GC pause p50 / p99 per JVM", [
            target(pause_quantile(0.5, "job, instance", sel), "p50 {{job}} {{instance}}", "A"),
            target(pause_quantile(0.99, "job, instance", sel), "p99 {{job}} {{instance}}", "B")], unit="s",
            desc="From the jvm_gc_pause_seconds histogram, which only libspark_jmxagent has: every "
                 "GarbageCollectionStart/Finish pair JVMTI reports; a native histogram (schema 3, 9 % "
                 "buckets) where Prometheus scrapes protobuf with native histograms on, the classic "
                 "buckets otherwise. SparkJvmGcPauseLong fires when p99 stays above 0.5 s."), 8, 8),
        size(timeseries("GC pauses per second", [
            target(pause_rate("count", "job, instance", sel), "{{job}} {{instance}}")], unit="short"), 8, 8),
        size(timeseries("Longest pause (bucket bound)", [
            target(pause_quantile(1, "job, instance", sel, fn="increase"), "{{job}} {{instance}}")], unit="s",
            desc="Upper bound of the histogram bucket that holds the longest pause of the interval."), 8, 8),
        row("Agents (libspark_jmxagent's own health)"),
        size(timeseries("Scrape duration per JVM", [
            target("jmx_scrape_duration_seconds{%s}" % sel, "JMX walk {{job}} {{instance}}", "A"),
            target("scrape_duration_seconds{%s}" % sel, "HTTP scrape {{job}} {{instance}}", "B")], unit="s",
            desc="The agent's MBean walk (jmx_scrape_duration_seconds) and the whole scrape as Prometheus "
                 "timed it."), 12, 8),
        size(timeseries("Scrape errors", [
            target("jmx_scrape_error{%s}" % sel, "{{job}} {{instance}}")], unit="short",
            desc="1 = the last JMX walk failed (the agent answers with what it has)."), 12, 8),
        size(timeseries("Stale results (age)", [
            target("max by (job, instance) (jmxagent_scrape_stale_seconds{%s})"
                   " or 0 * max by (job, instance) (up{%s})" % (sel, sel), "{{job}} {{instance}}")], unit="s",
            desc="jmxagent_scrape_stale_seconds: the walk overran scrapeTimeoutSeconds and the answer is "
                 "the last good result, this old; 0 = fresh."), 12, 8),
        size(timeseries("Config reload failures", [
            target("increase(jmx_config_reload_failure_total{%s}[$__rate_interval])" % sel,
                   "{{job}} {{instance}}")], unit="short",
            desc="A config edited while the JVM runs that did not load; the previous config stays."), 12, 8),
    ]
    return dashboard("spark-cluster", "Spark cluster",
                     "Standalone master and worker, and the JVM of every Spark process the agents export.",
                     ["spark", "jvm"], [V_APP, V_INST_SPARK], panels, links=["Spark lab"])


def spark_jobs():
    a = "%s,%s" % (APP, INST)
    # An executor's own JVM families carry its target's labels (the agent's
    # file_sd target file): spark_app_id and spark_executor_id.
    ex = 'job="spark-executor",spark_app_id=~"$application",%s' % INST
    panels = [
        row("Scheduler (driver)"),
        size(stat("Active jobs", [target("sum(spark_dag_scheduler_active_jobs{%s})" % a)], graph="none"), 4, 4),
        size(stat("Running stages", [target("sum(spark_dag_scheduler_stages{state=\"running\",%s})" % a)],
                  graph="none"), 4, 4),
        size(stat("Completed tasks", [target("sum(spark_app_status_tasks_total{state=\"completed\",%s})" % a)],
                  graph="none"), 4, 4),
        size(stat("Failed tasks", [target("sum(spark_app_status_tasks_total{state=\"failed\",%s})" % a)],
                  thr=thresholds((None, "green"), (1, "red")), graph="none",
                  desc="SparkTaskFailures fires when this grows."), 4, 4),
        size(stat("Failed stages", [target("sum(spark_app_status_stages_total{state=\"failed\",%s})" % a)],
                  thr=thresholds((None, "green"), (1, "red")), graph="none"), 4, 4),
        size(stat("Succeeded jobs", [target("sum(spark_app_status_jobs_total{state=\"succeeded\",%s})" % a)],
                  graph="none"), 4, 4),
        size(timeseries("Tasks per second", [
            target("sum by (app_id) (rate(spark_app_status_tasks_total{state=\"completed\",%s}[$__rate_interval]))" % a,
                   "completed {{app_id}}", "A"),
            target("sum by (app_id) (rate(spark_app_status_tasks_total{state=\"failed\",%s}[$__rate_interval]))" % a,
                   "failed {{app_id}}", "B")], unit="short"), 12, 8),
        size(timeseries("Stages", [
            target("sum by (app_id) (spark_dag_scheduler_stages{state=\"running\",%s})" % a, "running {{app_id}}", "A"),
            target("sum by (app_id) (spark_dag_scheduler_stages{state=\"waiting\",%s})" % a, "waiting {{app_id}}", "B")]),
            12, 8),
        row("Executors"),
        size(timeseries("Active tasks per executor", [
            target("spark_executor_active_tasks{%s}" % a, "{{app_id}} exec {{executor_id}}")],
            stack=True), 12, 8),
        size(timeseries("Task run time (busy cores)", [
            target("sum by (app_id, executor_id) (rate(spark_executor_run_time_seconds_total{%s}[$__rate_interval]))"
                   % a, "{{app_id}} exec {{executor_id}}")], unit="short",
            desc="Seconds of task run time per second = cores kept busy by tasks."), 12, 8),
        size(timeseries("GC pause time per executor (stop-the-world)", [
            target(pause_rate("sum", "spark_app_id, spark_executor_id", ex),
                   "{{spark_app_id}} exec {{spark_executor_id}}")], unit="percentunit",
            desc="Seconds per second the executor's JVM stood still for GC (the agent's JVMTI histogram); "
                 "compare with the task run time beside it."), 12, 8),
        size(timeseries("GC pause p99 per executor", [
            target(pause_quantile(0.99, "spark_app_id, spark_executor_id", ex),
                   "p99 {{spark_app_id}} exec {{spark_executor_id}}", "A"),
            target(pause_quantile(1, "spark_app_id, spark_executor_id", ex, fn="increase"),
                   "longest {{spark_app_id}} exec {{spark_executor_id}}", "B")], unit="s",
            desc="p99 and the longest pause (bucket bound) of the interval."), 12, 8),
        size(timeseries("Shuffle bytes per second", [
            target("sum by (app_id) (rate(spark_executor_shuffle_written_bytes_total{%s}[$__rate_interval]))" % a,
                   "written {{app_id}}", "A"),
            target("sum by (app_id) (rate(spark_executor_shuffle_read_bytes_total{%s}[$__rate_interval]))" % a,
                   "read {{app_id}}", "B")], unit="Bps"), 12, 8),
        size(timeseries("GC share of task time", [
            target("sum by (app_id, executor_id) (rate(spark_executor_jvm_gc_time_seconds_total{%s}[$__rate_interval]))"
                   " / sum by (app_id, executor_id) (rate(spark_executor_run_time_seconds_total{%s}[$__rate_interval]))"
                   % (a, a), "{{app_id}} exec {{executor_id}}")], unit="percentunit"), 12, 8),
        size(timeseries("Storage memory used (BlockManager)", [
            target("spark_block_manager_memory_used_bytes{%s}" % a, "{{app_id}} {{area}}")], unit="bytes",
            desc="Cluster-wide storage memory in use, as the driver's BlockManagerMaster sums it."), 12, 8),
        size(table("Executor totals", [
            target("sum by (app_id, executor_id) (spark_executor_succeeded_tasks_total{%s})" % a, "",
                   "A", instant=True, fmt="table")],
            desc="Tasks each executor completed (last value of its counter)."), 12, 8),
        row("Structured streaming"),
        size(timeseries("Input vs processing rate (rows/s)", [
            target("spark_streaming_input_rows_per_second{%s}" % a, "input {{query}}", "A"),
            target("spark_streaming_processed_rows_per_second{%s}" % a, "processed {{query}}", "B")],
            desc="SparkStreamingQueryFallingBehind fires when input stays 20% above processing."), 12, 8),
        size(timeseries("Batch latency", [
            target("spark_streaming_batch_duration_seconds{%s}" % a, "{{query}}")], unit="s"), 12, 8),
    ]
    return dashboard("spark-jobs", "Spark jobs",
                     "Per application: jobs, stages and tasks from the driver; tasks, shuffle and GC per executor; "
                     "structured streaming queries.",
                     ["spark"], [V_APP, V_INST_SPARK], panels, links=["Spark lab"])


def system_metrics():
    ni = INST
    fs = 'fstype!~"tmpfs|ramfs|overlay|squashfs|fuse.*"'
    panels = [
        row("Host"),
        size(stat("CPU busy", [target('1 - avg(rate(node_cpu_seconds_total{mode="idle",%s}[$__rate_interval]))' % ni)],
                  unit="percentunit", thr=thresholds((None, "green"), (0.8, "red"))), 6, 5),
        size(gauge("Memory used", [target("1 - sum(node_memory_MemAvailable_bytes{%s}) / sum(node_memory_MemTotal_bytes{%s})"
                                          % (ni, ni), instant=True)]), 6, 5),
        size(gauge("Fullest filesystem", [target(
            "max(1 - node_filesystem_avail_bytes{%s,%s} / node_filesystem_size_bytes{%s,%s})" % (fs, ni, fs, ni),
            instant=True)], desc="HostDiskUsageHigh fires above 85%."), 6, 5),
        size(stat("Load (1m) per CPU", [target(
            'sum(node_load1{%s}) / count(node_cpu_seconds_total{mode="idle",%s})' % (ni, ni))],
            decimals=2), 6, 5),
        size(timeseries("CPU by mode", [target(
            'sum by (mode) (rate(node_cpu_seconds_total{mode!="idle",%s}[$__rate_interval]))' % ni, "{{mode}}")],
            unit="short", stack=True, desc="Cores busy per mode."), 12, 8),
        size(timeseries("Memory", [
            target("node_memory_MemTotal_bytes{%s} - node_memory_MemAvailable_bytes{%s}" % (ni, ni), "used {{instance}}", "A"),
            target("node_memory_MemAvailable_bytes{%s}" % ni, "available {{instance}}", "B")], unit="bytes"), 12, 8),
        size(timeseries("Network", [
            target('sum by (instance) (rate(node_network_receive_bytes_total{device!="lo",%s}[$__rate_interval]))' % ni,
                   "rx {{instance}}", "A"),
            target('sum by (instance) (rate(node_network_transmit_bytes_total{device!="lo",%s}[$__rate_interval]))' % ni,
                   "tx {{instance}}", "B")], unit="Bps"), 12, 8),
        size(timeseries("Disk I/O time", [target(
            "rate(node_disk_io_time_seconds_total{%s}[$__rate_interval])" % ni, "{{device}}")],
            unit="percentunit"), 12, 8),
        size(table("Filesystems", [target(
            "1 - node_filesystem_avail_bytes{%s,%s} / node_filesystem_size_bytes{%s,%s}" % (fs, ni, fs, ni),
            "", instant=True, fmt="table")], unit="percentunit", exclude=("job",)), 24, 7),
        row("Spark JVM processes"),
        size(timeseries("Resident memory", [target(
            'process_resident_memory_bytes{job=~"spark-.*"}', "{{job}} {{instance}}")], unit="bytes"), 8, 8),
        size(timeseries("Open file descriptors", [target(
            'process_open_fds{job=~"spark-.*"}', "{{job}} {{instance}}")]), 8, 8),
        size(timeseries("Executor heap (Spark's view)", [target(
            "spark_executor_metrics_jvm_heap_bytes{%s}" % APP, "{{app_id}} exec {{executor_id}}")],
            unit="bytes", desc="ExecutorMetrics.JVMHeapMemory, sampled by Spark itself (driver and executors)."),
            8, 8),
    ]
    return dashboard("system-metrics", "System metrics",
                     "The host under the lab (node_exporter) and the operating-system view of the Spark JVMs.",
                     ["node", "spark"], [V_APP, V_INST_NODE], panels, links=["Spark lab"])


DASHBOARDS = {"spark-cluster.json": spark_cluster, "spark-jobs.json": spark_jobs,
              "system-metrics.json": system_metrics}


# ------------------------------------------------------------------ consoles
# The same dashboards as Prometheus console templates (the native lab has no
# Grafana): each page carries its panels as data, compose/prometheus/
# console_libraries/lab.lib draws them with the console graph library that
# Debian's prometheus package serves (prom_console.js, Rickshaw, d3).
LEGEND_RE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
LABEL_VALUES_RE = re.compile(r"label_values\((.*),\s*(\w+)\)$")


def console_spec(d):
    """The part of a Grafana dashboard a console needs, in the same order."""
    rows, cur = [], None
    for p in d["panels"]:
        if p["type"] == "row":
            cur = {"title": p["title"], "panels": []}
            rows.append(cur)
            continue
        fd = p["fieldConfig"]["defaults"]
        hide = set()
        for t in p.get("transformations", []):
            if t["id"] == "organize":
                hide |= {k for k, v in t["options"]["excludeByName"].items() if v}
        stack = fd.get("custom", {}).get("stacking", {}).get("mode") == "normal"
        cur["panels"].append({
            "type": p["type"], "title": p["title"], "desc": p.get("description", ""),
            "unit": fd.get("unit", "short"), "min": fd.get("min"), "max": fd.get("max"),
            "decimals": fd.get("decimals"), "stack": stack, "w": p["gridPos"]["w"], "h": p["gridPos"]["h"],
            "thresholds": [[s["value"], s["color"]] for s in fd["thresholds"]["steps"]],
            "hide": sorted(hide),
            # Grafana's {{label}} legends are the console library's [[ label ]]
            # (and {{ would be a Go template action in a console page).
            "targets": [{"expr": t["expr"],
                         "legend": "" if t["legendFormat"] == "__auto" else
                         LEGEND_RE.sub(r"[[ \1 ]]", t["legendFormat"])} for t in p["targets"]]})
    variables = []
    for v in d["templating"]["list"]:
        m = LABEL_VALUES_RE.match(v["query"])
        variables.append({"name": v["name"], "label": v["label"], "match": m.group(1).strip(),
                          "labelName": m.group(2)})
    return {"uid": d["uid"], "title": d["title"], "description": d["description"],
            "variables": variables, "rows": rows}


def console_page(spec):
    data = json.dumps(spec, indent=1, sort_keys=True).replace("</", "<\\/")
    if "{{" in data or "}}" in data:
        raise SystemExit("%s: '{{' or '}}' would be a template action in a console page" % spec["uid"])
    return ("{{/* GENERATED by compose/grafana/build_dashboards.py from the panels of "
            "compose/grafana/dashboards/%s.json; edit the script. */}}\n"
            "{{ template \"lab_head\" \"%s\" }}\n"
            "<script>\nLab.dashboard(%s);\n</script>\n"
            "{{ template \"lab_tail\" }}\n" % (spec["uid"], spec["title"], data))


def console_index(specs):
    items = "".join('<li><a href="%s.html">%s</a> &mdash; %s</li>\n' % (s["uid"], s["title"], s["description"])
                    for s in specs)
    return ("{{/* GENERATED by compose/grafana/build_dashboards.py; edit the script. */}}\n"
            "{{ template \"lab_head\" \"Spark lab\" }}\n"
            "<h2>Dashboards</h2>\n<ul id=\"lab-dashboards\">\n%s</ul>\n"
            "{{ template \"lab_index\" }}\n"
            "{{ template \"lab_tail\" }}\n" % items)


def outputs():
    """{path: text} of every generated file."""
    out, specs = {}, []
    for name, fn in DASHBOARDS.items():
        d = fn()
        out[os.path.join(OUT, name)] = json.dumps(d, indent=2) + "\n"
        spec = console_spec(d)
        specs.append(spec)
        out[os.path.join(CONSOLES, spec["uid"] + ".html")] = console_page(spec)
    out[os.path.join(CONSOLES, "index.html")] = console_index(specs)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare, do not write")
    a = ap.parse_args()
    bad = 0
    for path, text in outputs().items():
        if a.check:
            try:
                same = open(path).read() == text
            except FileNotFoundError:
                same = False
            if not same:
                print("%s is stale: run %s" % (path, sys.argv[0]), file=sys.stderr)
                bad = 1
        else:
            with open(path + ".tmp", "w") as f:
                f.write(text)
            os.replace(path + ".tmp", path)
    return bad


if __name__ == "__main__":
    sys.exit(main())
