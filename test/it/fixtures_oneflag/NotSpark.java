/* A JVM that is not Spark, for test_oneflag.py. */
public class NotSpark {
    public static void main(String[] args) throws Exception {
        System.out.println("PROP spark.metrics.conf.*.sink.jmx.class="
                           + System.getProperty("spark.metrics.conf.*.sink.jmx.class"));
        System.out.flush();
        Thread.sleep(Long.parseLong(args.length > 0 ? args[0] : "0"));
    }
}
