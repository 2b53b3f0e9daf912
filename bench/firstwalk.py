#!/usr/bin/env python3
"""The first walk of a workload: each agent build (and the lower bound) in a
JVM of its own, one after the other, alternating for --reps rounds; the
time of the first scrape (MBeanInfo read, fetch lists built: nothing cached
yet): the first request's answer, when the first fresh result came, and
the next walk.

    build/venv/bin/python bench/firstwalk.py --agents OLD.so,NEW.so --workload stress-100k

The default scrapeTimeoutSeconds is 8 s (docs/design.md §3): the issue's
target is a first walk within it.  The workload's config may raise the
timeout (stress-100k does) so that the first request times the whole walk.
Prints one markdown table.
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

STALE = b"jmxagent_scrape_stale_seconds"


DUR_RE = re.compile(rb"\njmx_scrape_duration_seconds (\S+)")


def first_walk(fx):
    """(status and seconds of the first request, seconds from it to the
    first fresh 200 answer, that walk's jmx_scrape_duration_seconds, the
    seconds of the request after it).  A request that outlives
    scrapeTimeoutSeconds is answered with the last good result (stale) or,
    before the first walk has finished, 503."""
    t0 = time.perf_counter()
    st, body, dt = bench.http_get(fx.scrape_port, fx.path, timeout=600)
    first = (st, dt)
    while (st != 200 or STALE in body) and time.perf_counter() - t0 < 300:
        time.sleep(0.2)
        st, body, _ = bench.http_get(fx.scrape_port, fx.path, timeout=600)
    fresh = time.perf_counter() - t0
    m = DUR_RE.search(body)
    _, _, nxt = bench.http_get(fx.scrape_port, fx.path, timeout=600)
    return first[0], first[1], fresh, m.group(1).decode() if m else "–", nxt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", required=True, help="comma-separated agent .so files")
    ap.add_argument("--workload", default="stress-100k")
    ap.add_argument("--reps", type=int, default=2)
    a = ap.parse_args()
    jars = bench.pyspark_jars()
    classes = bench.compile_fixture(jars)
    wl = dict(bench.workloads(False)[a.workload], name=a.workload)
    contenders = []
    for i, so in enumerate(a.agents.split(",")):
        dst = os.path.join(bench.OUT, f"firstwalk-{i}.so")     # immune to rebuilds
        with open(so, "rb") as f, open(dst, "wb") as o:
            o.write(f.read())
        contenders.append((so, "ours", dst))
    contenders.append(("lower bound", "lb", None))
    rows = {name: [] for name, _, _ in contenders}
    print(f"{a.workload}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"loadavg {os.getloadavg()[0]:.1f}\n")
    for r in range(a.reps):
        for name, kind, so in contenders:
            cfg = {"classpath": ":".join([classes] + jars), "jmx_jar": None, "agent": so}
            fx = bench.Fixture(cfg, kind, wl, f"firstwalk-{kind}-{r}")
            try:
                fx.wait_startup()
                rows[name].append(first_walk(fx))
            finally:
                fx.stop()
    print("| | first request: status, seconds | first fresh result after (s) | its jmx_scrape_duration_seconds |"
          " next walk (s) |\n|---|---|---|---|---|")
    for name, rs in rows.items():
        for st, t1, fresh, dur, nxt in rs:
            print(f"| {name} | {st}, {t1:.2f} | {fresh:.2f} | {dur} | {nxt:.2f} |")
    print(f"\n(loadavg {os.getloadavg()[0]:.1f} at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
