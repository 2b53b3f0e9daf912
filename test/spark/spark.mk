# The Spark part of the lab: a local Spark 3.4.1 standalone cluster (pyspark
# from build/venv, Java 17) with the agent on every JVM, and its end-to-end
# test.  Included by the top-level Makefile.
#
#   make spark-up                    Master + Worker on 127.0.0.1 (state in build/spark)
#   make spark-submit JOB=etl_job.py ARGS='--records 100000 --output build/spark/out/etl'
#   make spark-down
#   make test-spark                  the end-to-end test (its own cluster, build/spark-test)
#   make spark-rules                 regenerate rules/*.yml and docs/metrics.md
#
# SPARK_AGENT_KIND=jar uses jmx_prometheus_javaagent (build/jmx_prometheus_javaagent.jar)
# instead of libspark_jmxagent.so: executors then listen on 17100+<executor id>.

SPARK_AGENT_KIND        ?= native
# explicit: port, rule file and sd_dir on each JVM, metrics.properties;
# bare: a bare -agentpath on every JVM and nothing else (docs/spark.md, "One flag").
SPARK_WIRING            ?= explicit
SPARK_MASTER_PORT       ?= 17077
SPARK_MASTER_UI_PORT    ?= 18080
SPARK_WORKER_PORT       ?= 17078
SPARK_WORKER_UI_PORT    ?= 18081
SPARK_DRIVER_UI_PORT    ?= 14040
SPARK_AGENT_MASTER_PORT ?= 17091
SPARK_AGENT_WORKER_PORT ?= 17092
SPARK_AGENT_DRIVER_PORTS ?= 17093-17099
SPARK_AGENT_EXECUTOR_BASE ?= 17100
SPARK_WORKER_CORES      ?= 2
SPARK_WORKER_MEMORY     ?= 2g
# The test's cluster: its own directory and ports (+200), so that it can run
# next to a cluster started with `make spark-up`.
SPARK_TEST_PORT_OFFSET  ?= 200
SPARK_TEST_TIMEOUT      ?= 900

SPARK_VENV := $(BUILD)/venv/bin/python
SPARK_LAB   = bash test/spark/lab.sh

spark_env = LAB_AGENT_KIND=$(SPARK_AGENT_KIND) LAB_DIR=$(CURDIR)/$(1) \
  LAB_MASTER_PORT=$(shell echo $$(($(SPARK_MASTER_PORT)+$(2)))) \
  LAB_MASTER_UI_PORT=$(shell echo $$(($(SPARK_MASTER_UI_PORT)+$(2)))) \
  LAB_WORKER_PORT=$(shell echo $$(($(SPARK_WORKER_PORT)+$(2)))) \
  LAB_WORKER_UI_PORT=$(shell echo $$(($(SPARK_WORKER_UI_PORT)+$(2)))) \
  LAB_DRIVER_UI_PORT=$(shell echo $$(($(SPARK_DRIVER_UI_PORT)+$(2)))) \
  LAB_AGENT_MASTER_PORT=$(shell echo $$(($(SPARK_AGENT_MASTER_PORT)+$(2)))) \
  LAB_AGENT_WORKER_PORT=$(shell echo $$(($(SPARK_AGENT_WORKER_PORT)+$(2)))) \
  LAB_AGENT_DRIVER_PORTS=$(shell echo $(SPARK_AGENT_DRIVER_PORTS) | awk -F- -v o=$(2) '{printf "%d", $$1+o; if (NF>1) printf "-%d", $$2+o}') \
  LAB_AGENT_EXECUTOR_BASE=$(shell echo $$(($(SPARK_AGENT_EXECUTOR_BASE)+$(2)))) \
  LAB_WORKER_CORES=$(SPARK_WORKER_CORES) LAB_WORKER_MEMORY=$(SPARK_WORKER_MEMORY) \
  LAB_WIRING=$(SPARK_WIRING)

SPARK_ENV      = $(call spark_env,$(BUILD)/spark,0)
SPARK_TEST_ENV = $(call spark_env,$(BUILD)/spark-test,$(SPARK_TEST_PORT_OFFSET))
# The bare wiring's cluster: the agent's own fixed ports (9405, 9406, drivers
# 9410-9419), so it cannot run next to another bare cluster on this host.
SPARK_BARE_PORT_OFFSET ?= 300
SPARK_BARE_ENV = $(call spark_env,$(BUILD)/spark-bare,$(SPARK_BARE_PORT_OFFSET)) LAB_WIRING=bare

.PHONY: spark-up spark-down spark-status spark-submit spark-rules spark-prereqs test-spark

# What the chosen agent and the cluster need.
spark-prereqs:
	@bash .ci/venv.sh
ifeq ($(SPARK_AGENT_KIND),jar)
	@bash .ci/fetch-jar.sh
else
	@$(MAKE) --no-print-directory all
endif

spark-up: spark-prereqs
	$(SPARK_ENV) $(SPARK_LAB) up

spark-down:
	$(SPARK_ENV) $(SPARK_LAB) down

spark-status:
	@$(SPARK_ENV) $(SPARK_LAB) status

JOB  ?= etl_job.py
ARGS ?= --output $(BUILD)/spark/out/etl
spark-submit:
	$(SPARK_ENV) $(SPARK_LAB) submit examples/$(JOB) $(ARGS)

spark-rules:
	python3 rules/gen_rules.py

test-spark: spark-prereqs
	@rc=0; $(SPARK_TEST_ENV) timeout --foreground -k 30 $(SPARK_TEST_TIMEOUT) \
	    $(SPARK_VENV) -m pytest -v -p no:cacheprovider test/spark || rc=$$?; \
	  $(SPARK_TEST_ENV) $(SPARK_LAB) down >/dev/null 2>&1 || true; exit $$rc
ifeq ($(SPARK_AGENT_KIND),native)
	@$(MAKE) --no-print-directory test-spark-bare
endif

# One flag: the same checks on a cluster whose JVMs get a bare -agentpath.
.PHONY: test-spark-bare
test-spark-bare: spark-prereqs
	@rc=0; $(SPARK_BARE_ENV) timeout --foreground -k 30 $(SPARK_TEST_TIMEOUT) \
	    $(SPARK_VENV) -m pytest -v -p no:cacheprovider test/spark $(SPARK_BARE_ARGS) || rc=$$?; \
	  $(SPARK_BARE_ENV) $(SPARK_LAB) down >/dev/null 2>&1 || true; exit $$rc

# Passes reliably with libspark_jmxagent.so (about 2-3 minutes on 2 cores).
TEST_TARGETS += test-spark
