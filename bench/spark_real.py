#!/usr/bin/env python3
"""Workload (c): a real Spark 3.4.1 driver (pyspark from build/venv, local[2])
running examples/etl_job.py, once with no agent, once with libspark_jmxagent
and once with jmx_prometheus_javaagent, all with rules/driver.yml and
JmxSink + JvmSource on (examples/conf/metrics.properties).

While the job runs, one scraper GETs /metrics back to back (keep-alive off),
the worst case for the driver.  Reported per contender: the job's wall time
and the driver JVM's CPU seconds (so the exporter's cost shows as the
difference to the no-agent run), scrape latency p50/p99, scrapes served,
CPU per scrape = (driver CPU - no-agent driver CPU) / scrapes, exposition
size and samples, the driver's peak RSS.  The driver runs the tasks too
(local mode), so these numbers are noisier than the fixture's.

    build/venv/bin/python bench/spark_real.py [--records N] [--rounds N] [--reps N]

Writes build/bench/spark_real.json and prints a markdown table.
"""
import argparse
import glob
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import bench  # noqa: E402  (http_get, proc_cpu, proc_rss, pct, free_port, ...)

ROOT = bench.ROOT
OUT = bench.OUT


def find_driver(marker, parent_pid, deadline=120.0):
    """The driver JVM: the java process whose command line holds `marker`."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for d in glob.glob("/proc/[0-9]*"):
            try:
                cmd = open(d + "/cmdline", "rb").read().split(b"\0")
            except OSError:
                continue
            # the driver JVM (SparkSubmit) has the marker as an argument of
            # its own; spark-class's launcher JVM only inside a longer one
            if cmd and cmd[0].endswith(b"java") and marker.encode() in cmd \
                    and b"org.apache.spark.deploy.SparkSubmit" in cmd \
                    and b"org.apache.spark.launcher.Main" not in cmd:
                return int(d[6:])
        time.sleep(0.05)
    return None


def one(contender, a, agent, jmx_jar):
    port = bench.free_port()
    marker = f"-Dbench.run={contender}-{port}"
    jopts = [marker]
    cfg = bench.walk_every_scrape(os.path.join(ROOT, "rules", "driver.yml"))
    if contender == "ours":
        jopts.append(f"-agentpath:{agent}=127.0.0.1:{port}:{cfg}")
    elif contender == "jmx":
        jopts.append(f"-javaagent:{jmx_jar}=127.0.0.1:{port}:{cfg}")
    out_dir = os.path.join(OUT, "etl_out")
    cmd = [os.path.join(ROOT, "build/venv/bin/spark-submit"), "--master", "local[2]",
           "--conf", "spark.metrics.conf=" + os.path.join(ROOT, "examples/conf/metrics.properties"),
           "--conf", "spark.metrics.appStatusSource.enabled=true",
           "--conf", "spark.ui.enabled=false",
           "--driver-java-options", " ".join(jopts),
           "--py-files", os.path.join(ROOT, "examples/_lab.py") + "," + os.path.join(ROOT, "examples/data_generator.py"),
           os.path.join(ROOT, "examples/etl_job.py"), "--records", str(a.records), "--rounds", str(a.rounds),
           "--output", out_dir]
    env = dict(os.environ, PYSPARK_PYTHON=os.path.join(ROOT, "build/venv/bin/python"))
    log_path = os.path.join(OUT, "logs", f"spark-real-{contender}.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=open(log_path, "w"), stderr=subprocess.STDOUT, env=env,
                         cwd=os.path.join(ROOT, "examples"))
    pid = find_driver(marker, p.pid)
    res = {"contender": contender}
    if pid is None:
        p.kill()
        raise RuntimeError(f"{contender}: no driver JVM found; see {log_path}")
    cpu, rss = [0.0], [0]
    lat, sizes = [], []
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            try:
                cpu[0] = bench.proc_cpu(pid)
                rss[0] = max(rss[0], bench.proc_rss(pid) or 0)
            except (OSError, ValueError):
                pass
            time.sleep(0.05)

    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    last_body = None
    while p.poll() is None:
        if contender == "none":
            time.sleep(0.1)
            continue
        try:
            st, body, dt = bench.http_get(port, "/metrics", timeout=30)
            if st == 200:
                lat.append(dt)
                if last_body is None or body.count(b"\n") > last_body.count(b"\n"):
                    last_body = body      # the fullest exposition of the run
        except (OSError, http.client.HTTPException):   # not up yet, or the JVM exiting
            time.sleep(0.01)
    wall = time.monotonic() - t0
    stop.set()
    th.join()
    res.update({"rc": p.returncode, "wall_s": wall, "driver_cpu_s": cpu[0], "peak_rss_mb": rss[0] / 2**20,
                "scrapes": len(lat)})
    if lat:
        res.update({"p50_ms": bench.pct(lat, 0.5) * 1e3, "p99_ms": bench.pct(lat, 0.99) * 1e3})
    if last_body:
        res["exposition"] = bench.exposition_stats(contender, last_body)
        res["spark_samples"] = sum(1 for line in last_body.decode("utf-8", "replace").splitlines()
                                   if line.startswith("spark_"))
    if p.returncode != 0:
        raise RuntimeError(f"{contender}: spark-submit exited {p.returncode}; see {log_path}")
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--reps", type=int, default=1, help="runs per contender (interleaved); medians")
    a = ap.parse_args()
    jars = bench.pyspark_jars()  # noqa: F841 - checks the venv
    jmx_jar, jmx_version = bench.find_jmx_jar()
    agent, sha = bench.snapshot_agent()
    runs = {c: [] for c in ("none", "ours", "jmx")}
    load = bench.MachineLoad()
    for r in range(a.reps):
        for c in runs:
            print(f"spark-real: {c} #{r}", file=sys.stderr, flush=True)
            runs[c].append(one(c, a, agent, jmx_jar))
    res = {"machine": bench.machine_info(), "agent_sha": sha, "jmx_version": jmx_version,
           "records": a.records, "rounds": a.rounds, "runs": runs, "load": load.done()}

    def med(c, k):
        v = [x[k] for x in runs[c] if x.get(k) is not None]
        return statistics.median(v) if v else None

    summary = {c: {k: med(c, k) for k in ("wall_s", "driver_cpu_s", "peak_rss_mb", "scrapes", "p50_ms", "p99_ms")}
               for c in runs}
    for c in ("ours", "jmx"):
        s = summary[c]
        extra = s["driver_cpu_s"] - summary["none"]["driver_cpu_s"]
        s["cpu_ms_per_scrape"] = extra * 1e3 / s["scrapes"] if s["scrapes"] else None
        s["job_slowdown_pct"] = 100 * (s["wall_s"] / summary["none"]["wall_s"] - 1)
        e = runs[c][-1].get("exposition") or {}
        s["bytes"], s["samples"] = e.get("bytes"), e.get("samples")
        s["spark_samples"] = runs[c][-1].get("spark_samples")
    res["summary"] = summary
    with open(os.path.join(OUT, "spark_real.json"), "w") as f:
        json.dump(res, f, indent=1)
    F = bench.fmt
    rows = [("ETL job wall time (s)", "wall_s"), ("driver JVM CPU (s)", "driver_cpu_s"),
            ("driver peak RSS (MiB)", "peak_rss_mb"), ("scrapes served during the job", "scrapes"),
            ("scrape latency p50 (ms)", "p50_ms"), ("scrape latency p99 (ms)", "p99_ms"),
            ("driver CPU per scrape, above no agent (ms)", "cpu_ms_per_scrape"),
            ("job slowdown vs no agent (%)", "job_slowdown_pct"),
            ("largest exposition (bytes)", "bytes"), ("its samples", "samples"),
            ("its spark_* samples", "spark_samples")]
    print(f"### spark-real: pyspark 3.4.1 local[2], examples/etl_job.py --records {a.records} "
          f"--rounds {a.rounds}, rules/driver.yml, back-to-back scrapes; medians of {a.reps}; "
          f"machine busy {res['load']['busy_pct']}%\n")
    print("| | no agent | libspark_jmxagent | jmx_exporter | ours / jmx_exporter |")
    print("|---|---|---|---|---|")
    for label, k in rows:
        v = [summary[c].get(k) for c in ("none", "ours", "jmx")]
        r = bench.ratio(v[1], v[2]) if k not in ("job_slowdown_pct",) else None
        print(f"| {label} | " + " | ".join(F(x) for x in v) + f" | {F(r)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
