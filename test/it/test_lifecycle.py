"""Life cycle: port conflicts, strict mode, config errors, JVM exit, config
reload.  Each test starts its own fixture JVM on its own port, with
deadlines everywhere.  Tests for "jar" pin down the reference behaviour the
tests of ours are measured against (differences.py, scope "lifecycle")."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time

import pytest

import differences
import expo
import harness

BOTH = ["jar", "ours"]


@pytest.fixture
def busy_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    yield s.getsockname()[1]
    s.close()


def lines_with(text: str, needle: str) -> list:
    return [l for l in text.splitlines() if needle in l]


def agent_lines(j) -> list:
    """The JVM's output without the fixture's own lines."""
    return [l for l in j.output().splitlines() if l not in ("READY", "MAIN RETURNS")]


# -- busy port -----------------------------------------------------------------

def test_ours_busy_port_keeps_jvm(jvms, busy_port, config_path):
    differences.get("busy-port-keeps-jvm")
    j = jvms("ours", config_path("01_default"), port=busy_port, wait_http=False).start()
    time.sleep(1.5)
    assert j.alive(), f"JVM exited ({j.proc.returncode}):\n{j.output()}"
    hits = lines_with(j.output(), str(busy_port))
    assert len(hits) == 1, f"want one line naming port {busy_port}, got:\n{j.output()}"


def test_ours_busy_port_strict_exits(jvms, busy_port, config_path):
    opts = f"port={busy_port},host=127.0.0.1,config={config_path('01_default')},strict=true"
    j = jvms("ours", options=opts, port=busy_port, wait_ready=False, wait_http=False).start()
    code = j.wait_exit(20)
    assert code is not None, f"JVM still running with strict=true:\n{j.output()}"
    assert code != 0
    assert "READY" not in j.output()
    assert lines_with(j.output(), str(busy_port)), j.output()


def test_jar_busy_port_kills_jvm(jvms, busy_port, config_path):
    """Reference: jmx_exporter 1.0.1 exits the JVM when the port is taken."""
    j = jvms("jar", config_path("01_default"), port=busy_port, wait_ready=False,
             wait_http=False).start()
    code = j.wait_exit(20)
    assert code == 1, j.output()
    assert "READY" not in j.output()


def test_ours_key_value_options(jvms, config_path):
    port = harness.free_port()
    opts = f"port={port},host=127.0.0.1,config={config_path('01_default')}"
    j = jvms("ours", options=opts, port=port).start()
    e = j.scrape()
    assert e.value("fixture_Numbers_IntValue") == 42.0


# -- config errors -------------------------------------------------------------

BAD_CONFIG = """\
includeObjectNames: ["fixture:*"]
rules:
  - pattern: 'fixture<type=Numbers><>IntValue'
    name: int_value
lowercaseOutputName: [1, 2]
"""
# (config text, line of the error, key the message must name)
BAD_CONFIGS = {
    "wrong-type": (BAD_CONFIG, 5, "lowercaseOutputName"),
    "bad-regex": ("rules:\n  - name: x\n    pattern: 'fixture<(type'\n", 3, "pattern"),
    "agent-with-hostPort": ("includeObjectNames: ['fixture:*']\nhostPort: localhost:9999\n",
                            2, "hostPort"),
    "name-without-pattern": ("rules:\n  - name: lonely\n    help: no pattern\n", 2, "pattern"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_ours_bad_config_one_line_and_jvm_runs(case, jvms, tmp_path):
    differences.get("bad-config-keeps-jvm")
    text, line, key = BAD_CONFIGS[case]
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text)
    j = jvms("ours", str(cfg), wait_http=False).start()
    time.sleep(1.0)
    assert j.alive(), f"JVM exited ({j.proc.returncode}):\n{j.output()}"
    hits = [l for l in agent_lines(j) if re.search(
        re.escape(str(cfg)) + rf":{line}\b.*{key}", l)]
    assert len(hits) == 1, f"want one line '{cfg}:{line}: ...{key}...', got:\n{j.output()}"
    mentioning = lines_with(j.output(), str(cfg))
    assert len(mentioning) == 1, f"the error must be one line:\n{j.output()}"


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_jar_bad_config_kills_jvm(case, jvms, tmp_path):
    """Reference: a config error at start ends the JVM."""
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(BAD_CONFIGS[case][0])
    j = jvms("jar", str(cfg), wait_ready=False, wait_http=False).start()
    code = j.wait_exit(20)
    assert code is not None and code != 0, j.output()


def test_ours_empty_config_file_is_default(jvms, tmp_path):
    differences.get("empty-config-file")
    cfg = tmp_path / "empty.yaml"
    cfg.write_text("")
    j = jvms("ours", str(cfg)).start()
    e = j.scrape()
    assert e.value("fixture_Numbers_IntValue") == 42.0


def test_jar_empty_config_file_kills_jvm(jvms, tmp_path):
    cfg = tmp_path / "empty.yaml"
    cfg.write_text("")
    j = jvms("jar", str(cfg), wait_ready=False, wait_http=False).start()
    assert j.wait_exit(20) == 1, j.output()
    assert "Map is null" in j.output()


# -- exit --------------------------------------------------------------------------

@pytest.mark.parametrize("agent", BOTH)
def test_jvm_exits_when_main_returns(agent, jvms, config_path):
    """The agent keeps nothing alive: once main returns the JVM exits 0."""
    j = jvms(agent, config_path("01_default"), fixture_args=["--live", "2"]).start()
    assert j.get("/metrics").status == 200      # scraper and server are up
    j.wait_for_line("MAIN RETURNS", 10)
    t0 = time.monotonic()
    code = j.wait_exit(10)
    assert code is not None, f"JVM still alive 10 s after main returned:\n{j.output()}"
    assert code == 0, j.output()
    assert time.monotonic() - t0 < 5, "JVM took more than 5 s to exit"


@pytest.mark.parametrize("agent", BOTH)
def test_sigterm_exits(agent, jvms, config_path):
    j = jvms(agent, config_path("01_default")).start()
    assert j.get("/metrics").status == 200
    os.killpg(j.proc.pid, 15)
    code = j.wait_exit(10)
    assert code is not None, "JVM ignored SIGTERM for 10 s"
    assert code == 143, (code, j.output())


def test_ours_exits_with_a_handler_stuck_on_the_token_file(jvms, tmp_path, monkeypatch):
    """A bearer token file on a hung network mount: the request that re-reads
    it never returns (fixtures/hang_open.c makes open() of the file block),
    and civetweb's mg_stop waits for every handler.  SIGTERM must still end
    the JVM in the usual time."""
    shim = tmp_path / "hang_open.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", str(shim),
                    os.path.join(harness.IT_DIR, "fixtures", "hang_open.c"), "-ldl"],
                   check=True, capture_output=True, timeout=60)
    tok = tmp_path / "token"
    tok.write_text("first\n")
    cfg = tmp_path / "bearer.yaml"
    cfg.write_text(f"httpServer:\n  authentication:\n    bearer:\n      tokenFile: {tok}\n"
                   "includeObjectNames: ['fixture:type=Numbers']\n")
    monkeypatch.setenv("HANG_OPEN_PATH", str(tok))
    if os.environ.get("IT_JVM_PRELOAD"):          # the sanitizer runtime stays first
        monkeypatch.setenv("IT_JVM_PRELOAD", os.environ["IT_JVM_PRELOAD"] + ":" + str(shim))
    else:
        monkeypatch.setenv("LD_PRELOAD", str(shim))
    j = jvms("ours", str(cfg)).start()
    request = (b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer first\r\n"
               b"Connection: close\r\n\r\n")
    assert j.get("/metrics", headers={"Authorization": "Bearer first"}).status == 200
    (tmp_path / "token.hang").write_text("")
    tok.write_text("second\n")
    # The file is looked at once a second at most: requests until one is
    # stuck in open() (the others are answered with the token in memory).
    stuck = tmp_path / "token.hung"
    held = []
    deadline = time.monotonic() + 15
    while not stuck.exists() and time.monotonic() < deadline:
        s = socket.create_connection(("127.0.0.1", j.port), timeout=5)
        s.sendall(request)
        held.append(s)
        time.sleep(0.3)
    assert stuck.exists(), f"no request reached the token file:\n{j.output()}"
    t0 = time.monotonic()
    os.killpg(j.proc.pid, 15)
    code = j.wait_exit(10)
    for s in held:
        s.close()
    assert code is not None, f"JVM still alive 10 s after SIGTERM:\n{j.output()}"
    took = time.monotonic() - t0
    print(f"exit took {took:.2f} s with a handler stuck")
    assert code == 143, (code, j.output())
    assert took < 5, "JVM took more than 5 s to exit"
    assert "a request is still being served" in j.output(), j.output()


# -- reload ------------------------------------------------------------------------

# minScrapeIntervalSeconds: 0 (ours; the jar ignores the key): every scrape
# a walk, and a reload attempt, of its own.
RELOAD_A = """\
minScrapeIntervalSeconds: 0
includeObjectNames: ["fixture:type=Numbers"]
rules:
  - pattern: 'fixture<type=Numbers><>IntValue'
    name: reload_a
"""
RELOAD_B = """\
minScrapeIntervalSeconds: 0
includeObjectNames: ["fixture:type=Numbers"]
rules:
  - pattern: 'fixture<type=Numbers><>IntValue'
    name: reload_b
    valueFactor: 2
"""
RELOAD_BROKEN = """\
includeObjectNames: ["fixture:type=Numbers"]
rules:
  - pattern: 'fixture<type=Numbers><>IntValue
    name: [reload_c
"""


def _rewrite(path, text, bump):
    path.write_text(text)
    t = time.time() + bump     # a clearly newer mtime, whatever the clock granularity
    os.utime(path, (t, t))


def _scrape_until(j, predicate, tries=3):
    e = None
    for _ in range(tries):
        e = j.scrape()
        if predicate(e):
            return e
    return e


@pytest.mark.parametrize("agent", BOTH)
def test_config_reload(agent, jvms, tmp_path):
    cfg = tmp_path / "reload.yaml"
    cfg.write_text(RELOAD_A)
    j = jvms(agent, str(cfg)).start()
    e = j.scrape()
    assert e.value("reload_a") == 42.0 and "reload_b" not in e.families

    _rewrite(cfg, RELOAD_B, 2)
    e = j.scrape()                       # the new rules apply at once
    assert e.value("reload_b") == 84.0 and "reload_a" not in e.families
    # jmx_exporter 1.x shows counters one scrape late
    e = _scrape_until(j, lambda e: e.value("jmx_config_reload_success_total") == 1.0)
    assert e.value("jmx_config_reload_success_total") == 1.0
    assert e.value("jmx_config_reload_failure_total") == 0.0

    _rewrite(cfg, RELOAD_BROKEN, 4)
    e = j.scrape()                       # the old config stays
    assert e.value("reload_b") == 84.0
    e = _scrape_until(j, lambda e: e.value("jmx_config_reload_failure_total") >= 1.0)
    assert e.value("jmx_config_reload_failure_total") >= 1.0
    assert e.value("jmx_config_reload_success_total") == 1.0
    assert e.value("reload_b") == 84.0
    assert j.alive()


@pytest.mark.parametrize("agent", BOTH)
def test_reload_failure_counted_per_scrape(agent, jvms, tmp_path):
    """jmx_exporter re-reads a broken file on every scrape (a failed reload
    does not update its lastUpdate), so jmx_config_reload_failure_total
    grows by one per scrape until the file is fixed; the old config stays.
    Fixing the file is then one successful reload."""
    cfg = tmp_path / "reload.yaml"
    cfg.write_text(RELOAD_A)
    j = jvms(agent, str(cfg)).start()
    j.scrape()
    _rewrite(cfg, RELOAD_BROKEN, 2)
    values = []
    for _ in range(5):
        e = j.scrape()
        assert e.value("reload_a") == 42.0
        values.append(e.value("jmx_config_reload_failure_total"))
    # 1.x shows the counter one scrape late: [0, 1, 2, 3, 4]; without the
    # lag it would be [1, 2, 3, 4, 5].
    assert values in ([0.0, 1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0, 5.0]), values
    _rewrite(cfg, RELOAD_B, 4)
    j.scrape()
    e = j.scrape()
    assert e.value("reload_b") == 84.0
    assert e.value("jmx_config_reload_success_total") == 1.0
    assert e.value("jmx_config_reload_failure_total") == 5.0   # five broken scrapes
