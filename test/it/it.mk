# Integration tests (test/it): the fixture JVM with the reference jar and
# with our agent; see test/it/README.md.  Included by the top-level Makefile.
#
#   make test-it                      everything
#   make test-it IT_ARGS='-k http'    a subset (any pytest arguments)

IT_PYTEST  := $(BUILD)/venv/bin/pytest
IT_ARGS    ?=
# Outer guard only: every wait inside the suite has its own deadline.
IT_TIMEOUT ?= 1200

.PHONY: test-it
TEST_TARGETS += test-it

test-it:
	@bash .ci/fetch-jar.sh
	@bash .ci/venv.sh
	@$(MAKE) --no-print-directory all || \
	  echo "test-it: 'make all' failed: the tests of our agent will fail, the harness tests still run" >&2
	@timeout -k 10 $(IT_TIMEOUT) $(IT_PYTEST) -p no:cacheprovider test/it -v $(IT_ARGS)
