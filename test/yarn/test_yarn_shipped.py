"""Shipped with the application, on YARN (README, "Shipped with the
application"): spark-submit --files libspark_jmxagent.so with
-agentpath:./libspark_jmxagent.so in spark.executor.extraJavaOptions, and
nothing installed on the node.  A real ResourceManager and NodeManager
(Hadoop 3.3.4's MiniYARNCluster, test/yarn/MiniYarn.java) and the lab's
pyspark: the NodeManager localizes --files into each container's directory
before it starts the executor's JVM.  Checked as a user would: every
executor exports its Spark families on the port its file_sd file names, and
the library mapped into each executor is the NodeManager's copy, reached
through the container's working directory.  (On a standalone cluster this
does not work: test_spark_e2e.py, test_files_recipe_needs_localized_files.)

Run through `make test-yarn`."""
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "spark"))
from sparklab import alive, scrape, sd_targets, wait_until  # noqa: E402

BUILD = os.path.join(ROOT, "build", "yarn")
AGENT = os.path.join(ROOT, "build", "libspark_jmxagent.so")
VENV = os.path.join(ROOT, "build", "venv")
JAVA_HOME = os.environ.get("JAVA_HOME") or "/usr/lib/jvm/java-17-openjdk-amd64"
OPENS = ["--add-opens=java.base/%s=ALL-UNNAMED" % p for p in
         ("java.lang", "java.lang.reflect", "java.util", "java.io", "java.net", "java.nio", "sun.nio.ch")]
FIGURES = {}


def spark_home():
    import glob
    return glob.glob(os.path.join(VENV, "lib", "python3*", "site-packages", "pyspark"))[0]


def killpg(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture(scope="module")
def yarn():
    run = os.path.join(BUILD, "run")
    shutil.rmtree(run, ignore_errors=True)
    conf = os.path.join(run, "conf")
    os.makedirs(conf)
    classes = os.path.join(BUILD, "classes")
    os.makedirs(classes, exist_ok=True)
    cp = os.path.join(BUILD, "lib", "*")
    subprocess.run([os.path.join(JAVA_HOME, "bin", "javac"), "-cp", cp, "-d", classes,
                    os.path.join(HERE, "MiniYarn.java")], check=True, timeout=120)
    t0 = time.monotonic()
    log = open(os.path.join(run, "yarn.log"), "w")
    # cwd: MiniYARNCluster keeps its directories under ./target
    proc = subprocess.Popen([os.path.join(JAVA_HOME, "bin", "java"), "-Xmx768m", *OPENS,
                             "-cp", classes + os.pathsep + cp, "MiniYarn", conf],
                            cwd=run, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def up():
            assert proc.poll() is None, "MiniYarn exited:\n" + open(log.name).read()[-3000:]
            return os.path.exists(os.path.join(conf, "yarn-site.xml"))
        wait_until("the ResourceManager", up, 180)
        FIGURES["yarn_up_seconds"] = round(time.monotonic() - t0, 1)
        yield run, conf
    finally:
        killpg(proc)
        log.close()
        print("test_yarn figures:", FIGURES)


def test_files_ship_the_agent(yarn):
    run, conf = yarn
    sd = os.path.join(run, "sd")
    os.makedirs(sd)
    done, release = os.path.join(run, "done"), os.path.join(run, "release")
    home = spark_home()
    env = dict(os.environ, HADOOP_CONF_DIR=conf, SPARK_HOME=home, JAVA_HOME=JAVA_HOME,
               PYSPARK_PYTHON=os.path.join(VENV, "bin", "python"))
    env.pop("SPARK_ENV_LOADED", None)
    env.pop("SPARK_CONF_DIR", None)
    argv = [os.path.join(home, "bin", "spark-submit"), "--master", "yarn", "--deploy-mode", "client",
            "--files", AGENT,
            "--conf", "spark.executor.extraJavaOptions=-agentpath:./libspark_jmxagent.so=port=0,host=127.0.0.1,"
                      "sd_dir=%s" % sd,
            "--conf", "spark.metrics.conf.*.sink.jmx.class=org.apache.spark.metrics.sink.JmxSink",
            "--conf", "spark.yarn.jars=local:%s/jars/*" % home,  # on the node already: no upload
            "--conf", "spark.executor.instances=2", "--conf", "spark.executor.cores=1",
            "--conf", "spark.executor.memory=512m", "--conf", "spark.yarn.am.memory=512m",
            os.path.join(HERE, "shipped_job.py"), done, release]
    t0 = time.monotonic()
    with open(os.path.join(run, "submit.log"), "w") as log:
        sub = subprocess.Popen(argv, cwd=run, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        def job_done():  # "exited" ends the wait at once (wait_until retries on exceptions)
            return True if os.path.exists(done) else "exited" if sub.poll() is not None else None
        r = wait_until("the application's job", job_done, 240)
        assert r is True, "spark-submit exited (%s) before the job was done:\n%s" % (
            sub.returncode, open(log.name).read()[-4000:])
        FIGURES["job_seconds"] = round(time.monotonic() - t0, 1)
        execs = wait_until("2 executors in file_sd",
                           lambda: (lambda t: t if len(t) == 2 else None)(
                               [x for x in sd_targets(sd) if x[0] == "executor" and alive(x[2])]), 60)
        succeeded = 0
        for role, target, pid, path, labels in execs:
            sc = scrape(target)
            ok = sc.get("spark_executor_succeeded_tasks_total")
            assert ok, "%s (executor %s) exports no spark_executor_* families" % (target, labels)
            succeeded += ok[0]
            # The library the JVM mapped is the NodeManager's localized copy,
            # and the container's working directory links to it under the
            # name the option gave.
            cwd = os.readlink("/proc/%d/cwd" % pid)
            assert "/appcache/application_" in cwd and "/container_" in cwd, cwd
            with open("/proc/%d/maps" % pid) as f:
                mapped = {line.split()[-1] for line in f if line.rstrip().endswith("libspark_jmxagent.so")}
            local = os.path.realpath(os.path.join(cwd, "libspark_jmxagent.so"))
            assert mapped == {local}, (mapped, local)
            assert "/filecache/" in local and local != os.path.realpath(AGENT), local
        # 8 partial sums, then the final one
        assert succeeded == 9, "9 tasks ran, the executors report %s" % succeeded
        open(release, "w").close()
        assert sub.wait(timeout=120) == 0, open(log.name).read()[-4000:]
    finally:
        killpg(sub)
