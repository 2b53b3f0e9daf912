"""The catalogue of bad input (test/bad-input.tsv) in a real JVM.

Every row, with our agent loaded by -agentpath into a JVM under -Xcheck:jni:

- config, option, start: exactly one agent line, the row's error as an
  ERROR ending "; the JVM runs on without the exporter"; main runs and the
  JVM exits 0.  With strict=true (config and start rows) the same line ends
  "; strict=true: stopping the JVM", main never runs and the status is 1.
- warn: the exporter serves; after two scrapes the row's line was logged
  exactly once, as a WARN.
- reload: a good config is replaced by the row's bad file while the agent
  runs: the line is logged once, the old config's samples are still served,
  every scrape that tried counts in jmx_config_reload_failure_total.

Plus: docs/errors.md is the rendering of the catalogue.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

import harness

sys.path.insert(0, os.path.join(harness.ROOT, "test"))
import catalogue  # noqa: E402

CASES = catalogue.load()
GOOD = os.path.join(harness.CONFIGS, "01_default.yaml")
RUNS_ON = "; the JVM runs on without the exporter"
STRICT = "; strict=true: stopping the JVM"


def by_kind(*kinds):
    return [pytest.param(c, id=f"{c.kind}-{c.line}-{c.title}") for c in CASES if c.kind in kinds]


def agent_lines(text: str) -> list:
    return [l for l in text.splitlines() if l.startswith("jmxagent: ")]


@pytest.fixture
def env(tmp_path):
    """Placeholders of the catalogue, made real for one case."""
    socks = []
    busy = None
    # Two adjacent ports, both held by a listening socket.
    for _ in range(50):
        base = harness.free_port()
        try:
            pair = []
            for p in (base, base + 1):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                s.listen(1)
                pair.append(s)
            socks += pair
            busy = base
            break
        except OSError:
            for s in pair:
                s.close()
    assert busy is not None, "no two adjacent free ports"
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate((16 << 20) + 1)
    # A link planted where the agent writes (a shared directory): its
    # target must never be written through.
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (tmp_path / "link").symlink_to(victim)
    values = {
        "cfg": GOOD,
        "busy": str(busy),
        "busy2": str(busy + 1),
        "missing": str(tmp_path / "missing" / "x"),
        "dir": str(tmp_path),
        "big": str(big),
        "link": str(tmp_path / "link"),
    }
    yield values
    for s in socks:
        s.close()
    assert victim.read_text() == "precious\n", "written through a planted link"


def fill(text: str, values: dict) -> str:
    def one(m):
        key = m.group(1)
        if key.startswith("fix:"):
            return os.path.join(catalogue.FIXTURES, key[4:])
        if key not in values:
            raise KeyError(f"catalogue placeholder {{{key}}} unknown to the test")
        return values[key]
    return re.sub(r"\{([a-z0-9]+(?::[A-Za-z0-9_.-]+)?)\}", one, text)


def run_jvm(options: str | None, *, main: str = "Quiet", args=("--live", "0"),
            timeout: float = 30.0):
    """A JVM with our agent; returns (status, output)."""
    harness.require_ours()
    agent = f"-agentpath:{harness.OURS}" + ("" if options is None else "=" + options)
    cmd = [harness.JAVA, *harness.JVM_OPTS, agent, "-cp", harness.compile_fixture(), main, *args]
    env = None
    if os.environ.get("IT_JVM_PRELOAD"):
        env = dict(os.environ, LD_PRELOAD=os.environ["IT_JVM_PRELOAD"])
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, cwd=harness.ROOT, env=env, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def no_jni_warnings(out: str):
    bad = [l for l in out.splitlines() if harness.JNI_WARNING_RE.search(l)]
    assert not bad, "JNI warnings:\n" + "\n".join(bad)


def to_kv(options: str) -> str:
    """host:port:file -> key=value form, which can carry strict=true."""
    m = re.fullmatch(r"(?:([^:]+):)?(\d+(?:-\d+)?):(.+)", options)
    if m is None and re.fullmatch(r"[^:=]*[^:=0-9-][^:=]*", options):
        return f"config={options},http=false"     # the bare-path (push-only) form
    if m is None:
        return options
    host, port, path = m.groups()
    return f"port={port}," + (f"host={host}," if host else "") + f"config={path}"


# -- errors that stop the exporter ---------------------------------------------

def start_options(case, env) -> str:
    if case.kind == "config":
        return "127.0.0.1:0:" + os.path.join(catalogue.FIXTURES, case.input)
    return case.input if case.input is None else fill(case.input, env)


def expected_error(case, env) -> str:
    if case.kind == "config":
        return os.path.join(catalogue.FIXTURES, case.input) + ":" + case.error
    return fill(case.error, env)


@pytest.mark.parametrize("case", by_kind("config", "option", "start"))
def test_error_runs_on(case, env):
    status, out = run_jvm(start_options(case, env))
    want = "jmxagent: ERROR: " + expected_error(case, env) + RUNS_ON
    assert agent_lines(out) == [want], f"want exactly:\n{want}\ngot:\n{out}"
    assert status == 0 and "READY" in out, f"the JVM must run on (status {status}):\n{out}"
    no_jni_warnings(out)


@pytest.mark.parametrize("case", by_kind("config", "start"))
def test_error_strict_stops(case, env):
    options = to_kv(start_options(case, env)) + ",strict=true"
    status, out = run_jvm(options)
    want = "jmxagent: ERROR: " + expected_error(case, env) + STRICT
    assert agent_lines(out) == [want], f"want exactly:\n{want}\ngot:\n{out}"
    assert status == 1 and "READY" not in out, f"strict=true must stop the JVM " \
                                                f"before main (status {status}):\n{out}"


# -- warnings: the exporter serves on ------------------------------------------

@pytest.mark.parametrize("case", by_kind("warn"))
def test_warning_once(case, env, tmp_path):
    port_file = tmp_path / "port"
    options = fill(case.input, env)
    if "port_file=" not in options:
        options = to_kv(options) + f",port_file={port_file}"
    j = harness.Jvm("ours", options=options, wait_http=False, name="catalogue")
    with j:
        if "port_file=" in case.input:
            m = re.search(r"serving /metrics on 127\.0\.0\.1:(\d+)", j.output())
            deadline = time.monotonic() + harness.START_TIMEOUT
            while m is None and time.monotonic() < deadline:
                time.sleep(0.05)
                m = re.search(r"serving /metrics on 127\.0\.0\.1:(\d+)", j.output())
            assert m, j.output()
            j.port = int(m.group(1))
        else:
            deadline = time.monotonic() + harness.START_TIMEOUT
            while not (port_file.exists() and port_file.read_text().strip()):
                assert time.monotonic() < deadline and j.alive(), j.output()
                time.sleep(0.05)
            j.port = int(port_file.read_text())
        env = dict(env, port=str(j.port), pid=str(j.proc.pid))
        for _ in range(2):
            r = j.get("/metrics")
            assert r.status == 200, r.body[:500]
        scrape_error = 1 if "jmx_scrape_error 1" in case.error else 0
        assert f"\njmx_scrape_error {scrape_error}.0\n" in r.text
        want = "jmxagent: WARN: " + fill(case.error, env)
        lines = agent_lines(j.output())
        assert lines.count(want) == 1, f"want once:\n{want}\ngot:\n" + "\n".join(lines)
        assert not [l for l in lines if "ERROR" in l], "\n".join(lines)
        assert j.alive()
    no_jni_warnings(j.output())


# -- reloads -------------------------------------------------------------------

@pytest.mark.parametrize("case", by_kind("reload"))
def test_bad_reload_keeps_config(case, tmp_path):
    cfg = tmp_path / "live.yaml"
    # Every scrape a walk, so every scrape a reload attempt.
    cfg.write_text("minScrapeIntervalSeconds: 0\nincludeObjectNames: ['fixture:type=Single']\n"
                   "rules:\n  - pattern: 'fixture<type=Single><>X'\n    name: single_x\n")
    with harness.Jvm("ours", str(cfg), name="catalogue") as j:
        before = j.scrape()
        assert before.value("single_x") == 5.0
        shutil.copyfile(os.path.join(catalogue.FIXTURES, case.input), cfg)
        os.utime(cfg, ns=(time.time_ns(), time.time_ns() + 1_000_000))
        for _ in range(3):
            after = j.scrape()
        assert after.value("single_x") == 5.0, "the old config must stay in force"
        assert after.value("jmx_config_reload_failure_total") == 3.0
        want = "jmxagent: ERROR: " + fill(case.error, {"file": str(cfg)})
        lines = agent_lines(j.output())
        assert lines.count(want) == 1, f"want once:\n{want}\ngot:\n" + "\n".join(lines)
    no_jni_warnings(j.output())


def test_doc_is_rendered_from_catalogue():
    assert catalogue.main(["--check"]) == 0, "run: python3 test/catalogue.py"


def test_catalogue_covers_issue_list():
    """The kinds of bad input the hardening issue names are all there."""
    titles = " | ".join(c.title for c in CASES)
    for needle in ("malformed YAML", "alias bomb", "wrong type", "unknown key", "invalid regex",
                   "$9 with two groups", "unknown rule type", "name empty after substitution",
                   "label name empty after substitution", "config file missing",
                   "port in use", "host name that does not resolve", "option"):
        assert needle in titles, f"no catalogue case for: {needle}"
