#!/usr/bin/env python3
"""Side-by-side benchmark: no agent, libspark_jmxagent, jmx_prometheus_javaagent
and the pure-Java lower bound, on the same fixture JVM (bench/BenchFixture.java)
and the same rule file.  Method and results: docs/bench.md.

    build/venv/bin/python bench/bench.py            # the full run (make bench)
    build/venv/bin/python bench/bench.py --smoke    # < 1 minute (make bench-smoke)

Prints a markdown table per workload and writes the JSON to
build/bench/results.json (and a timestamped copy).  Stdlib only, apart from
PyYAML (in build/venv) to read includeObjectNames for the lower bound.
"""
import argparse
import glob
import hashlib
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.path.join(ROOT, "build")
OUT = os.path.join(BUILD, "bench")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

CONTENDERS = ["none", "ours", "jmx", "lb"]
TITLES = {"none": "no agent", "ours": "libspark_jmxagent", "jmx": "jmx_exporter",
          "lb": "lower bound"}
# A fixed, pre-touched heap for the measured runs: the Java heap is then in
# RSS from the start, whatever the contender allocates, so the RSS overhead
# is the contender's native memory, metaspace, code and threads (its Java
# heap footprint is the "live after GC" row).  Start-up is measured without
# the pre-touch (it would add the time to touch 512 MiB).
JVM_FLAGS = ["-XX:+UseG1GC", "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"]
JVM_FLAGS_STARTUP = ["-XX:+UseG1GC", "-Xmx512m"]


# ---------------------------------------------------------------- setup

def log(*a):
    print(*a, file=sys.stderr, flush=True)


def pyspark_jars():
    hits = glob.glob(os.path.join(BUILD, "venv/lib/python3*/site-packages/pyspark/jars"))
    if not hits:
        sys.exit("bench: no pyspark jars under build/venv (run: bash .ci/venv.sh)")
    j = hits[0]
    names = ["metrics-core-4.2.15.jar", "metrics-jmx-4.2.15.jar", "metrics-jvm-4.2.15.jar"]
    jars = [os.path.join(j, n) for n in names]
    jars += glob.glob(os.path.join(j, "slf4j-api-*.jar"))[:1]
    for p in jars:
        if not os.path.exists(p):
            sys.exit(f"bench: {p} missing (pyspark 3.4.1 ships it)")
    return jars


def compile_fixture(jars):
    src = os.path.join(ROOT, "bench", "BenchFixture.java")
    classes = os.path.join(OUT, "classes")
    stamp = os.path.join(classes, "BenchFixture.class")
    if not os.path.exists(stamp) or os.path.getmtime(stamp) < os.path.getmtime(src):
        os.makedirs(classes, exist_ok=True)
        subprocess.run(["javac", "-d", classes, "-cp", ":".join(jars), src], check=True)
    return classes


def find_jmx_jar():
    j = os.path.join(BUILD, "jmx_prometheus_javaagent.jar")
    if os.path.exists(j):
        vf = os.path.join(BUILD, "jmx_prometheus_javaagent.version")
        v = open(vf).read().strip() if os.path.exists(vf) else "?"
        return j, v
    m2 = os.path.expanduser("~/.m2/repository/io/prometheus/jmx/jmx_prometheus_javaagent/1.0.1/"
                            "jmx_prometheus_javaagent-1.0.1.jar")
    if os.path.exists(m2):
        return m2, "1.0.1"
    sys.exit("bench: no jmx_prometheus_javaagent jar (run: bash .ci/fetch-jar.sh)")


def snapshot_agent(src=None):
    """Copy the agent so a rebuild by someone else mid-run cannot swap it;
    named by its hash, so two runs at once (an A/B) keep their own."""
    src = src or os.path.join(BUILD, "libspark_jmxagent.so")
    if not os.path.exists(src):
        sys.exit("bench: build/libspark_jmxagent.so missing (run: make)")
    data = open(src, "rb").read()
    sha = hashlib.sha256(data).hexdigest()[:12]
    dst = os.path.join(OUT, f"libspark_jmxagent-{sha}.so")
    with open(dst + ".tmp", "wb") as f:
        f.write(data)
    os.replace(dst + ".tmp", dst)
    return dst, sha


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def machine_info():
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    jv = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.strip()
    mem = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            mem = int(line.split()[1]) // 1024
    try:
        rev = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                             capture_output=True, text=True).stdout.strip()
    except OSError:
        rev = "?"
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_mb": mem, "java": jv.splitlines(),
            "kernel": platform.release(), "git": rev or "?"}


class MachineLoad:
    """Busy share of all CPUs (from /proc/stat) over an interval, and loadavg."""

    def __init__(self):
        self.t0 = self._read()
        self.la0 = os.getloadavg()[0]

    @staticmethod
    def _read():
        f = open("/proc/stat").readline().split()[1:]
        v = [int(x) for x in f]
        idle = v[3] + v[4]
        return sum(v), idle

    def done(self):
        t1 = self._read()
        tot = t1[0] - self.t0[0]
        idle = t1[1] - self.t0[1]
        return {"busy_pct": round(100.0 * (tot - idle) / tot, 1) if tot else None,
                "loadavg_start": round(self.la0, 2), "loadavg_end": round(os.getloadavg()[0], 2)}


# ---------------------------------------------------------------- HTTP

def http_get(port, path, timeout=120.0):
    """One request on a fresh connection (keep-alive off): (status, body, seconds)."""
    t0 = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers={"Connection": "close"})
        r = c.getresponse()
        body = r.read()
        return r.status, body, time.perf_counter() - t0
    finally:
        c.close()


def ctl(port, path):
    st, body, _ = http_get(port, path)
    if st != 200:
        raise RuntimeError(f"control {path}: HTTP {st}")
    out = {}
    for line in body.decode().splitlines():
        k, v = line.split()
        out[k] = int(v)
    return out


def proc_cpu(pid):
    s = open(f"/proc/{pid}/stat").read()
    f = s[s.rindex(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / CLK_TCK       # utime + stime


def proc_rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


# ---------------------------------------------------------------- one JVM

class Fixture:
    def __init__(self, cfg, contender, workload, tag, flags=None):
        self.cfg, self.contender, self.wl = cfg, contender, workload
        self.port = free_port()
        self.ctl_port = free_port()
        logs = os.path.join(OUT, "logs")
        os.makedirs(logs, exist_ok=True)
        self.out_path = os.path.join(logs, f"{tag}.out")
        self.err_path = os.path.join(logs, f"{tag}.err")
        cmd = ["java"] + (flags or JVM_FLAGS)
        if contender == "ours":
            cmd.append(f"-agentpath:{cfg['agent']}=127.0.0.1:{self.port}:{workload['agent_config']}")
        elif contender == "jmx":
            cmd.append(f"-javaagent:{cfg['jmx_jar']}=127.0.0.1:{self.port}:{workload['agent_config']}")
        cmd += ["-cp", cfg["classpath"], "BenchFixture", "--ctl-port", str(self.ctl_port)]
        cmd += workload["args"]
        self.cmd = cmd
        if contender == "lb":
            q = "&".join("q=" + urllib.parse.quote(p, safe="") for p in workload["lb_patterns"])
            self.path, self.scrape_port = "/lowerbound" + ("?" + q if q else ""), self.ctl_port
        elif contender == "none":
            self.path, self.scrape_port = None, None
        else:
            self.path, self.scrape_port = "/metrics", self.port
        self.t_spawn = time.time_ns()
        self.p = subprocess.Popen(cmd, stdout=open(self.out_path, "w"), stderr=open(self.err_path, "w"),
                                  cwd=OUT, start_new_session=True)
        self.pid = self.p.pid

    def marks(self):
        m = {}
        try:
            for line in open(self.out_path):
                parts = line.split()
                if len(parts) == 2 and parts[0] in ("MAIN", "READY", "BEANS"):
                    m[parts[0]] = int(parts[1])
        except OSError:
            pass
        return m

    def alive(self):
        return self.p.poll() is None

    def wait_startup(self, deadline_s=120.0):
        """Start-up: to main() (the fixture's MAIN stamp) and to the first
        served scrape (first HTTP 200 from the contender's endpoint, polled
        every 2 ms from spawn)."""
        end = time.monotonic() + deadline_s
        t_first = None
        while time.monotonic() < end:
            if not self.alive():
                raise RuntimeError(f"{self.contender}: JVM exited {self.p.returncode}; see {self.err_path}")
            m = self.marks()
            if self.path is None:
                if "READY" in m:
                    break
            else:
                if t_first is None:
                    try:
                        st, _, _ = http_get(self.scrape_port, self.path, timeout=60)
                        if st == 200:
                            t_first = time.time_ns()
                    except (ConnectionError, OSError, http.client.HTTPException):
                        pass
                if t_first is not None and "READY" in m:
                    break
            time.sleep(0.002)
        else:
            raise RuntimeError(f"{self.contender}: no start-up within {deadline_s}s; see {self.err_path}")
        m = self.marks()
        return {"to_main_ms": (m["MAIN"] - self.t_spawn) / 1e6,
                "to_ready_ms": (m["READY"] - self.t_spawn) / 1e6,
                "to_first_scrape_ms": (t_first - self.t_spawn) / 1e6 if t_first else None,
                "beans": m.get("BEANS")}

    def scrape(self):
        st, body, dt = http_get(self.scrape_port, self.path)
        if st != 200:
            raise RuntimeError(f"{self.contender}: HTTP {st} from {self.path}")
        return body, dt

    def stop(self):
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.p.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.p.wait()


def exposition_stats(contender, body):
    text = body.decode("utf-8", "replace")
    if contender == "lb":
        d = dict(line.split() for line in text.splitlines() if line.strip())
        return {"bytes": len(body), "samples": None,
                "lb_beans": int(d.get("lowerbound_beans", 0)),
                "lb_values": int(d.get("lowerbound_values", 0))}
    samples = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    families = sum(1 for line in text.splitlines() if line.startswith("# TYPE "))
    return {"bytes": len(body), "samples": samples, "families": families}


def batch(fx, n, workers):
    """n scrapes by `workers` concurrent scrapers; latency, CPU and allocation."""
    s0 = ctl(fx.ctl_port, "/stats")
    c0 = proc_cpu(fx.pid)
    lat, errors = [], []
    lock = threading.Lock()
    per = [n // workers + (1 if i < n % workers else 0) for i in range(workers)]

    def worker(k):
        mine = []
        for _ in range(k):
            try:
                _, dt = fx.scrape()
                mine.append(dt)
            except Exception as e:  # noqa: BLE001 - reported, not raised mid-batch
                with lock:
                    errors.append(repr(e))
        with lock:
            lat.extend(mine)

    t0 = time.perf_counter()
    if workers == 1:
        worker(n)
    else:
        ts = [threading.Thread(target=worker, args=(k,)) for k in per]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    wall = time.perf_counter() - t0
    c1 = proc_cpu(fx.pid)
    s1 = ctl(fx.ctl_port, "/stats")
    ok = len(lat)
    return {
        "n": n, "ok": ok, "errors": errors[:5], "n_errors": len(errors), "workers": workers,
        "wall_s": round(wall, 3),
        "p50_ms": pct(lat, 0.5) * 1e3 if lat else None,
        "p99_ms": pct(lat, 0.99) * 1e3 if lat else None,
        "mean_ms": statistics.mean(lat) * 1e3 if lat else None,
        "max_ms": max(lat) * 1e3 if lat else None,
        "cpu_ms_per_scrape": (c1 - c0) * 1e3 / ok if ok else None,
        "alloc_kb_per_scrape": (s1["alloc_threads"] - s0["alloc_threads"]) / 1024 / ok if ok else None,
        "alloc_gc_kb_per_scrape": (s1["alloc_gc"] - s0["alloc_gc"]) / 1024 / ok if ok else None,
        "gc_count": s1["gc_count"] - s0["gc_count"],
        "gc_ms": s1["gc_ms"] - s0["gc_ms"],
        "threads": s1["threads"],
    }


def run_contender(cfg, contender, wl, p, tag):
    """One JVM: start-up, warm-up, sequential batch, concurrent batch, fill to
    p['total'] scrapes, then RSS and heap."""
    load = MachineLoad()
    fx = Fixture(cfg, contender, wl, tag)
    res = {"contender": contender, "cmd": " ".join(fx.cmd)}
    try:
        res["startup"] = fx.wait_startup()
        if contender == "none":
            time.sleep(p["idle_s"])
            c0 = proc_cpu(fx.pid)
            time.sleep(2.0)
            res["idle_cpu_ms_per_s"] = (proc_cpu(fx.pid) - c0) * 1e3 / 2.0
        else:
            body = None
            for _ in range(p["warmup"]):
                body, _ = fx.scrape()
            res["exposition"] = exposition_stats(contender, body)
            done = p["warmup"]
            res["seq"] = batch(fx, p["seq"], 1)
            done += res["seq"]["ok"]
            res["conc"] = batch(fx, p["conc"], 4)
            done += res["conc"]["ok"]
            t0 = time.perf_counter()
            while done < p["total"]:
                fx.scrape()
                done += 1
            res["fill_s"] = round(time.perf_counter() - t0, 1)
            res["scrapes_total"] = done
            body, _ = fx.scrape()      # the exposition once more, after everything
            res["exposition_end"] = exposition_stats(contender, body)
        st = ctl(fx.ctl_port, "/stats")
        res["rss_mb"] = proc_rss(fx.pid) / 2**20
        res["heap_used_mb"] = st["heap_used"] / 2**20
        res["heap_committed_mb"] = st["heap_committed"] / 2**20
        gc = ctl(fx.ctl_port, "/gc")
        res["heap_after_gc_mb"] = gc["heap_used"] / 2**20
        res["rss_after_gc_mb"] = proc_rss(fx.pid) / 2**20
        res["threads"] = gc["threads"]
    finally:
        fx.stop()
        res["load"] = load.done()
    return res


def startup_reps(cfg, wl, reps):
    """Start each contender `reps` times, interleaved, to main() and to the
    first served scrape."""
    out = {c: [] for c in CONTENDERS}
    for r in range(reps):
        for c in CONTENDERS:
            fx = Fixture(cfg, c, wl, f"startup-{wl['name']}-{c}-{r}", JVM_FLAGS_STARTUP)
            try:
                out[c].append(fx.wait_startup())
            finally:
                fx.stop()
    summary = {}
    for c, xs in out.items():
        def med(k):
            v = [x[k] for x in xs if x[k] is not None]
            return statistics.median(v) if v else None
        summary[c] = {"reps": len(xs), "to_main_ms": med("to_main_ms"),
                      "to_first_scrape_ms": med("to_first_scrape_ms"),
                      "to_ready_ms": med("to_ready_ms"),
                      "all_to_main_ms": [round(x["to_main_ms"], 1) for x in xs],
                      "all_to_first_scrape_ms": [round(x["to_first_scrape_ms"], 1)
                                                 if x["to_first_scrape_ms"] else None for x in xs]}
    return summary


# ---------------------------------------------------------------- workloads

def lb_patterns(config):
    try:
        import yaml
    except ImportError:
        sys.exit("bench: PyYAML missing (run with build/venv/bin/python)")
    with open(config) as f:
        y = yaml.safe_load(f) or {}
    pats = y.get("includeObjectNames", y.get("whitelistObjectNames")) or []
    return list(pats)


def walk_every_scrape(config):
    """A copy of config (under build/bench) with minScrapeIntervalSeconds: 0:
    our agent then walks on every request, as the jar does (it ignores the
    key); the benchmark measures walks, not answers from a shared one."""
    with open(config, encoding="utf-8") as f:
        text = f.read()
    # "{}" (an empty map) and "---" cannot follow a key line: left out.
    body = "".join(l for l in text.splitlines(True) if l.strip() not in ("{}", "---"))
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "walk-every-scrape-" + os.path.basename(config))
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"# GENERATED by bench/bench.py from {os.path.relpath(config, ROOT)}\n"
                "minScrapeIntervalSeconds: 0\n" + body)
    return path


def without_cache(config):
    """A copy of config (under build/bench) without its `cache: true` lines:
    every rule then matches the whole match string, value included, at
    every walk, as a rule file written without `cache:` does.  Generated at
    run time so that it follows the rule file it comes from."""
    with open(config, encoding="utf-8") as f:
        lines = f.read().splitlines(True)
    kept = [l for l in lines if l.strip() != "cache: true"]
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "nocache-" + os.path.basename(config))
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"# GENERATED by bench/bench.py from {os.path.relpath(config, ROOT)} "
                f"without its {len(lines) - len(kept)} `cache: true` lines\n" + "".join(kept))
    return path


def workloads(smoke):
    driver = os.path.join(ROOT, "rules", "driver.yml")
    if not os.path.exists(driver):
        driver = os.path.join(ROOT, "bench", "configs", "driver_standin.yml")
    w = {
        "spark": {"desc": "Spark 3.4 driver-shaped (real Dropwizard JmxReporter, full reservoirs), "
                          "rules/driver.yml",
                  "args": ["--set", "spark"], "config": driver, "total": 1000},
        "spark-light": {"desc": "the same beans, reservoirs of ~1-50 samples (a quiet driver), "
                                "rules/driver.yml",
                        "args": ["--set", "spark", "--samples", "0.01"], "config": driver, "total": 400},
        "spark-nocache": {"desc": "the Spark workload, rules/driver.yml without `cache: true` "
                                  "(every pattern sees the value)",
                          "args": ["--set", "spark"], "config": without_cache(driver), "total": 1000},
        "stress-default": {"desc": "10,000 MBeans x 5 attributes, config {} (default naming, all domains)",
                           "args": ["--set", "stress", "--stress-beans", "10000"],
                           "config": os.path.join(ROOT, "bench", "configs", "stress_default.yaml"),
                           "total": 400},
        # Not in the default list (three JVMs of 100,000 beans take minutes
        # to start): --workloads stress-100k.
        "stress-100k": {"desc": "100,000 MBeans x 5 attributes, config {} (default naming, all domains)",
                        "args": ["--set", "stress", "--stress-beans", "100000"],
                        "config": os.path.join(ROOT, "bench", "configs", "stress_100k.yaml"),
                        "total": 40},
        "stress-rules": {"desc": "10,000 MBeans x 5 attributes, 20 rules",
                         "args": ["--set", "stress", "--stress-beans", "10000"],
                         "config": os.path.join(ROOT, "bench", "configs", "stress_20rules.yaml"),
                         "total": 400},
    }
    for k, v in w.items():
        v["name"] = k
        v["lb_patterns"] = lb_patterns(v["config"])
        v["agent_config"] = walk_every_scrape(v["config"])
    return w


# ---------------------------------------------------------------- report

def fmt(v, nd=2):
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.{nd}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def rows_for(wres, startup):
    R = wres["contenders"]
    none = R.get("none", {})

    def g(c, *path):
        v = R.get(c)
        for k in path:
            if v is None:
                return None
            v = v.get(k)
        return v

    def over(c, key):
        a, b = g(c, key), none.get(key)
        return a - b if a is not None and b is not None else None

    rows = []
    ns = max([R[c].get("scrapes_total") or 0 for c in R], default=0)

    def row(label, vals, r=True):
        rows.append((label, vals, r))

    for mode, title in (("seq", "sequential"), ("conc", "4 concurrent")):
        row(f"scrape latency p50, {title} (ms)", {c: g(c, mode, "p50_ms") for c in CONTENDERS})
        row(f"scrape latency p99, {title} (ms)", {c: g(c, mode, "p99_ms") for c in CONTENDERS})
        row(f"CPU per scrape, {title} (ms)", {c: g(c, mode, "cpu_ms_per_scrape") for c in CONTENDERS})
        row(f"heap allocated per scrape, {title} (KiB)",
            {c: g(c, mode, "alloc_kb_per_scrape") for c in CONTENDERS})
    row(f"RSS after {ns} scrapes (MiB)", {c: g(c, "rss_mb") for c in CONTENDERS}, r=False)
    row("RSS overhead vs no agent (MiB)", {c: over(c, "rss_mb") for c in CONTENDERS if c != "none"})
    row("RSS overhead vs lower bound (MiB)",
        {c: (g(c, "rss_mb") - g("lb", "rss_mb")) if g(c, "rss_mb") is not None and g("lb", "rss_mb") is not None
         else None for c in ("ours", "jmx")}, r=False)
    row(f"heap used after {ns} scrapes, live after GC (MiB)", {c: g(c, "heap_after_gc_mb") for c in CONTENDERS}, r=False)
    row("heap live overhead vs no agent (MiB)",
        {c: over(c, "heap_after_gc_mb") for c in CONTENDERS if c != "none"})
    row(f"heap used after {ns} scrapes, before GC (MiB)", {c: g(c, "heap_used_mb") for c in CONTENDERS}, r=False)
    if startup:
        s = startup
        n = s["none"]["to_main_ms"]
        row(f"start-up to main(), median of {s['none']['reps']} (ms)",
            {c: s[c]["to_main_ms"] for c in CONTENDERS}, r=False)
        row("start-up overhead to main() vs no agent (ms)",
            {c: (s[c]["to_main_ms"] - n) if s[c]["to_main_ms"] is not None else None
             for c in CONTENDERS if c != "none"})
        row(f"start-up to first served scrape, median (ms)",
            {c: s[c]["to_first_scrape_ms"] for c in CONTENDERS if c != "none"})
    else:
        row("start-up to main(), this run (ms)", {c: g(c, "startup", "to_main_ms") for c in CONTENDERS},
            r=False)
        row("start-up to first served scrape, this run (ms)",
            {c: g(c, "startup", "to_first_scrape_ms") for c in CONTENDERS if c != "none"}, r=False)
    row("exposition size (bytes)", {c: g(c, "exposition", "bytes") for c in ("ours", "jmx")})
    row("exposition samples", {c: g(c, "exposition", "samples") for c in ("ours", "jmx")})
    return rows


def markdown(results):
    lines = []
    m = results["machine"]
    lines.append(f"Machine: {m['nproc']} CPUs, {m['cpu']}, {m['mem_mb']} MiB; {m['java'][0]}; "
                 f"agent {results['agent_sha']} (git {m['git']}), jmx_prometheus_javaagent "
                 f"{results['jmx_version']}")
    lines.append("")
    for name, w in results["workloads"].items():
        lines.append(f"### {name}: {w['desc']}")
        lines.append("")
        beans = (w["contenders"].get("none", {}).get("startup") or {}).get("beans")
        lb = (w["contenders"].get("lb", {}).get("exposition") or {})
        loads = [w["contenders"][c]["load"] for c in w["contenders"] if "load" in w["contenders"][c]]
        busy = [x["busy_pct"] for x in loads if x["busy_pct"] is not None]
        la = [x["loadavg_end"] for x in loads]
        lines.append(f"MBeans in the JVM: {beans}; lower bound walks {lb.get('lb_beans')} beans, "
                     f"{lb.get('lb_values')} values; config `{os.path.relpath(w['config'], ROOT)}`; "
                     f"machine busy {min(busy, default=0):.0f}-{max(busy, default=0):.0f}% of all CPUs, "
                     f"loadavg {min(la, default=0):.1f}-{max(la, default=0):.1f} during the runs.")
        lines.append("")
        hdr = "| | " + " | ".join(TITLES[c] for c in CONTENDERS) + " | ours / jmx_exporter | ours / lower bound |"
        lines.append(hdr)
        lines.append("|---" * (len(CONTENDERS) + 3) + "|")
        for label, vals, r in rows_for(w, w.get("startup")):
            cells = [fmt(vals.get(c)) if c in vals else "" for c in CONTENDERS]
            r1 = fmt(ratio(vals.get("ours"), vals.get("jmx"))) if r else ""
            r2 = fmt(ratio(vals.get("ours"), vals.get("lb"))) if r and "lb" in vals else ""
            lines.append(f"| {label} | " + " | ".join(cells) + f" | {r1} | {r2} |")
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="tiny run: proves the harness works")
    ap.add_argument("--workloads", help="comma-separated (spark,spark-light,spark-nocache,stress-default,stress-rules,stress-100k)")
    ap.add_argument("--contenders", default=",".join(CONTENDERS))
    ap.add_argument("--seq", type=int, default=200, help="sequential scrapes")
    ap.add_argument("--conc", type=int, default=100, help="scrapes by 4 concurrent scrapers (in all)")
    ap.add_argument("--total", type=int, default=None,
                    help="scrapes before RSS/heap are read (default: 1000 for spark, 400 for the others)")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--agent", help="the agent .so measured as 'ours' (default build/libspark_jmxagent.so), "
                                    "e.g. an older build for its RSS")
    ap.add_argument("--startup-reps", type=int, default=9)
    ap.add_argument("--out", default=os.path.join(OUT, "results.json"))
    ap.add_argument("--render", metavar="JSON", help="print the tables of an earlier run and exit")
    a = ap.parse_args()
    if a.render:
        with open(a.render) as f:
            print(markdown(json.load(f)))
        return 0

    if a.smoke:
        a.seq, a.conc, a.total, a.warmup, a.startup_reps = 6, 8, 0, 2, 0
        a.workloads = a.workloads or "spark-light"
        a.out = os.path.join(OUT, "smoke.json")
    a.workloads = a.workloads or "spark,stress-default,stress-rules"
    os.makedirs(OUT, exist_ok=True)

    jars = pyspark_jars()
    classes = compile_fixture(jars)
    jmx_jar, jmx_version = find_jmx_jar()
    agent, agent_sha = snapshot_agent(a.agent)
    cfg = {"classpath": ":".join([classes] + jars), "jmx_jar": jmx_jar, "agent": agent}
    params = {"seq": a.seq, "conc": a.conc, "total": a.total, "warmup": a.warmup, "idle_s": 1.0}
    contenders = a.contenders.split(",")
    all_w = workloads(a.smoke)
    results = {"machine": machine_info(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "params": dict(params, startup_reps=a.startup_reps, jvm_flags=JVM_FLAGS,
                                         jvm_flags_startup=JVM_FLAGS_STARTUP),
               "agent_sha": agent_sha, "jmx_version": jmx_version, "workloads": {}}
    failures = []
    startup_done = False
    for wname in a.workloads.split(","):
        wl = all_w[wname]
        params["total"] = a.total if a.total is not None else wl["total"]
        log(f"bench: workload {wname} ({os.path.relpath(wl['config'], ROOT)})")
        wres = {"desc": wl["desc"], "config": wl["config"], "lb_patterns": wl["lb_patterns"],
                "total": params["total"],
                "contenders": {}}
        results["workloads"][wname] = wres
        # Start-up is measured on the first Spark workload only (the agent's
        # load cost does not depend on the bean count; its first walk does).
        if a.startup_reps > 0 and wname.startswith("spark") and not startup_done:
            log(f"bench:   start-up x{a.startup_reps}")
            wres["startup"] = startup_reps(cfg, wl, a.startup_reps)
            startup_done = True
        for c in contenders:
            log(f"bench:   {c}")
            t0 = time.monotonic()
            try:
                wres["contenders"][c] = run_contender(cfg, c, wl, params, f"{wname}-{c}")
            except Exception as e:  # noqa: BLE001 - one broken contender must not lose the rest
                failures.append(f"{wname}/{c}: {e}")
                wres["contenders"][c] = {"error": str(e)}
                log(f"bench:   {c} FAILED: {e}")
            log(f"bench:   {c} done in {time.monotonic() - t0:.0f}s")
        with open(a.out, "w") as f:      # after every workload: a partial run keeps its numbers
            json.dump(results, f, indent=1)
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
    if not a.smoke:
        shutil.copyfile(a.out, os.path.join(OUT, "results-" + results["started"].replace(":", "") + ".json"))
    md = markdown(results)
    print(md)
    with open(os.path.splitext(a.out)[0] + ".md", "w") as f:
        f.write(md + "\n")

    if a.smoke:
        failures += smoke_checks(results, contenders)
        if failures:
            print("\nbench-smoke FAILED:\n  " + "\n  ".join(failures))
            print(f"0 passed, {len(failures)} failed")
            return 1
        print(f"\nbench-smoke: {len(contenders)} passed, 0 failed")
    elif failures:
        print("\nFAILED contenders:\n  " + "\n  ".join(failures))
        return 1
    return 0


def smoke_checks(results, contenders):
    """Each contender answered and produced numbers; no timing assertions."""
    bad = []
    for wname, w in results["workloads"].items():
        for c in contenders:
            r = w["contenders"].get(c, {})
            if "error" in r:
                continue                    # already a failure
            if r.get("rss_mb") is None or r.get("heap_after_gc_mb") is None:
                bad.append(f"{wname}/{c}: no RSS/heap numbers")
            if c == "none":
                continue
            for mode in ("seq", "conc"):
                b = r.get(mode) or {}
                if b.get("ok") != b.get("n") or b.get("p50_ms") is None or b.get("cpu_ms_per_scrape") is None \
                        or b.get("alloc_kb_per_scrape") is None:
                    bad.append(f"{wname}/{c}/{mode}: {b.get('ok')}/{b.get('n')} scrapes answered, "
                               f"errors {b.get('errors')}")
            e = r.get("exposition") or {}
            if c == "lb":
                if not e.get("lb_beans"):
                    bad.append(f"{wname}/lb: walked no MBeans")
            elif not e.get("samples"):
                bad.append(f"{wname}/{c}: /metrics had no samples")
            if (r.get("startup") or {}).get("to_first_scrape_ms") is None:
                bad.append(f"{wname}/{c}: no first-scrape time")
    return bad


if __name__ == "__main__":
    sys.exit(main())
