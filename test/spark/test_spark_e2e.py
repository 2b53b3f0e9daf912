"""End-to-end: a Spark standalone cluster (Master + one Worker with two
executors) on 127.0.0.1, every JVM with the agent and the rules of rules/,
the example jobs submitted with spark-submit.

Run through `make test-spark` (it passes the cluster's ports, the agent kind,
the Spark venv and JAVA_HOME as LAB_* variables; SPARK_AGENT_KIND=jar runs the
same test against jmx_prometheus_javaagent, SPARK_VERSION=x another release).
The families a scrape must have, and may have, are those gen_rules documents
for the running release (docs/metrics.md, column "Spark").  LAB_TEST_SHORT=1
(the releases other than the default): a smaller ETL job, one round.
LAB_WIRING=bare (`make test-spark-bare`, part of `make test-spark`) runs the
same checks on a cluster whose every JVM gets a bare -agentpath:<so> and
nothing else: no metrics.properties, no rule file, no port (docs/spark.md,
"One flag")."""
import glob
import json
import os
import re
import shutil
import time

import pytest

from sparklab import gen_rules
from sparklab import (Submit, alive, cmdline, lab, lab_env, promtool_check, scrape, sd_targets,
                      wait_until)

ENV = lab_env()
KIND = ENV["LAB_AGENT_KIND"]
LAB_DIR = ENV["LAB_DIR"]
SD = ENV["LAB_SD_DIR"]
RUNS = os.path.join(LAB_DIR, "runs")
HOST = ENV["LAB_HOST"]
MASTER = "%s:%s" % (HOST, ENV["LAB_AGENT_MASTER_PORT"])
WORKER = "%s:%s" % (HOST, ENV["LAB_AGENT_WORKER_PORT"])
VERSION = ENV["LAB_SPARK_VERSION"]
SHORT = os.environ.get("LAB_TEST_SHORT") == "1"
APP_ID_RE = re.compile(r"app-\d{14}-\d{4}")
WIRING = ENV.get("LAB_WIRING", "explicit")
BARE = WIRING == "bare"
PFX = "bare_" if BARE else ""  # figure keys of the bare wiring
FIGURES = {}  # printed by conftest.py at the end of the session


class Cluster:
    def __init__(self):
        with open(os.path.join(LAB_DIR, "run", "worker.pid")) as f:
            self.worker_pid = int(f.read())

    def executor_pids(self):
        """Executor JVMs the Worker forked (CoarseGrainedExecutorBackend)."""
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open("/proc/%s/stat" % d) as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                if ppid == self.worker_pid and b"org.apache.spark.executor.CoarseGrainedExecutorBackend" in cmdline(int(d)) \
                        and alive(int(d)):
                    out.append(int(d))
        return sorted(out)

    def app_targets(self, submit, n_exec=2):
        """(driver target, [executor targets]) of the running application."""
        if KIND == "jar":
            drv = "%s:%s" % (HOST, ENV["LAB_AGENT_DRIVER_PORTS"].split("-")[0])
            base = int(ENV["LAB_AGENT_EXECUTOR_BASE"])
            return drv, ["%s:%d" % (HOST, base + i) for i in range(n_exec)]
        t = sd_targets(SD)
        drv = [x for x in t if x[0] == "driver" and x[2] == submit.proc.pid]
        ex = [x for x in t if x[0] == "executor" and alive(x[2])]
        if len(drv) == 1 and len(ex) == n_exec:
            return drv[0][1], sorted(x[1] for x in ex)
        return None


@pytest.fixture(scope="module")
def cluster():
    lab("down")
    if os.path.isdir(SD) and not BARE:  # leftovers of killed runs; the agent removes its own on exit
        for f in os.listdir(SD):
            os.unlink(os.path.join(SD, f))
    shutil.rmtree(RUNS, ignore_errors=True)
    t0 = time.monotonic()
    lab("up", timeout=300)
    FIGURES[PFX + "cluster_up_seconds"] = round(time.monotonic() - t0, 1)
    c = Cluster()
    try:
        yield c
    finally:
        lab("down", timeout=120)
        with open(os.path.join(LAB_DIR, "figures-bare.json" if BARE else "figures.json"), "w") as f:
            json.dump(FIGURES, f, indent=1, sort_keys=True)


def documented(role):
    return {name: (typ, labels, cond) for name, typ, labels, cond in gen_rules.families_for(role, VERSION)}


def check_scrape(sc, role, app_id=None, executor_id=None):
    """The scrape of one JVM against docs/metrics.md (= gen_rules)."""
    problems = promtool_check(sc.text)
    assert not problems, "promtool check metrics on %s (%s):\n%s" % (sc.target, role, problems)
    doc = documented(role)
    fams = sc.families()
    missing = [n for n, (_, _, cond) in doc.items() if cond is None and n not in fams]
    assert not missing, "%s (%s) lacks documented families: %s" % (sc.target, role, missing)
    if VERSION in gen_rules.SPARK_RELEASES:  # the table maps all a known release registers
        unmapped = sorted(l["metric"] for n, l, _ in sc.samples if n == "spark_unmapped")
        if unmapped:  # all of them in figures.json, whichever check fails first
            FIGURES.setdefault("unmapped", {}).setdefault(role, [])
            FIGURES["unmapped"][role] = sorted(set(FIGURES["unmapped"][role]) | set(unmapped))
        assert not unmapped, "%s (%s): Spark %s metrics no rule maps: %s" % (sc.target, role, VERSION, unmapped)
    ours = {n for n in fams if n.startswith(("spark_", "jvm_os_"))}
    undocumented = sorted(ours - set(doc))
    assert not undocumented, "%s (%s) exports undocumented families: %s" % (sc.target, role, undocumented)
    base = ["role"] + (["app_id", "executor_id"] if role in ("driver", "executor") else [])
    for name, labels, value in sc.samples:
        if name not in doc:
            continue
        typ, extra, _ = doc[name]
        assert sc.types.get(name) == typ, "%s: TYPE %s, documented %s" % (name, sc.types.get(name), typ)
        want = set(extra) | ({"role"} if name.startswith("jvm_os_") else set(base))
        assert set(labels) == want, "%s on %s: labels %s, documented %s" % (
            name, sc.target, sorted(labels), sorted(want))
        assert labels["role"] == role, (name, labels)
        if app_id and "app_id" in want:
            assert labels["app_id"] == app_id, (name, labels)
        if executor_id and "executor_id" in want:
            assert labels["executor_id"] == executor_id, (name, labels)
    for name in fams:  # names never carry an application id
        assert not re.search(r"app[-_]\d{14}[-_]\d{4}", name), name
        if app_id:
            assert app_id not in name and app_id.replace("-", "_") not in name, name


def figure(key, sc):
    FIGURES[PFX + key] = {"bytes": len(sc.text.encode()), "samples": len(sc.samples),
                    "spark_samples": sum(1 for n, _, _ in sc.samples if n.startswith("spark_")),
                    "families": len(sc.families()), "scrape_ms": round(sc.seconds * 1000, 1)}


def test_daemons(cluster):
    errors = []
    for target, role in ((MASTER, "master"), (WORKER, "worker")):
        sc = scrape(target)
        figure("idle_" + role, sc)
        try:
            check_scrape(sc, role)
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, "\n".join(errors)
    FIGURES["spark_version"], FIGURES["java_home"] = VERSION, ENV["JAVA_HOME"]
    w = scrape(WORKER)
    assert w.value("spark_worker_cores_free") == int(ENV.get("LAB_WORKER_CORES", "2"))
    assert scrape(MASTER).value("spark_master_alive_workers") == 1


@pytest.fixture
def submits():
    """spark-submit runs of one test; killed (process group) when it ends."""
    runs = []
    yield runs
    for s in runs:
        s.kill()


def test_etl_job(cluster, submits):
    out = os.path.join(RUNS, "etl", "out")
    rounds = 1 if SHORT else 2
    s = Submit("etl", RUNS, "etl_job.py",
               ["--records", "50000" if SHORT or BARE else "200000", "--rounds", str(rounds), "--output", out,
                "--linger", "240"])
    submits.append(s)
    drv, execs = wait_until("driver and 2 executors exporting", lambda: s.is_done() is not None and cluster.app_targets(s), 150)

    # Scrape every endpoint while the job runs.
    during = {}
    while not s.is_done():
        assert time.monotonic() - s.t0 < 300, "etl_job did not finish:\n" + s.tail()
        for t in [drv] + execs + [MASTER, WORKER]:
            try:
                sc = scrape(t, "during")
                during.setdefault(t, []).append(sc)
            except OSError:
                pass
        time.sleep(1)
    FIGURES[PFX + "etl_work_seconds"] = round(time.monotonic() - s.t0, 1)
    for t in [drv] + execs + [MASTER, WORKER]:
        assert during.get(t), "no scrape of %s while the job ran" % t
        for sc in during[t]:
            assert not promtool_check(sc.text), promtool_check(sc.text)

    # ... and after the work, before the application ends.
    d = scrape(drv)
    app_id = d.get("spark_app_status_tasks_total", state="completed") and \
        [l for n, l, v in d.samples if n == "spark_app_status_tasks_total"][0]["app_id"]
    assert app_id and APP_ID_RE.fullmatch(app_id), app_id
    check_scrape(d, "driver", app_id, "driver")
    figure("driver", d)
    es = [scrape(t) for t in execs]
    ids = set()
    for i, e in enumerate(es):
        eid = [l for n, l, v in e.samples if n == "spark_executor_succeeded_tasks_total"][0]["executor_id"]
        ids.add(eid)
        check_scrape(e, "executor", app_id, eid)
        figure("executor_%d" % i, e)
    assert len(ids) == 2, "both executors must be scraped, got executor ids %s" % ids
    if BARE:
        # Found without any port given: the daemons on the agent's fixed
        # ports, the driver and the executors through file_sd.
        assert (MASTER, WORKER) == ("%s:9405" % HOST, "%s:9406" % HOST)
        assert 9410 <= int(drv.rsplit(":", 1)[1]) <= 9419, drv
        log = s.tail(10 ** 6)
        assert re.search(r"spark role driver; file_sd /tmp/jmxagent-sd/\S+\.json; sets "
                         r"spark\.metrics\.conf\.\*\.sink\.jmx\.class=org\.apache\.spark\.metrics\.sink\.JmxSink, "
                         r"spark\.metrics\.conf\.driver\.source\.jvm\.class=", log), log
        # spark-defaults.conf gives the executors the agent: none added
        assert "no agent added for executors: executors get an agent from " \
            "spark.executor.extraJavaOptions in " in log, log
    if KIND == "native":
        # file_sd target labels that share a name with metric labels make
        # Prometheus (honor_labels: false) rename the metric's label to
        # exported_<name>: the agent's target labels must not collide.
        for role, target, pid, path, sdl in sd_targets(SD):
            sc = {drv: d, **dict(zip(execs, es))}.get(target)
            if sc is None:
                continue
            shared = {k for n, l, _ in sc.samples for k in set(sdl) & set(l)}
            assert not shared, "file_sd labels %s collide with metric labels (%s)" % (
                sorted(shared), path)
            if role == "executor":
                assert sdl.get("spark_executor_id") and sdl.get("spark_app_id"), sdl
    m, w = scrape(MASTER), scrape(WORKER)
    check_scrape(m, "master")
    check_scrape(w, "worker")
    figure("master_with_app", m)
    figure("worker_with_app", w)

    # Counters agree with the job and with each other.
    completed = d.value("spark_app_status_tasks_total", state="completed")
    jobs = d.value("spark_app_status_jobs_total", state="succeeded")
    assert completed > 0 and jobs >= 4 * rounds, (completed, jobs)  # 4 actions a round
    assert d.value("spark_app_status_tasks_total", state="failed") == 0
    assert d.value("spark_app_status_jobs_total", state="failed") == 0
    assert d.value("spark_dag_scheduler_jobs_submitted_total") == jobs
    assert d.value("spark_dag_scheduler_active_jobs") == 0
    assert d.value("spark_app_status_stages_total", state="completed") > 0
    assert d.value("spark_jvm_cpu_seconds_total") > 0
    assert d.value("spark_block_manager_memory_max_bytes", area="on_heap") > 0
    succeeded = [e.value("spark_executor_succeeded_tasks_total") for e in es]
    assert sum(succeeded) == completed, "executors' succeeded tasks %s vs driver's completed %s" % (succeeded, completed)
    for e in es:
        assert e.value("spark_executor_succeeded_tasks_total") > 0
        assert e.value("spark_executor_completed_tasks_total") == e.value("spark_executor_succeeded_tasks_total")
        assert e.value("spark_executor_started_tasks_total") == e.value("spark_executor_completed_tasks_total")
        assert e.value("spark_executor_active_tasks") == 0
        assert e.value("spark_executor_run_time_seconds_total") > 0
        assert e.value("spark_executor_cpu_time_seconds_total") > 0
        assert e.value("spark_jvm_memory_used_bytes", area="heap") > 0
    assert sum(e.value("spark_executor_input_records_total") for e in es) > 0
    assert sum(e.value("spark_executor_shuffle_written_bytes_total") for e in es) > 0
    # every shuffle written is read back (the second round re-reads the first
    # round's shuffle output: skipped stages)
    assert sum(e.value("spark_executor_shuffle_read_records_total") for e in es) >= \
        sum(e.value("spark_executor_shuffle_written_records_total") for e in es) > 0
    assert m.value("spark_master_apps") == 1
    assert m.value("spark_application_status", app_name="SparkETLJob", state="RUNNING") == 1
    assert m.value("spark_application_cores", app_name="SparkETLJob") == 2
    assert w.value("spark_worker_executors") == 2
    assert w.value("spark_worker_cores_used") == 2

    # The application ends normally and nothing of it stays alive.
    pids = cluster.executor_pids()
    assert len(pids) == 2, pids
    for p in pids:  # the plain Spark way: spark.executor.extraJavaOptions
        assert any(a.startswith((b"-agentpath:", b"-javaagent:")) for a in cmdline(p)), cmdline(p)
    t0 = time.monotonic()
    s.release()
    assert s.wait(120) == 0, s.tail()
    FIGURES[PFX + "etl_driver_exit_seconds"] = round(time.monotonic() - t0, 1)
    wait_until("executors to exit", lambda: not any(alive(p) for p in pids), 60)
    FIGURES[PFX + "etl_executors_exit_seconds"] = round(time.monotonic() - t0, 1)
    if KIND == "native":
        wait_until("the driver's and executors' file_sd files to go",
                   lambda: not [x for x in sd_targets(SD) if x[0] in ("driver", "executor")], 30)
    wait_until("the worker to report no executors", lambda: scrape(WORKER).value("spark_worker_executors") == 0, 60)
    wait_until("the master to forget the application", lambda: scrape(MASTER).value("spark_master_apps") == 0, 60)
    assert os.path.isdir(out) and any(f.endswith(".csv") for f in os.listdir(out)), "no CSV output in " + out


@pytest.mark.skipif(BARE, reason="the explicit wiring's environment variables")
def test_env_vars_and_failing_job(cluster, submits):
    """SPARK_DRIVER_JAVA_OPTIONS / SPARK_EXECUTOR_JAVA_OPTIONS bring the agent
    (spark-defaults without it), on top of the user's own extraJavaOptions;
    the failing job makes the failed-task counters rise."""
    # Spark 3.4 to 4.0 put spark.executor.defaultJavaOptions three times on
    # the executor command line (4.3.0 once; docs/spark.md) (SparkContext rewrites extraJavaOptions with the
    # merged value for the module and the IPv6 options).  libspark_jmxagent
    # ignores the extra copies; jmx_prometheus_javaagent exits the JVM
    # ("Can't register jmx_exporter_build"), so with the jar this test uses
    # the plain spark-defaults way.
    via_env = KIND == "native"
    # A namespace that Dropwizard must quote (and then registers without the
    # type key): the rules must still map every family, app_id = namespace.
    env, opts = {}, ["--conf", "spark.task.maxFailures=2", "--conf", "spark.metrics.namespace=lab:failing,1"]
    if via_env:
        env = {"SPARK_DRIVER_JAVA_OPTIONS": ENV["LAB_DRIVER_OPTS"],
               "SPARK_EXECUTOR_JAVA_OPTIONS": ENV["LAB_EXECUTOR_OPTS"]}
        opts += ["--properties-file", os.path.join(ENV["SPARK_CONF_DIR"], "spark-defaults-noagent.conf"),
                 "--conf", "spark.driver.extraJavaOptions=-Dlab.user.driver=kept",
                 "--conf", "spark.executor.extraJavaOptions=-Dlab.user.executor=kept"]
    # failing_job.py runs one healthy job, then waits for the go file
    s = Submit("failing", RUNS, "failing_job.py", ["--tasks", "4", "--fail-every", "2", "--jobs", "2",
                                                   "--linger", "180"], env=env, submit_opts=opts, go=True)
    submits.append(s)
    drv, execs = wait_until("driver and 2 executors exporting (via the env vars)",
                            lambda: s.is_done() is not None and cluster.app_targets(s), 150)

    def healthy_job_done():
        d = scrape(drv)
        v = d.get("spark_app_status_jobs_total", state="succeeded")
        return d if v and v[0] >= 1 else None
    d0 = wait_until("the healthy job", healthy_job_done, 120)
    f0 = d0.value("spark_app_status_tasks_total", state="failed")
    assert f0 == 0

    pids = cluster.executor_pids()
    assert len(pids) == 2, pids
    if via_env:
        drv_cmd = cmdline(s.proc.pid)
        assert any(a.startswith(b"-agentpath:") for a in drv_cmd), drv_cmd
        assert b"-Dlab.user.driver=kept" in drv_cmd, drv_cmd
        for p in pids:
            c = cmdline(p)
            assert any(a.startswith(b"-agentpath:") for a in c), c
            # how often this release repeats spark.executor.defaultJavaOptions
            FIGURES["executor_agentpath_copies"] = sum(1 for a in c if a.startswith(b"-agentpath:"))
            assert b"-Dlab.user.executor=kept" in c, c
            # one agent per JVM even though Spark repeats the option
            assert len([x for x in sd_targets(SD) if x[2] == p]) == 1

    s.go()
    wait_until("the failing jobs", s.is_done, 180)
    d = scrape(drv)
    app_id = [l for n, l, v in d.samples if n == "spark_app_status_tasks_total"][0]["app_id"]
    assert app_id == "lab:failing,1", app_id
    check_scrape(d, "driver", app_id, "driver")
    failed = d.value("spark_app_status_tasks_total", state="failed")
    killed = d.value("spark_app_status_tasks_total", state="killed")
    assert failed >= f0 + 2 * 2, (f0, failed)  # 2 failing jobs, each task tried maxFailures=2 times
    assert d.value("spark_app_status_jobs_total", state="failed") == 2
    assert d.value("spark_app_status_stages_total", state="failed") >= 2
    es = [scrape(t) for t in execs]
    unsuccessful = 0
    for e in es:
        eid = [l for n, l, v in e.samples if n == "spark_executor_succeeded_tasks_total"][0]["executor_id"]
        check_scrape(e, "executor", app_id, eid)
        unsuccessful += e.value("spark_executor_completed_tasks_total") - e.value("spark_executor_succeeded_tasks_total")
    # Executors count every task that ended without success (completeTasks -
    # succeededTasks); the driver's appStatus drops the end events of tasks
    # whose stage was already aborted, so it can count fewer.
    assert unsuccessful >= failed, (failed, killed, unsuccessful)
    FIGURES["failing_job"] = {"failed_tasks": failed, "killed_tasks": killed, "executor_unsuccessful": unsuccessful}
    s.release()
    assert s.wait(120) == 0, s.tail()
    wait_until("executors to exit", lambda: not any(alive(p) for p in pids), 60)


@pytest.mark.skipif(BARE or SHORT or KIND != "native",
                    reason="Spark's behaviour, checked once: the default release's explicit wiring, the native agent")
def test_files_recipe_needs_localized_files(cluster, submits):
    """The YARN recipe of README ("Shipped with the application"):
    spark-submit --files <so> and -agentpath:./libspark_jmxagent.so in
    spark.executor.extraJavaOptions.  YARN's NodeManager copies --files into
    the container's directory before it starts the JVM; a standalone Worker
    starts the executor's JVM in work/<app>/<n>/ first and the executor
    fetches --files afterwards, so the JVM cannot load the agent and exits.
    README tells standalone users to install the .so on the workers instead:
    this checks, on the real cluster, the reason it gives."""
    so = ENV["LAB_AGENT"]
    opts = ["--properties-file", os.path.join(ENV["SPARK_CONF_DIR"], "spark-defaults-noagent.conf"),
            "--files", so,
            "--conf", "spark.executor.extraJavaOptions=-agentpath:./libspark_jmxagent.so="
                      "port=0,host=%s,sd_dir=%s,sd_job=spark-executor" % (HOST, SD)]
    s = Submit("files", RUNS, "etl_job.py", ["--records", "1000", "--rounds", "1",
                                             "--output", os.path.join(RUNS, "files", "out")],
               submit_opts=opts)
    submits.append(s)
    t0 = time.monotonic()

    def refused():
        m = APP_ID_RE.search(s.tail(10 ** 6))
        if not m:
            return None
        for out in glob.glob(os.path.join(LAB_DIR, "work", m.group(0), "*", "stdout")):
            with open(out, errors="replace") as f:
                if "Could not find agent library ./libspark_jmxagent.so" in f.read():
                    return os.path.dirname(out)
        return None
    exec_dir = wait_until("an executor JVM refusing ./libspark_jmxagent.so", refused, 90)
    FIGURES["files_recipe_refused_seconds"] = round(time.monotonic() - t0, 1)
    s.kill()
    # The JVM looked in the executor's own directory, where the Worker had
    # put nothing of the application's files.
    assert not os.path.exists(os.path.join(exec_dir, "libspark_jmxagent.so")), os.listdir(exec_dir)
    assert not [x for x in sd_targets(SD) if x[0] == "executor" and alive(x[2])]


USER_RULES = """\
# A user's own rule file: the agent must use it, not the embedded one.
rules:
  - pattern: 'java.lang<type=Runtime><>Uptime'
    name: user_runtime_uptime_ms
  - pattern: 'metrics<name=(.+)><>(Value|Count)'
    name: user_spark_metric
"""


@pytest.mark.skipif(not BARE, reason="one flag: the bare wiring only")
def test_driver_flag_alone_and_user_files(cluster, submits):
    """spark-submit --driver-java-options -agentpath:<so>=config=<user's
    file> and nothing else for the application (spark-defaults without the
    agent lines), with the user's own metrics.properties (a CsvSink) given as
    spark.metrics.conf: the driver adds the bare agent to its executors
    (spark.executor.defaultJavaOptions), leaves the user's metrics config and
    rule file alone, and the executors are found through file_sd."""
    d = os.path.join(RUNS, "alone")
    csv_dir = os.path.join(d, "csv")
    os.makedirs(csv_dir, exist_ok=True)
    rules = os.path.join(d, "user-rules.yml")
    with open(rules, "w") as f:
        f.write(USER_RULES)
    mprops = os.path.join(d, "metrics.properties")
    with open(mprops, "w") as f:
        f.write("*.sink.csv.class=org.apache.spark.metrics.sink.CsvSink\n"
                "*.sink.csv.period=1\n*.sink.csv.unit=seconds\n"
                "*.sink.csv.directory=%s\n" % csv_dir)
    so = ENV["LAB_AGENT"]
    opts = ["--properties-file", os.path.join(ENV["SPARK_CONF_DIR"], "spark-defaults-noagent.conf"),
            "--driver-java-options", "-agentpath:%s=config=%s" % (so, rules),
            "--conf", "spark.metrics.conf=%s" % mprops]
    s = Submit("alone", RUNS, "etl_job.py", ["--records", "20000", "--rounds", "1",
                                             "--output", os.path.join(d, "out"), "--linger", "180"],
               submit_opts=opts)
    submits.append(s)
    drv, execs = wait_until("driver and 2 executors exporting (the driver's flag alone)",
                            lambda: s.is_done() is not None and cluster.app_targets(s), 150)
    wait_until("the job", s.is_done, 180)

    # The executors got the bare agent from the driver, nothing else.
    pids = cluster.executor_pids()
    assert len(pids) == 2, pids
    for p in pids:
        agents = [a for a in cmdline(p) if a.startswith(b"-agentpath:")]
        assert agents and set(agents) == {("-agentpath:" + os.path.realpath(so)).encode()}, cmdline(p)
    log = s.tail(10 ** 6)
    assert "sets spark.executor.defaultJavaOptions=-agentpath:%s" % os.path.realpath(so) in log, log
    # The driver: the user's rule file and metrics config, untouched.
    assert "(config %s); spark role driver" % rules in log, log
    assert "the user's metrics config (--conf spark.metrics.conf) left alone" in log, log
    assert "spark.metrics.conf.*.sink.jmx.class=" not in log, log
    dr = scrape(drv)
    assert dr.get("user_runtime_uptime_ms"), sorted(dr.families())[:20]
    assert not dr.get("user_spark_metric"), "JmxSink was switched on in the driver"
    assert not [n for n in dr.families() if n.startswith("spark_")], sorted(dr.families())
    wait_until("the user's CsvSink to write the driver's metrics",
               lambda: [f for f in os.listdir(csv_dir) if ".driver." in f], 30)
    # The executors: their own bare agent, embedded rules, every family.
    app_id = None
    for t in execs:
        e = scrape(t)
        eid = [l for n, l, v in e.samples if n == "spark_executor_succeeded_tasks_total"][0]
        app_id = app_id or eid["app_id"]
        check_scrape(e, "executor", app_id, eid["executor_id"])
    s.release()
    assert s.wait(120) == 0, s.tail()
    wait_until("executors to exit", lambda: not any(alive(p) for p in pids), 60)
