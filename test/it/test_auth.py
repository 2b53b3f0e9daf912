"""Basic authentication under attack (ours only): a flood of wrong
passwords against a PBKDF2 hash, a JVM exiting while a derivation runs,
credentials with a NUL inside, and the security headers on every response.
Each test starts its own fixture JVM.  Figures go to stdout (pytest -s)."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time

import pytest

import harness

USER, PASSWORD = "prometheus", "s3cret"
SALT = "pepper:salt"


def pbkdf2_config(tmp_path, iterations: int, threads: int = 32) -> str:
    # Above a million iterations nobody logs in (only wrong passwords are
    # sent): any 32-byte hash will do, and Python need not derive it.
    want = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), SALT.encode(), iterations,
                               dklen=32).hex() if iterations <= 1_000_000 else "ab" * 32
    cfg = tmp_path / "pbkdf2.yaml"
    cfg.write_text("httpServer:\n  threads:\n    minimum: 1\n    maximum: %d\n    keepAliveTime: 120\n"
                   "  authentication:\n    basic:\n"
                   "      username: %s\n      algorithm: PBKDF2WithHmacSHA256\n"
                   "      iterations: %d\n      salt: '%s'\n      passwordHash: %s\n"
                   "includeObjectNames: ['fixture:type=Numbers']\n"
                   % (threads, USER, iterations, SALT, want))
    return str(cfg)


def basic(user: str, password: str) -> dict:
    raw = user.encode() + b":" + password.encode("latin-1")
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (every thread), /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks      # fields 14 and 15


@pytest.fixture
def jvm():
    started = []

    def start(config, **kw):
        j = harness.Jvm("ours", config, **kw)
        started.append(j)
        return j.start()
    yield start
    for j in started:
        j.stop()
        assert not j.jni_warnings(), "JNI warnings:\n" + "\n".join(j.jni_warnings())


def test_ours_pbkdf2_flood(jvm, tmp_path):
    """64 concurrent requests with the right user name and a wrong password
    against PBKDF2WithHmacSHA256, 64 workers: a
    scrape with the right credentials, sent while the flood is answered,
    still answers within 1 s (the issue's generous bound), and the JVM
    burns a few derivations' worth of CPU, not 64."""
    j = jvm(pbkdf2_config(tmp_path, 200_000, threads=64))
    good = basic(USER, PASSWORD)
    pid = j.proc.pid
    # One derivation, measured: the cost unit of the bound below.  Then
    # the credentials are known (Prometheus scrapes every 15 s or so).
    c0 = cpu_seconds(pid)
    assert j.get("/-/healthy", headers=good).status == 200
    one = cpu_seconds(pid) - c0
    assert j.get("/metrics", headers=good).status == 200

    n = 64
    statuses, headers = [None] * n, [None] * n
    sent = threading.Barrier(n + 1)

    def attack(i):
        h = basic(USER, f"wrong{i}")
        try:
            sent.wait(10)
        except threading.BrokenBarrierError:
            pass
        r = j.get("/metrics", headers=h, timeout=300)
        statuses[i], headers[i] = r.status, r.headers

    c1 = cpu_seconds(pid)
    threads = [threading.Thread(target=attack, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    sent.wait(10)
    time.sleep(0.1)                       # the flood is on the wire
    t0 = time.monotonic()
    r = j.get("/metrics", headers=good, timeout=300)
    latency = time.monotonic() - t0
    for t in threads:
        t.join(300)
    flood_cpu = cpu_seconds(pid) - c1
    print(f"\nflood: one derivation {one:.2f} s CPU; 64 wrong requests: {flood_cpu:.2f} s "
          f"JVM CPU; scrape during the flood {latency:.3f} s; statuses "
          f"{ {s: statuses.count(s) for s in set(statuses)} }")
    assert r.status == 200
    assert latency < 1.0, f"a scrape took {latency:.2f} s during the flood"
    assert set(statuses) <= {401, 429}, statuses
    # At most one derivation at a time, the others refused at once: a few
    # derivations' worth while the flood is answered (64 before).
    assert flood_cpu < max(8 * one, 1.0), (flood_cpu, one)
    for s, h in zip(statuses, headers):
        if s == 429:
            assert h.get("retry-after") == "1", h
            assert h.get("x-frame-options") == "DENY", h
    assert j.get("/metrics", headers=good).status == 200


def test_ours_exit_during_derivation(jvm, tmp_path):
    """A JVM that exits while a wrong password is being derived (here a
    derivation of ~100 s) exits at once: the derivation stops at the next
    check of the stop flag instead of holding mg_stop at VMDeath."""
    j = jvm(pbkdf2_config(tmp_path, 50_000_000))
    pid = j.proc.pid
    done = threading.Event()

    def wrong():
        try:
            j.get("/metrics", headers=basic(USER, "wrong"), timeout=300)
        except OSError:
            pass                              # the server went away: fine
        done.set()
    threading.Thread(target=wrong, daemon=True).start()
    # Wait until the derivation runs (the JVM burns CPU), at most 10 s.
    c0, deadline = cpu_seconds(pid), time.monotonic() + 10
    while cpu_seconds(pid) - c0 < 0.5 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not done.is_set()
    t0 = time.monotonic()
    os.killpg(pid, 15)
    code = j.wait_exit(30)
    took = time.monotonic() - t0
    print(f"\nexit during a derivation: {took:.2f} s")
    assert code is not None, "the JVM did not exit within 30 s of SIGTERM"
    assert took < 5.0, took


def test_ours_basic_password_with_nul(jvm, config_path):
    """RFC 7617 forbids control characters in Basic credentials; a NUL
    would cut a C string, so "secret<NUL>junk" must not pass as "secret"."""
    j = jvm(config_path("25_basic_auth"))
    j.auth = None
    assert j.get("/metrics", headers=basic("prometheus", "secret")).status == 200
    for user, pw in (("prometheus", "secret\0junk"), ("prometheus", "secret\0"),
                     ("prometheus\0x", "secret")):
        r = j.get("/metrics", headers=basic(user, pw))
        assert r.status == 401, (user, pw, r.status)
    assert j.get("/metrics", headers=basic("prometheus", "secret")).status == 200


def test_ours_security_headers(jvm, config_path):
    """X-Frame-Options: DENY and X-Content-Type-Options: nosniff on every
    response (jmx_exporter 1.6 sends both; HSTS only under TLS, which we
    do not send yet, docs/tls.md): ours, civetweb's own and the 401
    challenge."""
    j = jvm(config_path("25_basic_auth"))
    good = j.auth
    j.auth = None
    cases = [("GET", "/metrics", basic(*good.split(":")), 200),
             ("GET", "/-/healthy", basic(*good.split(":")), 200),
             ("GET", "/metrics", {}, 401),
             ("GET", "/", basic("prometheus", "wrong"), 401),
             ("GET", "/foo", {}, 404),
             ("POST", "/metrics", {}, 405)]
    for method, path, h, want in cases:
        r = j.request(path, method=method, headers=h, data=b"x" if method == "POST" else None)
        assert r.status == want, (method, path, r.status)
        assert r.headers.get("x-frame-options") == "DENY", (method, path, r.headers)
        assert r.headers.get("x-content-type-options") == "nosniff", (method, path, r.headers)
