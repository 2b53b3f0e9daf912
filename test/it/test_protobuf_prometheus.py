"""Prometheus itself reads our protobuf exposition: Debian's prometheus
(2.42) with --enable-feature=native-histograms asks for protobuf first,
scrapes our agent in the fixture JVM (one JVM for the module), and records
jvm_gc_pause_seconds as a native histogram: a series without _bucket whose
instant value is a histogram, with the buckets our agent sent and a
histogram_quantile over it.  Only a protobuf body can carry native
buckets, so this proves Prometheus parsed ours."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

import harness  # noqa: E402
import pbdecode

PROMETHEUS = shutil.which("prometheus")
LAB_RULES = os.path.join(harness.ROOT, "compose", "prometheus", "alert-rules.yml")


def _query(port: int, expr: str) -> list:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.load(r)
    assert body["status"] == "success", body
    return body["data"]["result"]


def _gc_pauses(pb) -> int | None:
    """jvm_gc_pause_seconds' count in a protobuf scrape."""
    if pb.status != 200:
        return None
    fam = [f for f in pbdecode.decode(pb.body) if f.name == "jvm_gc_pause_seconds"]
    return fam[0].metric[0].histogram.sample_count if len(fam) == 1 and fam[0].metric else None


@pytest.fixture(scope="module")
def scraped():
    if PROMETHEUS is None:
        raise harness.HarnessError("prometheus not found (Debian package prometheus, .ci/deps.sh)")
    jvm = harness.Jvm("ours", os.path.join(harness.CONFIGS, "01_default.yaml"),
                      name="ours-prometheus-native")
    tmp = tempfile.mkdtemp(prefix="prom-native-", dir=os.path.join(harness.BUILD, "it"))
    port = harness.free_port()
    cfg = os.path.join(tmp, "prometheus.yml")
    prom = None
    with jvm:
        with open(cfg, "w") as f:
            # The lab's rule file too: its recording rules over the native
            # histogram (job names spark-*) must evaluate on this Prometheus.
            f.write("global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
                    f"rule_files: ['{LAB_RULES}']\n"
                    "scrape_configs:\n"
                    "  - job_name: spark-executor\n"
                    f"    static_configs: [{{targets: ['127.0.0.1:{jvm.port}']}}]\n")
        log = open(os.path.join(tmp, "prometheus.log"), "wb")
        prom = subprocess.Popen([PROMETHEUS, f"--config.file={cfg}",
                                 f"--storage.tsdb.path={tmp}/data",
                                 f"--web.listen-address=127.0.0.1:{port}",
                                 "--enable-feature=native-histograms"],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            result, pb = [], None
            while time.monotonic() < deadline:
                assert prom.poll() is None, open(log.name, errors="replace").read()[-3000:]
                try:
                    result = _query(port, "jvm_gc_pause_seconds")
                except OSError:
                    result = []
                if result and "histogram" in result[0]:
                    # What the agent sends now is what Prometheus stored
                    # unless a GC came in between (the walks allocate: a
                    # young GC every few dozen of them): then both again.
                    pb = jvm.get("/metrics", headers={"Accept": pbdecode.ACCEPT})
                    if _gc_pauses(pb) == int(result[0]["histogram"][1]["count"]):
                        break
                time.sleep(0.5)
            if pb is None:
                pb = jvm.get("/metrics", headers={"Accept": pbdecode.ACCEPT})
            yield {"port": port, "result": result, "pb": pb, "log": log.name}
        finally:
            harness.end_process(prom, 20)
            log.close()
            if os.environ.get("IT_KEEP_PROM") is None:
                shutil.rmtree(tmp, ignore_errors=True)


def test_prometheus_records_native_histogram(scraped):
    """The series is a native histogram in Prometheus, with our buckets."""
    result = scraped["result"]
    assert result and "histogram" in result[0], \
        f"no native histogram jvm_gc_pause_seconds in Prometheus: {result}"
    h = result[0]["histogram"][1]
    # What our agent sent (the fixture's System.gc() paused at least once).
    fam = [f for f in pbdecode.decode(scraped["pb"].body) if f.name == "jvm_gc_pause_seconds"]
    assert len(fam) == 1
    (labels, schema, zt, zc, spans, deltas), = pbdecode.native(fam[0])
    assert schema == 3 and zt == 2 ** -20
    ours = pbdecode.native_buckets(schema, spans, deltas)
    assert sum(ours.values()) + zc >= 1
    assert int(h["count"]) == sum(ours.values()) + zc == fam[0].metric[0].histogram.sample_count
    theirs = {float(b[2]): int(b[3]) for b in h.get("buckets", []) if float(b[2]) > zt}
    assert len(theirs) == len(ours)
    for (ub, n), (ub2, n2) in zip(sorted(ours.items()), sorted(theirs.items())):
        assert math.isclose(ub, ub2, rel_tol=1e-9) and n == n2, (ours, theirs)


def test_histogram_quantile_on_native(scraped):
    """PromQL's histogram_quantile works on it (the lab's GC panels do the same)."""
    r = _query(scraped["port"], "histogram_quantile(0.5, jvm_gc_pause_seconds)")
    assert r and 0 < float(r[0]["value"][1]) < 60, r
    # Classic series are not made from a native histogram by Prometheus 2.42.
    assert _query(scraped["port"], "jvm_gc_pause_seconds_bucket") == []


def test_lab_recording_rules_on_native(scraped):
    """The lab's recorded float series of the native histogram (what
    reaches long-term storage) come out with our count."""
    # Against the histogram's count now: a GC since the fixture's query
    # moves both (the rule is evaluated every second), so until they agree.
    deadline, r, now = time.monotonic() + 60, [], None
    while time.monotonic() < deadline:
        r = _query(scraped["port"], "jvm_gc_pause_seconds:count")
        h = _query(scraped["port"], "jvm_gc_pause_seconds")
        now = float(h[0]["histogram"][1]["count"]) if h and "histogram" in h[0] else None
        if r and float(r[0]["value"][1]) == now:
            break
        time.sleep(0.5)
    assert r, "jvm_gc_pause_seconds:count was not recorded"
    assert float(r[0]["value"][1]) == now, (r, now)
