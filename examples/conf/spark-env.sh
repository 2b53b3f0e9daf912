#!/usr/bin/env bash
# spark-env.sh for the observability lab.  `make spark-up` renders it into
# build/spark/conf/ (SPARK_CONF_DIR).  Spark's bin/load-spark-env.sh sources it
# once per spark-class/spark-submit/pyspark run, with `set -a`, so every
# variable set here is exported to the JVM launcher and to the JVM's children
# (a Worker's executors inherit the Worker's environment).

# --- the daemons (standalone Master and Worker) ------------------------------
# The launcher adds SPARK_DAEMON_JAVA_OPTS plus SPARK_MASTER_OPTS (Master) or
# SPARK_WORKER_OPTS (Worker) to the daemon's java command.  Each daemon gets
# its own fixed agent port and rule file.
SPARK_MASTER_OPTS="${SPARK_MASTER_OPTS:-} @JXA_MASTER_OPTS@"
SPARK_WORKER_OPTS="${SPARK_WORKER_OPTS:-} @JXA_WORKER_OPTS@"
SPARK_LOG_DIR="@JXA_SPARK_DIR@/logs"
SPARK_PID_DIR="@JXA_SPARK_DIR@/run"
SPARK_WORKER_DIR="@JXA_SPARK_DIR@/work"
SPARK_LOCAL_DIRS="@JXA_SPARK_DIR@/local"
# Python on the driver and in the executors' Python workers: the lab's venv.
PYSPARK_PYTHON="${PYSPARK_PYTHON:-@JXA_PYTHON@}"
PYSPARK_DRIVER_PYTHON="${PYSPARK_DRIVER_PYTHON:-@JXA_PYTHON@}"

# --- SPARK_DRIVER_JAVA_OPTIONS and SPARK_EXECUTOR_JAVA_OPTIONS ----------------
# Spark 3.4 reads neither variable anywhere (bin/, sbin/, the launcher, the K8s
# entrypoint).  This project promises them as the way to add JVM options, so
# this file maps them onto what Spark does read, ON TOP of the user's own
# spark.{driver,executor}.extraJavaOptions (which keep working unchanged):
#
#  * driver (client mode: the spark-submit/pyspark JVM is the driver):
#    SPARK_SUBMIT_OPTS, which the launcher puts on that JVM's command line;
#  * executors: the system property spark.executor.defaultJavaOptions on the
#    driver JVM.  SparkConf reads spark.* system properties; Spark prepends
#    spark.executor.defaultJavaOptions to spark.executor.extraJavaOptions for
#    every executor it launches (standalone, YARN, Kubernetes), and
#    {{APP_ID}}/{{EXECUTOR_ID}} are substituted in it as well.
#
# Spark 3.4.1 puts spark.executor.defaultJavaOptions THREE times on each
# executor's command line (SparkContext stores the merged default+extra value
# back into extraJavaOptions while adding the module and IPv6 options, and the
# default is prepended again when read).  libspark_jmxagent loads once and
# ignores the copies; jmx_prometheus_javaagent (-javaagent) fails on the
# second copy and the executor exits, so use spark.executor.extraJavaOptions
# for the jar.
#
# Precedence: a spark.executor.defaultJavaOptions given in spark-defaults.conf
# or with --conf replaces this one (system properties are the lowest layer).
# Cluster deploy mode: the driver is not the spark-submit JVM; use
# spark.driver.extraJavaOptions there (see docs/spark.md).
if [ -n "${SPARK_DRIVER_JAVA_OPTIONS:-}" ]; then
  SPARK_SUBMIT_OPTS="${SPARK_SUBMIT_OPTS:-} ${SPARK_DRIVER_JAVA_OPTIONS}"
fi
if [ -n "${SPARK_EXECUTOR_JAVA_OPTIONS:-}" ]; then
  # The launcher splits SPARK_SUBMIT_OPTS like a shell (quotes group words,
  # backslash escapes): quote the whole -D so the option list stays one value.
  jxa_q=${SPARK_EXECUTOR_JAVA_OPTIONS//\\/\\\\}
  jxa_q=${jxa_q//\"/\\\"}
  SPARK_SUBMIT_OPTS="${SPARK_SUBMIT_OPTS:-} \"-Dspark.executor.defaultJavaOptions=${jxa_q}\""
  unset jxa_q
fi
