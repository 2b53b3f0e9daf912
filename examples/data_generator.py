#!/usr/bin/env python3
"""Input for the example jobs: sales records as CSV, generated in Spark.

    spark-submit data_generator.py --records 200000 --partitions 4 --output /tmp/sales

Columns: id, product, region, amount, ts (epoch seconds).  Deterministic for a
given --seed.  The rows are produced by the executors (spark.range), so this
job is itself a small workload with tasks, a shuffle-free stage and CSV output.
"""
import argparse

from pyspark.sql import SparkSession, functions as F

from _lab import hold, log


def generate(spark, records, partitions, seed=42):
    """A DataFrame of `records` sales rows in `partitions` partitions."""
    df = spark.range(0, records, 1, partitions)
    return df.select(
        F.col("id"),
        F.concat(F.lit("product_"), (F.col("id") % 100).cast("string")).alias("product"),
        (F.col("id") % 10).cast("int").alias("region"),
        F.round(F.rand(seed) * 1000, 2).alias("amount"),
        (F.lit(1700000000) + F.col("id")).alias("ts"),
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=100000)
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--output", required=True, help="output directory (CSV, overwritten)")
    p.add_argument("--done-file", help="written when the work is done")
    p.add_argument("--release-file", help="exit as soon as this file exists")
    p.add_argument("--linger", type=float, default=0, help="seconds to stay up after the work")
    a = p.parse_args()

    spark = SparkSession.builder.appName("DataGenerator").getOrCreate()
    try:
        generate(spark, a.records, a.partitions, a.seed) \
            .write.mode("overwrite").option("header", True).csv(a.output)
        log("wrote %d records to %s" % (a.records, a.output))
        hold(a.done_file, a.release_file, a.linger)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
