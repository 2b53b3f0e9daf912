"""One flag (docs/spark.md, "One flag"): a bare -agentpath in a JVM whose
main class is Spark's driver (a stand-in class of the same name,
fixtures_oneflag/) or not Spark at all.  The Spark properties must be set
before main runs, a user's own settings must be left alone, the port and the
rule file follow the role, and one line says so.  The real cluster is
test/spark (make test-spark-bare)."""
import glob
import json
import os
import re
import socket
import subprocess
import time
import urllib.request

import pytest

import harness

SRC = os.path.join(harness.IT_DIR, "fixtures_oneflag")
CLASSES = os.path.join(harness.BUILD, "it", "oneflag-classes")
SO = os.path.realpath(harness.OURS)
SD = "/tmp/jmxagent-sd"
JMX_SINK = "spark.metrics.conf.*.sink.jmx.class"


@pytest.fixture(scope="module")
def classes():
    harness.require_ours()
    os.makedirs(CLASSES, exist_ok=True)
    srcs = [os.path.join(SRC, "NotSpark.java"),
            os.path.join(SRC, "org", "apache", "spark", "deploy", "SparkSubmit.java")]
    subprocess.run([harness.JAVAC, "--release", "17", "-d", CLASSES, *srcs], check=True, timeout=120)
    return CLASSES


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))
            return True
        except OSError:
            return False


def run(classes, main, agent_opts="", jvm_opts=(), env=None, sleep_ms=0, during=None):
    """Runs main with the agent; returns (PROP dict, agent log lines, during())."""
    agent = "-agentpath:" + harness.OURS + ("=" + agent_opts if agent_opts else "")
    e = {k: v for k, v in os.environ.items() if k not in ("SPARK_CONF_DIR", "SPARK_HOME",
                                                          "KUBERNETES_SERVICE_HOST", "JMXAGENT_CONFIG")}
    e.update(env or {})
    if os.environ.get("IT_JVM_PRELOAD"):    # the sanitizer build (make test-asan)
        e["LD_PRELOAD"] = os.environ["IT_JVM_PRELOAD"]
    p = subprocess.Popen([harness.JAVA, *harness.JVM_OPTS, *jvm_opts, agent, "-cp", classes, main,
                          str(sleep_ms)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
    got = None
    if during is not None:
        try:
            got = during(p)
        except BaseException:
            p.kill()
            p.communicate(timeout=30)
            raise
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    props = dict(l[5:].split("=", 1) for l in out.splitlines() if l.startswith("PROP "))
    return props, [l for l in err.splitlines() if l.startswith("jmxagent:")], got


def serving(lines):
    m = [l for l in lines if "serving /metrics on" in l]
    assert len(m) == 1, lines
    return m[0]


def test_driver_bare(classes):
    """Driver: embedded rules, port 9410-9419, file_sd in /tmp/jmxagent-sd,
    JmxSink + JvmSource + the executors' agent set before main."""
    def during(p):
        def line():
            for f in glob.glob(os.path.join(SD, "jmxagent-*-%d-*.json" % p.pid)):
                with open(f) as fh:
                    return json.load(fh)
            return None
        end = time.monotonic() + 30
        while time.monotonic() < end and not line():
            time.sleep(0.2)
        return line()
    props, lines, sd = run(classes, "org.apache.spark.deploy.SparkSubmit", sleep_ms=3000, during=during)
    assert props[JMX_SINK] == "org.apache.spark.metrics.sink.JmxSink"
    assert props["spark.metrics.conf.driver.source.jvm.class"] == "org.apache.spark.metrics.source.JvmSource"
    assert props["spark.executor.defaultJavaOptions"] == "-agentpath:" + SO
    line = serving(lines)
    m = re.search(r"serving /metrics on 0\.0\.0\.0:(\d+) \(config embedded rules/driver\.yml\); "
                  r"spark role driver; file_sd %s/jmxagent-\S+\.json; sets %s=" % (SD, re.escape(JMX_SINK)), line)
    assert m and 9410 <= int(m.group(1)) <= 9419, line
    assert sd and sd[0]["labels"]["spark_role"] == "driver" and sd[0]["labels"]["job"] == "spark-driver", sd
    assert sd[0]["targets"][0].endswith(":" + m.group(1)), sd


def test_user_settings_win(classes, tmp_path):
    """A user's -D keeps its value; a metrics.properties in SPARK_CONF_DIR
    means nothing is set; executors with an agent get none added;
    executor_agent=false; config= and rules= pick the rule file."""
    props, lines, _ = run(classes, "org.apache.spark.deploy.SparkSubmit",
                          jvm_opts=["-D%s=my.Sink" % JMX_SINK,
                                    "-Dspark.executor.extraJavaOptions=-agentpath:/x/lib.so"])
    assert props[JMX_SINK] == "my.Sink"
    assert props["spark.executor.defaultJavaOptions"] == "null"
    line = serving(lines)
    assert JMX_SINK not in line and "no agent added for executors: executors get an agent from " \
        "the system property spark.executor.extraJavaOptions" in line, line

    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "metrics.properties").write_text("*.sink.csv.class=org.apache.spark.metrics.sink.CsvSink\n")
    props, lines, _ = run(classes, "org.apache.spark.deploy.SparkSubmit", "executor_agent=false",
                          env={"SPARK_CONF_DIR": str(conf)})
    assert props[JMX_SINK] == "null" and props["spark.executor.defaultJavaOptions"] == "null", props
    line = serving(lines)
    assert "the user's metrics config (%s/metrics.properties) left alone" % conf in line, line
    assert "no agent added for executors: executor_agent=false" in line, line

    cfg = tmp_path / "mine.yml"
    cfg.write_text("rules:\n  - pattern: '.*'\n")
    _, lines, _ = run(classes, "org.apache.spark.deploy.SparkSubmit", "config=%s" % cfg)
    assert "(config %s); spark role driver" % cfg in serving(lines)
    _, lines, _ = run(classes, "org.apache.spark.deploy.SparkSubmit", "rules=executor,port=0")
    line = serving(lines)
    assert "(config embedded rules/executor.yml); spark role driver" in line and "file_sd" not in line, line


def test_not_spark(classes):
    """Not Spark: jmx_exporter's default config on 9404, nothing set."""
    if not port_free(9404):
        pytest.skip("port 9404 is taken on this host")

    def during(p):
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                with urllib.request.urlopen("http://127.0.0.1:9404/metrics", timeout=5) as r:
                    return r.read().decode()
            except OSError:
                time.sleep(0.2)
        return None
    props, lines, text = run(classes, "NotSpark", sleep_ms=3000, during=during)
    assert props[JMX_SINK] == "null"
    line = serving(lines)
    assert line.endswith("serving /metrics on 0.0.0.0:9404 (config jmx_exporter's default: every MBean, "
                         "default names); not a Spark JVM"), line
    assert text and "java_lang_ClassLoading_LoadedClassCount" in text, (text or "")[:500]
