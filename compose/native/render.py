#!/usr/bin/env python3
"""Render the native lab's configs from the Compose lab's (one source).

    render.py --out build/lab/etc [--sd-dir build/sd] [--fast]

Reads compose/prometheus/{prometheus.yml,alert-rules.yml} and
compose/alertmanager/alertmanager.yml and writes, into --out:

  prometheus.yml    service hosts -> 127.0.0.1 and the native ports (PORTS;
                    scrape targets, Alertmanager, remote_write),
                    the per-container file_sd jobs -> one job reading
                    <sd-dir>/*.json, rule file -> the rendered alert-rules.yml
  alert-rules.yml   the same rules; with --fast every `for:` is capped at
                    FAST_FOR and groups are evaluated every FAST_INTERVAL
  alertmanager.yml  the webhook URL -> 127.0.0.1; with --fast short waits
  consoles/, console_libraries/
                    compose/prometheus/{consoles,console_libraries} (the
                    dashboards as console templates) and lab-site.lib, the
                    index page's links to the other servers of this lab

--fast is the configuration of the live tests (make test-lab): alerts reach
the webhook within seconds instead of minutes. Thresholds never change.
"""
import argparse
import copy
import os
import re
import shutil
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
COMPOSE = os.path.dirname(HERE)

# service:container-port -> native 127.0.0.1 port. The Spark daemons' agent
# ports are the same in both labs.
PORTS = {
    "prometheus:9090": 19090,
    "alertmanager:9093": 19093,
    "node-exporter:9100": 19100,
    "pushgateway:9091": 19091,
    "webhook:19095": 19095,
    "victoria-metrics:8428": 19428,
    "spark-master:19404": 19404,
    "spark-worker:19405": 19405,
}
FAST_SCRAPE = "2s"
FAST_INTERVAL = "2s"
FAST_FOR = 5  # seconds


def native_addr(addr):
    if addr not in PORTS:
        sys.exit("render: no native port for %r; add it to PORTS in %s" % (addr, __file__))
    return "127.0.0.1:%d" % PORTS[addr]


def duration_s(d):
    m = re.fullmatch(r"((\d+)h)?((\d+)m)?((\d+)s)?", str(d))
    if not m or not d:
        sys.exit("render: cannot parse duration %r" % d)
    return int(m.group(2) or 0) * 3600 + int(m.group(4) or 0) * 60 + int(m.group(6) or 0)


def render_prometheus(src, rules_path, sd_dir, fast):
    cfg = copy.deepcopy(src)
    g = cfg.setdefault("global", {})
    if fast:
        g["scrape_interval"] = FAST_SCRAPE
        g["scrape_timeout"] = FAST_SCRAPE
        g["evaluation_interval"] = FAST_INTERVAL
    g.setdefault("external_labels", {})["lab"] = "spark-observability-native"
    cfg["rule_files"] = [rules_path]
    for rw in cfg.get("remote_write", []):
        m = re.fullmatch(r"(https?)://([^/]+)(/.*)?", rw["url"])
        rw["url"] = "%s://%s%s" % (m.group(1), native_addr(m.group(2)), m.group(3) or "/")
    for am in cfg.get("alerting", {}).get("alertmanagers", []):
        for sc in am.get("static_configs", []):
            sc["targets"] = [native_addr(t) for t in sc["targets"]]
    jobs, sd_done = [], False
    for job in cfg["scrape_configs"]:
        if fast:
            job.pop("scrape_interval", None)
            job.pop("scrape_timeout", None)
        if "file_sd_configs" in job:
            # Compose: one job per Spark container (its own sd volume, the
            # address rewritten to the container). Natively every agent
            # writes into one directory and its address is already right.
            if sd_done:
                continue
            sd_done = True
            job["job_name"] = "spark-apps"
            job["file_sd_configs"] = [{"files": [os.path.join(sd_dir, "*.json")]}]
            rl = [r for r in job.get("relabel_configs", []) if r.get("target_label") != "__address__"]
            if rl:
                job["relabel_configs"] = rl
            else:
                job.pop("relabel_configs", None)
        for sc in job.get("static_configs", []):
            sc["targets"] = [native_addr(t) for t in sc["targets"]]
        jobs.append(job)
    cfg["scrape_configs"] = jobs
    return cfg


def render_rules(src, fast):
    cfg = copy.deepcopy(src)
    if fast:
        for grp in cfg["groups"]:
            grp["interval"] = FAST_INTERVAL
            for r in grp["rules"]:
                if "for" in r and duration_s(r["for"]) > FAST_FOR:
                    r["for"] = "%ds" % FAST_FOR
    return cfg


def render_alertmanager(src, fast):
    cfg = copy.deepcopy(src)

    def walk(route):
        if fast:
            route["group_wait"] = "1s"
            route["group_interval"] = "5s"
        for r in route.get("routes", []):
            walk(r)

    walk(cfg["route"])
    for rcv in cfg["receivers"]:
        for wh in rcv.get("webhook_configs", []):
            m = re.fullmatch(r"(https?)://([^/]+)(/.*)?", wh["url"])
            wh["url"] = "%s://%s%s" % (m.group(1), native_addr(m.group(2)), m.group(3) or "/")
    return cfg


def render_consoles(out):
    """The consoles and their library, and lab-site.lib: the links of the
    index page to the lab's other servers, at this lab's addresses."""
    for sub in ("consoles", "console_libraries"):
        src, dst = os.path.join(COMPOSE, "prometheus", sub), os.path.join(out, sub)
        os.makedirs(dst, exist_ok=True)
        for old in os.listdir(dst):
            os.unlink(os.path.join(dst, old))
        for name in sorted(os.listdir(src)):
            shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))
    am, hook = native_addr("alertmanager:9093"), native_addr("webhook:19095")
    links = [
        ("http://%s/alerts" % hook, "Alerts the webhook receiver got from Alertmanager"),
        ("http://%s/api/v2/alerts" % am, "Alertmanager's active alerts (API; Debian ships no UI)"),
        ("http://%s/api/v2/status" % am, "Alertmanager's configuration and cluster status (API)"),
        ("http://%s/metrics" % native_addr("pushgateway:9091"), "Pushgateway (the ETL job's last success)"),
        ("http://%s/metrics" % native_addr("node-exporter:9100"), "node_exporter"),
        ("http://%s/" % native_addr("victoria-metrics:8428"),
         "VictoriaMetrics, the long-term storage (Prometheus query API under /api/v1/)"),
    ]
    with open(os.path.join(out, "console_libraries", "lab-site.lib"), "w") as f:
        f.write("{{/* GENERATED by compose/native/render.py for this lab's ports. */}}\n"
                "{{ define \"lab_site\" }}\n")
        for url, text in links:
            f.write('<li><a href="%s">%s</a> <code>%s</code></li>\n' % (url, text, url))
        f.write("{{ end }}\n")


def dump(path, header, cfg):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("# GENERATED by compose/native/render.py from %s; edit that file.\n" % header)
        yaml.safe_dump(cfg, f, sort_keys=False, default_flow_style=False, width=120)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--sd-dir", default=os.path.join(os.path.dirname(COMPOSE), "build", "sd"))
    ap.add_argument("--fast", action="store_true")
    ap.add_argument("--port", action="append", default=[], metavar="SERVICE:PORT=NATIVE",
                    help="override a native port, e.g. spark-master:19404=17091")
    a = ap.parse_args()
    for o in a.port:
        k, _, v = o.partition("=")
        if k not in PORTS or not v.isdigit():
            sys.exit("render: bad --port %r (known: %s)" % (o, ", ".join(PORTS)))
        PORTS[k] = int(v)
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)

    def load(rel):
        with open(os.path.join(COMPOSE, rel)) as f:
            return yaml.safe_load(f)

    rules = os.path.join(out, "alert-rules.yml")
    dump(rules, "compose/prometheus/alert-rules.yml", render_rules(load("prometheus/alert-rules.yml"), a.fast))
    dump(os.path.join(out, "prometheus.yml"), "compose/prometheus/prometheus.yml",
         render_prometheus(load("prometheus/prometheus.yml"), rules, os.path.abspath(a.sd_dir), a.fast))
    dump(os.path.join(out, "alertmanager.yml"), "compose/alertmanager/alertmanager.yml",
         render_alertmanager(load("alertmanager/alertmanager.yml"), a.fast))
    render_consoles(out)


if __name__ == "__main__":
    main()
