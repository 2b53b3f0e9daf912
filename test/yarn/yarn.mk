# Shipped with the application on YARN (test/yarn/test_yarn_shipped.py): a
# one-node YARN (Hadoop's MiniYARNCluster, jars from the Maven registry via
# .ci/yarn-deps.sh, about 100 MB once) and spark-submit --files.
# Included by the top-level Makefile.
#
#   make test-yarn

YARN_TIMEOUT ?= 600

.PHONY: test-yarn
TEST_TARGETS += test-yarn

test-yarn:
	@bash .ci/venv.sh
	@bash .ci/yarn-deps.sh
	@$(MAKE) --no-print-directory all
	timeout --foreground -k 30 $(YARN_TIMEOUT) $(BUILD)/venv/bin/python -m pytest -v -s -p no:cacheprovider test/yarn
