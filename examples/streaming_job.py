#!/usr/bin/env python3
"""Structured Streaming: a rate source, a windowed aggregation, a console or
memory sink, running for --duration seconds.

    spark-submit streaming_job.py --duration 120 --rows-per-second 50

With spark.sql.streaming.metricsEnabled=true (the lab's spark-defaults.conf)
the driver registers a spark.streaming.<query name> source per query, which
the rules export as spark_streaming_* families labelled query="<name>".
"""
import argparse
import time

from pyspark.sql import SparkSession, functions as F

from _lab import hold, log


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=60, help="seconds the query runs")
    p.add_argument("--rows-per-second", type=int, default=20)
    p.add_argument("--trigger", default="2 seconds", help="processing-time trigger")
    p.add_argument("--query-name", default="rate_by_window")
    p.add_argument("--checkpoint", help="checkpoint directory (default: a temporary one)")
    p.add_argument("--done-file", help="written when the query has stopped")
    p.add_argument("--release-file", help="exit as soon as this file exists")
    p.add_argument("--linger", type=float, default=0, help="seconds to stay up after the query")
    a = p.parse_args()

    spark = SparkSession.builder.appName("StreamingJob").getOrCreate()
    try:
        src = (spark.readStream.format("rate")
               .option("rowsPerSecond", a.rows_per_second).option("numPartitions", 2).load())
        agg = (src.withWatermark("timestamp", "10 seconds")
                  .groupBy(F.window("timestamp", "10 seconds"), (F.col("value") % 5).alias("bucket"))
                  .agg(F.count("*").alias("n"), F.sum("value").alias("total")))
        w = (agg.writeStream.queryName(a.query_name).outputMode("update")
                .format("memory").trigger(processingTime=a.trigger))
        if a.checkpoint:
            w = w.option("checkpointLocation", a.checkpoint)
        q = w.start()
        end = time.monotonic() + a.duration
        while time.monotonic() < end and q.isActive:
            time.sleep(min(5.0, max(0.1, end - time.monotonic())))
            p_ = q.lastProgress
            if p_:
                log("batch %s: %s rows/s in, %s rows/s processed" % (
                    p_["batchId"], p_.get("inputRowsPerSecond"), p_.get("processedRowsPerSecond")))
        q.stop()
        hold(a.done_file, a.release_file, a.linger)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
