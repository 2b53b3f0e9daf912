/*
 * BenchFixture - the JVM that `make bench` scrapes.  The same class runs
 * under every contender (no agent, libspark_jmxagent, jmx_prometheus_javaagent,
 * and the pure-Java lower bound it serves itself), so the MBean set, the JVM
 * flags and the measurement endpoints are identical for all of them.
 *
 *   java -cp build/bench/classes:<Dropwizard jars> BenchFixture \
 *        --set spark|stress|none --ctl-port N [--stress-beans 10000]
 *
 * Sets:
 *   spark   Spark 3.4 driver-shaped: the real Dropwizard 4.2.15 MetricRegistry
 *           and JmxReporter that Spark's JmxSink uses (the jars pyspark ships),
 *           metric names "<app>.driver.<Source>.<metric>" for the driver's
 *           sources (local mode, so the executor source too), timers and
 *           histograms with filled reservoirs (every getter takes a snapshot,
 *           as on a busy driver; --samples F scales the number of updates
 *           each saw, 1.0 = full 1028-sample reservoirs).  ~470 beans under "metrics", plus the
 *           platform MBeans.  See docs/spark.md, "What Spark registers in
 *           JMX".
 *   stress  --stress-beans standard MBeans bench:type=<T>,name=<t><i>
 *           (10 types) with five attributes: long Count, double Value,
 *           int Size, boolean Active, String Label.
 *
 * Stdout: "MAIN <epoch ns>" first thing in main(), "READY <epoch ns>" once the
 * beans and the control server are up, "BEANS <n>".
 *
 * Control server (com.sun.net.httpserver, 127.0.0.1:ctl-port, one thread):
 *   /stats       key value lines: alloc_threads (sum of
 *                com.sun.management.ThreadMXBean.getThreadAllocatedBytes over
 *                all live threads), alloc_gc (bytes freed by every GC so far
 *                + heap used now - heap used at start: counts threads that
 *                died too), heap_used, heap_committed, nonheap_used, threads,
 *                gc_count, gc_ms
 *   /gc          System.gc() twice, then /stats
 *   /lowerbound  the pure-Java floor: queryNames (the union of the
 *                ?q=ObjectName patterns, all MBeans without any), MBeanInfo
 *                cached per ObjectName (readable attribute names), one
 *                getAttributes per bean, and nothing else.  Answers two
 *                counter lines so the harness can check it did the work.
 *   /subjects    jmx_exporter's rule match strings for every simple attribute
 *                value (input for bench/micro/regex_bench.c)
 */
import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.codahale.metrics.jmx.JmxReporter;
import com.codahale.metrics.jvm.BufferPoolMetricSet;
import com.codahale.metrics.jvm.GarbageCollectorMetricSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.AttributeList;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

public final class BenchFixture {

    static final String APP = "app-20261124101500-0000";

    static long nowNs() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    public static void main(String[] args) throws Exception {
        long mainNs = nowNs();
        System.out.println("MAIN " + mainNs);
        System.out.flush();

        String set = "spark";
        int ctlPort = 0;
        int stressBeans = 10_000;
        double samples = 1.0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--set": set = args[++i]; break;
                case "--ctl-port": ctlPort = Integer.parseInt(args[++i]); break;
                case "--stress-beans": stressBeans = Integer.parseInt(args[++i]); break;
                case "--samples": samples = Double.parseDouble(args[++i]); break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }

        Alloc.start();
        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        switch (set) {
            case "spark": SparkSet.register(samples); break;
            case "stress": StressSet.register(mbs, stressBeans); break;
            case "none": break;
            default: throw new IllegalArgumentException("unknown set " + set);
        }

        HttpServer srv = HttpServer.create(new InetSocketAddress("127.0.0.1", ctlPort), 16);
        srv.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bench-ctl");
            t.setDaemon(true);
            return t;
        }));
        LowerBound lb = new LowerBound(mbs);
        srv.createContext("/stats", ex -> reply(ex, Alloc.stats()));
        srv.createContext("/gc", ex -> {
            System.gc();
            System.gc();
            reply(ex, Alloc.stats());
        });
        srv.createContext("/lowerbound", ex -> {
            String body;
            try {
                body = lb.walk(ex.getRequestURI().getRawQuery());
            } catch (Exception e) {
                ex.sendResponseHeaders(500, -1);
                ex.close();
                return;
            }
            reply(ex, body);
        });
        // The rule engine's match strings ("domain<k=v, ...><>attr: value",
        // jmx_exporter's format for simple values), for bench/micro/regex_bench.c.
        srv.createContext("/subjects", ex -> {
            StringBuilder sb = new StringBuilder();
            try {
                for (ObjectName n : mbs.queryNames(null, null)) {
                    String kpl = n.getKeyPropertyListString().replace(",", ", ");
                    MBeanInfo info = mbs.getMBeanInfo(n);
                    for (MBeanAttributeInfo a : info.getAttributes()) {
                        if (!a.isReadable()) continue;
                        Object v;
                        try {
                            v = mbs.getAttribute(n, a.getName());
                        } catch (Exception e) {
                            continue;
                        }
                        if (v instanceof Number || v instanceof Boolean || v instanceof String) {
                            sb.append(n.getDomain()).append('<').append(kpl).append("><>")
                              .append(a.getName()).append(": ").append(v).append('\n');
                        }
                    }
                }
            } catch (Exception e) {
                ex.sendResponseHeaders(500, -1);
                ex.close();
                return;
            }
            reply(ex, sb.toString());
        });
        srv.start();

        System.out.println("BEANS " + mbs.getMBeanCount());
        System.out.println("READY " + nowNs());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    static void reply(HttpExchange ex, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    /* ---------------------------------------------------------------- */

    static final class LowerBound {
        private final MBeanServer mbs;
        private final Map<ObjectName, String[]> infoCache = new HashMap<>();

        LowerBound(MBeanServer mbs) { this.mbs = mbs; }

        String walk(String rawQuery) throws Exception {
            List<ObjectName> patterns = new ArrayList<>();
            if (rawQuery != null) {
                for (String kv : rawQuery.split("&")) {
                    if (kv.startsWith("q=")) {
                        patterns.add(new ObjectName(URLDecoder.decode(kv.substring(2), StandardCharsets.UTF_8)));
                    }
                }
            }
            Set<ObjectName> names;
            if (patterns.isEmpty()) {
                names = mbs.queryNames(null, null);
            } else {
                names = new LinkedHashSet<>();
                for (ObjectName p : patterns) names.addAll(mbs.queryNames(p, null));
            }
            long beans = 0, values = 0;
            for (ObjectName n : names) {
                String[] attrs = infoCache.get(n);
                try {
                    if (attrs == null) {
                        MBeanInfo info = mbs.getMBeanInfo(n);
                        List<String> r = new ArrayList<>();
                        for (MBeanAttributeInfo a : info.getAttributes()) {
                            if (a.isReadable()) r.add(a.getName());
                        }
                        attrs = r.toArray(new String[0]);
                        infoCache.put(n, attrs);
                    }
                    AttributeList l = mbs.getAttributes(n, attrs);
                    beans++;
                    for (Object o : l) {
                        Object v = ((javax.management.Attribute) o).getValue();
                        if (v instanceof Number || v instanceof Boolean || v instanceof CompositeData) values++;
                    }
                } catch (Exception e) {
                    // unregistered meanwhile, or an MBean whose getMBeanInfo throws: skip it
                }
            }
            return "lowerbound_beans " + beans + "\nlowerbound_values " + values + "\n";
        }
    }

    /* ---------------------------------------------------------------- */

    /* Heap allocation counters, read by the harness before and after a batch. */
    static final class Alloc {
        static final AtomicLong gcFreed = new AtomicLong();
        static final AtomicLong gcCount = new AtomicLong();
        static long usedAtStart;

        static long heapUsed() {
            long u = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) u += p.getUsage().getUsed();
            }
            return u;
        }

        static void start() {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) gc).addNotificationListener((Notification n, Object hb) -> {
                    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
                    GarbageCollectionNotificationInfo info =
                            GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                    long before = 0, after = 0;
                    for (MemoryUsage u : info.getGcInfo().getMemoryUsageBeforeGc().values()) before += u.getUsed();
                    for (MemoryUsage u : info.getGcInfo().getMemoryUsageAfterGc().values()) after += u.getUsed();
                    gcFreed.addAndGet(before - after);
                    gcCount.incrementAndGet();
                }, null, null);
            }
            usedAtStart = heapUsed();
        }

        static String stats() {
            com.sun.management.ThreadMXBean tmx =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long[] ids = tmx.getAllThreadIds();
            long[] al = tmx.getThreadAllocatedBytes(ids);
            long sum = 0;
            for (long a : al) if (a > 0) sum += a;
            long heapUsed = heapUsed();
            MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
            long gcCnt = 0, gcMs = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                gcCnt += Math.max(0, gc.getCollectionCount());
                gcMs += Math.max(0, gc.getCollectionTime());
            }
            return "alloc_threads " + sum + "\n"
                    + "alloc_gc " + (gcFreed.get() + heapUsed - usedAtStart) + "\n"
                    + "heap_used " + heapUsed + "\n"
                    + "heap_committed " + heap.getCommitted() + "\n"
                    + "nonheap_used " + nonHeap.getUsed() + "\n"
                    + "threads " + ids.length + "\n"
                    + "gc_count " + gcCnt + "\n"
                    + "gc_ms " + gcMs + "\n";
        }
    }

    /* ---------------------------------------------------------------- */

    /* 10 types x n/10 standard MBeans, five attributes each. */
    public interface StressMBean {
        long getCount();
        double getValue();
        int getSize();
        boolean isActive();
        String getLabel();
    }

    public static final class Stress implements StressMBean {
        private final long count;
        private final double value;
        private final int size;
        private final boolean active;
        private final String label;

        Stress(int i) {
            count = 1000L * i + 7;
            value = i * 0.25 + 0.5;
            size = i % 1024;
            active = (i & 1) == 0;
            label = "bean-" + i;
        }

        public long getCount() { return count; }
        public double getValue() { return value; }
        public int getSize() { return size; }
        public boolean isActive() { return active; }
        public String getLabel() { return label; }
    }

    static final class StressSet {
        static final String[] TYPES = {"Cache", "Pool", "Queue", "Session", "Request",
                                       "Topic", "Partition", "Connection", "Store", "Index"};

        static void register(MBeanServer mbs, int n) throws Exception {
            for (int i = 0; i < n; i++) {
                String t = TYPES[i % TYPES.length];
                ObjectName on = new ObjectName("bench:type=" + t + ",name=" + t.toLowerCase() + (i / TYPES.length));
                mbs.registerMBean(new Stress(i), on);
            }
        }
    }

    /* ---------------------------------------------------------------- */

    /* A Spark 3.4 driver's JmxSink beans (docs/spark.md, "What Spark
     * registers in JMX"), local mode. */
    static final class SparkSet {
        static final Random RND = new Random(42);
        static MetricRegistry reg;
        static String prefix;
        static double scale = 1.0;

        static void gauge(String name, Object v) {
            reg.register(prefix + name, (Gauge<Object>) () -> v);
        }

        static void counter(String name, long v) {
            Counter c = reg.counter(prefix + name);
            c.inc(v);
        }

        /* samples: how many updates the reservoir (ExponentiallyDecaying, 1028) saw. */
        static void timer(String name, int samples) {
            Timer t = reg.timer(prefix + name);
            samples = (int) Math.ceil(samples * scale);
            for (int i = 0; i < samples; i++) {
                t.update(20_000 + (long) (Math.abs(RND.nextGaussian()) * 2_000_000), TimeUnit.NANOSECONDS);
            }
        }

        static void histogram(String name, int samples) {
            Histogram h = reg.histogram(prefix + name);
            samples = (int) Math.ceil(samples * scale);
            for (int i = 0; i < samples; i++) h.update(100 + RND.nextInt(50_000));
        }

        static void meter(String name, long n) {
            Meter m = reg.meter(prefix + name);
            m.mark(n);
        }

        static void register(double samplesScale) {
            scale = samplesScale;
            reg = new MetricRegistry();
            prefix = APP + ".driver.";

            // BlockManager [gauges, MiB]
            for (String m : new String[] {"disk.diskSpaceUsed_MB", "memory.maxMem_MB", "memory.maxOffHeapMem_MB",
                    "memory.maxOnHeapMem_MB", "memory.memUsed_MB", "memory.offHeapMemUsed_MB",
                    "memory.onHeapMemUsed_MB", "memory.remainingMem_MB", "memory.remainingOffHeapMem_MB",
                    "memory.remainingOnHeapMem_MB"}) {
                gauge("BlockManager." + m, (long) RND.nextInt(4096));
            }
            // DAGScheduler
            for (String m : new String[] {"stage.failedStages", "stage.runningStages", "stage.waitingStages",
                    "job.allJobs", "job.activeJobs"}) {
                gauge("DAGScheduler." + m, RND.nextInt(50));
            }
            timer("DAGScheduler.messageProcessingTime", 5000);

            // LiveListenerBus
            counter("LiveListenerBus.numEventsPosted", 123_456);
            String[] listeners = {
                "org.apache.spark.status.AppStatusListener",
                "org.apache.spark.HeartbeatReceiver",
                "org.apache.spark.scheduler.EventLoggingListener",
                "org.apache.spark.sql.execution.ui.SQLAppStatusListener",
                "org.apache.spark.sql.util.ExecutionListenerBus",
                "org.apache.spark.sql.execution.streaming.StreamingQueryListenerBus",
                "org.apache.spark.ExecutorAllocationManager$ExecutorAllocationListener",
                "org.apache.spark.sql.hive.thriftserver.ui.HiveThriftServer2Listener",
                "org.apache.spark.streaming.scheduler.StreamingListenerBus",
                "org.apache.spark.ui.ConsoleProgressBar",
            };
            for (String l : listeners) timer("LiveListenerBus.listenerProcessingTime." + l, 3000);
            // third-party listeners a busy driver carries (lineage, profilers, plugins)
            for (int i = 0; i < 20; i++) {
                timer("LiveListenerBus.listenerProcessingTime.com.example.listeners.Listener" + i, 600);
            }
            for (String q : new String[] {"appStatus", "eventLog", "executorManagement", "shared", "streams"}) {
                counter("LiveListenerBus.queue." + q + ".numDroppedEvents", 0);
                gauge("LiveListenerBus.queue." + q + ".size", RND.nextInt(100));
                timer("LiveListenerBus.queue." + q + ".listenerProcessingTime", 2000);
            }

            // appStatus (spark.metrics.appStatusSource.enabled=true)
            for (String m : new String[] {"stages.failedStages", "stages.skippedStages", "stages.completedStages",
                    "jobs.succeededJobs", "jobs.failedJobs", "tasks.completedTasks", "tasks.failedTasks",
                    "tasks.killedTasks", "tasks.skippedTasks", "tasks.excludedExecutors",
                    "tasks.unexcludedExecutors", "tasks.blackListedExecutors", "tasks.unblackListedExecutors"}) {
                counter("appStatus." + m, RND.nextInt(10_000));
            }
            gauge("appStatus.jobDuration", 12_345L);

            // ExecutorMetrics (the driver's own JVM)
            for (String m : new String[] {"JVMHeapMemory", "JVMOffHeapMemory", "OnHeapExecutionMemory",
                    "OnHeapStorageMemory", "OnHeapUnifiedMemory", "OffHeapExecutionMemory", "OffHeapStorageMemory",
                    "OffHeapUnifiedMemory", "DirectPoolMemory", "MappedPoolMemory", "MinorGCCount", "MinorGCTime",
                    "MajorGCCount", "MajorGCTime", "TotalGCTime", "ProcessTreeJVMVMemory",
                    "ProcessTreeJVMRSSMemory", "ProcessTreePythonVMemory", "ProcessTreePythonRSSMemory",
                    "ProcessTreeOtherVMemory", "ProcessTreeOtherRSSMemory"}) {
                gauge("ExecutorMetrics." + m, (long) RND.nextInt(Integer.MAX_VALUE));
            }
            gauge("JVMCPU.jvmCpuTime", 987_654_321_000L);

            // static sources
            for (String m : new String[] {"fileCacheHits", "filesDiscovered", "hiveClientCalls",
                    "parallelListingJobCount", "partitionsFetched"}) {
                counter("HiveExternalCatalog." + m, RND.nextInt(1000));
            }
            for (String m : new String[] {"compilationTime", "generatedClassSize", "generatedMethodSize",
                    "sourceCodeSize"}) {
                histogram("CodeGenerator." + m, 800);
            }

            // ExecutorAllocationManager (dynamic allocation)
            for (String m : new String[] {"numberExecutorsToAdd", "numberExecutorsPendingToRemove",
                    "numberAllExecutors", "numberTargetExecutors", "numberMaxNeededExecutors",
                    "numberDecommissioningExecutors"}) {
                gauge("ExecutorAllocationManager.executors." + m, RND.nextInt(64));
            }
            for (String m : new String[] {"numberExecutorsGracefullyDecommissioned",
                    "numberExecutorsDecommissionUnfinished", "numberExecutorsExitedUnexpectedly",
                    "numberExecutorsKilledByDriver"}) {
                counter("ExecutorAllocationManager.executors." + m, RND.nextInt(10));
            }

            // executor source (local mode: registered in the driver)
            for (String m : new String[] {"activeTasks", "completeTasks", "currentPool_size", "maxPool_size",
                    "startedTasks"}) {
                gauge("executor.threadpool." + m, RND.nextInt(1000));
            }
            for (String s : new String[] {"file", "hdfs"}) {
                for (String m : new String[] {"read_bytes", "write_bytes", "read_ops", "largeRead_ops", "write_ops"}) {
                    gauge("executor.filesystem." + s + "." + m, (long) RND.nextInt(Integer.MAX_VALUE));
                }
            }
            for (String m : new String[] {"succeededTasks", "cpuTime", "runTime", "jvmGCTime", "deserializeTime",
                    "deserializeCpuTime", "resultSerializationTime", "shuffleFetchWaitTime", "shuffleWriteTime",
                    "shuffleTotalBytesRead", "shuffleRemoteBytesRead", "shuffleRemoteBytesReadToDisk",
                    "shuffleLocalBytesRead", "shuffleRecordsRead", "shuffleRemoteBlocksFetched",
                    "shuffleLocalBlocksFetched", "shuffleBytesWritten", "shuffleRecordsWritten", "bytesRead",
                    "recordsRead", "bytesWritten", "recordsWritten", "resultSize", "diskBytesSpilled",
                    "memoryBytesSpilled", "shuffleRemoteReqsDuration", "shuffleCorruptMergedBlockChunks",
                    "shuffleMergedFetchFallbackCount", "shuffleMergedRemoteBlocksFetched",
                    "shuffleMergedLocalBlocksFetched", "shuffleMergedRemoteChunksFetched",
                    "shuffleMergedLocalChunksFetched", "shuffleMergedRemoteBytesRead",
                    "shuffleMergedLocalBytesRead", "shuffleMergedRemoteReqsDuration"}) {
                counter("executor." + m, (long) RND.nextInt(Integer.MAX_VALUE));
            }

            // JvmSource (*.source.jvm.class): the real Dropwizard gauge sets
            reg.register(prefix + "jvm", new GarbageCollectorMetricSet());
            reg.register(prefix + "jvm", new MemoryUsageGaugeSet());
            reg.register(prefix + "jvm", new BufferPoolMetricSet(ManagementFactory.getPlatformMBeanServer()));

            for (String m : new String[] {"shuffle-client.usedDirectMemory", "shuffle-client.usedHeapMemory",
                    "shuffle-server.usedDirectMemory", "shuffle-server.usedHeapMemory"}) {
                gauge("NettyBlockTransfer." + m, (long) RND.nextInt(1 << 24));
            }

            // structured streaming, spark.sql.streaming.metricsEnabled=true: 24 queries
            for (int q = 0; q < 24; q++) {
                String src = "spark.streaming.query_" + q;
                gauge(src + ".eventTime-watermark", 1_764_000_000_000L + q);
                gauge(src + ".inputRate-total", RND.nextDouble() * 1000);
                gauge(src + ".latency", (long) RND.nextInt(5000));
                gauge(src + ".processingRate-total", RND.nextDouble() * 1000);
                gauge(src + ".states-rowsTotal", (long) RND.nextInt(1_000_000));
                gauge(src + ".states-usedBytes", (long) RND.nextInt(1 << 30));
            }

            // DStreams StreamingSource: "<appName>.StreamingMetrics"
            String ss = "etl_job.StreamingMetrics.streaming.";
            for (String m : new String[] {"receivers", "totalCompletedBatches", "totalReceivedRecords",
                    "totalProcessedRecords", "unprocessedBatches", "waitingBatches", "runningBatches",
                    "retainedCompletedBatches"}) {
                gauge(ss + m, (long) RND.nextInt(100_000));
            }
            for (String b : new String[] {"lastCompletedBatch_", "lastReceivedBatch_"}) {
                for (String m : new String[] {"submissionTime", "processingStartTime", "processingEndTime",
                        "processingDelay", "schedulingDelay", "totalDelay"}) {
                    gauge(ss + b + m, 1_764_000_000_000L + RND.nextInt(100_000));
                }
            }

            // spark.plugins and AccumulatorSource metrics
            for (int i = 0; i < 12; i++) {
                counter("plugin.com.example.IoPlugin.counter" + i, RND.nextInt(100_000));
                gauge("plugin.com.example.IoPlugin.gauge" + i, RND.nextDouble());
            }
            for (int i = 0; i < 4; i++) meter("plugin.com.example.IoPlugin.meter" + i, 1000 + i);
            for (int i = 0; i < 40; i++) gauge("AccumulatorSource.acc_" + i, (long) RND.nextInt(1_000_000));

            // JmxSink.start(): JmxReporter registers one MBean per metric
            JmxReporter.forRegistry(reg).build().start();
        }
    }
}
