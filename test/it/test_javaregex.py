"""The JVM is the oracle for the Java regex translation (agent/javaregex.c,
docs/semantics.md §16).

test/unit/test_javaregex.c checks our PCRE2 translation of every pattern of
test/unit/fixtures/javaregex/cases.txt against jdk17.txt, what
java.util.regex printed for it.  This test runs Oracle.java in the fixture
JVM again and asserts jdk17.txt is still exactly what it prints, so the
unit suite's expectations come from the real JVM, not from us.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

import harness

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "fixtures",
                   "javaregex")


def test_oracle_matches_the_fixture_jvm():
    with tempfile.TemporaryDirectory() as classes:
        subprocess.run([harness.JAVAC, "-encoding", "UTF-8", "-d", classes,
                        os.path.join(DIR, "Oracle.java")], check=True, timeout=120)
        out = subprocess.run([harness.JAVA, "-cp", classes, "Oracle", os.path.join(DIR, "cases.txt")],
                             check=True, capture_output=True, timeout=120).stdout.decode()
    with open(os.path.join(DIR, "jdk17.txt"), encoding="utf-8") as f:
        want = f.read()
    assert out == want, "jdk17.txt is not what the JVM prints: rerun Oracle.java (see its header)"
