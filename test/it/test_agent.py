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


# -- lazy JMX (docs/design.md §4) ----------------------------------------------

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
    """No JMX before startDelaySeconds (counted from the JVM's start), JMX
    after.  A first scrape later than the delay (a JVM slow to start on a
    loaded machine) proves nothing about the wait: then the JVM is started
    again with a longer delay."""
    for delay in (2, 6, 20):
        cfg = _cfg(tmp_path, f"startDelaySeconds: {delay}\n"
                   "includeObjectNames: ['java.lang:type=Memory']\n")
        t0 = time.monotonic()
        with Jvm("ours", cfg, main="Quiet") as j:
            e = j.scrape()
            # The JVM is younger than this when the walk ran.
            age = time.monotonic() - t0
            if age >= delay and e.value("jmxagent_jmx_ready") == 1.0:
                continue
            assert e.value("jmxagent_jmx_ready") == 0.0, f"JMX started {age:.1f} s after start"
            assert "java_lang_Memory_HeapMemoryUsage_used" not in e.families
            assert "process_open_fds" in e.families
            e = _wait(lambda: (lambda x: x if x.value("jmxagent_jmx_ready") == 1.0 else None)(
                j.scrape()), delay + 10)
            assert e, "JMX did not start after startDelaySeconds"
            assert "java_lang_Memory_HeapMemoryUsage_used" in e.families
            return
    raise AssertionError("every JVM took longer than its startDelaySeconds to answer a scrape")


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
        # jmxagent-<boot id>-<pid namespace>-<pid>-<start>.json
        assert stale is not None and stale.name.startswith(f"jmxagent-{_BOOT}-{_NS}-{a.proc.pid}-"), \
            list(sd.iterdir())
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


_BOOT = open("/proc/sys/kernel/random/boot_id").read().strip().replace("-", "")
_NS = os.stat("/proc/self/ns/pid").st_ino     # the JVMs' namespace too (no unshare)
_NO_PID = 4194400       # above the kernel's largest pid (PID_MAX_LIMIT): never alive


def test_file_sd_of_other_hosts_is_kept(tmp_path):
    """A directory shared by several hosts (a YARN or NFS volume): every
    host's initial pid namespace has the same inode, so a pid in a file of
    another host says nothing here.  The agent removes the dead files of its
    own host only; another host's files stay, whether they name their boot
    id or come from an agent that did not (jmxagent-<pidns>-<pid>-<start>)."""
    sd = tmp_path / "sd"
    sd.mkdir()
    other_boot = "0123456789abcdef0123456789abcdef"
    assert other_boot != _BOOT
    theirs = [sd / f"jmxagent-{other_boot}-{_NS}-{_NO_PID}-77.json",
              sd / f"jmxagent-{_NS}-{_NO_PID}-77.json"]
    ours_dead = sd / f"jmxagent-{_BOOT}-{_NS}-{_NO_PID}-77.json"
    for f in theirs + [ours_dead]:
        f.write_text('[{"targets":["elsewhere:1"],"labels":{}}]\n')
    pf = tmp_path / "port"
    opts = f"port=0,host=127.0.0.1,config={_cfg(tmp_path)},port_file={pf},sd_dir={sd}"
    with Jvm("ours", options=opts, main="Quiet", wait_http=False) as j:
        assert _wait(pf.exists, 10), j.output()
        for f in theirs:
            assert f.exists(), f"another host's file was removed: {f.name}\n{j.output()}"
        assert not ours_dead.exists(), "this host's dead process: its file must go"
        mine = [f for f in sd.glob(f"jmxagent-{_BOOT}-*.json")]
        assert len(mine) == 1 and f"-{j.proc.pid}-" in mine[0].name, list(sd.iterdir())
    assert sorted(sd.iterdir()) == sorted(theirs), list(sd.iterdir())


def test_file_sd_comes_back_when_removed(tmp_path):
    """Someone removes the target file while the JVM runs (a cleanup job,
    an older agent's sweep on another host).  Prometheus then drops the
    target and scrapes no more, so the agent must notice by itself: within
    JXA_SD_CHECK_SECONDS (5 s; bound here 20 s), without any scrape."""
    sd = tmp_path / "sd"
    sd.mkdir()
    pf = tmp_path / "port"
    opts = f"port=0,host=127.0.0.1,config={_cfg(tmp_path)},port_file={pf},sd_dir={sd}"
    with Jvm("ours", options=opts, main="Quiet", wait_http=False) as j:
        assert _wait(pf.exists, 10), j.output()
        files = list(sd.glob("jmxagent-*.json"))
        assert len(files) == 1, files
        content = files[0].read_text()
        files[0].unlink()
        assert _wait(files[0].exists, 20), "the removed target file did not come back\n" + j.output()
        assert files[0].read_text() == content
        # The agent logs it after the rename that brought the file back.
        j.wait_for_line(f"{files[0].name} was removed while this JVM runs; written again", 10)
        assert len(list(sd.iterdir())) == 1, list(sd.iterdir())
    assert not list(sd.iterdir()), list(sd.iterdir())


def _unshare_ok():
    try:
        return subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _as_pid_1(j):
    """Runs j's JVM as pid 1 of a new pid namespace, as in a container; the
    harness' SIGTERM to the process group reaches it (the JVM has a
    handler, so pid 1 takes it)."""
    if not _unshare_ok():
        import pytest
        pytest.skip("unshare --pid needs CAP_SYS_ADMIN")
    command = j.command
    j.command = lambda: ["unshare", "--pid", "--fork", "--mount-proc", *command()]
    return j


def _serving_port(j):
    import re
    m = _wait(lambda: re.search(r"serving /metrics on 127\.0\.0\.1:(\d+)", j.output()), 10)
    assert m, j.output()
    return int(m.group(1))


def test_planted_links_are_not_followed(tmp_path):
    """In a shared or world-writable directory someone plants symbolic links
    at the names the agent writes, pointing at a file of the JVM's user (often
    root in a container): port_file, its temporary name, and the sd files'
    temporary name of an agent that is pid 1 (both names the agent used to
    open with O_TRUNC).  The agent refuses the link at port_file with one
    line, never writes through a link, and still registers; a link put in
    place of its own sd file later is refused the same way."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    links = [shared / "port", shared / "port.tmp", shared / ".jmxagent-1.json.tmp"]
    for link in links:
        link.symlink_to(victim)
    opts = (f"port=0,host=127.0.0.1,config={_cfg(tmp_path)},port_file={shared / 'port'},"
            f"sd_dir={shared}")
    with _as_pid_1(Jvm("ours", options=opts, main="Quiet", wait_http=False)) as j:
        j.port = _serving_port(j)
        assert victim.read_text() == "precious\n", "written through a planted link"
        warn = (f"jmxagent: WARN: port_file={shared / 'port'}: port is a symbolic link; not "
                f"written (in a shared directory a planted link may point at any file); "
                f"remove it or choose another path (the port is {j.port})")
        assert [l for l in j.output().splitlines() if "WARN" in l] == [warn], j.output()
        files = list(shared.glob("jmxagent-*.json"))
        assert len(files) == 1 and json.loads(files[0].read_text())[0]["labels"]["pid"] == "1", \
            list(shared.iterdir())
        assert all(link.is_symlink() for link in links)
        # Its own file replaced by a link: refused at the next check, once.
        files[0].unlink()
        files[0].symlink_to(victim)
        line = f"{files[0].name} is a symbolic link; not written"
        assert _wait(lambda: line in j.output(), 20), j.output()
        assert j.output().count(line) == 1
        assert victim.read_text() == "precious\n", "written through a planted link"
        assert j.scrape().value("jmxagent_jmx_ready") is not None
    # At exit the agent removes its own name (the link itself, not its target).
    assert victim.read_text() == "precious\n"
    assert sorted(shared.iterdir()) == sorted(links), list(shared.iterdir())


def test_file_sd_same_pid_in_two_namespaces(tmp_path):
    """Two containers whose JVMs are both pid 1 share an sd_dir volume.  Both
    register, each under its own name, and neither touches a temporary file
    that another writer with that pid is writing (the agent used one
    temporary name per pid, .jmxagent-<pid>.json.tmp, which it truncated)."""
    sd = tmp_path / "sd"
    sd.mkdir()
    inflight = sd / ".jmxagent-1.json.tmp"
    inflight.write_text('[{"targets":["other-container:1"]')   # half written
    jvms = []
    try:
        for name in ("c1", "c2"):
            opts = f"port=0,host=127.0.0.1,config={_cfg(tmp_path)},sd_dir={sd}"
            j = _as_pid_1(Jvm("ours", options=opts, main="Quiet", wait_http=False, name=name))
            jvms.append(j.start())
            j.port = _serving_port(j)
        files = sorted(sd.glob("jmxagent-*.json"))
        assert len(files) == 2, list(sd.iterdir())
        targets = sorted(json.loads(f.read_text())[0]["targets"][0] for f in files)
        assert targets == sorted(f"127.0.0.1:{j.port}" for j in jvms)
        assert all(json.loads(f.read_text())[0]["labels"]["pid"] == "1" for f in files)
        assert inflight.read_text() == '[{"targets":["other-container:1"]', \
            "another writer's temporary file was taken over"
        for j in jvms:
            assert "WARN" not in j.output(), j.output()
    finally:
        for j in jvms:
            j.stop()
    assert list(sd.iterdir()) == [inflight], list(sd.iterdir())


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
        first = f"127.0.0.1:{port}:{cfg}"
        r = subprocess.run([jcmd, str(j.proc.pid), "JVMTI.agent_load", harness.OURS, first],
                           capture_output=True, text=True, timeout=60)
        assert "return code: 0" in r.stdout, r.stdout + r.stderr
        j.port = port
        assert _wait(lambda: harness.port_open(port), 10)
        assert j.scrape().value("jmxagent_jmx_ready") == 1.0
        # The same options again are the same exporter: refused.
        r = subprocess.run([jcmd, str(j.proc.pid), "JVMTI.agent_load", harness.OURS, first],
                           capture_output=True, text=True, timeout=60)
        assert "return code: -1" in r.stdout, r.stdout + r.stderr
        assert "already loaded" in j.output()
        # Other options add a second exporter, on its own port.
        second = harness.free_port()
        r = subprocess.run([jcmd, str(j.proc.pid), "JVMTI.agent_load", harness.OURS,
                            f"127.0.0.1:{second}:{cfg}"],
                           capture_output=True, text=True, timeout=60)
        assert "return code: 0" in r.stdout, r.stdout + r.stderr
        assert _wait(lambda: harness.port_open(second), 10)
        assert j.scrape().value("jmxagent_jmx_ready") == 1.0
        j.port = second
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
