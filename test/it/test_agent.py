"""Behaviour only our agent has (the jar has no equivalent to compare with):
lazy JMX start, dynamic attach, port ranges, ephemeral ports with file_sd
registration, startDelaySeconds, and a hung getter.  Each test starts its
own JVM with -Xcheck:jni; every wait has a deadline."""

from __future__ import annotations

import json
import os
import subprocess
import time

import harness
from harness import Jvm

QUIET_CONFIG = "---\nrules:\n  - pattern: '.*'\n"


def _cfg(tmp_path, text=QUIET_CONFIG, name="c.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def _no_jni_warnings(j):
    assert not j.jni_warnings(), "\n".join(j.jni_warnings())


def _wait(pred, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


# -- lazy JMX (design.md 1.4) -------------------------------------------------

def test_jmx_waits_for_a_container_log_manager(tmp_path):
    """With a custom java.util.logging.manager, touching JMX first would
    initialise j.u.l before the container installs its LogManager (WildFly:
    jmx_exporter #455).  The agent serves native metrics, says it waits, and
    starts JMX once the application initialised logging itself."""
    trigger = tmp_path / "logging-now"
    with Jvm("ours", _cfg(tmp_path), main="Quiet", fixture_args=["--touch-logging", str(trigger)],
             jvm_opts=["-Djava.util.logging.manager=com.example.NotYetThere"]) as j:
        e = j.scrape()
        assert e.value("jmxagent_jmx_ready") == 0.0
        assert "process_cpu_seconds_total" in e.families
        assert not any(f.startswith("java_lang") for f in e.families)
        time.sleep(0.5)
        e = j.scrape()
        assert e.value("jmxagent_jmx_ready") == 0.0
        assert "Could not load Logmanager" not in j.output(), j.output()
        trigger.write_text("x")
        j.wait_for_line("LOGGING", 10)
        e = _wait(lambda: (lambda x: x if x.value("jmxagent_jmx_ready") == 1.0 else None)(j.scrape()), 10)
        assert e and e.value("jmxagent_jmx_ready") == 1.0
        assert "java_lang_Memory_HeapMemoryUsage_used" in e.families
        _no_jni_warnings(j)
    # The application's own (missing) LogManager is reported by the JVM once
    # the application initialised logging, never because of the agent earlier.
    out = j.output()
    assert out.find("Could not load Logmanager") == -1 or out.find("Could not load Logmanager") > out.find("READY")


def test_jmx_starts_at_first_scrape_without_a_container(tmp_path):
    with Jvm("ours", _cfg(tmp_path), main="Quiet") as j:
        e = j.scrape()
        assert e.value("jmxagent_jmx_ready") == 1.0
        assert "jvm_memory_used_bytes" in e.families
        _no_jni_warnings(j)


def test_start_delay(tmp_path):
    cfg = _cfg(tmp_path, "startDelaySeconds: 2\nincludeObjectNames: ['java.lang:type=Memory']\n")
    with Jvm("ours", cfg, main="Quiet") as j:
        e = j.scrape()
        assert e.value("jmxagent_jmx_ready") == 0.0
        assert "java_lang_Memory_HeapMemoryUsage_used" not in e.families
        assert "process_open_fds" in e.families
        e = _wait(lambda: (lambda x: x if x.value("jmxagent_jmx_ready") == 1.0 else None)(j.scrape()), 10)
        assert e, "JMX did not start after startDelaySeconds"
        assert "java_lang_Memory_HeapMemoryUsage_used" in e.families


# -- ports and discovery ---------------------------------------------------------

def test_port_zero_port_file_and_file_sd(tmp_path):
    sd = tmp_path / "sd"
    sd.mkdir()
    port_file = tmp_path / "port"
    opts = (f"port=0,host=127.0.0.1,config={_cfg(tmp_path)},port_file={port_file},"
            f"sd_dir={sd},sd_job=it-job")
    j = Jvm("ours", options=opts, main="Quiet", fixture_args=["--live", "4"], wait_http=False)
    with j:
        assert _wait(port_file.exists, 5)
        j.port = int(port_file.read_text())
        assert j.port > 0
        e = j.scrape()
        assert "process_cpu_seconds_total" in e.families
        files = list(sd.glob("jmxagent-*.json"))
        assert len(files) == 1, files
        target = json.loads(files[0].read_text())
        assert target == [{"targets": [f"127.0.0.1:{j.port}"],
                           "labels": {"job": "it-job", "spark_role": "other",
                                      "pid": str(j.proc.pid)}}], target
        assert j.wait_exit(15) == 0
    assert not list(sd.glob("*.json")), "file_sd target left behind after exit"
    assert not list(sd.iterdir()), list(sd.iterdir())


def test_file_sd_of_a_killed_jvm_is_removed(tmp_path):
    """A JVM killed with SIGKILL (OOM killer, YARN, a Worker's
    destroyForcibly) cannot remove its file_sd target.  The next agent that
    registers in the directory removes it -- and only it: the files of
    live JVMs stay, judged by pid and start time from the real /proc."""
    sd = tmp_path / "sd"
    sd.mkdir()

    def start(name):
        pf = tmp_path / f"port-{name}"
        opts = (f"port=0,host=127.0.0.1,config={_cfg(tmp_path)},port_file={pf},"
                f"sd_dir={sd}")
        j = Jvm("ours", options=opts, main="Quiet", wait_http=False, name=name).start()
        assert _wait(pf.exists, 10), j.output()
        return j

    def file_of(j):
        hits = [f for f in sd.glob("jmxagent-*.json")
                if json.loads(f.read_text())[0]["labels"]["pid"] == str(j.proc.pid)]
        return hits[0] if hits else None

    a = start("a")
    try:
        stale = file_of(a)
        assert stale is not None and stale.name.count("-") == 3, list(sd.iterdir())
        os.killpg(a.proc.pid, 9)
        a.wait_exit(10)
        assert stale.exists(), "SIGKILL runs no exit code: the file stays"
    finally:
        a.stop()
    b = start("b")
    c = None
    try:
        assert not stale.exists(), "the new agent must remove the killed JVM's file"
        assert f"removed {stale}" in b.output(), b.output()
        assert file_of(b) is not None
        c = start("c")
        assert file_of(b) is not None, "a live JVM's file was removed"
        assert file_of(c) is not None
        assert "removed" not in c.output(), c.output()
    finally:
        b.stop()
        if c is not None:
            c.stop()
    assert not list(sd.glob("*.json")), list(sd.iterdir())


def _free_block(n):
    """A port p with p..p+n-1 all free, below the kernel's ephemeral range
    (32768+), where client sockets of other tests would take ports."""
    import random
    for _ in range(200):
        base = random.randrange(20000, 30000)
        socks = []
        try:
            for p in range(base, base + n):
                s = harness.socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise AssertionError("no block of %d free ports" % n)


def test_port_range_takes_the_next_free_port(tmp_path):
    base = _free_block(6)
    cfg = _cfg(tmp_path)
    opts = f"port={base}-{base + 5},host=127.0.0.1,config={cfg}"
    with harness.socket.socket() as busy:
        busy.bind(("127.0.0.1", base))
        busy.listen(1)
        with Jvm("ours", options=opts, main="Quiet", wait_http=False) as a:
            a.port = _wait(lambda: next((p for p in range(base + 1, base + 6) if harness.port_open(p)), None), 10)
            assert a.port == base + 1, a.output()
            with Jvm("ours", options=opts, main="Quiet", wait_http=False) as b:
                b.port = _wait(lambda: next((p for p in range(base + 2, base + 6) if harness.port_open(p)), None), 10)
                assert b.port == base + 2, b.output()
                assert a.scrape().value("jmxagent_jmx_ready") == 1.0
                assert b.scrape().value("jmxagent_jmx_ready") == 1.0


# -- dynamic attach ----------------------------------------------------------------

def test_dynamic_attach_and_second_copy_refused(tmp_path):
    port = harness.free_port()
    cfg = _cfg(tmp_path)
    jcmd = os.path.join(os.path.dirname(os.path.realpath(harness.JAVA)), "jcmd")
    with Jvm("ours", options="port=nine", main="Quiet", wait_http=False) as j:
        # The -agentpath copy failed (a bad option): nothing runs, so a
        # corrected dynamic attach may load it.
        assert "without the exporter" in j.output()
        r = subprocess.run([jcmd, str(j.proc.pid), "JVMTI.agent_load", harness.OURS,
                            f"127.0.0.1:{port}:{cfg}"], capture_output=True, text=True, timeout=60)
        assert "return code: 0" in r.stdout, r.stdout + r.stderr
        j.port = port
        assert _wait(lambda: harness.port_open(port), 10)
        assert j.scrape().value("jmxagent_jmx_ready") == 1.0
        r = subprocess.run([jcmd, str(j.proc.pid), "JVMTI.agent_load", harness.OURS,
                            f"127.0.0.1:{harness.free_port()}:{cfg}"],
                           capture_output=True, text=True, timeout=60)
        assert "return code: -1" in r.stdout, r.stdout + r.stderr
        assert "already loaded" in j.output()
        assert j.scrape().value("jmxagent_jmx_ready") == 1.0
        _no_jni_warnings(j)


# -- a getter that hangs ---------------------------------------------------------------

def test_hung_getter_serves_the_last_good_result(tmp_path):
    """A getter that blocks must not block every later scrape: after
    scrapeTimeoutSeconds the last good result is served with its age, later
    scrapes answer at once, and the JVM still exits promptly."""
    block = tmp_path / "block"
    # minScrapeIntervalSeconds: 0: the request right after the first one
    # must start a walk of its own, the one that meets the blocked getter.
    cfg = _cfg(tmp_path, "scrapeTimeoutSeconds: 1\nminScrapeIntervalSeconds: 0\n"
               "includeObjectNames: ['hang:*']\n")
    with Jvm("ours", cfg, main="Hang", fixture_args=[str(block), "--live", "12"]) as j:
        e = j.scrape()
        assert e.value("hang_Slow_Value") == 7.0
        assert "jmxagent_scrape_stale_seconds" not in e.families
        block.write_text("x")
        t0 = time.monotonic()
        e = j.scrape()
        first = time.monotonic() - t0
        assert e.value("hang_Slow_Value") == 7.0           # the last good result
        assert e.value("jmxagent_scrape_stale_seconds") >= 0.0
        t0 = time.monotonic()
        e2 = j.scrape()
        second = time.monotonic() - t0
        assert e2.value("jmxagent_scrape_stale_seconds") >= e.value("jmxagent_scrape_stale_seconds")
        assert 0.8 <= first < 5.0, first      # waited for the timeout, once
        assert second < 0.8, second           # then no more waiting
        # main returns at 12 s while the getter is still blocked
        assert j.wait_exit(20) == 0, j.output()
        _no_jni_warnings(j)
