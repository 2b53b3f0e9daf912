#!/usr/bin/env python3
"""A job whose tasks fail on purpose, for the task-failure alert.

    spark-submit failing_job.py --tasks 4 --fail-every 2

Every --fail-every-th partition raises in its task.  Spark retries a failed
task spark.task.maxFailures times (4 by default; the lab's test lowers it with
--conf) and then aborts the Spark job; this script catches that, so the
application itself ends normally with exit code 0 (use --exit-code to change
that).  --jobs repeats the failing Spark job; --ok-jobs first runs that many
healthy ones; --go-file holds the failing part back until a watcher is ready.
"""
import argparse
import os
import sys
import time

from pyspark.sql import SparkSession

from _lab import hold, log


class IntendedFailure(Exception):
    pass


def work(fail_every):
    def f(index, it):
        n = sum(1 for _ in it)
        if fail_every > 0 and index % fail_every == fail_every - 1:
            raise IntendedFailure("partition %d fails on purpose" % index)
        yield n
    return f


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=4, help="partitions (tasks) per job")
    p.add_argument("--fail-every", type=int, default=2, help="every N-th task fails (0: none)")
    p.add_argument("--jobs", type=int, default=1, help="failing Spark jobs to run")
    p.add_argument("--ok-jobs", type=int, default=1, help="healthy Spark jobs first")
    p.add_argument("--exit-code", type=int, default=0, help="exit code when a job failed")
    p.add_argument("--go-file", help="wait (at most --go-timeout s) for this file before the failing jobs")
    p.add_argument("--go-timeout", type=float, default=120)
    p.add_argument("--done-file", help="written when the work is done")
    p.add_argument("--release-file", help="exit as soon as this file exists")
    p.add_argument("--linger", type=float, default=0, help="seconds to stay up after the work")
    a = p.parse_args()

    spark = SparkSession.builder.appName("FailingJob").getOrCreate()
    sc = spark.sparkContext
    failed = 0
    try:
        rdd = sc.parallelize(range(10000), a.tasks)
        for i in range(a.ok_jobs):
            log("healthy job %d: %d rows" % (i, sum(rdd.mapPartitionsWithIndex(work(0)).collect())))
        if a.go_file:
            end = time.monotonic() + a.go_timeout
            while not os.path.exists(a.go_file) and time.monotonic() < end:
                time.sleep(0.2)
        for i in range(a.jobs):
            try:
                rdd.mapPartitionsWithIndex(work(a.fail_every)).collect()
                log("job %d unexpectedly succeeded" % i)
            except Exception as e:  # py4j Py4JJavaError: the Spark job aborted
                failed += 1
                log("job %d failed as intended: %s" % (i, str(e).splitlines()[0][:200]))
        hold(a.done_file, a.release_file, a.linger)
    finally:
        spark.stop()
    sys.exit(a.exit_code if failed else 0)


if __name__ == "__main__":
    main()
