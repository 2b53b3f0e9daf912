"""Paths and small helpers shared by the lab tests (offline and live)."""
import json
import os
import re
import subprocess

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COMPOSE = os.path.join(ROOT, "compose")
SCHEMAS = os.environ.get("LAB_SCHEMAS", "/work/shared/schemas")
DASHBOARD_DIR = os.path.join(COMPOSE, "grafana", "dashboards")
DASHBOARDS = ["spark-cluster", "spark-jobs", "system-metrics"]
ALLOWED_PANEL_TYPES = {"timeseries", "stat", "gauge", "table", "row"}


def load_yaml(*parts):
    with open(os.path.join(*parts)) as f:
        return yaml.safe_load(f)


def load_json(*parts):
    with open(os.path.join(*parts)) as f:
        return json.load(f)


def run(cmd, timeout=60, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def dashboard(name):
    return load_json(DASHBOARD_DIR, name + ".json")


def panels(d):
    """Every panel, rows' nested panels included."""
    for p in d["panels"]:
        yield p
        for q in p.get("panels", []):
            yield q


def queries(d):
    """(panel title, refId, expr) of every query of a dashboard."""
    for p in panels(d):
        for t in p.get("targets", []):
            yield p.get("title", ""), t.get("refId", ""), t["expr"]


def provisioned_uids():
    ds = load_yaml(COMPOSE, "grafana", "provisioning", "datasources", "prometheus.yml")
    return {d["uid"] for d in ds["datasources"]}


VAR_RE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")
BUILTIN_VARS = {"__rate_interval", "__interval", "__range", "__interval_ms", "__range_s", "__all"}


def used_vars(expr):
    return {a or b for a, b in VAR_RE.findall(expr)}


def substitute(expr, values=None, rate_interval="1m"):
    """Grafana's variable substitution for a check outside Grafana: the
    built-ins become durations, template variables their All value (.*)."""
    values = values or {}
    expr = expr.replace("$__rate_interval", rate_interval).replace("$__interval", "30s")
    expr = expr.replace("$__range", "30m")
    return VAR_RE.sub(lambda m: values.get(m.group(1) or m.group(2), ".*"), expr)


METRIC_RE = re.compile(r"\b((?:spark|jvm|process|node)_[A-Za-z0-9_]+)\b")


def metric_names(expr):
    return set(METRIC_RE.findall(expr))
