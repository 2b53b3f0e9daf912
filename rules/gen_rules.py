#!/usr/bin/env python3
"""The one table behind rules/*.yml and the family list of docs/metrics.md.

    python3 rules/gen_rules.py           rewrite rules/{driver,executor,master,worker}.yml
                                         and the generated part of docs/metrics.md
    python3 rules/gen_rules.py --check   exit 1 if any of them is out of date

Spark's JmxSink (3.4 to 4.x alike) registers `metrics:name=<dotted name>,type=<gauges|counters|
meters|histograms|timers>`; jmx_exporter (and our agent) match rules against
`metrics<name=<dotted name>, type=<type>><>Attribute: value`.  On the driver and
the executors the dotted name starts with `<spark.metrics.namespace or app
id>.<driver|executor id>.`; on the daemons it starts with the source name.

Every family below is written once and expanded per role (JVM kind), so the
driver and executor files cannot drift apart.  Conventions (docs/metrics.md):
snake_case names with a `spark_` prefix, base units (seconds, bytes) through
valueFactor, `_total` on counters, app id / executor id / role as labels, and
Dropwizard timers/histograms as summary-like pairs `<name>{quantile=...}` plus
`<name>_count`.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROLES = ("driver", "executor", "master", "worker")
APP = ("driver", "executor")          # roles whose names carry <ns>.<id>.
MS, NS, MB = 0.001, 1e-9, 1048576

# The JVM-level beans outside `metrics:` that the rules read.  Everything
# else of java.lang is covered by the agent's built-in jvm_*/process_*
# families, which do not depend on includeObjectNames.
JAVA_LANG = ["java.lang:type=OperatingSystem"]

# The Spark releases the table is checked against (make test-spark-matrix;
# test/spark/spark.mk SPARK_VERSIONS), oldest first.  One rule file serves
# them all: a family a release lacks simply has no sample there.  A release
# newer than the last one is taken as the last one; what it registers that
# no rule maps lands in spark_unmapped (see unmapped()), under a stable name.
SPARK_RELEASES = ("3.4.1", "3.4.4", "3.5.9", "4.0.5", "4.3.0")


def _v(version):
    return tuple(int(x) for x in version.split(".")[:3] if x.isdigit())


def has(f, version):
    """Whether Spark `version` (x.y.z) registers family f at all."""
    if version is None:
        return True
    v = _v(version)
    return (f.since is None or v >= _v(f.since)) and (f.until is None or v < _v(f.until))


def releases_of(f):
    """docs/metrics.md's "Spark" column: all, or the range of releases."""
    if f.since is None and f.until is None:
        return "all"
    if f.until is None:
        return f.since + "+"
    if f.since is None:
        return "< " + f.until
    return "%s to < %s" % (f.since, f.until)


class Family:
    """One Prometheus family (a summary-like family is two: x and x_count)."""

    def __init__(self, roles, name, ptype, unit, labels, source, help, rules, cond=None,
                 since=None, until=None):
        self.cond = cond  # None: always there in the lab's setup; else when it is
        # The Spark releases that have the family: since <= version < until
        # ("x.y" strings; None = no bound).  See SPARK_RELEASES.
        self.since, self.until = since, until
        self.roles, self.name, self.type, self.unit = roles, name, ptype, unit
        self.labels, self.source, self.help, self.rules = labels, source, help, rules


FAMILIES = []


def fam(roles, source, metric, name, ptype, help, unit="", factor=None, jmx=None,
        labels=None, attr=None, value=None, cond=None, since=None, until=None):
    """Add a family.  metric: regex of the dotted metric name after the
    role prefix (for driver/executor) or the whole name (daemons); groups in
    it are referenced as {1}, {2}, ... in labels.  ptype: counter|gauge|summary."""
    labels = dict(labels or {})
    if jmx is None:
        jmx = {"gauge": "gauges", "counter": "counters", "summary": "timers"}[ptype]
    rules = []
    if ptype == "summary":
        # Dropwizard percentiles (ms for timers; raw units for histograms).
        rules.append(dict(metric=metric, jmx=jmx, attr=r"(?:(5)0|(75|95|98|99|999))thPercentile",
                          name=name, type="UNTYPED", factor=factor,
                          labels=dict(labels, quantile="0.{q1}{q2}")))
        rules.append(dict(metric=metric, jmx=jmx, attr="Count", name=name + "_count",
                          type="UNTYPED", factor=None, labels=labels))
    else:
        rules.append(dict(metric=metric, jmx=jmx,
                          attr=attr or ("Value" if jmx == "gauges" else "Count"),
                          name=name, type=ptype.upper(), factor=factor, labels=labels,
                          value=value))
    FAMILIES.append(Family(roles, name, ptype, unit, sorted(labels), source, help, rules, cond, since, until))


def _with_help(f):
    for r in f.rules:
        h = f.help
        if r["name"].endswith("_count") and f.type == "summary":
            h = "Events counted by " + f.name
        elif f.type == "summary":
            h = f.help + " (quantiles of Dropwizard's recent-sample reservoir)"
        r.setdefault("help", h)


# --- driver and executors ----------------------------------------------------
def block_manager():
    src = "BlockManager.disk.diskSpaceUsed_MB"
    # one rule per area, so that each gets its literal label value
    for what, tmpl, help in (
            ("max", "memory\\.max{A}Mem_MB", "Storage memory the application's block managers may use (cluster-wide sum, from the BlockManagerMaster)"),
            ("used", "memory\\.{a}MemUsed_MB", "Storage memory in use by the application's block managers (cluster-wide sum)"),
            ("remaining", "memory\\.remaining{A}Mem_MB", "Storage memory still free in the application's block managers (cluster-wide sum)")):
        rules = []
        for area, A, a in (("on_heap", "OnHeap", "onHeap"), ("off_heap", "OffHeap", "offHeap")):
            rules.append(dict(metric="BlockManager\\." + tmpl.format(A=A, a=a), jmx="gauges",
                              attr="Value", name="spark_block_manager_memory_%s_bytes" % what,
                              type="GAUGE", factor=MB, labels={"area": area}))
        FAMILIES.append(Family(("driver",), "spark_block_manager_memory_%s_bytes" % what, "gauge",
                               "bytes", ["area"], "BlockManager.memory.{%s} (MiB)" % (
                                   {"max": "maxOnHeapMem_MB,maxOffHeapMem_MB",
                                    "used": "onHeapMemUsed_MB,offHeapMemUsed_MB",
                                    "remaining": "remainingOnHeapMem_MB,remainingOffHeapMem_MB"}[what]),
                               help, rules))
    fam(("driver",), src, r"BlockManager\.disk\.diskSpaceUsed_MB", "spark_block_manager_disk_used_bytes",
        "gauge", "Disk space used by the application's block managers (cluster-wide sum)", "bytes", MB)


def dag_scheduler():
    rules = [dict(metric=r"DAGScheduler\.stage\.%sStages" % s, jmx="gauges", attr="Value",
                  name="spark_dag_scheduler_stages", type="GAUGE", factor=None, labels={"state": s})
             for s in ("failed", "running", "waiting")]
    FAMILIES.append(Family(("driver",), "spark_dag_scheduler_stages", "gauge", "stages", ["state"],
                           "DAGScheduler.stage.{failedStages,runningStages,waitingStages}",
                           "Stages the DAG scheduler currently holds, by state (failed = waiting for resubmission)",
                           rules))
    fam(("driver",), "DAGScheduler.job.allJobs", r"DAGScheduler\.job\.allJobs",
        "spark_dag_scheduler_jobs_submitted_total", "counter", "Jobs submitted to the DAG scheduler", "jobs",
        jmx="gauges", attr="Value")
    fam(("driver",), "DAGScheduler.job.activeJobs", r"DAGScheduler\.job\.activeJobs",
        "spark_dag_scheduler_active_jobs", "gauge", "Jobs the DAG scheduler is running now", "jobs")
    fam(("driver",), "DAGScheduler.messageProcessingTime (timer)", r"DAGScheduler\.messageProcessingTime",
        "spark_dag_scheduler_message_processing_seconds", "summary",
        "Time the DAG scheduler's event loop took per message", "seconds", MS)


def listener_bus():
    fam(("driver",), "LiveListenerBus.numEventsPosted", r"LiveListenerBus\.numEventsPosted",
        "spark_listener_bus_events_posted_total", "counter", "Events posted to the listener bus", "events")
    fam(("driver",), "LiveListenerBus.queue.<queue>.numDroppedEvents", r"LiveListenerBus\.queue\.([^.]+)\.numDroppedEvents",
        "spark_listener_bus_dropped_events_total", "counter",
        "Events a listener-bus queue dropped because it was full", "events", labels={"queue": "{1}"})
    fam(("driver",), "LiveListenerBus.queue.<queue>.size", r"LiveListenerBus\.queue\.([^.]+)\.size",
        "spark_listener_bus_queue_events", "gauge", "Events waiting in a listener-bus queue", "events",
        labels={"queue": "{1}"})
    fam(("driver",), "LiveListenerBus.queue.<queue>.listenerProcessingTime (timer)",
        r"LiveListenerBus\.queue\.([^.]+)\.listenerProcessingTime",
        "spark_listener_bus_queue_processing_seconds", "summary",
        "Time a listener-bus queue took to deliver one event to its listeners", "seconds", MS,
        labels={"queue": "{1}"})
    fam(("driver",), "LiveListenerBus.listenerProcessingTime.<listener class> (timer)",
        r"LiveListenerBus\.listenerProcessingTime\.(.+)",
        "spark_listener_bus_listener_processing_seconds", "summary",
        "Time one listener took per event", "seconds", MS, labels={"listener": "{1}"})


def app_status():
    groups = (("stages", "stages", ("completed", "failed", "skipped"), "Stages of the application that ended, by outcome"),
              ("jobs", "jobs", ("succeeded", "failed"), "Jobs of the application that ended, by outcome"),
              ("tasks", "tasks", ("completed", "failed", "killed", "skipped"), "Tasks of the application that ended, by outcome"))
    for grp, noun, states, help in groups:
        rules = [dict(metric=r"appStatus\.%s\.%s%s" % (grp, s, noun.capitalize()), jmx="counters", attr="Count",
                      name="spark_app_status_%s_total" % noun, type="COUNTER", factor=None, labels={"state": s})
                 for s in states]
        FAMILIES.append(Family(("driver",), "spark_app_status_%s_total" % noun, "counter", noun, ["state"],
                               "appStatus.%s.{%s}" % (grp, ",".join(s + noun.capitalize() for s in states)),
                               help + " (spark.metrics.appStatusSource.enabled=true)", rules))
    fam(("driver",), "appStatus.tasks.excludedExecutors", r"appStatus\.tasks\.excludedExecutors",
        "spark_app_status_executors_excluded_total", "counter", "Times an executor was excluded for failures", "executors")
    fam(("driver",), "appStatus.tasks.unexcludedExecutors", r"appStatus\.tasks\.unexcludedExecutors",
        "spark_app_status_executors_unexcluded_total", "counter", "Times an executor exclusion was lifted", "executors")
    fam(("driver",), "appStatus.jobDuration (ms)", r"appStatus\.jobDuration",
        "spark_app_status_last_job_duration_seconds", "gauge", "Duration of the last job that ended", "seconds", MS)


def executor_metrics():
    src = "ExecutorMetrics.%s"
    mem = (("JVMHeapMemory", "jvm_heap", "JVM heap in use"),
           ("JVMOffHeapMemory", "jvm_off_heap", "JVM memory outside the heap in use"),
           ("OnHeapExecutionMemory", "on_heap_execution", "On-heap execution memory in use"),
           ("OffHeapExecutionMemory", "off_heap_execution", "Off-heap execution memory in use"),
           ("OnHeapStorageMemory", "on_heap_storage", "On-heap storage memory in use"),
           ("OffHeapStorageMemory", "off_heap_storage", "Off-heap storage memory in use"),
           ("OnHeapUnifiedMemory", "on_heap_unified", "On-heap execution plus storage memory in use"),
           ("OffHeapUnifiedMemory", "off_heap_unified", "Off-heap execution plus storage memory in use"),
           ("DirectPoolMemory", "direct_pool", "Direct buffer pool memory"),
           ("MappedPoolMemory", "mapped_pool", "Mapped buffer pool memory"))
    for m, n, help in mem:
        fam(APP, src % m, r"ExecutorMetrics\.%s" % m, "spark_executor_metrics_%s_bytes" % n, "gauge",
            help + " (updated every heartbeat)", "bytes")
    for kind, K, help in (("virtual_memory", "VMemory", "Virtual memory of the executor's process tree"),
                          ("rss", "RSSMemory", "Resident memory of the executor's process tree")):
        rules = [dict(metric=r"ExecutorMetrics\.ProcessTree%s%s" % (P, K), jmx="gauges", attr="Value",
                      name="spark_executor_metrics_process_tree_%s_bytes" % kind, type="GAUGE", factor=None,
                      labels={"process": p}) for p, P in (("jvm", "JVM"), ("python", "Python"), ("other", "Other"))]
        FAMILIES.append(Family(APP, "spark_executor_metrics_process_tree_%s_bytes" % kind, "gauge", "bytes",
                               ["process"], "ExecutorMetrics.ProcessTree{JVM,Python,Other}%s" % K,
                               help + ", by process kind (0 unless spark.executor.processTreeMetrics.enabled)",
                               rules))
    for g in ("Minor", "Major"):
        fam(APP, src % (g + "GCCount"), r"ExecutorMetrics\.%sGCCount" % g,
            "spark_executor_metrics_%s_gc_total" % g.lower(), "counter", "%s garbage collections" % g, "collections",
            jmx="gauges", attr="Value")
        fam(APP, src % (g + "GCTime") + " (ms)", r"ExecutorMetrics\.%sGCTime" % g,
            "spark_executor_metrics_%s_gc_seconds_total" % g.lower(), "counter", "Time spent in %s garbage collections" % g.lower(),
            "seconds", MS, jmx="gauges", attr="Value")
    fam(APP, src % "TotalGCTime" + " (ms)", r"ExecutorMetrics\.TotalGCTime",
        "spark_executor_metrics_gc_seconds_total", "counter", "Time spent in garbage collection", "seconds", MS,
        jmx="gauges", attr="Value")
    # Spark 4.0 added the collections of concurrent collectors (G1's
    # concurrent cycle, ZGC, Shenandoah) next to the minor/major ones.
    fam(APP, src % "ConcurrentGCCount", r"ExecutorMetrics\.ConcurrentGCCount",
        "spark_executor_metrics_concurrent_gc_total", "counter", "Concurrent garbage collections", "collections",
        jmx="gauges", attr="Value", since="4.0")
    fam(APP, src % "ConcurrentGCTime" + " (ms)", r"ExecutorMetrics\.ConcurrentGCTime",
        "spark_executor_metrics_concurrent_gc_seconds_total", "counter", "Time spent in concurrent garbage collections",
        "seconds", MS, jmx="gauges", attr="Value", since="4.0")


def jvmcpu():
    fam(APP, "JVMCPU.jvmCpuTime (ns)", r"JVMCPU\.jvmCpuTime", "spark_jvm_cpu_seconds_total", "counter",
        "CPU time the JVM used", "seconds", NS, jmx="gauges", attr="Value")


def executor_source():
    roles = ("executor",)
    tp = (("activeTasks", "spark_executor_active_tasks", "gauge", "Tasks running now", "tasks"),
          ("completeTasks", "spark_executor_completed_tasks_total", "counter", "Tasks the executor's thread pool finished (successful or not)", "tasks"),
          ("startedTasks", "spark_executor_started_tasks_total", "counter", "Tasks the executor's thread pool started", "tasks"),
          ("currentPool_size", "spark_executor_threadpool_threads", "gauge", "Threads in the task thread pool", "threads"),
          ("maxPool_size", "spark_executor_threadpool_max_threads", "gauge", "Maximum threads of the task thread pool", "threads"))
    for m, n, t, help, unit in tp:
        fam(roles, "executor.threadpool." + m, r"executor\.threadpool\.%s" % m, n, t, help, unit,
            jmx="gauges", attr="Value")
    fs = (("read_bytes", "read_bytes", "bytes", "Bytes read from the file system"),
          ("write_bytes", "write_bytes", "bytes", "Bytes written to the file system"),
          ("read_ops", "read_ops", "operations", "Read operations on the file system"),
          ("largeRead_ops", "large_read_ops", "operations", "Large read operations on the file system"),
          ("write_ops", "write_ops", "operations", "Write operations on the file system"))
    for m, n, unit, help in fs:
        fam(roles, "executor.filesystem.<scheme>.%s (gauge, cumulative)" % m,
            r"executor\.filesystem\.([^.]+)\.%s" % m, "spark_executor_filesystem_%s_total" % n, "counter",
            help + ", per scheme (spark.executor.metrics.fileSystemSchemes)", unit,
            jmx="gauges", attr="Value", labels={"scheme": "{1}"})
    c = (  # (metric, name, factor, unit, help)
        ("succeededTasks", "succeeded_tasks_total", None, "tasks", "Tasks that succeeded"),
        ("runTime", "run_time_seconds_total", MS, "seconds", "Elapsed time running tasks"),
        ("cpuTime", "cpu_time_seconds_total", NS, "seconds", "CPU time running tasks"),
        ("jvmGCTime", "jvm_gc_time_seconds_total", MS, "seconds", "GC time while running tasks"),
        ("deserializeTime", "deserialize_time_seconds_total", MS, "seconds", "Elapsed time deserializing tasks"),
        ("deserializeCpuTime", "deserialize_cpu_time_seconds_total", NS, "seconds", "CPU time deserializing tasks"),
        ("resultSerializationTime", "result_serialization_time_seconds_total", MS, "seconds", "Time serializing task results"),
        ("resultSize", "result_size_bytes_total", None, "bytes", "Size of the task results sent to the driver"),
        ("bytesRead", "input_bytes_total", None, "bytes", "Bytes read by tasks from input sources"),
        ("recordsRead", "input_records_total", None, "records", "Records read by tasks from input sources"),
        ("bytesWritten", "output_bytes_total", None, "bytes", "Bytes written by tasks to output"),
        ("recordsWritten", "output_records_total", None, "records", "Records written by tasks to output"),
        ("diskBytesSpilled", "disk_spilled_bytes_total", None, "bytes", "Bytes spilled to disk"),
        ("memoryBytesSpilled", "memory_spilled_bytes_total", None, "bytes", "In-memory size of the data spilled"),
        ("shuffleFetchWaitTime", "shuffle_fetch_wait_time_seconds_total", MS, "seconds", "Time tasks waited for shuffle blocks"),
        ("shuffleWriteTime", "shuffle_write_time_seconds_total", NS, "seconds", "Time writing shuffle data"),
        ("shuffleTotalBytesRead", "shuffle_read_bytes_total", None, "bytes", "Shuffle bytes read (local plus remote)"),
        ("shuffleRemoteBytesRead", "shuffle_remote_read_bytes_total", None, "bytes", "Shuffle bytes read from other executors"),
        ("shuffleRemoteBytesReadToDisk", "shuffle_remote_read_to_disk_bytes_total", None, "bytes", "Remote shuffle bytes fetched to disk"),
        ("shuffleLocalBytesRead", "shuffle_local_read_bytes_total", None, "bytes", "Shuffle bytes read locally"),
        ("shuffleRecordsRead", "shuffle_read_records_total", None, "records", "Shuffle records read"),
        ("shuffleRemoteBlocksFetched", "shuffle_remote_blocks_fetched_total", None, "blocks", "Shuffle blocks fetched from other executors"),
        ("shuffleLocalBlocksFetched", "shuffle_local_blocks_fetched_total", None, "blocks", "Shuffle blocks read locally"),
        ("shuffleBytesWritten", "shuffle_written_bytes_total", None, "bytes", "Shuffle bytes written"),
        ("shuffleRecordsWritten", "shuffle_written_records_total", None, "records", "Shuffle records written"),
        ("shuffleRemoteReqsDuration", "shuffle_remote_reqs_duration_seconds_total", MS, "seconds", "Time of remote shuffle fetch requests"),
        ("shuffleCorruptMergedBlockChunks", "shuffle_corrupt_merged_block_chunks_total", None, "chunks", "Corrupt merged shuffle chunks (push-based shuffle)"),
        ("shuffleMergedFetchFallbackCount", "shuffle_merged_fetch_fallbacks_total", None, "fallbacks", "Merged-shuffle fetches that fell back to original blocks (push-based shuffle)"),
        ("shuffleMergedRemoteBlocksFetched", "shuffle_merged_remote_blocks_fetched_total", None, "blocks", "Merged shuffle blocks fetched remotely (push-based shuffle)"),
        ("shuffleMergedLocalBlocksFetched", "shuffle_merged_local_blocks_fetched_total", None, "blocks", "Merged shuffle blocks read locally (push-based shuffle)"),
        ("shuffleMergedRemoteChunksFetched", "shuffle_merged_remote_chunks_fetched_total", None, "chunks", "Merged shuffle chunks fetched remotely (push-based shuffle)"),
        ("shuffleMergedLocalChunksFetched", "shuffle_merged_local_chunks_fetched_total", None, "chunks", "Merged shuffle chunks read locally (push-based shuffle)"),
        ("shuffleMergedRemoteBytesRead", "shuffle_merged_remote_read_bytes_total", None, "bytes", "Merged shuffle bytes fetched remotely (push-based shuffle)"),
        ("shuffleMergedLocalBytesRead", "shuffle_merged_local_read_bytes_total", None, "bytes", "Merged shuffle bytes read locally (push-based shuffle)"),
        ("shuffleMergedRemoteReqsDuration", "shuffle_merged_remote_reqs_duration_seconds_total", MS, "seconds", "Time of remote merged-shuffle requests (push-based shuffle)"),
    )
    for m, n, factor, unit, help in c:
        fam(roles, "executor.%s%s" % (m, {MS: " (ms)", NS: " (ns)"}.get(factor, "")), r"executor\.%s" % m,
            "spark_executor_" + n, "counter", help, unit, factor)


def netty():
    # (the driver registers no NettyBlockTransfer source in 3.4.1)
    for src, prefix, roles in (("NettyBlockTransfer", "spark_netty_block_transfer", ("executor",)),
                               ("ExternalShuffle", "spark_external_shuffle_client", ("executor",))):
        for kind, K in (("direct", "Direct"), ("heap", "Heap")):
            rules = [dict(metric=r"%s\.shuffle-%s\.used%sMemory" % (src, side, K), jmx="gauges", attr="Value",
                          name="%s_used_%s_memory_bytes" % (prefix, kind), type="GAUGE", factor=None,
                          labels={"side": side}) for side in ("client", "server")]
            FAMILIES.append(Family(roles, "%s_used_%s_memory_bytes" % (prefix, kind), "gauge", "bytes", ["side"],
                                   "%s.shuffle-{client,server}.used%sMemory" % (src, K),
                                   "%s memory of the block-transfer (shuffle) Netty pools, by side" % K,
                                   rules, None if src == "NettyBlockTransfer" else "spark.shuffle.service.enabled"))


def static_sources():
    hive = (("fileCacheHits", "file_cache_hits_total", "File cache hits"),
            ("filesDiscovered", "files_discovered_total", "Files discovered while listing partitions"),
            ("hiveClientCalls", "client_calls_total", "Calls to the Hive metastore client"),
            ("parallelListingJobCount", "parallel_listing_jobs_total", "Parallel partition-listing jobs started"),
            ("partitionsFetched", "partitions_fetched_total", "Partitions fetched from the metastore"))
    for m, n, help in hive:
        fam(APP, "HiveExternalCatalog." + m, r"HiveExternalCatalog\.%s" % m, "spark_hive_external_catalog_" + n,
            "counter", help, "")
    cg = (("compilationTime", "compilation_seconds", MS, "seconds", "Time to compile one generated class"),
          ("generatedClassSize", "generated_class_bytes", None, "bytes", "Size of a generated class"),
          ("generatedMethodSize", "generated_method_bytes", None, "bytes", "Size of a generated method"),
          ("sourceCodeSize", "source_code_bytes", None, "bytes", "Size of the generated source code"))
    for m, n, factor, unit, help in cg:
        fam(APP, "CodeGenerator.%s (histogram)" % m, r"CodeGenerator\.%s" % m, "spark_code_generator_" + n,
            "summary", help, unit, factor, jmx="histograms")


def allocation_manager():
    g = (("numberExecutorsToAdd", "executors_to_add", "Executors to request in the next round"),
         ("numberExecutorsPendingToRemove", "executors_pending_to_remove", "Executors about to be removed"),
         ("numberAllExecutors", "executors", "Executors of the application"),
         ("numberTargetExecutors", "target_executors", "Executors the application aims for"),
         ("numberMaxNeededExecutors", "max_needed_executors", "Executors the pending tasks could use"),
         ("numberDecommissioningExecutors", "decommissioning_executors", "Executors being decommissioned"))
    for m, n, help in g:
        fam(("driver",), "ExecutorAllocationManager.executors." + m, r"ExecutorAllocationManager\.executors\.%s" % m,
            "spark_executor_allocation_manager_" + n, "gauge", help, "executors", cond="spark.dynamicAllocation.enabled")
    c = (("numberExecutorsGracefullyDecommissioned", "executors_gracefully_decommissioned_total", "Executors decommissioned gracefully"),
         ("numberExecutorsDecommissionUnfinished", "executors_decommission_unfinished_total", "Executor decommissions that did not finish"),
         ("numberExecutorsExitedUnexpectedly", "executors_exited_unexpectedly_total", "Executors that exited unexpectedly"),
         ("numberExecutorsKilledByDriver", "executors_killed_by_driver_total", "Executors the driver killed"))
    for m, n, help in c:
        fam(("driver",), "ExecutorAllocationManager.executors." + m, r"ExecutorAllocationManager\.executors\.%s" % m,
            "spark_executor_allocation_manager_" + n, "counter", help, "executors", cond="spark.dynamicAllocation.enabled")


def streaming():
    s = (("inputRate-total", "input_rows_per_second", None, "rows/s", "Rows per second the query's sources delivered"),
         ("processingRate-total", "processed_rows_per_second", None, "rows/s", "Rows per second the query processed"),
         ("latency", "batch_duration_seconds", MS, "seconds", "Duration of the last micro-batch"),
         ("eventTime-watermark", "event_time_watermark_seconds", MS, "seconds", "Event-time watermark (Unix time)"),
         ("states-rowsTotal", "state_rows", None, "rows", "Rows in the query's state stores"),
         ("states-usedBytes", "state_used_bytes", None, "bytes", "Memory used by the query's state stores"))
    for m, n, factor, unit, help in s:
        fam(("driver",), "spark.streaming.<query>.%s" % m, r"spark\.streaming\.([^.]+)\.%s" % m,
            "spark_streaming_" + n, "gauge", help, unit, factor,
            labels={"query": "{1}"}, cond="a Structured Streaming query runs (spark.sql.streaming.metricsEnabled=true)")
    # DStreams (legacy): <appName>.StreamingMetrics.streaming.<metric>
    d = (("receivers", "receivers", "gauge", "Receivers of the streaming context"),
         ("totalCompletedBatches", "completed_batches_total", "counter", "Batches completed"),
         ("totalReceivedRecords", "received_records_total", "counter", "Records received"),
         ("totalProcessedRecords", "processed_records_total", "counter", "Records processed"),
         ("unprocessedBatches", "unprocessed_batches", "gauge", "Batches waiting or running"),
         ("waitingBatches", "waiting_batches", "gauge", "Batches waiting"),
         ("runningBatches", "running_batches", "gauge", "Batches running"),
         ("lastCompletedBatch_processingDelay", "last_batch_processing_delay_seconds", "gauge", "Processing delay of the last completed batch"),
         ("lastCompletedBatch_schedulingDelay", "last_batch_scheduling_delay_seconds", "gauge", "Scheduling delay of the last completed batch"),
         ("lastCompletedBatch_totalDelay", "last_batch_total_delay_seconds", "gauge", "Total delay of the last completed batch"))
    for m, n, t, help in d:
        fam(("driver",), "<appName>.StreamingMetrics.streaming.%s" % m, r"(.+)\.StreamingMetrics\.streaming\.%s" % m,
            "spark_dstreams_" + n, t, help + " (DStreams)", "seconds" if "delay" in n else "",
            MS if "delay" in n else None, jmx="gauges", attr="Value", labels={"app_name": "{1}"},
            cond="a DStreams StreamingContext runs")


def jvm_source(roles, src_note, cond=None):
    """Dropwizard's JVM gauge sets (metrics.properties source.jvm)."""
    for what in ("init", "used", "max", "committed"):
        rules = [dict(metric=r"jvm\.%s\.%s" % (a, what), jmx="gauges", attr="Value",
                      name="spark_jvm_memory_%s_bytes" % what, type="GAUGE", factor=None, labels={"area": area})
                 for area, a in (("heap", "heap"), ("non_heap", "non-heap"))]
        FAMILIES.append(Family(roles, "spark_jvm_memory_%s_bytes" % what, "gauge", "bytes", ["area"],
                               "jvm.{heap,non-heap}.%s%s" % (what, src_note),
                               "JVM memory %s, by area (JvmSource)" % what, rules))
    for what, m in (("init", "init"), ("used", "used"), ("max", "max"), ("committed", "committed"),
                    ("used_after_gc", "used-after-gc")):
        fam(roles, "jvm.pools.<pool>.%s%s" % (m, src_note), r"jvm\.pools\.([^.]+)\.%s" % m,
            "spark_jvm_memory_pool_%s_bytes" % what, "gauge", "JVM memory pool %s (JvmSource)" % m.replace("-", " "),
            "bytes", labels={"pool": "{1}"})
    for what, m, help, unit in (("buffers", "count", "Buffers in a JVM buffer pool (JvmSource)", "buffers"),
                                ("used_bytes", "used", "Memory used by a JVM buffer pool (JvmSource)", "bytes"),
                                ("capacity_bytes", "capacity", "Capacity of a JVM buffer pool (JvmSource)", "bytes")):
        fam(roles, "jvm.{direct,mapped}.%s%s" % (m, src_note), r"jvm\.(direct|mapped)\.%s" % m,
            "spark_jvm_buffer_pool_" + what, "gauge", help, unit, labels={"pool": "{1}"})
    # GC: jvm.<collector>.count/time, the collector name with '-' for ' '
    # (after the buffer pools, whose direct/mapped.count would match too).
    fam(roles, "jvm.<collector>.count" + src_note, r"jvm\.([^.]+)\.count", "spark_jvm_gc_collections_total",
        "counter", "Collections by a garbage collector (JvmSource)", "collections", labels={"gc": "{1}"},
        jmx="gauges", attr="Value")
    fam(roles, "jvm.<collector>.time (ms)" + src_note, r"jvm\.([^.]+)\.time", "spark_jvm_gc_collection_seconds_total",
        "counter", "Time spent in a garbage collector (JvmSource)", "seconds", MS, labels={"gc": "{1}"},
        jmx="gauges", attr="Value")


def plugins():
    fam(APP, "plugin.<plugin>.<metric> (gauge)", r"plugin\.(.+)\.([^.]+)", "spark_plugin_value", "gauge",
        "Gauge a Spark plugin (spark.plugins) registered; metric = its name", "",
        labels={"plugin": "{1}", "metric": "{2}"})
    fam(APP, "plugin.<plugin>.<metric> (counter)", r"plugin\.(.+)\.([^.]+)", "spark_plugin_count_total", "counter",
        "Counter a Spark plugin (spark.plugins) registered; metric = its name", "",
        labels={"plugin": "{1}", "metric": "{2}"})
    fam(APP, "AccumulatorSource.<name>", r"AccumulatorSource\.(.+)", "spark_accumulator_value", "gauge",
        "Value of an accumulator registered with LongAccumulatorSource/DoubleAccumulatorSource", "",
        labels={"accumulator": "{1}"})


# --- daemons -----------------------------------------------------------------
def master():
    m = (("workers", "spark_master_workers", "Workers registered with the master (any state)", "workers"),
         ("aliveWorkers", "spark_master_alive_workers", "Workers in state ALIVE", "workers"),
         ("apps", "spark_master_apps", "Applications the master knows (running or waiting)", "applications"),
         ("waitingApps", "spark_master_waiting_apps", "Applications waiting for resources", "applications"))
    for k, n, help, unit in m:
        fam(("master",), "master." + k, r"master\.%s" % k, n, "gauge", help, unit)
    app = r"application\.(.+)\.(\d{13})\."
    when("an application is registered with the master", _applications, app)


def _applications(app):
    fam(("master",), "application.<app name>.<start ms>.cores", app + "cores", "spark_application_cores", "gauge",
        "Cores granted to a running application (applications instance)", "cores",
        labels={"app_name": "{1}", "app_start_ms": "{2}"})
    fam(("master",), "application.<app name>.<start ms>.runtime_ms", app + "runtime_ms",
        "spark_application_runtime_seconds", "gauge", "Time since the application started", "seconds", MS,
        labels={"app_name": "{1}", "app_start_ms": "{2}"})
    fam(("master",), "application.<app name>.<start ms>.status (String)", app + r"status",
        "spark_application_status", "gauge", "1 for the application's current state (WAITING, RUNNING, ...)", "",
        labels={"app_name": "{1}", "app_start_ms": "{2}", "state": "{3}"}, attr=r"Value: (\w+)", value="1")


def worker():
    w = (("executors", "spark_worker_executors", 1, "Executors running on the worker", "executors"),
         ("coresUsed", "spark_worker_cores_used", 1, "Cores in use by executors and drivers", "cores"),
         ("coresFree", "spark_worker_cores_free", 1, "Cores free", "cores"),
         ("memUsed_MB", "spark_worker_memory_used_bytes", MB, "Memory in use by executors and drivers", "bytes"),
         ("memFree_MB", "spark_worker_memory_free_bytes", MB, "Memory free", "bytes"))
    for k, n, f, help, unit in w:
        fam(("worker",), "worker." + k + (" (MiB)" if f == MB else ""), r"worker\.%s" % k, n, "gauge", help, unit,
            f if f != 1 else None)
    when("spark.shuffle.service.enabled (in-process in the Worker)", _shuffle_service)


def _shuffle_service():
    # External shuffle service (spark.shuffle.service.enabled=true): standalone
    # runs it inside the Worker JVM, as the metrics instance shuffleService.
    ss = "shuffleService."
    for k, n, help in (("blockTransferRate", "blocks_transferred_total", "Blocks served"),
                       ("blockTransferMessageRate", "block_transfer_messages_total", "Block-transfer messages served"),
                       ("blockTransferRateBytes", "block_transfer_bytes_total", "Bytes served")):
        fam(("worker",), ss + k + " (meter)", r"shuffleService\.%s" % k, "spark_shuffle_service_" + n, "counter",
            help + " (external shuffle service)", "bytes" if "bytes" in n else "", jmx="meters")
    fam(("worker",), ss + "numCaughtExceptions", r"shuffleService\.numCaughtExceptions",
        "spark_shuffle_service_caught_exceptions_total", "counter", "Exceptions caught (external shuffle service)", "")
    for k, n, help in (("numActiveConnections", "active_connections", "Open connections"),
                       ("numRegisteredConnections", "registered_connections", "Registered connections")):
        fam(("worker",), ss + k + " (counter that goes down)", r"shuffleService\.%s" % k,
            "spark_shuffle_service_" + n, "gauge", help + " (external shuffle service)", "connections",
            jmx="counters", attr="Count")
    fam(("worker",), ss + "registeredExecutorsSize", r"shuffleService\.registeredExecutorsSize",
        "spark_shuffle_service_registered_executors", "gauge", "Executors registered (external shuffle service)",
        "executors")
    for kind, K in (("direct", "Direct"), ("heap", "Heap")):
        fam(("worker",), ss + "shuffle-server.used%sMemory" % K, r"shuffleService\.shuffle-server\.used%sMemory" % K,
            "spark_shuffle_service_used_%s_memory_bytes" % kind, "gauge",
            "%s memory of the shuffle service's Netty pools" % K, "bytes")
    for k, n in (("openBlockRequestLatencyMillis", "open_block_request"),
                 ("registerExecutorRequestLatencyMillis", "register_executor_request"),
                 ("fetchMergedBlocksMetaLatencyMillis", "fetch_merged_blocks_meta"),
                 ("finalizeShuffleMergeLatencyMillis", "finalize_shuffle_merge")):
        # TimerWithCustomTimeUnit(MILLISECONDS): its snapshot is already in
        # ms, and JmxReporter divides by 1e6 once more (it assumes ns), so
        # JMX shows ms/1e6 (measured: a ~9 ms registration read 8.6e-6).
        fam(("worker",), ss + k + " (timer, ms/1e6 in JMX)", r"shuffleService\.%s" % k,
            "spark_shuffle_service_%s_latency_seconds" % n, "summary",
            "Latency of %s requests (external shuffle service)" % n.replace("_", " "), "seconds", 1000.0)


def os_bean():
    for attr, n, t, f, unit, help in (
            ("CpuLoad", "jvm_os_system_cpu_load_ratio", "gauge", None, "ratio", "CPU load of the whole host (0..1)"),
            ("ProcessCpuLoad", "jvm_os_process_cpu_load_ratio", "gauge", None, "ratio", "CPU load of this JVM (0..1 of the host)"),
            ("SystemLoadAverage", "jvm_os_load_average_1m", "gauge", None, "", "Host load average over 1 minute"),
            ("AvailableProcessors", "jvm_os_available_processors", "gauge", None, "cpus", "Processors available to the JVM"),
            ("FreeMemorySize", "jvm_os_memory_free_bytes", "gauge", None, "bytes", "Free physical memory of the host"),
            ("TotalMemorySize", "jvm_os_memory_total_bytes", "gauge", None, "bytes", "Physical memory of the host")):
        FAMILIES.append(Family(ROLES, n, t, unit, [], "java.lang:type=OperatingSystem " + attr, help,
                               [dict(raw="java.lang<type=OperatingSystem><>%s:" % attr, name=n, type="GAUGE",
                                     factor=f, labels={})]))


def when(cond, fn, *args):
    """Mark the families fn adds as present only under cond."""
    n = len(FAMILIES)
    fn(*args)
    for f in FAMILIES[n:]:
        f.cond = f.cond or cond


# Order matters: jmx_exporter takes the first matching rule per attribute.
dag_scheduler(); block_manager(); listener_bus(); app_status()
executor_source(); executor_metrics(); jvmcpu(); netty(); static_sources()
allocation_manager(); streaming()
jvm_source(APP, "")
when("*.source.jvm.class or master/worker.source.jvm.class is set", jvm_source,
     ("master", "worker"), " (daemons)")
when("spark.plugins or accumulator sources register metrics", plugins)
master(); worker(); os_bean()


# What the table knowingly leaves out (roles, regex of the whole dotted
# metric name after the role prefix, why): not mapped, and not spark_unmapped.
IGNORED = (
    (ROLES, r"jvm\.total\.[a-z]+", "JvmSource's heap + non-heap sums: spark_jvm_memory_*_bytes has both areas"),
    (ROLES, r"jvm\.(?:heap|non-heap|pools\.[^.]+)\.usage", "JvmSource's used/max ratios: derive from the _bytes families"),
    (("driver",), r"BlockManager\.memory\.(?:maxMem|memUsed|remainingMem)_MB",
     "on-heap + off-heap sums: spark_block_manager_memory_*_bytes has both areas"),
    (("driver",), r"appStatus\.tasks\.(?:un)?blackListedExecutors",
     "deprecated aliases of appStatus.tasks.(un)excludedExecutors"),
    (("driver",), r"executor\..+", "local mode: the executor source inside the driver JVM"),
    (("master", "worker"), r"(?:CodeGenerator|HiveExternalCatalog)\.[A-Za-z]+",
     "the static sources every metrics system registers: always empty in a daemon"),
)


def unmapped():
    """The catch-all, last in every file: any metrics:name=... gauge value
    or count that no rule above maps and IGNORED does not name (a source of a
    Spark release newer than SPARK_RELEASES, or one the table lacks), as
    spark_unmapped{metric=<dotted name>}.  Its family name never changes, so
    a new release adds series, not families; a later table gives the metric
    its own family.  Absent on every release of SPARK_RELEASES (the
    end-to-end test checks)."""
    for role in ROLES:
        skip = "|".join(rx for roles, rx, _ in IGNORED if role in roles)
        metric = r"(?!(?:%s)\"?(?:, type=\w+)?><>)(.+?)" % skip if skip else r"(.+?)"
        FAMILIES.append(Family(
            (role,), "spark_unmapped", "untyped", "", ["metric"],
            "any metrics:name=<name> (Value of gauges, Count of the others) no other rule maps",
            "A Spark metric the rules do not know (a newer Spark release): metric = its dotted name",
            [dict(metric=metric, jmx=r"\w+", attr="(?:Value|Count)", name="spark_unmapped", type="UNTYPED",
                  factor=None, labels={"metric": "{1}"})],
            cond="a Spark release newer than the table registers a metric it does not map"))


unmapped()


def _esc(s):
    return s.replace("'", "''")


def prefix(role):
    if role == "driver":
        return r'metrics<name="?(.+?)\.(driver)\.', 2, {"app_id": "$1", "executor_id": "$2", "role": "driver"}
    if role == "executor":
        return r'metrics<name="?(.+?)\.(\d+)\.', 2, {"app_id": "$1", "executor_id": "$2", "role": "executor"}
    return r'metrics<name="?', 0, {"role": role}


def render_rule(role, r):
    if "raw" in r:
        pat, labels = r["raw"], {"role": role}
    else:
        pre, off, labels = prefix(role)
        labels = dict(labels)
        # ", type=..." is optional: when the name needs quoting (a namespace
        # or app name with , = : or "), Dropwizard's DefaultObjectNameFactory
        # falls back to metrics:name="<quoted>" without the type key.
        pat = '%s%s"?(?:, type=%s)?><>%s' % (pre, r["metric"], r["jmx"], r["attr"])
        ngroups = r["metric"].count("(") - r["metric"].count("(?")
        for k, v in r["labels"].items():
            v = v.replace("{q1}", "$%d" % (off + ngroups + 1)).replace("{q2}", "$%d" % (off + ngroups + 2))
            for i in range(9, 0, -1):
                v = v.replace("{%d}" % i, "$%d" % (off + i))
            labels[k] = v
    out = ["  - pattern: '%s'" % _esc(pat), "    name: %s" % r["name"]]
    if r.get("help"):
        out.append("    help: '%s'" % _esc(r["help"]))
    if r["type"] != "UNTYPED":
        out.append("    type: %s" % r["type"])
    if r.get("factor"):
        out.append("    valueFactor: %r" % r["factor"])
    if r.get("value"):
        out.append("    value: '%s'" % r["value"])
    # A pattern that stops at the attribute name cannot see the value, so
    # jmx_exporter's per-rule cache (which matches against "<cache>" instead
    # of the value) is exact for it, and turns ~120 regex runs per attribute
    # into hash look-ups on every scrape after the first.  Patterns that
    # read the value (a String state as a label) are left uncached.
    if ": " not in pat.split("><>")[-1]:
        out.append("    cache: true")
    out.append("    labels:")
    for k in sorted(labels):
        out.append("      %s: '%s'" % (k, _esc(labels[k])))
    return "\n".join(out)


def render_file(role):
    lines = [
        "# jmx_exporter rules for the Spark %s JVM, Spark %s to %s (libspark_jmxagent and" % (
            role, SPARK_RELEASES[0], SPARK_RELEASES[-1]),
        "# jmx_prometheus_javaagent alike).  GENERATED by rules/gen_rules.py from one",
        "# table with docs/metrics.md: edit the generator, not this file.",
        "# Needs *.sink.jmx.class=org.apache.spark.metrics.sink.JmxSink (examples/conf/metrics.properties).",
        "lowercaseOutputName: false",
        "lowercaseOutputLabelNames: false",
        "includeObjectNames:",
        "  - 'metrics:*'",
    ] + ["  - '%s'" % b for b in JAVA_LANG] + ["rules:"]
    n = 0
    for f in FAMILIES:
        _with_help(f)
        if role not in f.roles:
            continue
        lines.append("  # %s: %s" % (f.name, f.source))
        for r in f.rules:
            lines.append(render_rule(role, r))
            n += 1
    return "\n".join(lines) + "\n", n


def families_for(role, version=None):
    """(name, exposition type, labels, cond) per Prometheus family of role
    (on Spark `version`, x.y.z; None: on any release); a summary-like entry
    gives two.  labels: without app_id/executor_id/role."""
    out = []
    for f in FAMILIES:
        if role in f.roles and has(f, version) and (
                f.name, f.type) not in {(n, t) for n, t, _, _ in out}:
            if f.type == "summary":
                out.append((f.name, "untyped", f.labels + ["quantile"], f.cond))
                out.append((f.name + "_count", "untyped", f.labels, f.cond))
            else:
                out.append((f.name, f.type, f.labels, f.cond))
    return out


def docs_table():
    rows = ["Common labels, not repeated below: `app_id`, `executor_id`, `role` on every `spark_*` family of the "
            "driver and the executors; `role` alone on the Master's and Worker's families and on `jvm_os_*`. "
            "*present*: when the family exists at all (\"always\" = in the lab's configuration, checked by the "
            "end-to-end test).", "",
            "| family | type | unit | more labels | roles | Spark | source (JMX `metrics:name=...`) | present |",
            "|---|---|---|---|---|---|---|---|"]
    seen = set()
    for f in FAMILIES:
        if f.name == "spark_unmapped":
            if f.name in seen:
                continue
            f = Family(ROLES, f.name, f.type, f.unit, f.labels, f.source, f.help, f.rules, f.cond)
        if (f.name, f.roles) in seen:
            continue
        seen.add((f.name, f.roles))
        name = f.name if f.type != "summary" else "%s{quantile}, %s_count" % (f.name, f.name)
        labels = ", ".join(f.labels) or "-"
        roles = ", ".join(r for r in ROLES if r in f.roles)
        rows.append("| `%s` | %s | %s | %s | %s | %s | %s | %s |" % (
            name, f.type, f.unit or "-", labels, roles, releases_of(f), f.source.replace("|", "\\|"),
            f.cond or "always"))
    return "\n".join(rows) + "\n"


def ignored_table():
    rows = ["", "Left out on purpose (no family, and not `spark_unmapped` either):", "",
            "| metric name (after the role prefix) | roles | why |", "|---|---|---|"]
    for roles, rx, why in IGNORED:
        rows.append("| `%s` | %s | %s |" % (rx.replace("|", "\\|"), ", ".join(r for r in ROLES if r in roles), why))
    return "\n".join(rows) + "\n"


BEGIN, END = "<!-- BEGIN generated by rules/gen_rules.py -->\n", "<!-- END generated -->\n"


def outputs():
    res = {}
    for role in ROLES:
        res[os.path.join(ROOT, "rules", role + ".yml")] = render_file(role)[0]
    doc = os.path.join(ROOT, "docs", "metrics.md")
    text = open(doc).read() if os.path.exists(doc) else BEGIN + END
    if BEGIN in text and END in text:
        a, rest = text.split(BEGIN, 1)
        _, b = rest.split(END, 1)
        counts = ", ".join("%s %d" % (r, len(families_for(r))) for r in ROLES)
        names = {n for r in ROLES for n, _, _, _ in families_for(r)}
        body = ("%d distinct family names (a summary-like entry is two: `x{quantile}` and `x_count`); "
                "families per role: %s.\n\n" % (len(names), counts) + docs_table() + ignored_table())
        res[doc] = a + BEGIN + body + END + b
    return res


def main():
    check = "--check" in sys.argv
    stale = []
    for path, text in outputs().items():
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            stale.append(path)
            if not check:
                with open(path, "w") as f:
                    f.write(text)
    if check and stale:
        print("out of date (run python3 rules/gen_rules.py): " + " ".join(stale), file=sys.stderr)
        return 1
    if not check:
        for role in ROLES:
            print("%s: %d rules, %d families" % (role, render_file(role)[1], len(families_for(role))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
