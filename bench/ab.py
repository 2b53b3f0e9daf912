#!/usr/bin/env python3
"""A/B of two agent builds against the pure-Java lower bound, interleaved.

    build/venv/bin/python bench/ab.py --a build/perf/base.so --b build/libspark_jmxagent.so \
        --workloads spark,stress-default,stress-rules --rounds 60

bench/bench.py runs its contenders one after the other, so on a shared
machine each meets another load.  Here the three JVMs (agent A, agent B, the
lower bound; same fixture, flags and config as bench.py) run at once and are
scraped in turn, one scrape each per round, so they see the same load.  CPU
per scrape is the whole process's on-CPU time (the sum of
/proc/PID/task/*/schedstat, in ns, not 10 ms ticks) across the request;
the figures are medians and sums over the rounds.  Prints one markdown table
per workload; docs/bench.md says how to read it.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def cpu_ns(pid):
    total = 0
    base = f"/proc/{pid}/task"
    for t in os.listdir(base):
        try:
            with open(f"{base}/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass       # a thread that ended meanwhile
    return total


def run(cfg, wl, agents, rounds, warmup):
    fx = {}
    try:
        for name, so in agents:
            c = dict(cfg, agent=so)
            fx[name] = bench.Fixture(c, "ours", wl, f"ab-{wl['name']}-{name}")
        fx["lb"] = bench.Fixture(cfg, "lb", wl, f"ab-{wl['name']}-lb")
        for f in fx.values():
            f.wait_startup()
        names = list(fx)
        bodies = {}
        for _ in range(warmup):
            for n in names:
                bodies[n], _ = fx[n].scrape()
        cpu = {n: [] for n in names}
        lat = {n: [] for n in names}
        for r in range(rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for n in order:
                c0 = cpu_ns(fx[n].pid)
                _, dt = fx[n].scrape()
                cpu[n].append((cpu_ns(fx[n].pid) - c0) / 1e6)
                lat[n].append(dt * 1e3)
        rss = {n: bench.proc_rss(fx[n].pid) / 2**20 for n in names}
        samples = {n: sum(1 for l in bodies[n].splitlines() if l and not l.startswith(b"#"))
                   for n in names if n != "lb"}
        return {"cpu": cpu, "lat": lat, "rss": rss, "samples": samples}
    finally:
        for f in fx.values():
            f.stop()


def table(wname, res, a_name, b_name):
    cpu, lat = res["cpu"], res["lat"]
    med = {n: statistics.median(v) for n, v in cpu.items()}
    mean = {n: statistics.fmean(v) for n, v in cpu.items()}
    lmed = {n: statistics.median(v) for n, v in lat.items()}
    out = [f"### {wname}: {len(cpu['lb'])} rounds, interleaved", "",
           f"| | {a_name} | {b_name} | lower bound | {a_name} / lb | {b_name} / lb | {b_name} / {a_name} |",
           "|---|---|---|---|---|---|---|"]

    def row(label, d):
        a, b, lb = d[a_name], d[b_name], d["lb"]
        out.append(f"| {label} | {a:.2f} | {b:.2f} | {lb:.2f} | {a / lb:.2f} | {b / lb:.2f} | {b / a:.2f} |")
    row("process CPU per scrape, median (ms)", med)
    row("process CPU per scrape, mean (ms)", mean)
    row("latency p50 (ms)", lmed)
    out.append(f"| RSS at the end (MiB) | {res['rss'][a_name]:.0f} | {res['rss'][b_name]:.0f} | "
               f"{res['rss']['lb']:.0f} | | | |")
    out.append(f"| samples | {res['samples'][a_name]} | {res['samples'][b_name]} | | | | |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, help="agent .so A (e.g. the build before a change)")
    ap.add_argument("--b", required=True, help="agent .so B")
    ap.add_argument("--workloads", default="spark,stress-default,stress-rules")
    ap.add_argument("--rounds", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=15)
    a = ap.parse_args()
    os.makedirs(bench.OUT, exist_ok=True)
    jars = bench.pyspark_jars()
    classes = bench.compile_fixture(jars)
    cfg = {"classpath": ":".join([classes] + jars), "jmx_jar": None, "agent": None}
    snap = []
    for tag, src in (("A", a.a), ("B", a.b)):
        dst = os.path.join(bench.OUT, f"ab-{tag}.so")      # immune to rebuilds
        with open(src, "rb") as i, open(dst, "wb") as o:
            o.write(i.read())
        snap.append((tag, dst))
    all_w = bench.workloads(False)
    print(f"A = {a.a}, B = {a.b}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"loadavg {os.getloadavg()[0]:.1f}\n")
    for w in a.workloads.split(","):
        wl = dict(all_w[w], name=w)
        t0 = time.monotonic()
        res = run(cfg, wl, snap, a.rounds, a.warmup)
        print(table(w, res, "A", "B"))
        print(f"\n({time.monotonic() - t0:.0f} s, loadavg {os.getloadavg()[0]:.1f} at the end)\n",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
