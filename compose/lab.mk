# The observability lab (docs/lab.md). Included by the top-level Makefile.
#
#   make lab               agent + Spark cluster + Prometheus stack on 127.0.0.1, runs the ETL job
#   make lab SPARK_VERSION=4.3.0 [SPARK_JAVA=25]   the same on another Spark release / Java
#                          (one of SPARK_VERSIONS in test/spark/spark.mk)
#   make lab-stop          stops exactly what `make lab` started (pid files under build/lab)
#   make test-lab          test-lab-offline, then test-lab-live on the default and the newest
#                          Spark release (part of `make test`)
#   make test-lab-offline  every lab config checked without daemons (seconds)
#   make test-lab-live     the native lab end to end: panel queries and the alert path (minutes)
#                          (SPARK_VERSION=4.3.0: on another Spark release)
#   make lab-dashboards    rewrite the Grafana dashboards and the Prometheus consoles from their generator

LAB_PYTHON := $(BUILD)/venv/bin/python
LAB_PYTEST := $(LAB_PYTHON) -m pytest -q -p no:cacheprovider

.PHONY: lab lab-stop test-lab test-lab-offline test-lab-live lab-dashboards

lab: all spark-venv
	@LAB_VENV=$(SPARK_LAB_VENV) JAVA_HOME=$(SPARK_JAVA_HOME_$(SPARK_JAVA)) bash compose/native/lab.sh up $(LAB_ARGS)

lab-stop:
	@bash compose/native/lab.sh down

lab-dashboards:
	@python3 compose/grafana/build_dashboards.py

test-lab-offline:
	@bash .ci/venv.sh
	@$(LAB_PYTEST) test/lab/test_offline.py

# Starts its own lab in the fast test configuration (build/lab-test, ports
# 29xxx) and stops it again, also on failure.
# SPARK_VERSION=4.3.0 [SPARK_JAVA=25]: the same on another Spark release.
test-lab-live: all spark-venv
	@LAB_VENV=$(SPARK_LAB_VENV) JAVA_HOME=$(SPARK_JAVA_HOME_$(SPARK_JAVA)) $(LAB_PYTEST) test/lab/test_live.py

# The live test on the default Spark release and on the newest one.
test-lab: test-lab-offline
	@$(MAKE) --no-print-directory test-lab-live
	@$(MAKE) --no-print-directory test-lab-live SPARK_VERSION=$(lastword $(SPARK_VERSIONS))

# Passes reliably here: offline ~10 s; live 3-4 min (three runs in a row,
# before the console checks). With headless Chromium on every console: 6.5-8.5 min
# measured on the shared 2-core box at load ~20.
# Live on Spark 4.3.0: 151 s (one run, load ~6).
TEST_TARGETS += test-lab
