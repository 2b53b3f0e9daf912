"""The agent in a JVM that runs out of something: a full Java heap, a full
file-descriptor table, thousands of threads (fixtures/Pressure.java).

What an operator needs then: the application's own failure stays its own
(no crash, no hang, no JNI warning from the agent), /metrics keeps answering
with valid text while it can, and everything is back to normal once the
pressure is gone.  Our agent only: the jar is not compared here.
"""

from __future__ import annotations

import glob
import os
import socket
import subprocess
import time

import expo
import harness
from harness import Jvm

CONFIG = "---\n{}\n"      # jmx_exporter's default naming for every MBean


def _cfg(tmp_path) -> str:
    p = tmp_path / "c.yaml"
    p.write_text(CONFIG)
    return str(p)


def _trigger(ctl, name: str):
    (ctl / name).write_text("")


def _wait_line(j, prefix: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in j.output().splitlines():
            if line.startswith(prefix):
                return line
        assert j.alive(), j.output()[-3000:]
        time.sleep(0.05)
    raise AssertionError(f"no {prefix!r} line in {timeout}s:\n{j.output()[-3000:]}")


def _clean(j):
    assert not j.jni_warnings(), "\n".join(j.jni_warnings())
    assert not glob.glob(os.path.join(harness.ROOT, "hs_err_pid*.log")), "a JVM crashed"
    assert "SIGSEGV" not in j.output() and "fatal error" not in j.output().lower()


# Faults the kernel sends to the faulting thread; blocked there, they kill
# the process without HotSpot's handler (no hs_err file): agent/threadsig.h.
CRASH_SIGNALS = {"SIGSEGV": 11, "SIGBUS": 7, "SIGFPE": 8, "SIGILL": 4, "SIGTRAP": 5, "SIGSYS": 31}


def _blocked_signals(pid: int) -> dict:
    """{(tid, thread name): set of blocked signal numbers} from SigBlk."""
    out = {}
    for task in glob.glob(f"/proc/{pid}/task/*"):
        try:
            with open(f"{task}/comm") as f:
                name = f.read().strip()
            with open(f"{task}/status") as f:
                blk = next(int(l.split()[1], 16) for l in f if l.startswith("SigBlk:"))
        except (FileNotFoundError, ProcessLookupError):
            continue                                # the thread ended meanwhile
        out[(os.path.basename(task), name)] = {n + 1 for n in range(64) if blk >> n & 1}
    return out


def _cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])       # utime + stime


def test_full_heap(tmp_path):
    """Heap full (the application's OutOfMemoryError): every scrape still
    answers 200 with valid text -- the JMX part may fail (jmx_scrape_error 1,
    the agent's upcalls meet the OOME too) but native metrics remain; after
    the heap is freed, scrapes are whole again."""
    ctl = tmp_path / "ctl"
    ctl.mkdir()
    with Jvm("ours", _cfg(tmp_path), main="Pressure", fixture_args=["--ctl", str(ctl)],
             jvm_opts=["-Xmx48m", "-Xms48m"]) as j:
        assert j.scrape().value("jmx_scrape_error") == 0.0
        _trigger(ctl, "fill-heap")
        _wait_line(j, "HEAP-FULL")
        errors = 0
        for _ in range(5):
            r = j.get("/metrics", timeout=60)
            assert r.status == 200, r.body[:500]
            e = expo.parse(r.text)
            assert "process_resident_memory_bytes" in e.families
            errors += int(e.value("jmx_scrape_error") or 0)
        assert j.alive()
        _trigger(ctl, "free-heap")
        _wait_line(j, "HEAP-FREE")
        deadline = time.monotonic() + 30
        e = j.scrape()
        while e.value("jmx_scrape_error") != 0.0 and time.monotonic() < deadline:
            time.sleep(0.2)
            e = j.scrape()
        assert e.value("jmx_scrape_error") == 0.0
        assert any(f.startswith("java_lang_Memory") for f in e.families)
        print(f"scrapes with a full heap that reported jmx_scrape_error 1: {errors}/5")
    _clean(j)


def test_thousands_of_threads(tmp_path):
    """3,000 threads: thread metrics (JVMTI GetAllThreads, in one local
    frame) count them all, states add up, no JNI local-reference warning."""
    ctl = tmp_path / "ctl"
    ctl.mkdir()
    with Jvm("ours", _cfg(tmp_path), main="Pressure", fixture_args=["--ctl", str(ctl)],
             jvm_opts=["-Xss256k"]) as j:
        _trigger(ctl, "threads-3000")
        _wait_line(j, "THREADS 3000")
        e = j.scrape()
        current = e.value("jvm_threads_current")
        assert current >= 3000, current
        states = sum(s.value for s in e.families["jvm_threads_state"].samples)
        assert abs(states - current) <= 5, (states, current)
        assert e.value("jvm_threads_state", state="WAITING") >= 3000
        assert e.value("jmx_scrape_error") == 0.0
    _clean(j)


def test_full_fd_table(tmp_path):
    """No descriptor left (the application reached RLIMIT_NOFILE): civetweb
    would spin on accept() (so does the jar's JDK HttpServer).  The agent
    pauses the server instead -- the port closes, one line says why -- and
    reopens the same port once descriptors are free again."""
    ctl = tmp_path / "ctl"
    ctl.mkdir()
    with Jvm("ours", _cfg(tmp_path), main="Pressure", fixture_args=["--ctl", str(ctl)]) as j:
        subprocess.run(["prlimit", f"--pid={j.proc.pid}", "--nofile=256:256"], check=True)
        assert j.scrape().value("jmx_scrape_error") == 0.0
        _trigger(ctl, "fill-fds")
        _wait_line(j, "FDS-FULL")
        # A scrape now: it cannot be accepted; it must end (reset or
        # refused) once the server pauses, not hang.
        s = socket.create_connection(("127.0.0.1", j.port), timeout=5)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        line = _wait_line(j, "jmxagent: WARN: no file descriptor left", timeout=10)
        assert "RLIMIT_NOFILE 256 reached" in line, line
        s.settimeout(10)
        try:
            assert s.recv(100) == b""
        except ConnectionResetError:
            pass
        s.close()
        t0, c0 = time.monotonic(), _cpu_ticks(j.proc.pid)
        time.sleep(2.0)
        busy = (_cpu_ticks(j.proc.pid) - c0) / os.sysconf("SC_CLK_TCK") / (time.monotonic() - t0)
        print(f"JVM CPU while paused: {busy:.0%} of a core")
        assert busy < 0.10, f"the JVM burns {busy:.0%} of a core while the fd table is full"
        assert not harness.port_open(j.port)
        _trigger(ctl, "free-fds")
        _wait_line(j, "FDS-FREE")
        _wait_line(j, "jmxagent: INFO: file descriptors are free again", timeout=10)
        e = j.scrape()              # the same port again
        assert e.value("jmx_scrape_error") == 0.0
        # The restarted server's threads come from the watcher thread and
        # inherit its mask: no thread may block a crash signal; civetweb's
        # keep process-directed signals for the JVM's threads.
        threads = _blocked_signals(j.proc.pid)
        civet = {t: b for t, b in threads.items() if t[1].startswith("civetweb")}
        assert civet, threads.keys()
        bad = {t: sorted(b & set(CRASH_SIGNALS.values())) for t, b in threads.items()
               if b & set(CRASH_SIGNALS.values())}
        assert not bad, f"threads that block crash signals: {bad}"
        assert all(15 in b and 3 in b for b in civet.values()), civet
        assert j.alive()
    _clean(j)
