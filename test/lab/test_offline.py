"""Offline checks of the lab's configuration (make test-lab): no daemon, no
network, a few seconds. Prometheus/Alertmanager configs and rules through
promtool/amtool, Compose through its JSON schema and docker-compose, the
dashboards through Grafana's JSON schemas, PromQL through promtool."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import jsonschema
import pytest
import yaml

from labcommon import (ALLOWED_PANEL_TYPES, BUILTIN_VARS, COMPOSE, DASHBOARDS, ROOT, SCHEMAS,
                       dashboard, load_json, load_yaml, metric_names, panels, provisioned_uids,
                       queries, run, substitute, used_vars)

PROM = os.path.join(COMPOSE, "prometheus")
RULES = os.path.join(PROM, "alert-rules.yml")
RULE_TESTS = os.path.join(PROM, "tests", "alert-rules.test.yml")
AM = os.path.join(COMPOSE, "alertmanager", "alertmanager.yml")
COMPOSE_FILE = os.path.join(COMPOSE, "docker-compose.yml")
RENDER = os.path.join(COMPOSE, "native", "render.py")


def need(tool):
    if not shutil.which(tool):
        pytest.fail("%s not installed: run `make deps` (.ci/deps.sh, .ci/deps.d/lab.list)" % tool)


def alerts():
    return [r for g in load_yaml(RULES)["groups"] for r in g["rules"] if "alert" in r]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The native lab's configs, normal and --fast, as make lab writes them."""
    out = {}
    for mode in ("normal", "fast"):
        d = tmp_path_factory.mktemp(mode)
        cmd = [sys.executable, RENDER, "--out", str(d), "--sd-dir", str(d / "sd")]
        if mode == "fast":
            cmd.append("--fast")
        r = run(cmd)
        assert r.returncode == 0, r.stderr
        (d / "sd").mkdir()
        out[mode] = d
    return out


# ------------------------------------------------------------- Prometheus
def test_promtool_check_config_compose():
    need("promtool")
    # The Compose copy names container paths; its syntax and its rules are
    # checked here, the referenced files through the rendered copies.
    r = run(["promtool", "check", "config", "--syntax-only", os.path.join(PROM, "prometheus.yml")])
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("mode", ["normal", "fast"])
def test_promtool_check_config_native(rendered, mode):
    need("promtool")
    r = run(["promtool", "check", "config", str(rendered[mode] / "prometheus.yml")])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout


def test_promtool_check_rules():
    need("promtool")
    r = run(["promtool", "check", "rules", RULES])
    assert r.returncode == 0, r.stdout + r.stderr
    rules = [r for g in load_yaml(RULES)["groups"] for r in g["rules"]]
    assert "SUCCESS: %d rules found" % len(rules) in r.stdout


def test_promtool_test_rules():
    need("promtool")
    r = run(["promtool", "test", "rules", RULE_TESTS], cwd=os.path.dirname(RULE_TESTS))
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_alert_has_firing_and_quiet_case():
    tests = load_yaml(RULE_TESTS)["tests"]
    fires, quiet = set(), set()
    for t in tests:
        for c in t.get("alert_rule_test", []):
            (fires if c.get("exp_alerts") else quiet).add(c["alertname"])
    names = {a["alert"] for a in alerts()}
    assert names, "no alerts"
    assert not names - fires, "alerts without a firing test: %s" % sorted(names - fires)
    assert not names - quiet, "alerts without a non-firing test: %s" % sorted(names - quiet)
    assert not (fires | quiet) - names, "tests of unknown alerts: %s" % sorted((fires | quiet) - names)


def test_alerts_have_severity_and_text():
    for a in alerts():
        assert a["labels"].get("severity") in {"info", "warning", "critical"}, a["alert"]
        assert a["annotations"].get("summary") and a["annotations"].get("description"), a["alert"]


def test_required_alerts_present():
    names = {a["alert"] for a in alerts()}
    for n in ["SparkJvmHeapHigh", "SparkJvmGcTimeHigh", "SparkTaskFailures", "HostHighCpuUsage",
              "HostDiskUsageHigh", "SparkAppTargetDown", "SparkFailedStages",
              "SparkStreamingQueryFallingBehind", "SparkDriverHeapPressure", "SparkJvmGcPauseLong"]:
        assert n in names


def test_fast_rules_are_short(rendered):
    fast = load_yaml(rendered["fast"] / "alert-rules.yml")
    normal = load_yaml(RULES)
    for gf, gn in zip(fast["groups"], normal["groups"]):
        assert gf["interval"] == "2s"
        for rf, rn in zip(gf["rules"], gn["rules"]):
            assert rf["expr"] == rn["expr"], "thresholds must not change in the fast config"
            assert rf.get("for", "0s") in ("0s", "5s"), rf


def test_prometheus_scrapes_everything(rendered):
    jobs = {j["job_name"]: j for j in load_yaml(PROM, "prometheus.yml")["scrape_configs"]}
    for j in ["prometheus", "spark-master", "spark-worker", "node-exporter", "pushgateway"]:
        assert j in jobs, j
    sd = [j for j in jobs.values() if "file_sd_configs" in j]
    assert sd, "drivers and executors must be discovered through file_sd"
    assert jobs["pushgateway"].get("honor_labels") is True
    native = load_yaml(rendered["normal"] / "prometheus.yml")
    text = json.dumps(native)
    assert "localhost:4040" not in text and ":4040" not in text
    nsd = [j for j in native["scrape_configs"] if "file_sd_configs" in j]
    assert len(nsd) == 1 and nsd[0]["file_sd_configs"][0]["files"][0].endswith("/sd/*.json")
    for j in native["scrape_configs"]:
        for sc in j.get("static_configs", []):
            for t in sc["targets"]:
                assert t.startswith("127.0.0.1:"), t
    assert native["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["127.0.0.1:19093"]


def test_file_sd_target_file_format(tmp_path):
    """A target file as the agent writes it is accepted; in Compose the
    address becomes the container the file came from."""
    need("promtool")
    entry = [{"targets": ["127.0.0.1:41234"],
              "labels": {"job": "spark-executor", "spark_role": "executor", "pid": "1234"}}]
    for host in ("spark-master", "spark-worker"):
        (tmp_path / host).mkdir()
        (tmp_path / host / "executor-1234.json").write_text(json.dumps(entry))
    text = open(os.path.join(PROM, "prometheus.yml")).read().replace("/etc/prometheus/sd/", str(tmp_path) + "/")
    cfg = tmp_path / "p.yml"
    cfg.write_text(text)
    for job, host in (("spark-apps-master", "spark-master"), ("spark-apps-worker", "spark-worker")):
        r = run(["promtool", "check", "service-discovery", "--timeout=2s", str(cfg), job], timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        got = json.loads(r.stdout[:r.stdout.rindex("]") + 1])
        assert [t["labels"]["__address__"] for t in got] == [host + ":41234"], got
        assert got[0]["labels"]["job"] == "spark-executor" and got[0]["labels"]["pid"] == "1234"


# ----------------------------------------------------------- Alertmanager
@pytest.mark.parametrize("which", ["compose", "native"])
def test_amtool_check_config(rendered, which):
    need("amtool")
    path = AM if which == "compose" else str(rendered["fast"] / "alertmanager.yml")
    r = run(["amtool", "check-config", path])
    assert r.returncode == 0, r.stdout + r.stderr


def test_amtool_example_receivers(tmp_path):
    """The commented Slack and PagerDuty receivers are valid once uncommented."""
    need("amtool")
    text = open(AM).read()
    assert "#~ " in text
    f = tmp_path / "alertmanager.yml"
    f.write_text(re.sub(r"^(\s*)#~ ", r"\1", text, flags=re.M))
    r = run(["amtool", "check-config", str(f)])
    assert r.returncode == 0, r.stdout + r.stderr
    cfg = yaml.safe_load(f.read_text())
    kinds = {k for rcv in cfg["receivers"] for k in rcv if k.endswith("_configs")}
    assert kinds == {"webhook_configs", "slack_configs", "pagerduty_configs"}, kinds
    r = run(["amtool", "config", "routes", "test", "--config.file", str(f), "--verify.receivers",
             "pagerduty-oncall,slack-spark,lab-webhook", "severity=critical", "alertname=SparkDaemonDown"])
    assert r.returncode == 0, r.stdout + r.stderr


def test_alertmanager_sends_to_webhook_not_itself(rendered):
    for path, want in [(AM, "http://webhook:19095/"), (rendered["fast"] / "alertmanager.yml",
                                                        "http://127.0.0.1:19095/")]:
        cfg = load_yaml(str(path))
        urls = [w["url"] for r in cfg["receivers"] for w in r.get("webhook_configs", [])]
        assert urls and all(u.startswith(want) for u in urls), urls
        assert not any(":9093" in u or ":19093" in u for u in urls)


@pytest.mark.parametrize("alert", ["SparkTaskFailures", "SparkDaemonDown", "HostDiskUsageHigh"])
def test_amtool_routes(alert):
    need("amtool")
    sev = {a["alert"]: a["labels"]["severity"] for a in alerts()}[alert]
    r = run(["amtool", "config", "routes", "test", "--config.file=" + AM,
             "alertname=" + alert, "severity=" + sev])
    assert r.returncode == 0 and r.stdout.strip() == "lab-webhook", r.stdout + r.stderr


# ---------------------------------------------------------------- webhook
def test_webhook_receiver_records(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "alerts.jsonl"
    p = subprocess.Popen([sys.executable, os.path.join(COMPOSE, "webhook", "receiver.py"),
                          "--listen", "127.0.0.1:%d" % port, "--out", str(out), "--quiet"],
                         stderr=subprocess.DEVNULL)
    try:
        base = "http://127.0.0.1:%d" % port
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(base + "/-/healthy", timeout=1).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "receiver did not start"
                time.sleep(0.05)
        body = {"version": "4", "receiver": "lab-webhook", "status": "firing", "groupKey": "{}:{}",
                "alerts": [{"status": "firing", "labels": {"alertname": "SparkTaskFailures", "app_id": "app-1"},
                            "annotations": {"summary": "x"}, "startsAt": "2026-01-01T00:00:00Z"}]}
        req = urllib.request.Request(base + "/alerts", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        assert json.load(urllib.request.urlopen(req, timeout=5)) == {"recorded": 1}
        bad = urllib.request.Request(base + "/alerts", data=b"not json")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(bad, timeout=5)
        assert e.value.code == 400
        got = json.load(urllib.request.urlopen(base + "/alerts", timeout=5))
        assert [g["labels"]["alertname"] for g in got] == ["SparkTaskFailures"]
        lines = out.read_text().splitlines()
        assert len(lines) == 1 and json.loads(lines[0])["status"] == "firing"
    finally:
        p.terminate()
        p.wait(timeout=10)


# ---------------------------------------------------------------- Compose
def compose_doc():
    return load_yaml(COMPOSE_FILE)


def test_compose_schema():
    schema = load_json(SCHEMAS, "compose-spec.json")
    schema.pop("$schema", None)  # see schemas/README.md
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose_doc()), key=str)
    assert not errors, "\n".join("%s: %s" % (list(e.absolute_path), e.message) for e in errors[:10])


def test_compose_docker_compose_config():
    need("docker-compose")
    r = run(["docker-compose", "-f", COMPOSE_FILE, "config", "-q"], timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_compose_conventions():
    doc = compose_doc()
    assert "version" not in doc
    svcs = doc["services"]
    for want in ["spark-master", "spark-worker", "prometheus", "alertmanager", "grafana",
                 "node-exporter", "pushgateway", "webhook"]:
        assert want in svcs, want
    assert svcs["pushgateway"].get("profiles"), "pushgateway belongs to a profile"
    for name, s in svcs.items():
        img = s["image"]
        assert ":" in img and not img.endswith(":latest"), "%s: pin %s" % (name, img)
        assert "healthcheck" in s, name + " has no healthcheck"
        assert not s.get("privileged") and not s.get("cap_add"), name
        assert s.get("pid") != "host" and s.get("network_mode") != "host", name
        for dep, cond in (s.get("depends_on") or {}).items():
            assert dep in svcs, "%s depends on undefined %s" % (name, dep)
            assert cond["condition"] in {"service_healthy", "service_started",
                                         "service_completed_successfully"}
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in svcs[dep], dep
            if not s.get("profiles"):
                assert not svcs[dep].get("profiles"), "%s always starts but needs profiled %s" % (name, dep)
    assert "depends_on" in svcs["grafana"] and "depends_on" in svcs["prometheus"]


def test_compose_mounts_exist():
    doc = compose_doc()
    named = set(doc.get("volumes") or {})
    for name, s in doc["services"].items():
        for v in s.get("volumes", []):
            src = v.split(":")[0] if isinstance(v, str) else v["source"]
            if src in named:
                continue
            if src.startswith("/"):
                assert src in ("/", "/proc", "/sys"), "%s: host path %s" % (name, src)
                continue
            path = os.path.normpath(os.path.join(COMPOSE, src))
            assert os.path.exists(path), "%s mounts missing %s" % (name, path)
        b = s.get("build")
        if b:
            ctx = os.path.normpath(os.path.join(COMPOSE, b["context"]))
            assert os.path.isfile(os.path.join(ctx, b["dockerfile"])), b


def test_compose_ports_unique():
    seen = {}
    for name, s in compose_doc()["services"].items():
        for p in s.get("ports", []):
            parts = str(p).split(":")
            host = parts[-2] if len(parts) >= 2 else parts[0]
            assert host not in seen, "host port %s published by %s and %s" % (host, seen[host], name)
            assert len(parts) == 3 and parts[0] == "127.0.0.1", "%s publishes %s beyond loopback" % (name, p)
            seen[host] = name


def test_compose_prometheus_mounts_match_config():
    """Files Prometheus reads (rules, sd globs) are where Compose mounts them."""
    svc = compose_doc()["services"]["prometheus"]
    targets = [v.split(":")[1] for v in svc["volumes"]]
    cfg = load_yaml(PROM, "prometheus.yml")
    for rf in cfg["rule_files"]:
        assert rf in targets, rf
    for j in cfg["scrape_configs"]:
        for sd in j.get("file_sd_configs", []):
            for f in sd["files"]:
                assert os.path.dirname(f) in targets, f
    graf = compose_doc()["services"]["grafana"]
    prov = load_yaml(COMPOSE, "grafana", "provisioning", "dashboards", "provider.yml")
    gtargets = [v.split(":")[1] for v in graf["volumes"]]
    for p in prov["providers"]:
        assert p["options"]["path"] in gtargets


def test_dockerfile_sources_exist():
    text = open(os.path.join(COMPOSE, "spark", "Dockerfile")).read()
    for src in re.findall(r"^COPY (?!--from)(\S+)", text, re.M):
        assert os.path.exists(os.path.join(ROOT, src)), "Dockerfile copies missing %s" % src
    for arg, img in re.findall(r"^ARG (\w+_IMAGE)=(\S+)", text, re.M):
        assert ":" in img and not img.endswith(":latest"), img
    # the default release is the native lab's (test/spark/spark.mk)
    default = re.search(r"^SPARK_VERSIONS\s*:=\s*(\S+)", open(os.path.join(ROOT, "test", "spark", "spark.mk")).read(), re.M)
    assert "ARG SPARK_VERSION=%s\nARG SPARK_IMAGE=apache/spark:${SPARK_VERSION}" % default.group(1) in text
    # The per-Dockerfile ignore file keeps build/ and .git out of the context
    # but lets every COPY source through.
    ignore = open(os.path.join(COMPOSE, "spark", "Dockerfile.dockerignore")).read().split()
    assert "*" in ignore
    for src in re.findall(r"^COPY (?!--from)(\S+)", text, re.M):
        assert any(i.startswith("!") and src.startswith(i[1:]) for i in ignore), \
            "%s is not let through Dockerfile.dockerignore" % src
    # What `make all` needs for the self-contained agent: apt-get source and
    # dpkg-source (dpkg-dev), a venv for Zig's toolchain, the JNI headers.
    for pkg in ["dpkg-dev", "python3-venv", "openjdk-17-jdk-headless"]:
        assert pkg in text, pkg
    # protoc-c and the .proto files the Makefile generates C code from
    # (the packages of .ci/deps.d/protobuf.list).
    proto = open(os.path.join(ROOT, ".ci", "deps.d", "protobuf.list")).read().split("\n")
    for pkg in [l.strip() for l in proto if l.strip() and not l.startswith("#")]:
        assert pkg in text, pkg
    assert "COPY tools/ tools/" in text and "COPY rules/ rules/" in text


def test_spark_entrypoint_renders(tmp_path):
    """The image's entrypoint renders the repository's Spark templates
    completely (no placeholder left) and maps the two JAVA_OPTIONS variables
    through spark-env.sh, as the native lab does."""
    if not os.path.isdir(os.path.join(ROOT, "examples", "conf")):
        pytest.skip("examples/conf not there yet")
    env = dict(os.environ, LAB_DIR=str(tmp_path), JXA_TEMPLATES=os.path.join(ROOT, "examples", "conf"),
               JXA_RULES=os.path.join(ROOT, "rules"), SPARK_HOME="/nonexistent")
    r = run(["bash", os.path.join(COMPOSE, "spark", "entrypoint.sh"), "render"], env=env)
    assert r.returncode == 0, r.stderr
    conf = tmp_path / "conf"
    defaults = (conf / "spark-defaults.conf").read_text()
    assert "spark.master                    spark://spark-master:7077" in defaults
    assert "@" not in re.sub(r"#.*", "", defaults)
    senv = conf / "spark-env.sh"
    script = ('set -a; SPARK_DRIVER_JAVA_OPTIONS="-agentpath:/a.so=port=0"; '
              'SPARK_EXECUTOR_JAVA_OPTIONS="-agentpath:/a.so=port=0,sd_job=spark-executor"; '
              '. %s; echo "$SPARK_SUBMIT_OPTS"' % senv)
    r = run(["bash", "-c", script])
    assert r.returncode == 0, r.stderr
    assert "-agentpath:/a.so=port=0" in r.stdout
    assert "-Dspark.executor.defaultJavaOptions=-agentpath:/a.so=port=0,sd_job=spark-executor" in r.stdout


# ---------------------------------------------------------------- Grafana
def test_dashboards_up_to_date():
    r = run([sys.executable, os.path.join(COMPOSE, "grafana", "build_dashboards.py"), "--check"])
    assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------- consoles
CONSOLES = os.path.join(PROM, "consoles")
CONSOLE_LIBS = os.path.join(PROM, "console_libraries")
STATIC = "/usr/share/prometheus/web/static"  # Debian's prometheus serves /classic/static from here


def console_data(name):
    """The panels a console page carries (the argument of Lab.dashboard)."""
    text = open(os.path.join(CONSOLES, name + ".html")).read()
    m = re.search(r"Lab\.dashboard\((\{.*\})\);\n</script>", text, re.S)
    assert m, name
    return json.loads(m.group(1).replace("<\\/", "</"))


@pytest.mark.parametrize("name", DASHBOARDS)
def test_console_matches_grafana_dashboard(name):
    """Same panels, order, PromQL, units and legends as the Grafana JSON;
    variables from the same label_values() queries."""
    d, c = dashboard(name), console_data(name)
    assert c["uid"] == d["uid"] and c["title"] == d["title"]
    grafana = [(p["title"], p["type"], p["fieldConfig"]["defaults"]["unit"],
                [(t["expr"], re.sub(r"\{\{\s*(\w+)\s*\}\}", r"[[ \1 ]]", t["legendFormat"]).replace("__auto", ""))
                 for t in p["targets"]])
               for p in panels(d) if p["type"] != "row"]
    console = [(p["title"], p["type"], p["unit"], [(t["expr"], t["legend"]) for t in p["targets"]])
               for row in c["rows"] for p in row["panels"]]
    assert console == grafana
    assert [r["title"] for r in c["rows"]] == [p["title"] for p in panels(d) if p["type"] == "row"]
    assert ["label_values(%s, %s)" % (v["match"], v["labelName"]) for v in c["variables"]] == \
        [v["query"] for v in d["templating"]["list"]]


def test_console_templates_use_defined_templates():
    """Every {{ template "x" }} of the pages and the library is defined
    (lab-site.lib is written by render.py for each lab); data carries no
    {{ }} that Prometheus' template engine would take for an action."""
    texts = {f: open(os.path.join(d, f)).read() for d in (CONSOLES, CONSOLE_LIBS) for f in os.listdir(d)}
    defined = {"lab_site"}
    for t in texts.values():
        defined |= set(re.findall(r'\{\{-?\s*define\s+"(\w+)"', t))
    used = set()
    for f, t in texts.items():
        used |= set(re.findall(r'\{\{-?\s*template\s+"(\w+)"', t))
        outside = re.sub(r"\{\{.*?\}\}", "", t, flags=re.S)
        assert "{{" not in outside and "}}" not in outside, f
    assert used and not used - defined, sorted(used - defined)
    assert set(DASHBOARDS) | {"index"} == {f[:-5] for f in texts if f.endswith(".html")}


def test_console_assets_exist():
    """lab.lib loads only what Debian's prometheus package serves."""
    if not os.path.isdir(STATIC):
        pytest.skip("prometheus (Debian package) not installed: make deps")
    lib = open(os.path.join(CONSOLE_LIBS, "lab.lib")).read()
    assets = re.findall(r'\{\{ pathPrefix \}\}/classic/static/([^"]+)"', lib)
    assert len(assets) >= 8
    missing = [a for a in assets if not os.path.isfile(os.path.join(STATIC, a))]
    assert not missing, missing


def test_render_writes_consoles(rendered):
    for mode in ("normal", "fast"):
        out = rendered[mode]
        assert sorted(os.listdir(out / "consoles")) == sorted(os.listdir(CONSOLES))
        site = (out / "console_libraries" / "lab-site.lib").read_text()
        assert 'define "lab_site"' in site and "127.0.0.1:" in site and "/alerts" in site


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_schema(name):
    schema = load_json(SCHEMAS, "grafana-dashboard.jsonschema.json")
    d = dashboard(name)
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(d))
    assert not errors, "\n".join("%s: %s" % (list(e.absolute_path), e.message[:200]) for e in errors[:10])
    assert d["uid"] == name


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_panels(name):
    d = dashboard(name)
    kinds = {}
    for kind in ["timeseries", "stat", "gauge", "table"]:
        s = load_json(SCHEMAS, "grafana-%s.jsonschema.json" % kind)
        kinds[kind] = s
    promq = load_json(SCHEMAS, "grafana-prometheus.jsonschema.json")
    ids = [p["id"] for p in panels(d)]
    assert len(ids) == len(set(ids)), "duplicate panel ids"
    for p in panels(d):
        assert p["type"] in ALLOWED_PANEL_TYPES, "%s: panel type %s" % (p.get("title"), p["type"])
        g = p["gridPos"]
        assert 0 < g["w"] <= 24 and g["x"] + g["w"] <= 24
        if p["type"] == "row":
            continue
        s = kinds[p["type"]]
        opt = dict(s, **{"$ref": "#/definitions/Options"})
        errs = list(jsonschema.Draft7Validator(opt).iter_errors(p["options"]))
        assert not errs, "%s options: %s" % (p["title"], errs[0].message)
        if "FieldConfig" in s["definitions"] and "custom" in p["fieldConfig"]["defaults"]:
            fc = dict(s, **{"$ref": "#/definitions/FieldConfig"})
            errs = list(jsonschema.Draft7Validator(fc).iter_errors(p["fieldConfig"]["defaults"]["custom"]))
            assert not errs, "%s fieldConfig.custom: %s" % (p["title"], errs[0].message)
        assert p["targets"], p["title"]
        for t in p["targets"]:
            errs = list(jsonschema.Draft7Validator(promq).iter_errors(t))
            assert not errs, "%s target: %s" % (p["title"], errs[0].message)


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_datasource_and_variables(name):
    d = dashboard(name)
    uids = provisioned_uids()
    refs = []
    for p in panels(d):
        if p["type"] == "row":
            continue
        refs.append(p["datasource"])
        refs += [t["datasource"] for t in p["targets"]]
    refs += [v["datasource"] for v in d["templating"]["list"] if "datasource" in v]
    for r in refs:
        assert r == {"type": "prometheus", "uid": r["uid"]} and r["uid"] in uids, r
    names = {v["name"] for v in d["templating"]["list"]}
    assert {"application", "instance"} <= names
    for title, ref, expr in queries(d):
        unknown = used_vars(expr) - names - BUILTIN_VARS
        assert not unknown, "%s/%s uses undefined %s" % (title, ref, unknown)
    assert "__inputs" not in d and "__requires" not in d


def test_dashboard_promql_parses(tmp_path):
    """Every panel and variable query through promtool's real PromQL parser."""
    need("promtool")
    rules = []
    for name in DASHBOARDS:
        d = dashboard(name)
        for i, (title, ref, expr) in enumerate(queries(d)):
            rules.append({"record": "dashboard:%s:%d" % (name.replace("-", "_"), i), "expr": substitute(expr)})
        for v in d["templating"]["list"]:
            m = re.fullmatch(r"label_values\((.+),\s*\w+\)", v["query"])
            assert m, v["query"]
            rules.append({"record": "dashboard:var:%s" % v["name"], "expr": substitute(m.group(1))})
    f = tmp_path / "dash.yml"
    f.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    r = run(["promtool", "check", "rules", str(f)])
    assert r.returncode == 0, r.stdout + r.stderr


def test_grafana_provisioning():
    ds = load_yaml(COMPOSE, "grafana", "provisioning", "datasources", "prometheus.yml")
    assert ds["apiVersion"] == 1
    (p,) = ds["datasources"]
    assert p["type"] == "prometheus" and p["url"] == "http://prometheus:9090" and p["uid"]
    prov = load_yaml(COMPOSE, "grafana", "provisioning", "dashboards", "provider.yml")
    assert prov["apiVersion"] == 1 and prov["providers"][0]["type"] == "file"
    env = compose_doc()["services"]["grafana"].get("environment", {})
    assert "GF_INSTALL_PLUGINS" not in env, "no plugins: current panel types only"


# ------------------------------------------------------- names that exist
def published_names():
    """Metric names the Spark side publishes (docs/metrics.md, rules/*.yml)."""
    text = ""
    p = os.path.join(ROOT, "docs", "metrics.md")
    if os.path.exists(p):
        text += open(p).read()
    return text


def test_spark_metric_names_are_published():
    text = published_names()
    if not text:
        pytest.skip("docs/metrics.md not published yet")
    used = set()
    for a in alerts():
        used |= metric_names(a["expr"])
    for name in DASHBOARDS:
        d = dashboard(name)
        for _, _, expr in queries(d):
            used |= metric_names(expr)
        for v in d["templating"]["list"]:
            used |= metric_names(v["query"])
    spark = sorted(n for n in used if n.startswith("spark_"))
    missing = [n for n in spark if not re.search(r"\b%s\b" % re.escape(n), text)]
    assert not missing, "not in docs/metrics.md: %s" % missing


def test_jvm_metric_names_exist():
    """jvm_*/process_* names: the agent's defaults (jmx_exporter 1.0.1's,
    test/lab/jvm-default-families.txt) or a family docs/metrics.md lists."""
    with open(os.path.join(os.path.dirname(__file__), "jvm-default-families.txt")) as f:
        known = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    text = published_names()
    used = set()
    for a in alerts():
        used |= metric_names(a["expr"])
    for name in DASHBOARDS:
        for _, _, expr in queries(dashboard(name)):
            used |= metric_names(expr)
    jvm = sorted(n for n in used if n.startswith(("jvm_", "process_")))
    assert jvm
    # A histogram's series (jvm_gc_pause_seconds_bucket/_count/_sum) by its family's name.
    missing = [n for n in jvm if n not in known and not re.search(
        r"\b%s\b" % re.escape(re.sub(r"_(bucket|count|sum)$", "", n)), text)]
    assert not missing, "not produced by the agent: %s" % missing


def agent_family_names():
    """Every string literal of the agent's sources: its own families' names."""
    text = ""
    for d in ("agent", "include"):
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            if f.endswith((".c", ".h")):
                text += open(os.path.join(ROOT, d, f)).read()
    return set(re.findall(r'"(\w+)"', text))


def test_agent_health_names_exist():
    """jmx_*/jmxagent_* names on the dashboards and in the alerts are
    families the agent registers (counters with _total on the wire)."""
    own = agent_family_names()
    used = set()
    for a in alerts():
        used |= set(re.findall(r"\b(jmx(?:agent)?_\w+)", a["expr"]))
    for name in DASHBOARDS:
        for _, _, expr in queries(dashboard(name)):
            used |= set(re.findall(r"\b(jmx(?:agent)?_\w+)", expr))
    assert used
    missing = [n for n in sorted(used) if n not in own and re.sub(r"_total$", "", n) not in own]
    assert not missing, "not registered by the agent (agent/*.c): %s" % missing


def test_what_only_this_agent_sees_is_shown():
    """GC pauses (JVMTI) on the cluster and jobs dashboards and in an alert;
    the agent's own health on the cluster dashboard."""
    def exprs(name):
        return " ".join(e for _, _, e in queries(dashboard(name)))
    cluster, jobs = exprs("spark-cluster"), exprs("spark-jobs")
    for fam in ["jvm_gc_pause_seconds_bucket", "jvm_gc_pause_seconds_count"]:
        assert fam in cluster, fam
    assert "jvm_gc_pause_seconds_sum" in jobs and "jvm_gc_pause_seconds_bucket" in jobs
    assert any("jvm_gc_pause_seconds_bucket" in a["expr"] for a in alerts())
    for fam in ["jmx_scrape_duration_seconds", "jmx_scrape_error", "jmxagent_scrape_stale_seconds",
                "jmx_config_reload_failure_total"]:
        assert fam in cluster, fam


def test_native_histogram_gc_pauses():
    """Both lab Prometheus servers scrape with native histograms on (so they
    ask the agents for protobuf), and every GC-pause panel and the alert ask
    for the native jvm_gc_pause_seconds first (histogram_quantile,
    histogram_count/histogram_sum over it), the classic series as fallback."""
    compose = yaml.safe_load(open(COMPOSE_FILE))
    assert "--enable-feature=native-histograms" in compose["services"]["prometheus"]["command"]
    lab = open(os.path.join(COMPOSE, "native", "lab.sh")).read()
    start = lab[lab.index("start prometheus prometheus"):]
    assert "--enable-feature=native-histograms" in start[:start.index("\n  wait_http")]
    exprs = [e for name in ("spark-cluster", "spark-jobs") for _, _, e in queries(dashboard(name))]
    pause = [e for e in exprs if "jvm_gc_pause_seconds" in e]
    assert len(pause) >= 4
    for e in pause:
        assert re.search(r"(histogram_quantile\([0-9.]+, sum by \([^)]*\) \((rate|increase)|"
                         r"histogram_(count|sum)\(rate)\(jvm_gc_pause_seconds\{", e), e
    assert any(re.search(r"histogram_quantile\(0.99, rate\(jvm_gc_pause_seconds\{", a["expr"])
               for a in alerts())
    # Recorded float series of the native histogram, for long-term storage.
    records = {r["record"]: r["expr"] for g in load_yaml(RULES)["groups"] for r in g["rules"]
               if "record" in r}
    assert records.get("jvm_gc_pause_seconds:p99_5m", "").startswith(
        "histogram_quantile(0.99, rate(jvm_gc_pause_seconds{")
    assert "histogram_count(jvm_gc_pause_seconds" in records.get("jvm_gc_pause_seconds:count", "")
