#!/usr/bin/env python3
"""The lab's ETL job: load (or generate) sales records, filter, transform,
aggregate by region, write the result as CSV.

    spark-submit etl_job.py --records 100000 --output /tmp/etl_out
    spark-submit etl_job.py --input /tmp/sales --output /tmp/etl_out

It runs 4 Spark jobs (count, count, aggregate+sort, write) with shuffles, so
the driver's DAGScheduler/appStatus counters and the executors' task, shuffle
and output counters all move.  --rounds repeats the pipeline (a longer run for
dashboards); --done-file/--release-file/--linger keep the application up after
the work so that the final metric values can be scraped.
"""
import argparse

from pyspark.sql import SparkSession, functions as F

from _lab import hold, log
from data_generator import generate


def etl(spark, df, output):
    """One pass of the pipeline; returns the aggregated rows."""
    n = df.count()
    log("[1] loaded %d records" % n)
    t = (df.filter(F.col("amount") > 100)
           .withColumn("amount_usd", F.col("amount") * 1.1)
           .select("id", "product", "amount", "amount_usd", "region"))
    log("[2] %d records after the filter" % t.count())
    agg = (t.groupBy("region")
             .agg(F.sum("amount").alias("total_amount"),
                  F.count("*").alias("transaction_count"),
                  F.avg("amount").alias("avg_amount"),
                  F.max("amount").alias("max_amount"))
             .sort(F.col("total_amount").desc()))
    rows = agg.collect()
    log("[3] aggregated into %d regions" % len(rows))
    agg.coalesce(1).write.mode("overwrite").option("header", True).csv(output)
    log("[4] wrote %s" % output)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=100000, help="generated records (without --input)")
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--input", help="CSV directory written by data_generator.py")
    p.add_argument("--output", required=True, help="output directory (CSV, overwritten)")
    p.add_argument("--rounds", type=int, default=1, help="run the pipeline this many times")
    p.add_argument("--done-file", help="written when the work is done")
    p.add_argument("--release-file", help="exit as soon as this file exists")
    p.add_argument("--linger", type=float, default=0, help="seconds to stay up after the work")
    a = p.parse_args()

    spark = SparkSession.builder.appName("SparkETLJob").getOrCreate()
    try:
        if a.input:
            df = spark.read.option("header", True).option("inferSchema", True).csv(a.input)
        else:
            df = generate(spark, a.records, a.partitions)
        for i in range(a.rounds):
            rows = etl(spark, df, a.output)
        for r in rows[:3]:
            log("region %s: total %.2f over %d" % (r["region"], r["total_amount"], r["transaction_count"]))
        hold(a.done_file, a.release_file, a.linger)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
