"""The JVM is the oracle for the Java regex translation (agent/javaregex.c,
docs/semantics.md §16).

test/unit/test_javaregex.c checks our PCRE2 translation of every pattern of
test/unit/fixtures/javaregex/cases.txt against jdk17.txt and jdk25.txt,
what java.util.regex printed for it.  This test runs Oracle.java in the
fixture JVM (JDK 17) and in the JDK 25 that make test-it-java25 uses, and
asserts the two files are still exactly what they print, so the unit
suite's expectations come from the real JVMs, not from us.

A second oracle sweeps code points instead of patterns: Sweep.java prints,
for every property name the translation knows, which code points (all below
U+3000, every 61st above) JDK 17 matches without a flag, with (?i) and with
(?U); javaregex_sweep.c (built here against agent/javaregex.c) checks our
PCRE2 translation matches exactly those.
"""

from __future__ import annotations

import glob
import os
import subprocess
import tempfile

import pytest

import harness

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# Every \p{} name of agent/javaregex.c's tables, categories, some scripts
# and blocks; "Cn" first (the sweep skips what the JVM leaves unassigned).
SWEEP_NAMES = ",".join([
    "Cn", "javaLowerCase", "javaUpperCase", "javaTitleCase", "javaAlphabetic", "javaIdeographic",
    "javaDigit", "javaDefined", "javaLetter", "javaLetterOrDigit", "javaJavaIdentifierStart",
    "javaJavaIdentifierPart", "javaUnicodeIdentifierStart", "javaUnicodeIdentifierPart",
    "javaIdentifierIgnorable", "javaSpaceChar", "javaWhitespace", "javaISOControl", "javaMirrored",
    "IsAlphabetic", "IsLetter", "IsIdeographic", "IsLowercase", "IsUppercase", "IsTitlecase",
    "IsWhite_Space", "IsWhiteSpace", "IsControl", "IsPunctuation", "IsHex_Digit", "IsHexDigit",
    "IsAssigned", "IsNoncharacter_Code_Point", "IsDigit", "IsAlnum", "IsBlank", "IsGraph",
    "IsPrint", "IsWord", "IsJoin_Control", "Lower", "Upper", "ASCII", "Alpha", "Digit", "Alnum",
    "Punct", "Graph", "Print", "Blank", "Cntrl", "XDigit", "Space", "L1", "LD", "LC", "all",
    "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Zs", "Zl", "Zp", "Cc", "Cf",
    "Co", "Pd", "Ps", "Pe", "Pc", "Po", "Sm", "Sc", "Sk", "So", "Pi", "Pf", "L", "M", "N", "Z",
    "C", "P", "S", "IsLu", "IsL", "IsLatin", "IsGreek", "IsCyrillic", "IsHan", "IsArabic",
    "IsCommon", "IsInherited", "IsLatn", "InGreek", "InBasicLatin", "InLatin-1Supplement",
    "InCJKUnifiedIdeographs", "InGeneralPunctuation", "InHalfwidth and Fullwidth Forms",
])

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


def test_every_property_on_every_code_point_as_jdk17(tmp_path):
    classes = tmp_path / "classes"
    subprocess.run([harness.JAVAC, "-encoding", "UTF-8", "-d", str(classes),
                    os.path.join(DIR, "Sweep.java")], check=True, timeout=120)
    sweep = subprocess.run([harness.JAVA, "-cp", str(classes), "Sweep", SWEEP_NAMES],
                           check=True, capture_output=True, timeout=300).stdout
    exe = tmp_path / "javaregex_sweep"
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-I", os.path.join(ROOT, "include"), "-o", str(exe),
                    os.path.join(DIR, "javaregex_sweep.c"), os.path.join(ROOT, "agent", "javaregex.c"),
                    os.path.join(ROOT, "agent", "buf.c"), "-lpcre2-8"],
                   check=True, capture_output=True, timeout=120)
    r = subprocess.run([str(exe), "17"], input=sweep, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stdout.decode()[-3000:]
