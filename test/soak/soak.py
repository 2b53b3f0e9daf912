#!/usr/bin/env python3
"""Soak: the agent under sustained load and MBean churn must never hurt its
JVM.  See test/soak/README.md.

    build/venv/bin/python test/soak/soak.py --seconds 600      # make soak
    build/venv/bin/python test/soak/soak.py --seconds 30       # make test-soak

Two fixture JVMs (test/soak/SoakFixture.java) run side by side, one with the
rule-heavy config (rules/driver.yml + test/soak/soak-rules.yaml), one with
the default config `{}`; each has its own scraper processes and its own
criteria.  SOAK_AGENT=/path/libspark_jmxagent.so tests another build.

Exit status 0 when every criterion holds, 1 otherwise; the summary goes to
stdout and build/soak/summary-<config>.json.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import math
import multiprocessing as mp
import os
import re
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "it"))

import expo  # noqa: E402
import harness  # noqa: E402
import yaml  # noqa: E402

OUT = os.path.join(ROOT, "build", "soak")       # --out changes it
CLASSES = os.path.join(ROOT, "build", "soak", "classes")
AGENT = os.path.abspath(os.environ.get("SOAK_AGENT") or
                        os.path.join(ROOT, "build", "libspark_jmxagent.so"))
MiB = 1024.0 * 1024.0

# Fixed heap, pre-touched: Java heap pages are resident from the start and
# cannot pass for growth.  Serial GC: no concurrent GC threads, the least
# RSS noise of HotSpot's collectors.
JVM_OPTS = ["-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "-Xcheck:jni"]

FILTER_FAMILIES = ["jmx_scrape_error", "jmx_scrape_duration_seconds", "jmx_scrape_cached_beans",
                   "jvm_memory_used_bytes", "process_resident_memory_bytes"]
FILTER_PATH = "/metrics?" + "&".join(f"name[]={n}" for n in FILTER_FAMILIES)

# One scraper process per kind (processes, not threads: the strict parser
# is Python and the GIL would serialise the clients).
KINDS = {
    "text": ("GET", "/metrics", {}),
    "gzip": ("GET", "/metrics", {"Accept-Encoding": "gzip"}),
    "openmetrics": ("GET", "/metrics", {"Accept": "application/openmetrics-text; version=1.0.0"}),
    "om-gzip": ("GET", "/metrics", {"Accept": "application/openmetrics-text; version=1.0.0",
                                    "Accept-Encoding": "gzip"}),
    "filter": ("GET", FILTER_PATH, {"Accept-Encoding": "gzip"}),
    "head": ("HEAD", "/metrics", {}),
}


# -- scraper processes ------------------------------------------------------

def check_response(kind: str, status: int, headers: dict, body: bytes) -> tuple:
    """(ok, message, exposition or None)."""
    method, path, req = KINDS[kind]
    if status != 200:
        return False, f"HTTP {status}: {body[:200]!r}", None
    om = "openmetrics" in req.get("Accept", "")
    ctype = headers.get("content-type", "")
    if om != ctype.startswith("application/openmetrics-text"):
        return False, f"Content-Type {ctype!r}", None
    if method == "HEAD":
        if body:
            return False, f"HEAD with a body of {len(body)} bytes", None
        if int(headers.get("content-length", "0")) <= 0:
            return False, "HEAD without a Content-Length", None
        return True, "", None
    if "gzip" in req.get("Accept-Encoding", ""):
        if headers.get("content-encoding") != "gzip":
            return False, "asked for gzip, got an identity body", None
        try:
            body = gzip.decompress(body)
        except Exception as e:                      # noqa: BLE001
            return False, f"gzip: {e}", None
    try:
        e = expo.parse(body.decode("utf-8"), openmetrics=om)
    except Exception as ex:                         # noqa: BLE001
        return False, f"parse: {ex}", None
    err = e.value("jmx_scrape_error")
    if err is None or err != 0:
        return False, f"jmx_scrape_error = {err}", None
    if "jmxagent_scrape_stale_seconds" in e.families:
        return False, "stale result (the walk overran scrapeTimeoutSeconds)", None
    if kind == "filter":
        extra = set(e.families) - set(FILTER_FAMILIES)
        if extra:
            return False, f"name[] filter leaked families {sorted(extra)[:5]}", None
    elif e.value("jmxagent_jmx_ready") != 1:
        return False, "jmxagent_jmx_ready is not 1", None
    return True, "", e


def client(jvm: str, kind: str, port: int, stop, results, t0: float) -> None:
    method, path, hdrs = KINDS[kind]
    lat, fails, ok = [], [], 0
    series = []                 # filter client: (t, cached beans, scrape duration)
    while not stop.is_set():
        t = time.monotonic()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request(method, path, headers=hdrs)
            r = c.getresponse()
            body = r.read()
            status, headers = r.status, {k.lower(): v for k, v in r.getheaders()}
            c.close()
        except Exception as e:                      # noqa: BLE001
            if stop.is_set():
                break
            fails.append(f"{kind}: {type(e).__name__}: {e}")
            continue
        dt = time.monotonic() - t
        good, msg, e = check_response(kind, status, headers, body)
        if not good:
            fails.append(f"{kind}: {msg}")
            continue
        ok += 1
        lat.append(dt)
        if kind == "filter":
            series.append((t - t0, e.value("jmx_scrape_cached_beans"),
                           e.value("jmx_scrape_duration_seconds")))
    results.put({"jvm": jvm, "kind": kind, "ok": ok, "failed": len(fails), "failures": fails[:10],
                 "latency": lat, "series": series})


# -- the fixture JVM --------------------------------------------------------

def compile_fixture(name: str = "SoakFixture") -> None:
    """javac test/soak/<name>.java into build/soak/classes (exits.py too)."""
    src = os.path.join(HERE, f"{name}.java")
    stamp = os.path.join(CLASSES, f"{name}.class")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(src):
        return
    os.makedirs(CLASSES, exist_ok=True)
    subprocess.run([harness.JAVAC, "-encoding", "UTF-8", "-d", CLASSES, src], check=True,
                   timeout=120)


def write_configs() -> dict:
    with open(os.path.join(ROOT, "rules", "driver.yml"), encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    with open(os.path.join(HERE, "soak-rules.yaml"), encoding="utf-8") as f:
        extra = yaml.safe_load(f)
    cfg["includeObjectNames"] = list(cfg.get("includeObjectNames") or []) + \
        extra["includeObjectNames"]
    # driver.yml ends with its catch-all (spark_unmapped): keep it last, so
    # that the fixture's own rules still see their beans first.
    base = list(cfg.get("rules") or [])
    tail = [r for r in base if r.get("name") == "spark_unmapped"]
    cfg["rules"] = [r for r in base if r not in tail] + extra["rules"] + tail
    # Every request a walk of its own (minScrapeIntervalSeconds: 0): the
    # soak stresses walks against churn, not answers from a shared walk.
    cfg["minScrapeIntervalSeconds"] = 0
    paths = {"rules": os.path.join(OUT, "rules.yaml"), "default": os.path.join(OUT, "default.yaml")}
    with open(paths["rules"], "w", encoding="utf-8") as f:
        f.write("# GENERATED by test/soak/soak.py: rules/driver.yml + test/soak/soak-rules.yaml\n")
        yaml.safe_dump(cfg, f, sort_keys=False, allow_unicode=True)
    with open(paths["default"], "w", encoding="utf-8") as f:
        f.write("minScrapeIntervalSeconds: 0\n")
    return paths


class Fixture:
    def __init__(self, name: str, config: str, args):
        self.name = name
        self.config = config
        self.port = harness.free_port()
        self.log_path = os.path.join(OUT, f"jvm-{name}.log")
        cmd = [harness.JAVA, *JVM_OPTS, "-XX:ErrorFile=" + os.path.join(OUT, "hs_err_pid%p.log"),
               f"-agentpath:{AGENT}=127.0.0.1:{self.port}:{config}",
               "-cp", CLASSES, "SoakFixture",
               "--churn-rate", str(args.churn_rate), "--churn-live", str(args.churn_live),
               "--heap-every", str(args.heap_every)]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=OUT, start_new_session=True)
        harness.track(self.proc)        # killed if this script is (harness.kill_running)
        self.rss = []           # (seconds since READY, VmRSS bytes, RssAnon bytes)
        self.t_ready = None

    def output(self) -> str:
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "READY" in self.output() and harness.port_open(self.port):
                self.t_ready = time.monotonic()
                return
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name}: JVM exited with {self.proc.returncode} before "
                                 f"READY:\n{self.output()}")
            time.sleep(0.05)
        raise SystemExit(f"{self.name}: no READY and open port in {timeout}s:\n{self.output()}")

    def sample(self) -> None:
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                st = f.read()
        except OSError:
            return
        def kib(key):
            m = re.search(rf"^{key}:\s+(\d+) kB", st, re.M)
            return int(m.group(1)) * 1024 if m else 0
        self.rss.append((time.monotonic() - self.t_ready, kib("VmRSS"), kib("RssAnon")))

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
            code = None
        harness.untrack(self.proc)
        self.log.close()
        return code


# -- analysis ---------------------------------------------------------------

def pct(xs: list, p: float) -> float:
    if not xs:
        return math.nan
    s = sorted(xs)
    k = (len(s) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def slope_per_min(points: list) -> float:
    """Least-squares slope of (seconds, bytes) in MiB/min."""
    if len(points) < 3:
        return math.nan
    xs = [p[0] for p in points]
    ys = [p[1] / MiB for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return math.nan
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx * 60.0


def rss_verdict(rss: list, warmup: float, args) -> dict:
    post = [(t, v) for t, v, _ in rss if t >= warmup]
    window = post[-1][0] - post[0][0] if len(post) > 1 else 0.0
    edge = max(3, min(10, len(post) // 10))
    start = statistics.median(v for _, v in post[:edge]) if post else math.nan
    end = statistics.median(v for _, v in post[-edge:]) if post else math.nan
    slope = slope_per_min(post)
    growth = (end - start) / MiB
    # A linear leak of L MiB/min fails both bounds once L > slope_limit.  On
    # a short window a slope means little (a 4 MiB step of the allocator
    # over 20 s is "12 MiB/min"): the slope bound is never tighter than the
    # noise floor spread over the window, and the growth bound never below
    # the floor.
    minutes = window / 60.0 if window > 0 else math.inf
    slope_limit = max(args.slope_limit, args.growth_floor_mib / minutes)
    growth_limit = max(args.growth_floor_mib, args.slope_limit * minutes)
    warm = [v for t, v, _ in rss if t < warmup]
    return {
        "warmup_s": warmup, "window_s": round(window, 1), "samples": len(post),
        "rss_start_mib": round(start / MiB, 1), "rss_end_mib": round(end / MiB, 1),
        "rss_max_mib": round(max(v for _, v, _ in rss) / MiB, 1) if rss else math.nan,
        "rss_at_ready_mib": round(rss[0][1] / MiB, 1) if rss else math.nan,
        "rss_warmup_max_mib": round(max(warm) / MiB, 1) if warm else math.nan,
        "anon_start_mib": round(statistics.median(a for t, _, a in rss if t >= warmup) / MiB, 1)
        if post else math.nan,
        "anon_slope_mib_min": round(slope_per_min([(t, a) for t, _, a in rss if t >= warmup]), 3),
        "slope_mib_min": round(slope, 3), "growth_mib": round(growth, 2),
        "slope_limit": round(slope_limit, 2), "growth_limit": round(growth_limit, 2),
        # Both bounds exceeded, as the linear leak above does; one alone is
        # the allocator's noise on a short window (seen: slope 19.05 against
        # 18.97 with 2.8 MiB of growth against 6 in a 19 s window).
        "ok": len(post) >= 10 and not (slope > slope_limit and growth > growth_limit),
    }


def heap_verdict(out: str, warmup: float, args) -> dict:
    """The Java heap is pre-touched, so RSS cannot see a leak there (a
    global ref the agent never deletes pins its object): the live heap
    after System.gc() must be flat too, by the same rule as RSS."""
    pts = [(int(ms) / 1000.0, int(b)) for ms, b in re.findall(r"^HEAP (\d+) (\d+)$", out, re.M)]
    post = [p for p in pts if p[0] >= warmup]
    window = post[-1][0] - post[0][0] if len(post) > 1 else 0.0
    minutes = window / 60.0 if window > 0 else math.inf
    slope = slope_per_min(post)
    limit = max(args.heap_slope_limit, args.heap_floor_mib / minutes)
    return {"samples": len(post), "slope_limit": round(limit, 2),
            "ok": len(post) >= 5 and slope <= limit,
            "first_mib": round(post[0][1] / MiB, 2) if post else math.nan,
            "last_mib": round(post[-1][1] / MiB, 2) if post else math.nan,
            "max_mib": round(max(p[1] for p in post) / MiB, 2) if post else math.nan,
            "slope_mib_min": round(slope_per_min(post), 3)}


def main() -> int:
    global OUT
    harness.kill_running_on_sigterm()     # `timeout` ends us: the JVM too
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=600, help="soak length after READY")
    ap.add_argument("--warmup", type=float, default=None,
                    help="seconds excluded from the RSS criterion (default: seconds/5, 10..120)")
    ap.add_argument("--configs", default="rules,default", help="rules, default or both")
    ap.add_argument("--kinds", default=",".join(KINDS), help="scraper kinds, one process each")
    ap.add_argument("--churn-rate", type=float, default=1000, help="beans churned per second")
    ap.add_argument("--churn-live", type=int, default=150, help="churned beans alive at once")
    ap.add_argument("--out", default=OUT, help="logs, CSV and JSON (default build/soak)")
    ap.add_argument("--heap-every", type=int, default=2,
                    help="seconds between the fixture's System.gc() + heap samples")
    ap.add_argument("--slope-limit", type=float, default=2.0,
                    help="MiB/min: RSS slope allowed after warm-up (on windows > 4 min)")
    ap.add_argument("--growth-floor-mib", type=float, default=6.0,
                    help="MiB: RSS growth always allowed after warm-up (the noise floor)")
    ap.add_argument("--heap-slope-limit", type=float, default=0.5,
                    help="MiB/min: live-heap slope allowed after warm-up (on windows > 4 min)")
    ap.add_argument("--heap-floor-mib", type=float, default=2.0,
                    help="MiB: live-heap noise floor")
    args = ap.parse_args()
    OUT = os.path.abspath(args.out)
    warmup = args.warmup if args.warmup is not None else min(120.0, max(10.0, args.seconds / 5))
    os.makedirs(OUT, exist_ok=True)
    if not os.path.exists(AGENT):
        print(f"soak: {AGENT} does not exist (make all)", file=sys.stderr)
        return 1
    for f in os.listdir(OUT):
        if f.startswith("hs_err_pid"):
            os.remove(os.path.join(OUT, f))
    compile_fixture()
    paths = write_configs()
    names = [c for c in args.configs.split(",") if c]
    kinds = [k for k in args.kinds.split(",") if k]
    print(f"soak: {args.seconds:.0f} s (warm-up {warmup:.0f} s), configs {names}, "
          f"{len(kinds)} scrapers each ({', '.join(kinds)}), churn {args.churn_rate:.0f}/s "
          f"({args.churn_live} alive), agent {AGENT}", flush=True)

    ctx = mp.get_context("fork")
    fixtures = [Fixture(n, paths[n], args) for n in names]
    stop = ctx.Event()
    results = ctx.Queue()
    procs = []
    try:
        for fx in fixtures:
            fx.wait_ready()
        for fx in fixtures:
            for k in kinds:
                p = ctx.Process(target=client, args=(fx.name, k, fx.port, stop, results, fx.t_ready),
                                daemon=True)
                p.start()
                procs.append((fx, p))
        t_end = time.monotonic() + args.seconds
        next_print = time.monotonic() + 30
        while time.monotonic() < t_end:
            for fx in fixtures:
                fx.sample()
                if fx.proc.poll() is not None:
                    print(f"soak: {fx.name}: JVM died with {fx.proc.returncode}", flush=True)
                    t_end = 0
            if time.monotonic() >= next_print:
                next_print += 30
                print("soak: " + "; ".join(
                    f"{fx.name} {time.monotonic() - fx.t_ready:.0f}s RSS {fx.rss[-1][1] / MiB:.1f} MiB"
                    for fx in fixtures if fx.rss), flush=True)
            time.sleep(max(0.0, 1.0 - (time.monotonic() % 1.0)))
        stop.set()
        collected = []
        for _ in procs:
            try:
                collected.append(results.get(timeout=60))
            except Exception:                       # noqa: BLE001
                break
    finally:
        stop.set()
        for _, p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()

    ok_all = len(collected) == len(procs)
    if not ok_all:
        print(f"soak: only {len(collected)} of {len(procs)} scrapers reported", flush=True)
    for fx in fixtures:
        alive = fx.proc.poll() is None
        code = fx.stop()
        mine = [r for r in collected if r["jvm"] == fx.name]
        summary = analyse(fx, alive, code, fx.output(), mine, warmup, args)
        ok_all &= summary["ok"]
        with open(os.path.join(OUT, f"summary-{fx.name}.json"), "w") as f:
            json.dump(summary, f, indent=1)
    print("soak: " + ("PASS" if ok_all else "FAIL"), flush=True)
    return 0 if ok_all else 1


CRASH_RE = re.compile(r"SIGSEGV|SIGBUS|SIGABRT|fatal error|A fatal error has been detected|"
                      r"hs_err_pid|Internal Error|AddressSanitizer")


def analyse(fx, alive, code, out, res, warmup, args) -> dict:
    problems = []
    if not alive:
        problems.append(f"the JVM died during the soak (exit {fx.proc.returncode})")
    elif code != 143:
        problems.append(f"SIGTERM at the end: exit status {code}, expected 143")
    jni = [l for l in out.splitlines() if harness.JNI_WARNING_RE.search(l)]
    if jni:
        problems.append(f"{len(jni)} JNI warning lines, first: {jni[0]!r}")
    crash = [l for l in out.splitlines() if CRASH_RE.search(l)]
    hs = [f for f in os.listdir(OUT) if f.startswith("hs_err_pid")]
    if crash or hs:
        problems.append(f"crash: {crash[:3]} {hs}")
    errs = [l for l in out.splitlines() if "jmxagent: ERROR" in l or "jmxagent: WARN" in l]
    if errs:
        problems.append(f"{len(errs)} agent ERROR/WARN lines, first: {errs[0]!r}")
    nok = sum(r["ok"] for r in res)
    nfail = sum(r["failed"] for r in res)
    if nfail:
        fl = [f for r in res for f in r["failures"]]
        problems.append(f"{nfail} failed scrapes, first: {fl[:3]}")
    lat = sorted(x * 1000 for r in res for x in r["latency"])
    per_kind = {r["kind"]: r["ok"] for r in res}
    churned = re.findall(r"^CHURNED (\d+) (\d+) (\d+) (\d+)$", out, re.M)
    churned = [int(x) for x in churned[-1]] if churned else [0, 0, 0, 0]
    if churned[2]:
        problems.append(f"the fixture failed {churned[2]} (un)registrations")
    # The point of the churn is that the agent meets the beans: most of them
    # must have been read by a walk before they went away.
    read_frac = churned[3] / churned[1] if churned[1] else 0.0
    if read_frac < 0.2:
        problems.append(f"only {churned[3]} of {churned[1]} churned beans were read by the agent "
                        "before they were unregistered: the soak does not exercise eviction")
    series = [s for r in res for s in r["series"]]
    with open(os.path.join(OUT, f"rss-{fx.name}.csv"), "w") as f:
        f.write("seconds,vmrss_bytes,rssanon_bytes\n")
        f.writelines(f"{t:.2f},{v},{a}\n" for t, v, a in fx.rss)
    rss = rss_verdict(fx.rss, warmup, args)
    if not rss["ok"]:
        problems.append(f"RSS not flat after warm-up: slope {rss['slope_mib_min']} MiB/min "
                        f"(limit {rss['slope_limit']}), growth {rss['growth_mib']} MiB "
                        f"(limit {rss['growth_limit']})")
    heap = heap_verdict(out, warmup, args)
    if not heap["ok"]:
        problems.append(f"live Java heap not flat after warm-up: slope {heap['slope_mib_min']} "
                        f"MiB/min (limit {heap['slope_limit']})")
    elapsed = fx.rss[-1][0] if fx.rss else args.seconds
    s = {
        "config": fx.name, "agent": AGENT, "seconds": round(elapsed, 1),
        "scrapes_ok": nok, "scrapes_failed": nfail, "scrapes_per_s": round(nok / elapsed, 1),
        "per_kind": per_kind,
        "latency_ms": {"p50": round(pct(lat, 50), 1), "p99": round(pct(lat, 99), 1),
                       "max": round(lat[-1], 1) if lat else math.nan},
        "walk_ms": {"p50": round(pct([x[2] * 1000 for x in series], 50), 1),
                    "p99": round(pct([x[2] * 1000 for x in series], 99), 1)},
        "cached_beans": {"min": min((x[1] for x in series), default=None),
                         "max": max((x[1] for x in series), default=None)},
        "beans_churned": churned[0], "churned_read_by_agent": churned[3],
        "rss": rss, "heap_after_gc": heap, "exit_status": code,
        "problems": problems, "ok": not problems,
    }
    print(f"""
== soak {fx.name}: {'PASS' if s['ok'] else 'FAIL'}
   scrapes         {nok} ok, {nfail} failed, {s['scrapes_per_s']}/s  ({', '.join(f'{k} {v}' for k, v in per_kind.items())})
   latency         p50 {s['latency_ms']['p50']} ms, p99 {s['latency_ms']['p99']} ms, max {s['latency_ms']['max']} ms
   walk            jmx_scrape_duration_seconds p50 {s['walk_ms']['p50']} ms, p99 {s['walk_ms']['p99']} ms
   churn           {churned[0]} beans registered, {churned[1]} unregistered, {churned[3]} of these ({100 * read_frac:.1f}%) read by the agent first
   RSS             at READY {rss['rss_at_ready_mib']} MiB, end of warm-up ({warmup:.0f} s) {rss['rss_start_mib']} MiB, end {rss['rss_end_mib']} MiB, max {rss['rss_max_mib']} MiB
   RSS criterion   slope {rss['slope_mib_min']} MiB/min (limit {rss['slope_limit']}), growth {rss['growth_mib']} MiB (limit {rss['growth_limit']}) over {rss['window_s']} s; RssAnon slope {rss['anon_slope_mib_min']} MiB/min
   heap after GC   {heap['first_mib']} -> {heap['last_mib']} MiB (max {heap['max_mib']}), slope {heap['slope_mib_min']} MiB/min (limit {heap['slope_limit']})
   exit            SIGTERM -> {code}; JNI warnings {len(jni)}; crash lines {len(crash)}""", flush=True)
    for p in problems:
        print(f"   PROBLEM: {p}", flush=True)
    return s


if __name__ == "__main__":
    sys.exit(main())
