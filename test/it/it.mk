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

# The JVM suite on Java 25 (the jar 1.0.1 runs there too): JDK 19 changed
# Double.toString, and the agent must print values as the JVM it is in.
# The files whose outcome can depend on the JVM (values, the differential,
# JVMTI, exit, resources); the rest (catalogue lines, hostile content, auth
# floods) checks the agent's C, not the JVM, and runs on Java 17 above.
# IT25_FILES= (empty) runs the whole suite on Java 25.
IT25_FILES ?= test/it/test_differential.py test/it/test_exact.py test/it/test_agent.py \
              test/it/test_http.py test/it/test_lifecycle.py test/it/test_oneflag.py \
              test/it/test_resources.py
JAVA25_HOME ?= $(firstword $(wildcard /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/java-25-openjdk-*))
.PHONY: test-it-java25
TEST_TARGETS += test-it-java25

test-it-java25:
	@if [ -z "$(JAVA25_HOME)" ] || [ ! -x "$(JAVA25_HOME)/bin/java" ]; then \
	  echo "test-it-java25: no JDK 25 under /usr/lib/jvm; set JAVA25_HOME=<a JDK 25>" >&2; exit 1; fi
	@bash .ci/fetch-jar.sh
	@bash .ci/venv.sh
	@$(MAKE) --no-print-directory all
	IT_JAVA_HOME=$(JAVA25_HOME) timeout -k 10 $(IT_TIMEOUT) $(IT_PYTEST) -p no:cacheprovider $(or $(IT25_FILES),test/it) -q $(IT_ARGS)

test-it:
	@bash .ci/fetch-jar.sh
	@bash .ci/venv.sh
	@$(MAKE) --no-print-directory all || \
	  echo "test-it: 'make all' failed: the tests of our agent will fail, the harness tests still run" >&2
	@timeout -k 10 $(IT_TIMEOUT) $(IT_PYTEST) -p no:cacheprovider test/it -v $(IT_ARGS)
