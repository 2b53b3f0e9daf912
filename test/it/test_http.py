"""HTTP behaviour.  Each test starts its own fixture JVM on its own port.
Tests parametrized with "jar" check the expectation against the reference;
the ones for "ours" only are deliberate differences (differences.py,
scope "http") or behaviour the jar does not have: bearer tokens, request
limits, slow clients, the bind address."""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import os
import re
import select
import socket
import threading
import time

import pytest

import differences
import expo
import harness
import pbdecode

BOTH = ["jar", "ours"]
TEXT_CT = "text/plain; version=0.0.4; charset=utf-8"
OM_CT = "application/openmetrics-text; version=1.0.0; charset=utf-8"


@pytest.fixture
def jvm_for(config_path):
    started = []

    def start(agent, config="01_default", **kw):
        # A name from test/it/configs, or the path of a file the test wrote.
        j = harness.Jvm(agent, config if os.sep in config else config_path(config), **kw)
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
                         ("POST", "/-/healthy"), ("POST", "/"), ("PATCH", "/metrics"),
                         ("OPTIONS", "/metrics")):
        r = j.request(path, method=method, data=b"x=1")
        assert r.status == 405, f"{method} {path} -> {r.status} ({d.name})"
        assert r.headers.get("allow") == "GET, HEAD", r.headers
    # Methods civetweb does not route to handlers (TRACE, unknown ones) get
    # its own 400.
    for method in ("TRACE", "CONNECT", "FOO"):
        status, _, _ = raw_request(j.port, f"{method} /metrics HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert status in (400, 405), f"{method} -> {status}"
    assert j.get("/metrics").status == 200


@pytest.mark.parametrize("agent", BOTH)
def test_head(agent, jvm_for):
    """HEAD: the headers of GET, no body."""
    j = jvm_for(agent)
    for path in ("/metrics", "/-/healthy", "/"):
        r = j.request(path, method="HEAD")
        assert r.status == 200, f"HEAD {path} -> {r.status}"
        assert r.body == b""
        assert int(r.headers["content-length"]) > 0
    if agent == "ours":
        assert j.get("/metrics").headers.get("x-content-type-options") == "nosniff"


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


def encoding_of(port: int, *accept_encoding: str):
    """Content-Encoding of GET /metrics sent raw with these Accept-Encoding
    field lines (http.client cannot repeat a header), after checking that
    the body is what that header says."""
    lines = "".join(f"Accept-Encoding: {v}\r\n" for v in accept_encoding)
    status, buf, _ = raw_request(port, ("GET /metrics HTTP/1.1\r\nHost: x\r\n"
                                        f"Connection: close\r\n{lines}\r\n").encode())
    assert status == 200, buf[:200]
    head, body = buf.split(b"\r\n\r\n", 1)
    headers = dict(l.split(": ", 1) for l in head.decode().split("\r\n")[1:])
    headers = {k.lower(): v for k, v in headers.items()}
    if headers.get("transfer-encoding", "").lower() == "chunked":     # the jar's JDK server
        chunks = b""
        while True:
            size, body = body.split(b"\r\n", 1)
            n = int(size.split(b";")[0], 16)
            if n == 0:
                break
            chunks, body = chunks + body[:n], body[n + 2:]
        body = chunks
    coding = headers.get("content-encoding")
    text = gzip.decompress(body) if coding == "gzip" else body
    assert expo.parse(text.decode("utf-8")).value("fixture_Numbers_IntValue") == 42.0
    return coding


# Where the reference and RFC 9110 12.5.3 agree.
ACCEPT_ENCODING_BOTH = [
    (("gzip;q=0",), None),                  # refused: the reason for this test
    (("gzip",), "gzip"),
    (("GZIP",), "gzip"),                    # tokens are case-insensitive
    ((" deflate , gzip ",), "gzip"),
    (("deflate", "gzip"), "gzip"),          # two field lines are one list
    (("deflate",), None),
    (("",), None),
    (("gzip, identity;q=0",), "gzip"),
]


@pytest.mark.parametrize("agent", BOTH)
def test_accept_encoding(agent, jvm_for):
    j = jvm_for(agent)
    got = {v: encoding_of(j.port, *v) for v, _ in ACCEPT_ENCODING_BOTH}
    assert got == {v: want for v, want in ACCEPT_ENCODING_BOTH}


def test_ours_accept_encoding_weights(jvm_for):
    """Weights, "*" and x-gzip as RFC 9110 12.5.3 has them; the jar gzips
    only for an element that is exactly "gzip" (differences.py)."""
    d = differences.get("accept-encoding-weights")
    j = jvm_for("ours")
    cases = [
        (("gzip;q=0.5",), "gzip"),
        (("gzip ; Q=1",), "gzip"),
        (("x-gzip",), "gzip"),
        (("*",), "gzip"),
        (("*;q=0",), None),
        (("GZIP;Q=0",), None),
        (("gzip;q=0, *",), None),
        (("gzip;q=0.000",), None),
        (("gzip;q=0.5, identity",), None),   # identity preferred
        (("gzip;q=0.5", "identity;q=0.4"), "gzip"),
        (("gzip;q=2",), None),               # not a weight: the element is ignored
    ]
    got = {v: encoding_of(j.port, *v) for v, _ in cases}
    assert got == {v: want for v, want in cases}, d.reason


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
    # The same filter in protobuf (a counter's MetricFamily is named with _total).
    r = j.get("/metrics?name[]=fixture_Numbers_IntValue&name[]=jmx_scrape_error"
              "&name%5B%5D=jmx_config_reload_success_total"
              "&name[]=fixture_Numbers_BoxedIntXYZ", headers={"Accept": pbdecode.ACCEPT})
    assert r.status == 200 and r.headers["content-type"] == pbdecode.CONTENT_TYPE
    assert {f.name for f in pbdecode.decode(r.body)} == {
        "fixture_Numbers_IntValue", "jmx_scrape_error", "jmx_config_reload_success_total",
        "fixture_Numbers_BoxedInt"}


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


@pytest.mark.parametrize("agent", BOTH)
def test_basic_auth_pbkdf2(agent, jvm_for, tmp_path):
    """A PBKDF2WithHmacSHA256 password hash (the jar's default keyLength,
    128 bytes; few iterations to keep the test fast): every failure is 401,
    as the jar answers."""
    salt = "pepper:salt"
    want = hashlib.pbkdf2_hmac("sha256", b"s3cret", salt.encode(), 1000, dklen=128).hex()
    cfg = tmp_path / "pbkdf2.yaml"
    cfg.write_text("httpServer:\n  authentication:\n    basic:\n      username: prometheus\n"
                   "      algorithm: PBKDF2WithHmacSHA256\n      iterations: 1000\n"
                   f"      salt: '{salt}'\n      passwordHash: {want}\n"
                   "includeObjectNames: ['fixture:type=Numbers']\n")
    j = jvm_for(agent, str(cfg))

    def status(creds=None, scheme="Basic"):
        h = {}
        if creds is not None:
            h["Authorization"] = scheme + " " + (base64.b64encode(creds.encode()).decode()
                                                 if scheme == "Basic" else creds)
        return j.get("/metrics", headers=h).status

    assert status("prometheus:s3cret") == 200
    assert status("prometheus:s3cret") == 200          # ours: the cached hit
    assert status() == 401
    assert status("prometheus:s3creT") == 401
    assert status("Prometheus:s3cret") == 401
    assert status("prometheus:") == 401
    assert status("some-token", scheme="Bearer") == 401


# -- bearer tokens (ours only: jmx_exporter has Basic only) ---------------------

def bearer_config(tmp_path, token: str):
    tok = tmp_path / "token"
    tok.write_text(token + "\n")              # the trailing newline is stripped
    cfg = tmp_path / "bearer.yaml"
    # A relative tokenFile is relative to the config file's directory.
    cfg.write_text("httpServer:\n  authentication:\n    bearer:\n      tokenFile: token\n"
                   "includeObjectNames: ['fixture:type=Numbers']\n")
    return str(cfg), tok


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


def test_ours_bearer_auth(jvm_for, tmp_path):
    """No Authorization or another scheme: 401 with a Bearer challenge; a
    token that does not match: 403; the token: 200.  On every path."""
    cfg, _ = bearer_config(tmp_path, "tok-3f9a.b_c~d+e/f=")
    j = jvm_for("ours", cfg)
    for path in ("/metrics", "/-/healthy", "/"):
        r = j.get(path)
        assert r.status == 401, f"{path} -> {r.status}"
        assert r.headers.get("www-authenticate") == 'Bearer realm="jmxagent"', r.headers
        basic = base64.b64encode(b"prometheus:tok-3f9a.b_c~d+e/f=").decode()
        assert j.get(path, headers={"Authorization": "Basic " + basic}).status == 401
        assert j.get(path, headers={"Authorization": "Bearer "}).status == 401
        r = j.get(path, headers=bearer("tok-3f9a.b_c~d+e/f"))
        assert r.status == 403, f"{path} wrong token -> {r.status}"
        assert r.headers.get("www-authenticate", "").startswith('Bearer realm="jmxagent"')
        assert j.get(path, headers=bearer("tok-3f9a.b_c~d+e/f==")).status == 403
        assert j.get(path, headers=bearer("tok-3f9a.b_c~d+e/f=")).status == 200, path
    # The scheme is case-insensitive (RFC 7235 2.1).
    assert j.get("/metrics", headers={"Authorization": "bearer tok-3f9a.b_c~d+e/f="}).status == 200
    r = j.get("/metrics", headers=bearer("tok-3f9a.b_c~d+e/f="))
    assert expo.parse(r.text).value("fixture_Numbers_IntValue") == 42.0


def test_ours_metrics_path_and_env_credentials(jvm_for, tmp_path):
    """httpServer.metrics.path (jmx_exporter 1.6+) serves the metrics there
    and only there (differences.py metrics-path-only; the index page links
    to it), and Basic-auth username and password given as ${NAME} are read
    from the JVM's environment, trimmed (VariableResolver, 1.6.0 3a7e226).
    The 1.0.1 jar knows neither (differences.py newer-http-keys-need-1.4-1.6)."""
    differences.get("newer-http-keys-need-1.4-1.6")
    cfg = tmp_path / "path_env.yaml"
    cfg.write_text("httpServer:\n"
                   "  metrics: {path: /jmx/metrics}\n"
                   "  authentication:\n"
                   "    basic: {username: '${JXA_IT_USER}', password: ' ${ JXA_IT_PASS } '}\n")
    j = jvm_for("ours", str(cfg), env={"JXA_IT_USER": "scraper", "JXA_IT_PASS": " s3cret\t"})
    j.auth = "scraper:s3cret"
    r = j.get("/jmx/metrics")
    assert r.status == 200 and r.headers["content-type"] == TEXT_CT
    assert expo.parse(r.text).value("fixture_Numbers_IntValue") == 42.0
    for path in ("/metrics", "/jmx/metricsx", "/jmx"):
        assert j.get(path).status == 404, path
    assert 'href="/jmx/metrics"' in j.get("/").text
    assert j.get("/-/healthy").status == 200
    j.auth = "${JXA_IT_USER}:${ JXA_IT_PASS }"     # the literal text is no password
    assert j.get("/jmx/metrics").status == 401


def wait_status(j, headers, want, timeout=10.0):
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        got = j.get("/metrics", headers=headers).status
        if got == want:
            return
        time.sleep(0.2)
    raise AssertionError(f"still {got}, want {want} after {timeout}s")


def test_ours_bearer_token_rotation(jvm_for, tmp_path):
    """The token file is re-read when it changes (at most once a second),
    without a restart; a file that goes bad keeps the last good token and
    is logged once."""
    cfg, tok = bearer_config(tmp_path, "first")
    j = jvm_for("ours", cfg)
    assert j.get("/metrics", headers=bearer("first")).status == 200
    # Rewritten in place.
    tok.write_text("second\n")
    wait_status(j, bearer("second"), 200)
    assert j.get("/metrics", headers=bearer("first")).status == 403
    # Replaced by a rename (how Kubernetes updates a Secret volume).
    new = tmp_path / "token.new"
    new.write_text("third")
    os.rename(new, tok)
    wait_status(j, bearer("third"), 200)
    assert j.get("/metrics", headers=bearer("second")).status == 403
    # Gone, then empty: the last good token stays.
    tok.unlink()
    for _ in range(3):
        time.sleep(1.1)
        assert j.get("/metrics", headers=bearer("third")).status == 200
    tok.write_text("\n")
    time.sleep(1.1)
    assert j.get("/metrics", headers=bearer("third")).status == 200
    warnings = [l for l in j.output().splitlines() if "WARN" in l and "tokenFile" in l]
    assert len(warnings) == 1, j.output()
    assert str(tok) in warnings[0] and "keeping the previous token" in warnings[0]
    tok.write_text("fourth")
    wait_status(j, bearer("fourth"), 200)
    assert j.get("/metrics", headers=bearer("third")).status == 403
    assert len([l for l in j.output().splitlines() if "bearer token re-read" in l]) == 3


def test_ours_reload_while_token_file_missing(jvm_for, tmp_path):
    """httpServer is read once at start, so a config reload does not read the
    token file: an edit of the rules that lands while the file is briefly
    gone (a rotation) is reloaded, and the running token stays in force."""
    cfg, tok = bearer_config(tmp_path, "first")
    j = jvm_for("ours", cfg)
    assert j.get("/metrics", headers=bearer("first")).status == 200
    tok.unlink()
    with open(cfg, "a") as f:
        f.write("rules:\n  - pattern: 'fixture<type=Numbers><>IntValue'\n"
                "    name: rotated_int\n")
    t = time.time() + 2                     # a clearly newer mtime
    os.utime(cfg, (t, t))
    j.after_interval()                      # a walk of its own, which reloads
    r = j.get("/metrics", headers=bearer("first"))
    assert r.status == 200
    assert expo.parse(r.text).value("rotated_int") == 42.0, "the edited rules must apply"
    e = expo.parse(j.get("/metrics", headers=bearer("first")).text)
    assert e.value("jmx_config_reload_success_total") == 1.0
    assert e.value("jmx_config_reload_failure_total") == 0.0
    assert "config reload failed" not in j.output(), j.output()
    assert j.get("/metrics", headers=bearer("second")).status == 403


# -- request limits and slow clients (ours) -------------------------------------

REQUEST_TIMEOUT = 5.0     # http.c REQUEST_TIMEOUT_MS


def raw_request(port: int, data: bytes, timeout: float = harness.HTTP_TIMEOUT):
    """(status or None, raw response, seconds until the server closed)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except OSError:
            pass                            # the server may close before reading it all
        buf = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                buf += d
        except ConnectionResetError:
            pass
    status = int(buf.split(b" ", 2)[1]) if buf.startswith(b"HTTP/") else None
    return status, buf, time.monotonic() - t0


def test_ours_request_size_limit(jvm_for):
    """Request headers beyond max_request_size (8192 bytes) are refused with
    civetweb's 400 and the connection closed; the agent serves on."""
    j = jvm_for("ours")
    ok = f"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: {'a' * 6000}\r\n\r\n".encode()
    status, _, _ = raw_request(j.port, ok)
    assert status == 200
    big = f"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: {'a' * 9000}\r\n\r\n".encode()
    for _ in range(3):
        status, raw, _ = raw_request(j.port, big)
        assert status in (None, 400, 413, 431), raw[:200]
    assert j.get("/metrics").status == 200


def test_ours_incomplete_request_closed_after_timeout(jvm_for):
    """A connection that never completes its headers (or sends nothing) is
    closed after the request timeout; meanwhile and afterwards the agent
    serves."""
    j = jvm_for("ours")
    results = {}

    def run(name, data):
        results[name] = raw_request(j.port, data, timeout=REQUEST_TIMEOUT + 20)
    threads = [threading.Thread(target=run, args=("partial", b"GET /metrics HTTP/1.1\r\nHost: x\r\n")),
               threading.Thread(target=run, args=("silent", b""))]
    for t in threads:
        t.start()
    assert j.get("/metrics").status == 200
    for t in threads:
        t.join(REQUEST_TIMEOUT + 30)
    status, raw, took = results["partial"]
    assert status in (None, 400), raw[:200]
    assert REQUEST_TIMEOUT - 1 <= took < REQUEST_TIMEOUT + 15, took
    status, raw, took = results["silent"]
    assert status is None and raw == b""
    assert REQUEST_TIMEOUT - 1 <= took < REQUEST_TIMEOUT + 15, took
    assert j.get("/metrics").status == 200


def _with_interval(config: str, tmp_path, seconds: float) -> str:
    """A copy of config with minScrapeIntervalSeconds set."""
    with open(config) as f:
        text = f.read()
    p = tmp_path / "interval.yaml"
    p.write_text(f"minScrapeIntervalSeconds: {seconds}\n" + text.replace("---\n", "", 1))
    return str(p)


def _sockets(pid: int) -> int:
    """The sockets process pid holds (its listening one and connections)."""
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass                    # closed meanwhile
    return n


def _until(pred, timeout: float, what) -> None:
    if not harness.poll(pred, timeout):
        raise AssertionError(f"not within {timeout} s: {what()}")


class SlowClients:
    """Connections that hold an HTTP worker: idle (connect, send nothing),
    slowloris (headers one byte a second) and non-readers (send a request,
    never read the response)."""

    def __init__(self, port: int):
        self.port = port
        self.idle, self.trickling, self.nonreaders = [], [], []
        self.stop = threading.Event()
        self.threads = []

    def open(self, idle=0, slowloris=0, nonreaders=0):
        for _ in range(idle):
            self.idle.append(socket.create_connection(("127.0.0.1", self.port)))
        for _ in range(slowloris):
            s = socket.create_connection(("127.0.0.1", self.port))
            self.trickling.append(s)
            t = threading.Thread(target=self._trickle, args=(s,), daemon=True)
            t.start()
            self.threads.append(t)
        for _ in range(nonreaders):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            s.connect(("127.0.0.1", self.port))
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            self.nonreaders.append(s)

    def _trickle(self, s):
        for ch in b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"z" * 600:
            if self.stop.wait(1.0):
                return
            try:
                s.send(bytes([ch]))
            except OSError:
                return

    def answered(self) -> list:
        """The idle and trickling sockets the server has answered (400) or
        closed: either makes them readable."""
        readable, _, _ = select.select(self.idle + self.trickling, [], [], 0)
        return readable

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(5)
        for s in self.idle + self.trickling + self.nonreaders:
            s.close()


def test_ours_slow_clients_do_not_block_scrapes(jvm_for, config_path, tmp_path):
    """24 slow clients (8 idle, 8 slowloris, 8 non-readers: far more than
    the 4 workers civetweb had before) are connected; a normal scrape is
    answered while all of them are still connected, i.e. without waiting
    for the request timeout to drop them."""
    # The scrapes must be answered within the request timeout of the slow
    # clients' connect, on a loaded machine too: they share the walk made
    # before the clients come (a long minScrapeIntervalSeconds), so each is
    # a request and a rendering, not a walk; the body is the same.
    cfg = _with_interval(config_path("01_default"), tmp_path, 60)
    j = jvm_for("ours", cfg)
    assert j.get("/metrics").status == 200          # JMX initialised, the walk done
    sockets = _sockets(j.proc.pid)
    slow = SlowClients(j.port)
    try:
        t_open = time.monotonic()
        slow.open(idle=8, slowloris=8, nonreaders=8)
        # The idle and slowloris ones accepted (and so given a worker, when
        # there are enough): the JVM holds 16 more sockets.  (A non-reader's
        # answer fits in the socket buffers: the server is done with it.)
        _until(lambda: _sockets(j.proc.pid) >= sockets + 16, 15,
               lambda: f"the JVM holds {_sockets(j.proc.pid) - sockets} of the 16 idle and "
                       "slowloris connections")
        took = []
        for _ in range(3):
            t0 = time.monotonic()
            r = j.get("/metrics", timeout=REQUEST_TIMEOUT + 30)
            took.append(round(time.monotonic() - t0, 2))
            assert r.status == 200
            assert expo.parse(r.text).value("fixture_Numbers_IntValue") == 42.0
        assert j.get("/-/healthy").status == 200
        assert slow.answered() == [], "a slow client was dropped before the scrapes " \
            "were answered: the scrapes waited for the request timeout (scrapes took " \
            f"{took} s, {time.monotonic() - t_open:.1f} s after the clients connected)"
    finally:
        slow.close()
    assert j.get("/metrics").status == 200


def test_ours_more_slow_clients_than_workers(jvm_for):
    """With more idle clients than workers (32), a scrape waits for the
    request timeout to free a worker, not longer."""
    j = jvm_for("ours")
    assert j.get("/metrics").status == 200
    slow = SlowClients(j.port)
    try:
        slow.open(idle=40)
        time.sleep(0.5)
        r = j.get("/metrics", timeout=REQUEST_TIMEOUT * 2 + 5)
        assert r.status == 200
    finally:
        slow.close()
    assert j.get("/metrics").status == 200


def test_ours_one_rendering_per_walk(jvm_for):
    """Requests served by one walk share one rendering per format and
    coding (render.h): jmxagent_rendered_bodies, read in a later walk,
    grows by the number of distinct (walk, format, gzip) answered, not by
    the number of requests; a name[] request is rendered for itself."""
    j = jvm_for("ours")
    variants = [{}, {"Accept-Encoding": "gzip"}, {"Accept": OM_CT},
                {"Accept": OM_CT, "Accept-Encoding": "gzip"}]
    dur = re.compile(r"^jmx_scrape_duration_seconds (\S+)$", re.M)

    def fetch(k, path="/metrics"):
        r = j.get(path, headers=variants[k])
        assert r.status == 200
        body = gzip.decompress(r.body) if "Accept-Encoding" in variants[k] else r.body
        text = body.decode("utf-8")
        return (k, dur.search(text).group(1)), text

    def renders(text):
        return expo.parse(text).value("jmxagent_rendered_bodies_total")

    j.after_interval()
    key0, text0 = fetch(0)
    before = renders(text0)
    keys, texts = [key0], {key0: text0}
    lock = threading.Lock()

    def client(k):
        key, text = fetch(k)
        with lock:
            keys.append(key)
            assert texts.setdefault(key, text) == text    # one walk, one answer
    threads = [threading.Thread(target=client, args=(i % len(variants),)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 17
    # One request with name[]: its own rendering, whatever the walk.
    fetch(0, "/metrics?name[]=jmx_scrape_duration_seconds")
    j.after_interval()
    _, text1 = fetch(0)
    assert len(set(keys)) < len(keys)       # the requests did share walks
    assert renders(text1) - before == len(set(keys)) + 1


# -- bind address ------------------------------------------------------------

def listen_address(port: int) -> str | None:
    """The local address of the socket listening on port (/proc/net/tcp,
    tcp6), "*" for every interface (0.0.0.0, or :: as Java binds it)."""
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                addr, p = fields[1].split(":")
                if int(p, 16) != port or fields[3] != "0A":      # 0A: LISTEN
                    continue
                raw = bytes.fromhex(addr)
                # The kernel prints each 32-bit word in host (little-endian) order.
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                ip = socket.inet_ntop(family, raw)
                return "*" if ip in ("0.0.0.0", "::") else ip
    return None


@pytest.mark.parametrize("agent", BOTH)
def test_default_bind_address_is_all_interfaces(agent, config_path):
    """`port:config` without a host listens on every interface, as the Java
    agent does (ours on 0.0.0.0: Debian's civetweb has no IPv6; the jar on
    the dual-stack ::)."""
    port = harness.free_port()
    with harness.Jvm(agent, port=port, options=f"{port}:{config_path('01_default')}") as j:
        assert listen_address(j.port) == "*"
        assert j.get("/metrics").status == 200


def test_ours_host_option(config_path):
    port = harness.free_port()
    cfg = config_path("01_default")
    with harness.Jvm("ours", port=port, options=f"port={port},config={cfg}") as j:
        assert listen_address(j.port) == "*"
    port = harness.free_port()
    with harness.Jvm("ours", port=port, options=f"port={port},host=localhost,config={cfg}") as j:
        assert listen_address(j.port) == "127.0.0.1"
        assert j.get("/metrics").status == 200
