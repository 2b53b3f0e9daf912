"""The application of test/yarn: one DataFrame job (executors run JVM code
only, no Python worker), then the done file, then it waits for the release
file (at most 180 s) so that the executors can be looked at."""
import os
import sys
import time

from pyspark.sql import SparkSession

done, release = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.appName("shipped").getOrCreate()
total = spark.range(0, 2000000, numPartitions=8).selectExpr("sum(id)").collect()[0][0]
assert total == 1999999000000, total
open(done, "w").close()
end = time.monotonic() + 180
while not os.path.exists(release) and time.monotonic() < end:
    time.sleep(0.5)
spark.stop()
