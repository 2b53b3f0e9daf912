/*
 * ExitFixture - the JVM of the exit test (test/soak/exits.py): ends while a
 * walk of the MBeanServer is in progress.
 *
 *   java ... ExitFixture --mode return|exit|sigterm [--code N] [--slow K]
 *            [--slow-ms M] [--walks W] [--self-walk] [--timeout S]
 *
 * Registers K "slow" MBeans (exit.test:type=Slow,name=s<i>) whose getter
 * sleeps M ms (default 3 x 30 ms) and a few ordinary ones, prints READY,
 * then waits until the slow getters were entered W*K times (W walks; by the
 * agent's scraper thread, or with --self-walk by a daemon thread of this
 * JVM that walks the MBeanServer in Java, the baseline without an agent).
 * It then waits for the next getter entry, so that a walk is inside a
 * getter right now, and:
 *
 *   return    prints "EXIT <System.nanoTime()>" and returns from main
 *   exit      prints "EXIT <System.nanoTime()>" and calls System.exit(N)
 *   sigterm   prints "KILLME <System.nanoTime()>" and sleeps; the harness
 *             sends SIGTERM
 *
 * System.nanoTime() is CLOCK_MONOTONIC on Linux, the clock of the harness.
 * A shutdown hook prints "SHUTDOWN inflight=<getters running> entries=<n>".
 * No walk within --timeout seconds (default 30): prints NOWALK, exits 3.
 */
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

public final class ExitFixture {

    static final AtomicInteger inflight = new AtomicInteger();
    static final AtomicLong entries = new AtomicLong();
    static final Semaphore entered = new Semaphore(0);
    static volatile long slowMs = 30;

    public interface SlowMBean { long getValue() throws InterruptedException; }

    public static final class Slow implements SlowMBean {
        public long getValue() throws InterruptedException {
            inflight.incrementAndGet();
            entries.incrementAndGet();
            entered.release();
            try {
                Thread.sleep(slowMs);
            } finally {
                inflight.decrementAndGet();
            }
            return 1;
        }
    }

    public interface PlainMBean {
        int getCount();
        long getBytes();
        double getRatio();
        String getState();
    }

    public static final class Plain implements PlainMBean {
        private final int id;
        Plain(int id) { this.id = id; }
        public int getCount() { return id; }
        public long getBytes() { return id * 1024L; }
        public double getRatio() { return id / 10.0; }
        public String getState() { return "OK"; }
    }

    /* The baseline's stand-in for the agent: queryNames + getMBeanInfo +
     * getAttributes in a loop, on a daemon thread, as a Java exporter does. */
    static void selfWalk(MBeanServer s) {
        for (;;) {
            for (ObjectName n : s.queryNames(null, null)) {
                try {
                    List<String> names = new ArrayList<>();
                    // Array-typed attributes are skipped, as the agent skips
                    // them (and HotSpotDiagnostic.DiagnosticOptions, an
                    // array, makes JDK 17's Flag.getFlags warn under
                    // -Xcheck:jni).
                    for (MBeanAttributeInfo a : s.getMBeanInfo(n).getAttributes())
                        if (a.isReadable() && !a.getType().startsWith("["))
                            names.add(a.getName());
                    s.getAttributes(n, names.toArray(new String[0]));
                } catch (Exception e) {
                    // gone or hostile: next bean
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = null;
        int code = 0, slow = 3, walks = 2;
        long timeout = 30;
        boolean self = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mode": mode = args[++i]; break;
                case "--code": code = Integer.parseInt(args[++i]); break;
                case "--slow": slow = Integer.parseInt(args[++i]); break;
                case "--slow-ms": slowMs = Long.parseLong(args[++i]); break;
                case "--walks": walks = Integer.parseInt(args[++i]); break;
                case "--timeout": timeout = Long.parseLong(args[++i]); break;
                case "--self-walk": self = true; break;
                default: throw new IllegalArgumentException(args[i]);
            }
        }
        if (mode == null || !(mode.equals("return") || mode.equals("exit") || mode.equals("sigterm")))
            throw new IllegalArgumentException("--mode return|exit|sigterm");
        MBeanServer s = ManagementFactory.getPlatformMBeanServer();
        for (int i = 0; i < slow; i++)
            s.registerMBean(new Slow(), new ObjectName("exit.test:type=Slow,name=s" + i));
        for (int i = 0; i < 20; i++)
            s.registerMBean(new Plain(i), new ObjectName("exit.test:type=Plain,name=p" + i));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("SHUTDOWN inflight=" + inflight.get() + " entries=" + entries.get());
            System.out.flush();
        }));
        if (self) {
            Thread t = new Thread(() -> selfWalk(s), "self-walk");
            t.setDaemon(true);
            t.start();
        }
        System.out.println("READY");
        System.out.flush();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
        while (entries.get() < (long) walks * slow) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !entered.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                System.out.println("NOWALK entries=" + entries.get());
                System.out.flush();
                System.exit(3);
            }
        }
        entered.drainPermits();
        entered.acquire();              // a getter has just been entered
        long t = System.nanoTime();
        switch (mode) {
            case "return":
                System.out.println("EXIT " + t);
                System.out.flush();
                return;
            case "exit":
                System.out.println("EXIT " + t);
                System.out.flush();
                System.exit(code);
                break;
            default:
                System.out.println("KILLME " + t);
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
        }
    }
}
