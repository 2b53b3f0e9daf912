"""The native lab end to end (make test-lab-live; a few minutes).

Starts its own lab (compose/native/lab.sh up --fast, state in
build/lab-test, ports 29xxx so that it never meets a `make lab` or the Spark
tests' cluster), runs the ETL and a short streaming job, then checks that
every dashboard query and variable returns data from that Prometheus, and
that the failing job's task failures travel Prometheus -> Alertmanager ->
webhook receiver; last, a headless Chromium opens every console (the
dashboards Prometheus serves) and checks that each panel drew data, leaving a
screenshot per dashboard in build/lab/screenshots. The lab is stopped again
in every case (lab.sh down, which signals only the pids it recorded)."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

from labcommon import DASHBOARDS, ROOT, dashboard, queries, substitute

LAB = os.path.join(ROOT, "compose", "native", "lab.sh")
STATE = os.path.join(ROOT, "build", "lab-test")
PORTS = dict(
    LAB_PROMETHEUS_PORT=29090, LAB_ALERTMANAGER_PORT=29093, LAB_NODE_EXPORTER_PORT=29100,
    LAB_PUSHGATEWAY_PORT=29091, LAB_WEBHOOK_PORT=29095, LAB_VICTORIA_METRICS_PORT=29428, LAB_MASTER_PORT=29077,
    LAB_MASTER_UI_PORT=29080, LAB_WORKER_PORT=29078, LAB_WORKER_UI_PORT=29081,
    LAB_DRIVER_UI_PORT=29040, LAB_AGENT_MASTER_PORT=29404, LAB_AGENT_WORKER_PORT=29405,
    LAB_AGENT_DRIVER_PORTS="29410-29419")
ENV = dict(os.environ, LAB_STATE=STATE, LAB_ETL_LINGER="8", **{k: str(v) for k, v in PORTS.items()})
ENV.pop("SPARK_ENV_LOADED", None)
PROM = "http://127.0.0.1:%d" % PORTS["LAB_PROMETHEUS_PORT"]
AM = "http://127.0.0.1:%d" % PORTS["LAB_ALERTMANAGER_PORT"]
HOOK = "http://127.0.0.1:%d" % PORTS["LAB_WEBHOOK_PORT"]
VM = "http://127.0.0.1:%d" % PORTS["LAB_VICTORIA_METRICS_PORT"]
JOB_TIMEOUT = 240


def running(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def lab(*args, timeout):
    return subprocess.run(["bash", LAB] + list(args), env=ENV, capture_output=True, text=True,
                          timeout=timeout)


def get(url, **params):
    if params:
        url += "?" + urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def poll(what, fn, timeout, every=1.0):
    """fn() until it returns something true; that value, or fail after timeout."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = fn()
            if last:
                return last
        except OSError as e:  # connection refused while a daemon restarts
            last = e
        time.sleep(every)
    pytest.fail("%s: nothing after %ss (last: %r)" % (what, timeout, last))


@pytest.fixture(scope="module")
def native_lab():
    if not os.path.exists(os.path.join(ROOT, "build", "libspark_jmxagent.so")):
        pytest.fail("build/libspark_jmxagent.so missing: make all")
    t0 = time.time()
    try:
        r = lab("up", "--fast", "--no-etl", timeout=300)
        assert r.returncode == 0, "lab up failed:\n" + r.stdout[-3000:] + r.stderr[-3000:]
        yield t0
    finally:
        pids = {}
        piddir = os.path.join(STATE, "pids")
        for f in os.listdir(piddir) if os.path.isdir(piddir) else []:
            with open(os.path.join(piddir, f)) as fh:
                pids[f] = int(fh.read().strip() or 0)
        r = lab("down", timeout=180)
        print(r.stdout, r.stderr)
        left = os.listdir(piddir) if os.path.isdir(piddir) else []
        assert not left, "pid files left after lab down: %s" % left
        for name, pid in pids.items():
            assert not running(pid), "%s (pid %d) survived lab down" % (name, pid)


def submit(script, *args, log):
    """Run an example job in the lab's cluster; returns the Popen (own
    session, so that it can be killed with everything it started)."""
    f = open(os.path.join(STATE, "logs", log), "w")
    return subprocess.Popen(["bash", LAB, "submit", os.path.join(ROOT, "examples", script)] + list(args),
                            env=ENV, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)


def finish(p, timeout):
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 15)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.wait(timeout=10)
        pytest.fail("job did not finish within %ss" % timeout)


@pytest.fixture(scope="module")
def jobs_ran(native_lab):
    """ETL, then a short structured-streaming query (for the streaming panels)."""
    r = lab("etl", timeout=JOB_TIMEOUT)  # as `make lab` runs it, Pushgateway push included
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    p = submit("streaming_job.py", "--duration", "16", "--rows-per-second", "50", "--linger", "4",
               log="streaming.log")
    assert finish(p, JOB_TIMEOUT) == 0, open(os.path.join(STATE, "logs", "streaming.log")).read()[-3000:]
    time.sleep(4)  # one more scrape/evaluation round
    return native_lab


def series_over_run(expr, start):
    r = get(PROM + "/api/v1/query_range", query=expr, start=start, end=time.time(), step=2)
    assert r["status"] == "success", r
    return r["data"]["result"]


def test_discovered_targets(jobs_ran):
    seen = series_over_run('max by (job) (up{job=~"spark-.*"})', jobs_ran)
    jobs = {s["metric"]["job"] for s in seen}
    assert jobs >= {"spark-master", "spark-worker", "spark-driver", "spark-executor"}, jobs


def test_pushgateway_result_scraped(jobs_ran):
    got = series_over_run('lab_etl_last_success_timestamp_seconds{job="lab_etl"}', jobs_ran)
    assert got and "exported_job" not in got[0]["metric"], got


def test_every_panel_query_returns_series(jobs_ran):
    empty, n = [], 0
    for name in DASHBOARDS:
        for title, ref, expr in queries(dashboard(name)):
            n += 1
            if not series_over_run(substitute(expr, rate_interval="20s"), jobs_ran):
                empty.append("%s / %s / %s: %s" % (name, title, ref, expr))
    assert n > 0
    assert not empty, "%d of %d queries return nothing:\n" % (len(empty), n) + "\n".join(empty)


def test_every_variable_has_values(jobs_ran):
    for name in DASHBOARDS:
        for v in dashboard(name)["templating"]["list"]:
            q = v["query"]
            assert q.startswith("label_values(") and q.endswith(")")
            metric, label = [x.strip() for x in q[len("label_values("):-1].rsplit(",", 1)]
            r = get(PROM + "/api/v1/label/%s/values" % label, **{"match[]": metric, "start": jobs_ran,
                                                                  "end": time.time()})
            assert r["data"], "%s: variable %s (%s) has no values" % (name, v["name"], q)


def test_long_term_storage_receives_samples(jobs_ran):
    """Prometheus remote-writes into VictoriaMetrics: the Spark targets and
    the agent's GC pause histogram are there, queried with the same API."""
    # GC pauses: the recorded series of the native histogram (the lab's
    # Prometheus scrapes protobuf with native histograms on), or the classic
    # _count where it scrapes text.
    for expr in ['count by (job) (up{job=~"spark-.*"})',
                 "count(jvm_gc_pause_seconds:count) or count(jvm_gc_pause_seconds_count)"]:
        got = poll("%s in VictoriaMetrics" % expr,
                   lambda: get(VM + "/api/v1/query_range", query=expr, start=jobs_ran, end=time.time(),
                               step=10)["data"]["result"], 60)
        assert got, expr


def test_task_failure_alert_reaches_webhook(jobs_ran):
    release = os.path.join(STATE, "release-failing")
    if os.path.exists(release):
        os.unlink(release)
    p = submit("failing_job.py", "--tasks", "4", "--fail-every", "2", "--linger", "120",
               "--release-file", release, log="failing.log")
    try:
        def prom_firing():
            alerts = get(PROM + "/api/v1/alerts")["data"]["alerts"]
            return [a for a in alerts if a["labels"]["alertname"] == "SparkTaskFailures" and a["state"] == "firing"]
        fired = poll("SparkTaskFailures firing in Prometheus", prom_firing, 150)
        app_id = fired[0]["labels"]["app_id"]
        assert fired[0]["labels"]["state"] == "failed" and app_id.startswith("app-")

        def in_am():
            return [a for a in get(AM + "/api/v2/alerts")
                    if a["labels"].get("alertname") == "SparkTaskFailures" and a["labels"].get("app_id") == app_id]
        poll("SparkTaskFailures in Alertmanager", in_am, 60)

        def recorded():
            return [a for a in get(HOOK + "/alerts")
                    if a["labels"].get("alertname") == "SparkTaskFailures" and a["status"] == "firing"
                    and a["labels"].get("app_id") == app_id]
        got = poll("SparkTaskFailures recorded by the webhook receiver", recorded, 60)
        assert got[0]["receiver"] == "lab-webhook"
        assert "Tasks failing in application " + app_id == got[0]["annotations"]["summary"]
        with open(os.path.join(STATE, "alerts.jsonl")) as f:
            assert any(json.loads(l)["labels"].get("app_id") == app_id for l in f)
    finally:
        open(release, "w").close()
        finish(p, 90)


# ---------------------------------------------------------------- consoles
SHOTS = os.path.join(ROOT, "build", "lab", "screenshots")
# The last 10 minutes (prom_console.js reads its time range from the hash).
RANGE = "#pctc" + urllib.parse.quote(json.dumps({"duration": 600, "endTime": 0}))


def chromium(url, *args):
    """Headless Chromium on url; the virtual-time budget lets the page's
    scripts and queries finish before it dumps or shoots."""
    exe = shutil.which("chromium")
    if not exe:
        pytest.fail("chromium missing: make deps (.ci/deps.d/lab.list)")
    profile = tempfile.mkdtemp(prefix="chromium-", dir=STATE)
    cmd = [exe, "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--user-data-dir=" + profile, "--virtual-time-budget=30000", "--hide-scrollbars"]
    if os.geteuid() == 0:
        cmd.append("--no-sandbox")  # Chromium refuses root with its sandbox
    p = subprocess.Popen(cmd + list(args) + [url], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        p.communicate()
        pytest.fail("chromium hung on %s" % url)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert p.returncode == 0, "chromium exit %d on %s" % (p.returncode, url)
    return out.decode("utf-8", "replace")


def panel_states(dom):
    """(title, type, state, drew an svg) of every panel of a dumped page."""
    out = []
    for chunk in dom.split('<div class="lab-panel"')[1:]:
        tag = chunk.split(">", 1)[0]
        attr = dict(re.findall(r'(data-lab-[a-z]+)="([^"]*)"', tag))
        body = chunk.split('<div class="lab-panel"', 1)[0]
        out.append((attr.get("data-lab-title"), attr.get("data-lab-type"), attr.get("data-lab-state"),
                    "<svg" in body))
    return out


def test_consoles_draw_every_panel(jobs_ran):
    """After the ETL, streaming and failing jobs (this test runs last):
    every console panel drew data in a real browser, not an empty graph or
    an error; a screenshot of each dashboard for a human to look at."""
    os.makedirs(SHOTS, exist_ok=True)
    bad, n = [], 0
    for name in DASHBOARDS:
        url = "%s/consoles/%s.html%s" % (PROM, name, RANGE)
        states = panel_states(chromium(url, "--dump-dom", "--window-size=1400,1000"))
        expected = [p["title"] for p in dashboard(name)["panels"] if p["type"] != "row"]
        assert [s[0] for s in states] == expected, name
        for title, kind, state, svg in states:
            n += 1
            if state != "ok" or (kind == "timeseries" and not svg):
                bad.append("%s / %s (%s): %s%s" % (name, title, kind, state,
                                                   "" if svg or kind != "timeseries" else ", no graph"))
        shot = os.path.join(SHOTS, name + ".png")
        chromium(url, "--screenshot=" + shot, "--window-size=1400,%d" % (600 + 240 * len(states)))
        assert os.path.getsize(shot) > 10000, shot
    assert not bad, "%d of %d panels drew nothing:\n" % (len(bad), n) + "\n".join(bad)


def test_console_application_parameter(jobs_ran):
    """?application= narrows every query to that application (the failing
    job's): its failed tasks are drawn, the queries carry its id."""
    apps = [r["metric"]["app_id"] for r in series_over_run(
        'max by (app_id) (spark_app_status_tasks_total{state="failed"}) > 0', jobs_ran)]
    assert apps, "no application with failed tasks"
    url = "%s/consoles/spark-jobs.html?%s%s" % (PROM, urllib.parse.urlencode({"application": apps[0]}), RANGE)
    dom = chromium(url, "--dump-dom", "--window-size=1400,1000")
    states = {t: st for t, _, st, _ in panel_states(dom)}
    assert states["Failed tasks"] == "ok" and states["Tasks per second"] == "ok", states
    assert 'app_id=~&quot;%s&quot;' % apps[0] in dom, "application not substituted into the queries"


def test_console_index_links_everything(jobs_ran):
    dom = chromium(PROM + "/consoles/index.html", "--dump-dom", "--window-size=1400,1000")
    for link in ["spark-cluster.html", "spark-jobs.html", "system-metrics.html", "/classic/targets",
                 "/classic/alerts", HOOK + "/alerts", AM + "/api/v2/alerts", VM + "/"]:
        assert 'href="%s' % link in dom, link
    agents = re.findall(r'href="(http://127\.0\.0\.1:\d+/metrics)"', dom)
    for port in (PORTS["LAB_AGENT_MASTER_PORT"], PORTS["LAB_AGENT_WORKER_PORT"]):
        assert "http://127.0.0.1:%d/metrics" % port in agents, agents
    chromium(PROM + "/consoles/index.html", "--screenshot=" + os.path.join(SHOTS, "index.png"),
             "--window-size=1400,1000")
