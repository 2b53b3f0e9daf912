"""The JVM is the oracle for the Java regex translation (agent/javaregex.c,
docs/semantics.md §16).

test/unit/test_javaregex.c checks our PCRE2 translation of every pattern of
test/unit/fixtures/javaregex/cases.txt against jdk17.txt and jdk25.txt,
what java.util.regex printed for it.  This test runs Oracle.java in the
fixture JVM (JDK 17) and in the JDK 25 that make test-it-java25 uses, and
asserts the two files are still exactly what they print, so the unit
suite's expectations come from the real JVMs, not from us.
"""

from __future__ import annotations

import glob
import os
import subprocess
import tempfile

import pytest

import harness

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "fixtures",
                   "javaregex")
# As test/it/it.mk finds it (JAVA25_HOME).
JAVA25_HOME = os.environ.get("JAVA25_HOME") or next(iter(sorted(
    glob.glob("/usr/lib/jvm/temurin-25-jdk-*") + glob.glob("/usr/lib/jvm/java-25-openjdk-*"))), None)


def oracle(java: str) -> str:
    with tempfile.TemporaryDirectory() as classes:
        subprocess.run([harness.JAVAC, "-encoding", "UTF-8", "--release", "17", "-d", classes,
                        os.path.join(DIR, "Oracle.java")], check=True, timeout=120)
        return subprocess.run([java, "-cp", classes, "Oracle", os.path.join(DIR, "cases.txt")],
                              check=True, capture_output=True, timeout=120).stdout.decode()


def expected(name: str) -> str:
    with open(os.path.join(DIR, name), encoding="utf-8") as f:
        return f.read()


def test_oracle_matches_jdk17():
    assert oracle(harness.JAVA) == expected("jdk17.txt"), \
        "jdk17.txt is not what JDK 17 prints: rerun Oracle.java (see its header)"


def test_oracle_matches_jdk25():
    if not JAVA25_HOME:
        pytest.skip("no JDK 25 under /usr/lib/jvm (make test-it-java25 needs one too)")
    assert oracle(os.path.join(JAVA25_HOME, "bin", "java")) == expected("jdk25.txt"), \
        "jdk25.txt is not what JDK 25 prints: rerun Oracle.java (see its header)"
