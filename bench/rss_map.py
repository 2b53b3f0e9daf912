#!/usr/bin/env python3
"""Where the RSS goes: no agent, the lower bound and agent builds, side by side.

    build/venv/bin/python bench/rss_map.py --workload stress-default --mode conc \
        --n 1000 --agent base=build/bench/base.so --agent new=build/libspark_jmxagent.so

Starts the JVMs of bench/bench.py (same fixture, flags, walk-every-request
configs) at once, scrapes each in turn (20 warm-up scrapes, then --n
sequential ones, or --n by 4 concurrent scrapers with --mode conc), then
reads /proc/PID/smaps of each and sums the resident memory per kind of
mapping:

  java heap     the anonymous mapping of -Xmx (pre-touched, the same for all)
  brk heap      glibc's main arena ([heap])
  arenas        glibc's other arenas: anonymous read-write mappings that
                start on a 64 MiB boundary (glibc's HEAP_MAX_SIZE on 64-bit);
                one per thread that allocated while the others were taken
  other anon    thread stacks, the JVM's metaspace, code cache and native
                structures, and the agent's own mapped pages (buf.h)
  files         mapped files (libjvm, the agent, the JDK's modules)

Prints a table of MiB per kind and the RSS over the no-agent JVM, the
largest other-anon mappings of each agent and every arena's RSS.  The
kernel merges adjacent anonymous mappings of the same protection, so an
arena that has a mapping of ours right below it counts as "other anon":
compare totals, and the kinds only roughly.  The JVM's own arenas (the C2
compiler's above all) move by several MiB from run to run, with or without
an agent: one run says little about a difference of 2 MiB.  --malloc-stats
adds glibc's per-arena "system" and "in use" bytes.
"""
import argparse
import hashlib
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

ARENA_ALIGN = 64 << 20


def smaps(pid):
    """[(start, size, perms, path, rss_bytes)] of /proc/PID/smaps."""
    out, cur = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5 and ":" not in parts[0]:
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                cur = [lo, hi - lo, parts[1], " ".join(parts[5:]) if len(parts) > 5 else "", 0]
                out.append(cur)
            elif parts[0] == "Rss:":
                cur[4] = int(parts[1]) * 1024
    return out


def classify(maps, heap_bytes):
    kinds = {"java heap": 0, "brk heap": 0, "arenas": 0, "other anon": 0, "files": 0}
    narenas = 0
    big, arenas = [], []
    for lo, size, perms, path, rss in maps:
        if path == "[heap]":
            k = "brk heap"
        elif path and not path.startswith("["):
            k = "files"
        elif path:
            k = "other anon"            # [stack], [vdso], ...
        elif size >= heap_bytes:
            k = "java heap"
        elif lo % ARENA_ALIGN == 0 and perms.startswith("rw") and size <= ARENA_ALIGN:
            k = "arenas"
            narenas += 1
            arenas.append(rss >> 10)
        else:
            k = "other anon"
            if rss >= 512 << 10:
                big.append((rss, size, lo))
        kinds[k] += rss
    return kinds, narenas, sorted(big, reverse=True)[:8], sorted(arenas, reverse=True)


def scrape_batch(fx, n, workers):
    per = [n // workers + (1 if i < n % workers else 0) for i in range(workers)]

    def worker(k):
        for _ in range(k):
            fx.scrape()
    ts = [threading.Thread(target=worker, args=(k,)) for k in per]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="stress-default")
    ap.add_argument("--mode", choices=("seq", "conc"), default="conc")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--agent", action="append", default=[], metavar="NAME=SO")
    ap.add_argument("--no-lb", action="store_true")
    ap.add_argument("--malloc-stats", action="store_true",
                    help="call glibc's malloc_stats() in each JVM (gdb); it prints to the JVM's "
                         "stderr, build/bench/logs/rss-*.err")
    a = ap.parse_args()
    os.makedirs(bench.OUT, exist_ok=True)
    jars = bench.pyspark_jars()
    classes = bench.compile_fixture(jars)
    cfg = {"classpath": ":".join([classes] + jars), "jmx_jar": None, "agent": None}
    wl = bench.workloads(False)[a.workload]
    agents = []
    for spec in a.agent or ["ours=" + os.path.join(bench.BUILD, "libspark_jmxagent.so")]:
        name, so = spec.split("=", 1)
        # A copy named by its hash, written beside and renamed: immune to
        # rebuilds, and another run's copy never rewrites a file a running
        # JVM has mapped (that JVM would die of SIGBUS or SIGSEGV).
        with open(so, "rb") as f:
            data = f.read()
        dst = os.path.join(bench.OUT, f"rss-{hashlib.sha256(data).hexdigest()[:12]}.so")
        tmp = f"{dst}.{os.getpid()}.tmp"        # two runs at once: their own
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, dst)
        agents.append((name, dst))
    fx = {}
    t0 = time.monotonic()
    try:
        fx["none"] = bench.Fixture(cfg, "none", wl, f"rss-{a.workload}-none")
        if not a.no_lb:
            fx["lb"] = bench.Fixture(cfg, "lb", wl, f"rss-{a.workload}-lb")
        for name, so in agents:
            fx[name] = bench.Fixture(dict(cfg, agent=so), "ours", wl, f"rss-{a.workload}-{name}")
        for f in fx.values():
            f.wait_startup()
        scraped = [n for n in fx if n != "none"]
        for _ in range(a.warmup):
            for n in scraped:
                fx[n].scrape()
        # In turns of 50, so that every JVM meets the same load.
        left = a.n
        while left > 0:
            k = min(50, left)
            for n in scraped:
                scrape_batch(fx[n], k, 1 if a.mode == "seq" else 4)
            left -= k
        res = {}
        for n, f in fx.items():
            res[n] = (bench.proc_rss(f.pid),) + classify(smaps(f.pid), 256 << 20)
        if a.malloc_stats:
            import subprocess
            for n, f in fx.items():
                subprocess.run(["gdb", "-p", str(f.pid), "-batch", "-nx",
                                "-ex", "handle all nostop noprint pass",
                                "-ex", "call (void)malloc_stats()"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    finally:
        for f in fx.values():
            f.stop()
    mib = 2 ** 20
    names = list(res)
    print(f"{a.workload}, {a.n} scrapes {'sequential' if a.mode == 'seq' else 'by 4 concurrent scrapers'}"
          f" after {a.warmup} warm-up; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"{time.monotonic() - t0:.0f} s; loadavg {os.getloadavg()[0]:.1f}\n")
    print("| MiB | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    print("| RSS | " + " | ".join(f"{res[n][0] / mib:.1f}" for n in names) + " |")
    print("| RSS over no agent | " + " | ".join(f"{(res[n][0] - res['none'][0]) / mib:.1f}" for n in names) + " |")
    for k in res["none"][1]:
        print(f"| {k} | " + " | ".join(f"{res[n][1][k] / mib:.1f}" for n in names) + " |")
    print("| arenas (count) | " + " | ".join(str(res[n][2]) for n in names) + " |")
    for n in names:
        if n in ("none", "lb"):
            continue
        print(f"\n{n}: largest other-anon mappings (RSS KiB, size KiB): " +
              ", ".join(f"{r >> 10}/{s >> 10}" for r, s, _ in res[n][3]))
    for n in names:
        print(f"{n}: arenas' RSS (KiB): " + ", ".join(str(k) for k in res[n][4]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
