"""HTTP behaviour.  Each test starts its own fixture JVM on its own port.
Tests parametrized with "jar" check the expectation against the reference;
the ones for "ours" only are deliberate differences (differences.py,
scope "http") or behaviour the jar does not have."""

from __future__ import annotations

import base64
import gzip
import http.client

import pytest

import differences
import expo
import harness

BOTH = ["jar", "ours"]
TEXT_CT = "text/plain; version=0.0.4; charset=utf-8"
OM_CT = "application/openmetrics-text; version=1.0.0; charset=utf-8"


@pytest.fixture
def jvm_for(config_path):
    started = []

    def start(agent, config="01_default", **kw):
        j = harness.Jvm(agent, config_path(config), **kw)
        started.append(j)     # stopped even if start() fails
        return j.start()
    yield start
    for j in started:
        j.stop()
        if j.agent == "ours":
            assert not j.jni_warnings(), "JNI warnings:\n" + "\n".join(j.jni_warnings())


@pytest.mark.parametrize("agent", BOTH)
def test_metrics_text(agent, jvm_for):
    j = jvm_for(agent)
    r = j.get("/metrics")
    assert r.status == 200
    assert r.headers["content-type"] == TEXT_CT
    e = expo.parse(r.text)
    assert e.value("fixture_Numbers_IntValue") == 42.0
    ok, out = harness.promtool_check(r.text)
    assert ok, out


@pytest.mark.parametrize("agent", BOTH)
def test_healthy(agent, jvm_for):
    j = jvm_for(agent)
    r = j.get("/-/healthy")
    assert r.status == 200
    assert r.text == "Exporter is healthy.\n"
    assert r.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("agent", BOTH)
def test_index_page(agent, jvm_for):
    j = jvm_for(agent)
    r = j.get("/")
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/html")
    assert 'href="/metrics"' in r.text


def test_ours_exact_paths(jvm_for):
    d = differences.get("exact-paths")
    j = jvm_for("ours")
    for path in ("/metricsx", "/metrics/", "/metrics/x", "/foo", "/-/healthyx", "/index.html"):
        r = j.get(path)
        assert r.status == 404, f"{path} -> {r.status} ({d.name}: {d.reason})"
    assert j.get("/metrics").status == 200


def test_ours_post_405(jvm_for):
    d = differences.get("post-405")
    j = jvm_for("ours")
    for method, path in (("POST", "/metrics"), ("PUT", "/metrics"), ("DELETE", "/metrics"),
                         ("POST", "/-/healthy"), ("POST", "/")):
        r = j.request(path, method=method, data=b"x=1")
        assert r.status == 405, f"{method} {path} -> {r.status} ({d.name})"
    assert j.get("/metrics").status == 200


def test_jar_reference_http_quirks(jvm_for):
    """What the reference does where ours deliberately differs."""
    j = jvm_for("jar")
    assert j.get("/metricsx").status == 200
    assert j.get("/metricsx").headers["content-type"] == TEXT_CT
    assert j.get("/foo").headers["content-type"].startswith("text/html")
    assert j.request("/metrics", method="POST", data=b"x").status == 200


@pytest.mark.parametrize("agent", BOTH)
def test_openmetrics(agent, jvm_for):
    j = jvm_for(agent)
    r = j.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0; "
                                             "charset=utf-8,text/plain;version=0.0.4;q=0.5"})
    assert r.status == 200
    assert r.headers["content-type"] == OM_CT
    assert r.text.endswith("# EOF\n")
    e = expo.parse(r.text, openmetrics=True)
    assert "jmx_config_reload_success" in e.families
    f = e.families["jmx_config_reload_success"]
    assert f.type == "counter" and [s.name for s in f.samples] == ["jmx_config_reload_success_total"]
    assert e.families["fixture_Numbers_IntValue"].type == "unknown"
    assert e.value("fixture_Numbers_IntValue") == 42.0


@pytest.mark.parametrize("agent", BOTH)
def test_gzip(agent, jvm_for):
    j = jvm_for(agent)
    j.get("/metrics")   # auto-exclusion settles on the first scrape
    r = j.get("/metrics", headers={"Accept-Encoding": "gzip"})
    assert r.status == 200
    assert r.headers.get("content-encoding") == "gzip"
    text = gzip.decompress(r.body).decode("utf-8")
    e = expo.parse(text)
    plain = expo.parse(j.get("/metrics").text)
    assert set(e.families) == set(plain.families)
    assert e.value("fixture_Numbers_FloatValue") == 0.20000000298023224


@pytest.mark.parametrize("agent", BOTH)
def test_name_filter(agent, jvm_for):
    """name[] keeps a family when a requested name starts with the family's
    name (client_java MetricNameFilter), e.g. x_total selects counter x."""
    j = jvm_for(agent)
    r = j.get("/metrics?name[]=fixture_Numbers_IntValue&name[]=jmx_scrape_error"
              "&name%5B%5D=jmx_config_reload_success_total"
              "&name[]=fixture_Numbers_BoxedIntXYZ")
    assert r.status == 200
    e = expo.parse(r.text)
    assert set(e.families) == {"fixture_Numbers_IntValue", "jmx_scrape_error",
                               "jmx_config_reload_success_total", "fixture_Numbers_BoxedInt"}
    r = j.get("/metrics?name[]=no_such_family")
    assert r.status == 200 and expo.parse(r.text).families == {}


@pytest.mark.parametrize("agent", BOTH)
def test_keep_alive_two_requests(agent, jvm_for):
    """Two requests on one HTTP/1.1 connection."""
    j = jvm_for(agent)
    c = http.client.HTTPConnection("127.0.0.1", j.port, timeout=harness.HTTP_TIMEOUT)
    try:
        for _ in range(2):
            c.request("GET", "/metrics")
            r = c.getresponse()
            body = r.read()
            assert r.status == 200
            expo.parse(body.decode("utf-8"))
    finally:
        c.close()


@pytest.mark.parametrize("agent", BOTH)
def test_basic_auth(agent, jvm_for):
    """httpServer.authentication.basic covers every path: 401 with
    WWW-Authenticate: Basic realm="/" (the JDK adds charset="UTF-8")."""
    j = jvm_for(agent, "25_basic_auth")
    assert j.auth == "prometheus:secret"
    assert j.get("/metrics").status == 200
    good = j.auth
    j.auth = None
    try:
        for path in ("/metrics", "/-/healthy", "/"):
            r = j.get(path)
            assert r.status == 401, f"{path} -> {r.status}"
            assert r.headers.get("www-authenticate", "").startswith('Basic realm="/"'), r.headers
        wrong = base64.b64encode(b"prometheus:wrong").decode()
        assert j.get("/metrics", headers={"Authorization": "Basic " + wrong}).status == 401
        wrong = base64.b64encode(b"other:secret").decode()
        assert j.get("/metrics", headers={"Authorization": "Basic " + wrong}).status == 401
    finally:
        j.auth = good
