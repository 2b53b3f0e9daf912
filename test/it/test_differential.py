"""Differential conformance: for every config in test/it/configs, the fixture
JVM is run once with the reference jar and once with our agent, and the two
expositions must hold the same samples (names, label sets, TYPE, HELP,
values), both on the first and on the second scrape.

Values of "live" families (differences.LIVE) are not compared; known,
deliberate differences come from differences.py only, and the test reports
which ones it applied.
"""

from __future__ import annotations

import concurrent.futures

import pytest

import differences
import harness
import pbdecode
from conftest import CONFIG_FILES, config_id


def _explain(name: str, ctx: dict, je, oe):
    """The jar's exposition je against ours oe: the comparison, and its
    differences as differences.py explains them and the rest."""
    cmp = harness.compare(je, oe, differences.LIVE)
    ctx["jar"], ctx["ours"] = je, oe
    explained, unexplained = differences.explain(name, cmp.items, ctx)
    return cmp, explained, unexplained


def _record(request, difference: str, config: str, detail: str = ""):
    """Collected for the summary printed at the end (conftest.py)."""
    cfg = request.config
    if not hasattr(cfg, "_it_differences"):
        cfg._it_differences = {}
    cfg._it_differences.setdefault(difference, {}).setdefault(config, []).append(detail)


@pytest.mark.parametrize("config", CONFIG_FILES, ids=config_id)
def test_jar_reference(config, runs, jar_version):
    """Harness self-test against the jar alone: it starts, both scrapes parse
    strictly and pass promtool (or the jar fails in a way differences.py
    lists)."""
    run = runs.get("jar", config)
    if run.error:
        raise run.error
    ctx = {"jar_version": jar_version, "jar_status": run.responses[0].status}
    d = differences.whole_config_difference(config_id(config), ctx)
    for i, resp in enumerate(run.responses):
        if resp.status != 200:
            assert d is not None and d.jar_status == resp.status, \
                f"scrape {i + 1}: jar answered {resp.status}:\n{resp.text[:3000]}"
            continue
        expo = harness.expo_mod.parse(resp.text)
        assert "jmx_scrape_error" in expo.families
        ok, out = harness.promtool_check(resp.text)
        assert ok, f"promtool rejects the jar's scrape {i + 1}:\n{out[:3000]}"


def check_differential(name, jar, ours, jar_version, request, check_jni=True):
    if jar.error:
        raise jar.error
    if ours.error:
        raise ours.error
    if check_jni:
        warnings = [l for l in ours.output.splitlines() if harness.JNI_WARNING_RE.search(l)]
        assert not warnings, "JNI warnings from our agent (-Xcheck:jni):\n" + "\n".join(warnings)

    ctx = {"jar_version": jar_version, "jar_status": jar.responses[0].status}
    whole = differences.whole_config_difference(name, ctx)
    if whole is not None:
        _record(request, whole.name, name, "whole config")
        for r in ours.responses:
            assert r.status in (200, whole.jar_status), f"ours answered {r.status}:\n{r.text[:2000]}"
            if r.status == 200:
                harness.expo_mod.parse(r.text)
        return

    report, failures = [], []
    for i in (0, 1):
        jr, orr = jar.responses[i], ours.responses[i]
        if jr.status != orr.status:
            failures.append(f"scrape {i + 1}: HTTP status jar={jr.status} ours={orr.status}\n"
                            f"ours: {orr.text[:1000]}")
            continue
        if jr.status != 200:
            continue
        je, oe = harness.expo_mod.parse(jr.text), harness.expo_mod.parse(orr.text)
        ok, out = harness.promtool_check(orr.text)
        if not ok:
            failures.append(f"scrape {i + 1}: promtool rejects the output:\n{out[:2000]}")
        cmp, explained, unexplained = _explain(name, ctx, je, oe)
        for dname, items in explained.items():
            report.append((dname, f"scrape {i + 1}: {len(items)}"))
        if unexplained:
            failures.append(f"scrape {i + 1}: {len(unexplained)} unexplained difference(s) "
                            f"({cmp.compared_samples} common samples, "
                            f"{cmp.compared_values} values compared):\n"
                            + harness.format_items(unexplained))
    for dname, detail in report:
        _record(request, dname, name, detail)
    assert not failures, f"config {name}:\n" + "\n\n".join(failures)


@pytest.mark.parametrize("config", CONFIG_FILES, ids=config_id)
def test_jar_vs_jar(config, runs, jar_version, request):
    """Harness self-test: two runs of the jar agree under the same rules,
    so the fixture is deterministic and the live list covers what moves."""
    check_differential(config_id(config), runs.get("jar", config),
                       runs.get("jar2", config), jar_version, request, check_jni=False)


@pytest.mark.parametrize("config", CONFIG_FILES, ids=config_id)
def test_differential(config, runs, jar_version, request):
    """Our agent against the jar, config by config."""
    jar = runs.get("jar", config)
    ours = runs.get("ours", config)
    check_differential(config_id(config), jar, ours, jar_version, request)


OPENMETRICS_CONFIGS = ["01_default", "06_rules_basic", "11_names", "14_spark_driver_fixed"]
OM_ACCEPT = "application/openmetrics-text; version=1.0.0; charset=utf-8,text/plain;version=0.0.4;q=0.5"


def _om_run(agent, config):
    """Like conftest._run, with the Accept header Prometheus sends."""
    from conftest import Run
    r = Run(agent, config)
    jvm = harness.Jvm(agent, config, name=f"{agent}-om-{config_id(config)}")
    try:
        with jvm:
            for i in range(2):
                if i:
                    jvm.after_interval()
                r.responses.append(jvm.get("/metrics", headers={"Accept": OM_ACCEPT}))
    except Exception as e:
        r.error = e
    r.output = jvm.output()
    return r


@pytest.mark.parametrize("name", OPENMETRICS_CONFIGS)
def test_differential_openmetrics(name, config_path, jar_version, request):
    """The same comparison on the OpenMetrics output, which is what a
    Prometheus server asks for by default (counters as x + x_total, unknown
    types, # UNIT, # EOF)."""
    harness.require_ours()
    config = config_path(name)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        jar_f, ours_f = ex.submit(_om_run, "jar", config), ex.submit(_om_run, "ours", config)
        jar, ours = jar_f.result(timeout=300), ours_f.result(timeout=300)
    for run in (jar, ours):
        if run.error:
            raise run.error
    failures = []
    ctx = {"jar_version": jar_version, "jar_status": jar.responses[0].status}
    for i in (0, 1):
        jr, orr = jar.responses[i], ours.responses[i]
        assert jr.status == orr.status == 200, (jr.status, orr.status, orr.text[:1000])
        assert orr.headers.get("content-type") == jr.headers.get("content-type")
        je = harness.expo_mod.parse(jr.text, openmetrics=True)
        oe = harness.expo_mod.parse(orr.text, openmetrics=True)
        cmp, explained, unexplained = _explain(name, ctx, je, oe)
        for dname, items in explained.items():
            _record(request, dname, name + " (OpenMetrics)", f"scrape {i + 1}: {len(items)}")
        if unexplained:
            failures.append(f"scrape {i + 1}: {len(unexplained)} unexplained difference(s):\n"
                            + harness.format_items(unexplained))
    assert not failures, f"config {name} (OpenMetrics):\n" + "\n\n".join(failures)


@pytest.mark.parametrize("config", CONFIG_FILES, ids=config_id)
def test_differential_protobuf(config, runs, jar_version, request):
    """The protobuf exposition (Prometheus' Accept with protobuf first, and
    gzip): both agents' bodies decoded by Google's protobuf package from
    metrics.proto (pbdecode.py), same Content-Type, same sample sets;
    and ours holds the same samples as its own text scrape of the same
    result (the request right before)."""
    name = config_id(config)
    jar, ours = runs.get("jar", config), runs.get("ours", config)
    for run in (jar, ours):
        if run.error:
            raise run.error
    ctx = {"jar_version": jar_version, "jar_status": jar.responses[0].status}
    if differences.whole_config_difference(name, ctx) is not None or jar.pb.status != 200:
        assert ours.pb.status in (200, jar.pb.status), ours.pb.status
        return
    assert ours.pb.status == 200, ours.pb.body[:1000]
    assert ours.pb.headers.get("content-type") == jar.pb.headers.get("content-type") \
        == pbdecode.CONTENT_TYPE
    assert ours.pb.headers.get("content-encoding") == "gzip"
    je = pbdecode.to_exposition(pbdecode.decode(harness.decode_body(jar.pb)))
    oe = pbdecode.to_exposition(pbdecode.decode(harness.decode_body(ours.pb)))
    failures = []
    cmp, explained, unexplained = _explain(name, ctx, je, oe)
    for dname, items in explained.items():
        _record(request, dname, name + " (protobuf)", f"{len(items)}")
    if unexplained:
        failures.append(f"jar vs ours: {len(unexplained)} unexplained difference(s) "
                        f"({cmp.compared_samples} common samples):\n"
                        + harness.format_items(unexplained))
    # Ours, protobuf against text: the same published result, every value.
    text = pbdecode.from_text(harness.expo_mod.parse(ours.responses[1].text))
    self_cmp = harness.compare(text, oe, differences.NOTHING_LIVE)
    if self_cmp.items:
        failures.append("ours, protobuf vs text of the same result:\n"
                        + harness.format_items(self_cmp.items))
    assert not failures, f"config {name} (protobuf):\n" + "\n\n".join(failures)
