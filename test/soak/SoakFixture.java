/*
 * SoakFixture - the JVM of the soak test (test/soak/soak.py).
 *
 * A steady set of a few hundred MBeans (numbers, Strings, CompositeData,
 * TabularData, Spark-shaped JmxReporter beans that rules/driver.yml
 * matches, hostile getters), plus a thread that registers MBeans under NEW
 * unique ObjectNames all the time and unregisters the oldest, so every
 * cache of the agent keyed by bean or attribute sees entries come and go.
 *
 *   java ... SoakFixture [--churn-rate N] [--churn-live L] [--heap-every S]
 *     --churn-rate N   beans registered (and as many unregistered) per
 *                      second (default 1000)
 *     --churn-live L   churned beans alive at any time (default 150)
 *     --heap-every S   every S seconds: System.gc(), then print
 *                      "HEAP <uptime ms> <heap used bytes>" (default 5; soak.py passes 2)
 *
 * Prints READY once the steady set is registered, then runs until killed;
 * a shutdown hook prints "CHURNED <registered> <unregistered> <failures>
 * <read>", <read> being the unregistered beans that somebody (the agent's
 * walk) had read at least once.
 * Also prints "CHURN <uptime ms> <registered>" with every HEAP line.
 *
 * Domains: soak.steady, soak.hostile, soak.churn, metrics (Spark-shaped;
 * steady app "app-20261124101500-0000", churned apps "app-c<seq>").
 */
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

public final class SoakFixture {

    static final AtomicLong TICK = new AtomicLong();

    /* A churned bean remembers whether anybody (the agent) read it. */
    abstract static class Churned {
        volatile boolean read;
        final void touch() { if (!read) read = true; }
    }

    /* ---- open types --------------------------------------------------- */

    static final CompositeType USAGE_T;
    static final CompositeType ROW_T;
    static final TabularType TABLE_T;

    static {
        try {
            CompositeType inner = new CompositeType("Peak", "peak usage",
                new String[] {"bytes", "at"}, new String[] {"peak bytes", "when"},
                new OpenType<?>[] {SimpleType.LONG, SimpleType.LONG});
            USAGE_T = new CompositeType("Usage", "memory usage",
                new String[] {"used", "max", "ratio", "label", "peak"},
                new String[] {"bytes used", "bytes max", "used/max", "a label", "the peak"},
                new OpenType<?>[] {SimpleType.LONG, SimpleType.LONG, SimpleType.DOUBLE,
                                   SimpleType.STRING, inner});
            ROW_T = new CompositeType("Queue", "one queue",
                new String[] {"queue", "depth", "rate"}, new String[] {"name", "depth", "rate"},
                new OpenType<?>[] {SimpleType.STRING, SimpleType.INTEGER, SimpleType.DOUBLE});
            TABLE_T = new TabularType("Queues", "queues by name", ROW_T, new String[] {"queue"});
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static CompositeData usage(long used, String label) {
        try {
            long t = TICK.incrementAndGet();
            CompositeData peak = new CompositeDataSupport((CompositeType) USAGE_T.getType("peak"),
                new String[] {"bytes", "at"}, new Object[] {used * 2, t});
            return new CompositeDataSupport(USAGE_T,
                new String[] {"used", "max", "ratio", "label", "peak"},
                new Object[] {used, 1L << 30, used / (double) (1L << 30), label, peak});
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    static TabularData queues(int n, long seed) {
        try {
            TabularDataSupport t = new TabularDataSupport(TABLE_T);
            for (int i = 0; i < n; i++)
                t.put(new CompositeDataSupport(ROW_T, new String[] {"queue", "depth", "rate"},
                    new Object[] {"q" + i, (int) ((seed + i) % 100), (seed % 7) * 0.5 + i}));
            return t;
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /* ---- steady: numbers and Strings ----------------------------------- */

    public interface NumbersMBean {
        int getCount();
        long getBytes();
        double getRatio();
        float getLoad();
        short getSmall();
        Double getBoxed();
        boolean isUp();
        String getState();
    }

    public static final class Numbers implements NumbersMBean {
        private final int id;
        Numbers(int id) { this.id = id; }
        public int getCount() { return (int) (TICK.incrementAndGet() & 0xffffff); }
        public long getBytes() { return 1_000_000L * id + TICK.get(); }
        public double getRatio() { return (TICK.get() % 1000) / 1000.0; }
        public float getLoad() { return id * 0.25f; }
        public short getSmall() { return (short) id; }
        public Double getBoxed() { return id % 5 == 0 ? null : id * 1.5; }
        public boolean isUp() { return (TICK.get() & 1) == 0; }
        public String getState() { return (TICK.get() & 2) == 0 ? "RUNNING" : "IDLE"; }
    }

    /* ---- steady and churn: open data (a Dynamic MBean, mutable info) --- */

    public static final class Open extends Churned implements DynamicMBean {
        private final long seed;
        private final int rows;
        Open(long seed, int rows) { this.seed = seed; this.rows = rows; }

        public Object getAttribute(String a) throws AttributeNotFoundException {
            touch();
            switch (a) {
                case "Usage": return usage(seed * 1024 + TICK.get() % 4096, "u" + seed % 3);
                case "Queues": return queues(rows, seed + TICK.get());
                case "Total": return seed + TICK.incrementAndGet();
                case "Name": return "open-" + seed;
                default: throw new AttributeNotFoundException(a);
            }
        }

        public AttributeList getAttributes(String[] names) {
            AttributeList l = new AttributeList();
            for (String n : names) {
                try {
                    l.add(new Attribute(n, getAttribute(n)));
                } catch (Exception e) {
                    // skipped, as the MBeanServer does for Standard MBeans
                }
            }
            return l;
        }

        public void setAttribute(Attribute a) { throw new UnsupportedOperationException(); }
        public AttributeList setAttributes(AttributeList l) { return new AttributeList(); }
        public Object invoke(String op, Object[] p, String[] s) { return null; }

        public MBeanInfo getMBeanInfo() {
            return new MBeanInfo(Open.class.getName(), "open data", new MBeanAttributeInfo[] {
                new MBeanAttributeInfo("Usage", CompositeData.class.getName(), "usage", true, false, false),
                new MBeanAttributeInfo("Queues", TabularData.class.getName(), "queues", true, false, false),
                new MBeanAttributeInfo("Total", "long", "a total", true, false, false),
                new MBeanAttributeInfo("Name", "java.lang.String", "a name", true, false, false),
            }, null, null, null);
        }
    }

    /* ---- hostile getters ------------------------------------------------ */

    public interface HostileMBean {
        int getThrows();
        Integer getNull();
        double getNaN();
        double getPosInf();
        double getNegInf();
        long getFlaky();
        String getWeird();
        CompositeData getHalfNull();
        Object getUnexportable();
        long getFine();
    }

    public static final class Hostile implements HostileMBean {
        private final int id;
        Hostile(int id) { this.id = id; }
        public int getThrows() { throw new IllegalStateException("getter throws " + id); }
        public Integer getNull() { return null; }
        public double getNaN() { return Double.NaN; }
        public double getPosInf() { return Double.POSITIVE_INFINITY; }
        public double getNegInf() { return Double.NEGATIVE_INFINITY; }
        public long getFlaky() {
            if ((TICK.incrementAndGet() % 3) == 0) throw new RuntimeException("flaky");
            return id;
        }
        public String getWeird() { return "quote\" back\\slash\nnewline \u00e9\u4e2d"; }
        public CompositeData getHalfNull() {
            try {
                CompositeType t = new CompositeType("Half", "half null",
                    new String[] {"a", "b"}, new String[] {"a", "b"},
                    new OpenType<?>[] {SimpleType.LONG, SimpleType.LONG});
                return new CompositeDataSupport(t, new String[] {"a", "b"}, new Object[] {7L, null});
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }
        public Object getUnexportable() { return new Object(); }
        public long getFine() { return id; }
    }

    /* getAttributes throws (the agent falls back to one getAttribute per
     * name), and MBeanInfo changes from call to call. */
    public static final class Moody implements DynamicMBean {
        private final AtomicLong calls = new AtomicLong();

        public Object getAttribute(String a) throws AttributeNotFoundException {
            switch (a) {
                case "A": return calls.incrementAndGet();
                case "B": throw new RuntimeException("B always fails");
                case "C": return Double.NaN;
                default: throw new AttributeNotFoundException(a);
            }
        }

        public AttributeList getAttributes(String[] names) {
            throw new UnsupportedOperationException("bulk get is not supported");
        }

        public void setAttribute(Attribute a) { throw new UnsupportedOperationException(); }
        public AttributeList setAttributes(AttributeList l) { return new AttributeList(); }
        public Object invoke(String op, Object[] p, String[] s) { return null; }

        public MBeanInfo getMBeanInfo() {
            boolean withC = (calls.get() & 1) == 0;
            MBeanAttributeInfo a = new MBeanAttributeInfo("A", "long", "a", true, false, false);
            MBeanAttributeInfo b = new MBeanAttributeInfo("B", "long", "b", true, false, false);
            MBeanAttributeInfo c = new MBeanAttributeInfo("C", "double", "c", true, false, false);
            return new MBeanInfo(Moody.class.getName(), "moody",
                withC ? new MBeanAttributeInfo[] {a, b, c} : new MBeanAttributeInfo[] {a, b},
                null, null, null);
        }
    }

    /* ---- Spark-shaped (Dropwizard JmxReporter) beans -------------------- */

    public interface JmxGaugeMBean { Object getValue(); }
    public interface JmxCounterMBean { long getCount(); }
    public interface JmxTimerMBean {
        long getCount();
        double getMeanRate();
        double getOneMinuteRate();
        double getMin();
        double getMax();
        double getMean();
        double get50thPercentile();
        double get75thPercentile();
        double get95thPercentile();
        double get98thPercentile();
        double get99thPercentile();
        double get999thPercentile();
        String getDurationUnit();
        String getRateUnit();
    }

    public static final class JmxGauge extends Churned implements JmxGaugeMBean {
        private final int id;
        JmxGauge(int id) { this.id = id; }
        public Object getValue() {
            touch();
            long t = TICK.incrementAndGet();
            switch (id % 4) {
                case 0: return (int) (t % 1000);
                case 1: return t;
                case 2: return (t % 100) / 3.0;
                default: return id % 8 == 3 ? Double.NaN : (Object) (long) id;
            }
        }
    }

    public static final class JmxCounter implements JmxCounterMBean {
        public long getCount() { return TICK.incrementAndGet(); }
    }

    public static final class JmxTimer extends Churned implements JmxTimerMBean {
        private final double ms;
        JmxTimer(double ms) { this.ms = ms; }
        public long getCount() { touch(); return TICK.incrementAndGet(); }
        public double getMeanRate() { return 1.5; }
        public double getOneMinuteRate() { return 0.1; }
        public double getMin() { return ms / 10; }
        public double getMax() { return ms * 10; }
        public double getMean() { return ms; }
        public double get50thPercentile() { return ms * 0.9; }
        public double get75thPercentile() { return ms * 1.2; }
        public double get95thPercentile() { return ms * 3; }
        public double get98thPercentile() { return ms * 4; }
        public double get99thPercentile() { return ms * 5; }
        public double get999thPercentile() { return ms * 9; }
        public String getDurationUnit() { return "milliseconds"; }
        public String getRateUnit() { return "events/second"; }
    }

    static ObjectName spark(String metric, String type) throws Exception {
        return new ObjectName("metrics:name=" + metric + ",type=" + type);
    }

    /* Metric names of a Spark 3.4 driver that rules/driver.yml matches. */
    static final String[] GAUGES = {
        "DAGScheduler.stage.failedStages", "DAGScheduler.stage.runningStages",
        "DAGScheduler.stage.waitingStages", "DAGScheduler.job.allJobs",
        "DAGScheduler.job.activeJobs", "BlockManager.memory.maxOnHeapMem_MB",
        "BlockManager.memory.onHeapMemUsed_MB", "BlockManager.memory.remainingOnHeapMem_MB",
        "BlockManager.disk.diskSpaceUsed_MB", "appStatus.jobDuration",
        "ExecutorMetrics.JVMHeapMemory", "ExecutorMetrics.JVMOffHeapMemory",
        "ExecutorMetrics.OnHeapExecutionMemory", "ExecutorMetrics.MinorGCCount",
        "ExecutorMetrics.MajorGCTime", "JVMCPU.jvmCpuTime", "jvm.heap.used", "jvm.heap.max",
        "jvm.non-heap.used", "jvm.non-heap.committed", "jvm.direct.count", "jvm.mapped.used",
        "ExecutorAllocationManager.executors.numberAllExecutors",
        "spark.streaming.q1.inputRate-total", "spark.streaming.q1.latency",
    };
    static final String[] COUNTERS = {
        "LiveListenerBus.numEventsPosted", "appStatus.stages.completedStages",
        "appStatus.jobs.succeededJobs", "appStatus.tasks.completedTasks",
        "appStatus.tasks.failedTasks", "HiveExternalCatalog.fileCacheHits",
        "HiveExternalCatalog.partitionsFetched",
    };
    static final String[] TIMERS = {
        "DAGScheduler.messageProcessingTime",
        "LiveListenerBus.listenerProcessingTime.org.apache.spark.HeartbeatReceiver",
    };
    static final String[] POOLS = {"G1-Eden-Space", "G1-Old-Gen", "G1-Survivor-Space",
                                   "Metaspace", "CodeCache", "Compressed-Class-Space"};
    static final String[] QUEUES = {"appStatus", "executorManagement", "shared", "eventLog"};

    static int registerSteadySpark(MBeanServer s, String app) throws Exception {
        String d = app + ".driver.";
        int n = 0, id = 0;
        for (String g : GAUGES) { s.registerMBean(new JmxGauge(id++), spark(d + g, "gauges")); n++; }
        for (String p : POOLS)
            for (String k : new String[] {"init", "used", "max", "committed", "used-after-gc"}) {
                s.registerMBean(new JmxGauge(id++), spark(d + "jvm.pools." + p + "." + k, "gauges"));
                n++;
            }
        for (String q : QUEUES) {
            s.registerMBean(new JmxGauge(id++), spark(d + "LiveListenerBus.queue." + q + ".size", "gauges"));
            s.registerMBean(new JmxCounter(), spark(d + "LiveListenerBus.queue." + q + ".numDroppedEvents", "counters"));
            s.registerMBean(new JmxTimer(0.5 + n), spark(d + "LiveListenerBus.queue." + q + ".listenerProcessingTime", "timers"));
            n += 3;
        }
        for (String c : COUNTERS) { s.registerMBean(new JmxCounter(), spark(d + c, "counters")); n++; }
        for (String t : TIMERS) { s.registerMBean(new JmxTimer(2.5), spark(d + t, "timers")); n++; }
        for (int i = 0; i < 10; i++) {
            s.registerMBean(new JmxGauge(id++), spark(d + "plugin.soak.metric" + i, "gauges"));
            s.registerMBean(new JmxGauge(id++), spark(d + "AccumulatorSource.acc" + i, "gauges"));
            n += 2;
        }
        return n;
    }

    /* ---- churn -------------------------------------------------------- */

    public interface WorkerMBean {
        long getCount();
        long getBytes();
        double getRatio();
        String getState();
        CompositeData getUsage();
    }

    public static final class Worker extends Churned implements WorkerMBean {
        private final long seq;
        Worker(long seq) { this.seq = seq; }
        public long getCount() { touch(); return seq + TICK.incrementAndGet(); }
        public long getBytes() { return seq * 4096; }
        public double getRatio() { return (seq % 100) / 100.0; }
        public String getState() { return seq % 2 == 0 ? "BUSY" : "IDLE"; }
        public CompositeData getUsage() { return usage(seq, "w"); }
    }

    static final AtomicLong registered = new AtomicLong(), unregistered = new AtomicLong(),
        failures = new AtomicLong(), readBeforeGone = new AtomicLong();

    static final class Live {
        final ObjectName name;
        final Churned bean;
        Live(ObjectName name, Churned bean) { this.name = name; this.bean = bean; }
    }

    /* One new bean under a name never used before; four shapes in turn. */
    static Live churnOne(MBeanServer s, long seq) throws Exception {
        ObjectName n;
        Churned bean;
        switch ((int) (seq % 4)) {
            case 0:
                n = new ObjectName("soak.churn:type=Worker,name=cw" + seq + ",pool=p" + seq % 7);
                bean = new Worker(seq);
                break;
            case 1:
                n = new ObjectName("soak.churn:type=Open,name=co" + seq);
                bean = new Open(seq, 2);
                break;
            case 2:
                n = spark("app-c" + seq + ".driver.DAGScheduler.job.activeJobs", "gauges");
                bean = new JmxGauge((int) seq);
                break;
            default:
                n = spark("app-c" + seq + ".driver.DAGScheduler.messageProcessingTime", "timers");
                bean = new JmxTimer(seq % 50);
                break;
        }
        s.registerMBean(bean, n);
        return new Live(n, bean);
    }

    static void churn(MBeanServer s, double rate, int live) {
        ArrayDeque<Live> alive = new ArrayDeque<>();
        long seq = 0;
        long t0 = System.nanoTime();
        for (;;) {
            long due = (long) ((System.nanoTime() - t0) / 1e9 * rate);
            while (registered.get() < due) {
                try {
                    alive.addLast(churnOne(s, seq++));
                    registered.incrementAndGet();
                } catch (Exception e) {
                    failures.incrementAndGet();
                    seq++;
                }
                while (alive.size() > live) {
                    Live gone = alive.removeFirst();
                    try {
                        s.unregisterMBean(gone.name);
                        unregistered.incrementAndGet();
                        if (gone.bean.read) readBeforeGone.incrementAndGet();
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        double rate = 1000;
        int live = 150;
        long heapEvery = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--churn-rate": rate = Double.parseDouble(args[++i]); break;
                case "--churn-live": live = Integer.parseInt(args[++i]); break;
                case "--heap-every": heapEvery = Long.parseLong(args[++i]); break;
                default: throw new IllegalArgumentException(args[i]);
            }
        }
        MBeanServer s = ManagementFactory.getPlatformMBeanServer();
        int steady = 0;
        for (int i = 0; i < 120; i++, steady++)
            s.registerMBean(new Numbers(i), new ObjectName("soak.steady:type=Numbers,name=n" + i));
        for (int i = 0; i < 60; i++, steady++)
            s.registerMBean(new Open(i, 1 + i % 4), new ObjectName("soak.steady:type=Open,name=o" + i));
        for (int i = 0; i < 8; i++, steady++)
            s.registerMBean(new Hostile(i), new ObjectName("soak.hostile:type=Hostile,name=h" + i));
        for (int i = 0; i < 2; i++, steady++)
            s.registerMBean(new Moody(), new ObjectName("soak.hostile:type=Moody,name=m" + i));
        steady += registerSteadySpark(s, "app-20261124101500-0000");

        Runtime.getRuntime().addShutdownHook(new Thread(() ->
            System.out.println("CHURNED " + registered.get() + " " + unregistered.get() + " "
                               + failures.get() + " " + readBeforeGone.get())));
        final double r = rate;
        final int l = live;
        Thread churner = new Thread(() -> churn(s, r, l), "churn");
        churner.setDaemon(true);
        churner.start();
        System.out.println("READY steady=" + steady);
        System.out.flush();
        long start = System.nanoTime();
        for (;;) {
            Thread.sleep(heapEvery * 1000);
            System.gc();
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("HEAP " + ms + " " + used);
            System.out.println("CHURN " + ms + " " + registered.get());
            System.out.flush();
        }
    }
}
