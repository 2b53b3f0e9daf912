"""Several exporters in one JVM (jmx_exporter 1.3's isolator use case;
README "Several exporters in one JVM"): the agent loaded twice with different
options, one of them naming three exporters with `exporter=`: one that
serves, one that only pushes to an OTLP receiver (docs/otlp.md), and one
whose config does not load.  One JVM serves every test of this module; each
exporter is compared with the same config alone."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

import differences
import harness
from harness import Jvm
from test_otlp import Receiver, family_of_sample, prom_samples

# The isolator agent of jmx_exporter 1.3+ stops the JVM when one exporter
# fails; ours runs on without it.
BAD_ONE_KEEPS_OTHERS = differences.get("several-exporters-one-library")

# Values that change from walk to walk or from JVM to JVM; their sample
# keys are still compared.
VOLATILE = ("jvm_", "process_", "java_lang_Threading_", "jmx_scrape_duration_seconds",
            "jmxagent_cached_mbeans", "jmxagent_rendered_bodies", "jmx_exporter_build_info")

BROKEN = """\
includeObjectNames: ["fixture:*"]
rules:
  - pattern: 'fixture<type=Numbers><>IntValue
"""

# The push-only exporter's config: its own rule and no JVM metrics, so any
# sample of another exporter's config in a push shows.
PUSHED = """\
includeObjectNames: ["fixture:type=Numbers"]
excludeJvmMetrics: true
rules:
  - pattern: 'fixture<type=Numbers><>IntValue'
    name: multi_pushed
openTelemetry:
  endpoint: http://127.0.0.1:{port}
  protocol: http/protobuf
  interval: 1
  timeoutSeconds: 2
  serviceName: multi-pushed
"""

RELOADED = """\
includeObjectNames: ["fixture:type=Numbers"]
rules:
  - pattern: 'fixture<type=Numbers><>IntValue'
    name: multi_reloaded
"""


def _settled(text: str) -> dict:
    """(name, labels) -> value text, volatile values blanked."""
    import expo
    out = {}
    for s in expo.parse(text).samples().values():
        out[(s.name, s.labels)] = None if s.name.startswith(VOLATILE) else s.text
    return out


@pytest.fixture(scope="module")
def multi(tmp_path_factory):
    d = tmp_path_factory.mktemp("multi")
    cfg_a = d / "a.yaml"
    cfg_b = d / "b.yaml"
    bad = d / "bad.yaml"
    shutil.copy(os.path.join(harness.CONFIGS, "04_filters.yaml"), cfg_a)
    shutil.copy(os.path.join(harness.CONFIGS, "06_rules_basic.yaml"), cfg_b)
    bad.write_text(BROKEN)
    rx = Receiver()
    cfg_p = d / "pushed.yaml"
    cfg_p.write_text(PUSHED.format(port=rx.port))
    sd = d / "sd"
    sd.mkdir()
    pa, pb, pc = harness.free_port(), harness.free_port(), harness.free_port()
    port_file = d / "ports"
    second = (f"-agentpath:{harness.OURS}=exporter=127.0.0.1:{pb}:{cfg_b},exporter={cfg_p},"
              f"exporter=127.0.0.1:{pc}:{bad},sd_dir={sd},port_file={port_file}")
    j = Jvm("ours", str(cfg_a), port=pa, name="multi", jvm_opts=[second],
            options=f"host=127.0.0.1,port={pa},config={cfg_a},sd_dir={sd}")
    j.start()
    b = Jvm("ours", str(cfg_b), port=pb, name="multi-b")   # requests only, never started
    try:
        deadline = time.monotonic() + harness.START_TIMEOUT
        while not harness.port_open(pb) and time.monotonic() < deadline:
            time.sleep(0.05)
        yield {"jvm": j, "b": b, "a_cfg": cfg_a, "b_cfg": cfg_b, "bad": bad, "pc": pc,
               "sd": sd, "port_file": port_file, "pa": pa, "pb": pb, "rx": rx}
    finally:
        j.stop()
        rx.close()


def _alone(config) -> dict:
    with Jvm("ours", str(config), name="multi-alone") as j:
        return _settled(j.get().text)


def test_each_port_serves_its_own_config(multi):
    j, b = multi["jvm"], multi["b"]
    got_a = _settled(j.get().text)
    got_b = _settled(b.get().text)
    alone_a = _alone(multi["a_cfg"])
    alone_b = _alone(multi["b_cfg"])
    assert got_a == alone_a
    assert got_b == alone_b
    # Each has its own self metrics, and the configs do differ.
    assert any(k[0] == "datanode_value" for k in got_b)
    assert not any(k[0] == "datanode_value" for k in got_a)
    # The bad third exporter: its port is not bound; one error line says why.
    assert not harness.port_open(multi["pc"])
    errors = [l for l in j.output().splitlines() if "ERROR" in l]
    assert len(errors) == 1, j.output()
    assert str(multi["bad"]) in errors[0] and "without this exporter" in errors[0]
    # port_file names the ports of that option's exporters that serve (not
    # the push-only one, not the bad one).
    assert multi["port_file"].read_text() == f"{multi['pb']}\n"
    # One file_sd file, one target group per exporter that serves.
    files = [f for f in os.listdir(multi["sd"]) if f.endswith(".json")]
    assert len(files) == 1, files
    groups = json.loads((multi["sd"] / files[0]).read_text())
    # (the JVM loads the -agentpath flags in order: exporter= first)
    assert [g["targets"] for g in groups] == [[f"127.0.0.1:{multi['pb']}"],
                                              [f"127.0.0.1:{multi['pa']}"]]


def test_push_only_exporter_pushes_its_own_samples(multi):
    """exporter=/path/config.yaml only pushes, and what it pushes is its own
    config's scrape: its rule's sample and its own self metrics, none of the
    serving exporters' samples (they have JVM metrics, it has none)."""
    j, b, rx = multi["jvm"], multi["b"], multi["rx"]
    rx.wait(2, 15)
    _, req = rx.wait(rx.count() + 1, 10)     # a push after the first walks
    pushed = {family_of_sample(k[0]) for k in prom_samples(req)}
    res = {a.key: a.value.string_value for a in req.resource_metrics[0].resource.attributes}
    assert res["service.name"] == "multi-pushed"
    assert "multi_pushed" in pushed, sorted(pushed)
    assert "jmx_scrape_duration_seconds" in pushed, sorted(pushed)
    served = set(j.scrape().families) | set(b.scrape().families)
    assert "datanode_value" in served
    assert "multi_pushed" not in served
    others = {f for f in served if not f.startswith(("jmx_", "jmxagent_"))}
    assert not (pushed & others), sorted(pushed & others)
    assert not any(f.startswith("jvm_") for f in pushed), sorted(pushed)


def test_reload_of_one_leaves_the_other(multi):
    j, b = multi["jvm"], multi["b"]
    before_b = _settled(b.get().text)
    cfg = multi["a_cfg"]
    cfg.write_text(RELOADED)
    t = time.time() + 2
    os.utime(cfg, (t, t))
    j.after_interval()
    e = j.scrape()
    assert e.value("multi_reloaded") == 42.0, j.output()
    for _ in range(3):                   # the counter shows one scrape late
        if e.value("jmx_config_reload_success_total") == 1.0:
            break
        j.after_interval()
        e = j.scrape()
    assert e.value("jmx_config_reload_success_total") == 1.0
    b.after_interval()
    eb = b.scrape()
    assert eb.value("jmx_config_reload_success_total") == 0.0
    assert eb.value("multi_reloaded") is None
    assert _settled(b.get().text) == before_b


def test_jvm_exits_cleanly(multi):
    j = multi["jvm"]
    assert j.jni_warnings() == []
    os.killpg(j.proc.pid, 15)
    code = j.wait_exit(10)
    assert code == 143, (code, j.output())
    assert not harness.port_open(multi["pa"]) and not harness.port_open(multi["pb"])
    assert [f for f in os.listdir(multi["sd"]) if f.endswith(".json")] == []
    assert "still being served" not in j.output()
    # Its pusher stopped with it.
    n = multi["rx"].count()
    time.sleep(1.5)
    assert multi["rx"].count() == n


def test_a_hung_walk_leaves_the_other_its_last_result(tmp_path):
    """One scraper thread walks for both exporters (docs/design.md §3):
    while a getter of the first hangs, the second serves its last good
    result with its age, and the JVM still exits."""
    block = tmp_path / "block"
    common = "scrapeTimeoutSeconds: 1\nminScrapeIntervalSeconds: 0\n"
    cfg_a = tmp_path / "a.yaml"
    cfg_b = tmp_path / "b.yaml"
    cfg_a.write_text(common + "includeObjectNames: ['hang:*']\nexcludeJvmMetrics: true\n")
    cfg_b.write_text(common + "includeObjectNames: ['java.lang:type=ClassLoading']\n")
    pa, pb = harness.free_port(), harness.free_port()
    j = Jvm("ours", str(cfg_a), port=pa, name="multi-hang", main="Hang",
            fixture_args=[str(block)],
            options=f"exporter=127.0.0.1:{pa}:{cfg_a},exporter=127.0.0.1:{pb}:{cfg_b}")
    b = Jvm("ours", str(cfg_b), port=pb, name="multi-hang-b")
    with j:
        assert j.scrape().value("hang_Slow_Value") == 7.0
        good = b.scrape()
        assert good.value("java_lang_ClassLoading_Verbose") == 0.0
        assert "jmxagent_scrape_stale_seconds" not in good.families
        block.write_text("x")
        assert j.scrape().value("jmxagent_scrape_stale_seconds") >= 0.0   # A: hung
        e = b.scrape()
        assert e.value("java_lang_ClassLoading_Verbose") == 0.0           # B: its last result
        assert e.value("jmxagent_scrape_stale_seconds") >= 0.0
        os.killpg(j.proc.pid, 15)
        assert j.wait_exit(10) == 143, j.output()
        assert j.jni_warnings() == []
