package org.apache.spark.deploy;

/* Stands for Spark's driver main class in test_oneflag.py: prints, first
 * thing in main, the properties the agent must have set before main. */
public class SparkSubmit {
    public static void main(String[] args) throws Exception {
        for (String k : new String[] {"spark.metrics.conf.*.sink.jmx.class",
                                      "spark.metrics.conf.driver.source.jvm.class",
                                      "spark.executor.defaultJavaOptions"})
            System.out.println("PROP " + k + "=" + System.getProperty(k));
        System.out.flush();
        Thread.sleep(Long.parseLong(args.length > 0 ? args[0] : "0"));
    }
}
