"""Hostile JVM content (fixtures/Hostile.java): getters that throw, return
null, NaN, +-Inf, numbers no double holds, 1 MiB strings, NUL, newlines,
quotes, backslashes and unpaired surrogates; DynamicMBeans that break the
MBean contract; values whose toString() throws; CompositeData 40 deep and a
10,000-row TabularData; odd ObjectNames and a 64 KiB one; beans named like
the exporters' own families; a getter that hangs; MBeans registered and
unregistered during a burst of scrapes; 100,000 MBeans.

What our agent must do with all of it, in both formats (0.0.4 and
OpenMetrics), with the default `{}` config and with a config that captures
values into names, labels and HELP: answer 200 with a valid exposition
(validate.py: promtool, prometheus_client's parsers, expo.py, and the
structure), no JNI warning, the JVM alive, jmx_scrape_error as expected,
and keep what can be kept.  A hung getter costs one scrape timeout: later
scrapes serve the last good result and say how old it is.

The jar's behaviour on the same beans is pinned next to ours (test_jar_*):
what jmx_prometheus_javaagent 1.0.1 does, not what it should do.  Figures
(scrape time, size, RSS) are reported, never asserted: they go to the
terminal summary and to build/it/hostile-figures.json."""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import socket
import threading
import time

import pytest

import harness
import pbdecode
import validate
from harness import Jvm

FIGURES: dict = {}
MIB = 1 << 20

# The default export of everything (the JVM's own beans included).
DEFAULT = "---\n{}\n"

# Values captured into names, labels and HELP.  Every pattern starts with a
# literal: "^.*(?:P).*$" backtracks over a 1 MiB value once per starting
# position of P, linear only when P cannot start everywhere.
CAPTURE = r"""---
rules:
  # String values: the whole text (newlines, quotes, NUL, surrogates,
  # 1 MiB) as a label value, in HELP and in the name.
  - pattern: 'hostile<type=Strings><>(\w+): ([\s\S]*)'
    attrNameSnakeCase: true
    name: 'hostile_str_$1_$2'
    value: 1
    help: 'string $1 is "$2"'
    labels:
      text: '$2'
  # Numbers and composites: the value's own text as a label.
  - pattern: 'hostile<type=(Numbers|Throwing|Nulls|Values)><([^>]*)>(\w+): ([\s\S]*)'
    attrNameSnakeCase: true
    name: 'hostile_$1_$3'
    help: '$1 $2 $3 = $4'
    labels:
      text: '$4'
      keys: '$2'
  # ObjectNames: keys and values into label names and values, the first
  # value into the name, the rest into labels and HELP.
  - pattern: 'hostile([^<]*)<([^=,]*)=([^,>]*)(?:, ([^=,]*)=([^,>]*))?((?:, [^>]*)?)><([^>]*)>(\w+): ([\s\S]*)'
    name: 'hostile$1_$3_$8'
    help: 'domain hostile$1; $2=$3, $4=$5, rest $6, keys $7, value $9'
    labels:
      '$2': '$3'
      '$4': '$5'
      rest: '$6'
      keys: '$7'
      value: '$9'
  - pattern: '.*'
"""

CONFIGS = {"default": DEFAULT, "capture": CAPTURE}

# Fixture arguments of each scenario (Hostile.java says what they register).
SCENARIOS = {
    "values": ["--values"],
    "names": ["--names"],
    "collide": ["--collide"],
    "jar-breakers": ["--jar-breakers"],
    "fatal": ["--fatal"],
    "overflow": ["--overflow"],
}


def _cfg(tmp_path, text, name="c.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def _every_request(text: str) -> str:
    """The config with minScrapeIntervalSeconds: 0 (unless it sets the key):
    every request a walk of its own, as jmx_exporter does (it ignores the
    key), so each scrape of a test meets the beans again."""
    if "minScrapeIntervalSeconds" in text:
        return text
    body = text[4:] if text.startswith("---\n") else text
    if body.strip() == "{}":
        body = ""
    return "minScrapeIntervalSeconds: 0\n" + body


def _hostile(agent, tmp_path, config, args, every_request=True, **kw):
    kw.setdefault("name", f"hostile-{agent}")
    text = CONFIGS.get(config, config)
    if every_request and agent == "ours":
        text = _every_request(text)
    return Jvm(agent, _cfg(tmp_path, text), main="Hostile", fixture_args=args, **kw)


def _healthy(j):
    assert j.alive(), j.output()[-3000:]
    assert not j.jni_warnings(), "\n".join(j.jni_warnings())


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _timed(j, openmetrics=False, timeout=harness.HTTP_TIMEOUT):
    """(validate.Scrape, seconds of the HTTP request alone)."""
    s = validate.scrape(j, openmetrics, timeout)
    return s, s.seconds


def _as_agent(s: str) -> str:
    """A Java string as our agent writes it: NUL and unpaired surrogates
    become U+FFFD (C strings end at NUL; UTF-8 has no surrogates)."""
    return re.sub("[\x00\ud800-\udfff]", "\ufffd", s)


FIGURES_PATH = os.path.join(harness.BUILD, "it", "hostile-figures.json")


class _FiguresSummary:
    """Prints FIGURES in pytest's terminal summary (output of a fixture is
    captured; the summary is not)."""

    def pytest_terminal_summary(self, terminalreporter):
        if FIGURES:
            terminalreporter.section("hostile-content figures (reported, not asserted)")
            for k, v in sorted(FIGURES.items()):
                terminalreporter.write_line(f"{k}: {v}")
            terminalreporter.write_line(f"(also in {FIGURES_PATH})")


@pytest.fixture(scope="module", autouse=True)
def report_figures(request):
    if not request.config.pluginmanager.has_plugin("hostile-figures"):
        request.config.pluginmanager.register(_FiguresSummary(), "hostile-figures")
    yield
    if FIGURES:
        os.makedirs(os.path.dirname(FIGURES_PATH), exist_ok=True)
        with open(FIGURES_PATH, "w") as f:
            json.dump(FIGURES, f, indent=2, sort_keys=True)


# -- the validator itself ------------------------------------------------------------

def test_validator_catches_what_it_should():
    """validate.py on hand-made texts: each problem kind is found."""
    ok = "# HELP a x\n# TYPE a gauge\na{l=\"q\\\"\\n\\\\\"} 1.0\n"
    assert validate.check(ok).ok, validate.check(ok).summary()
    bad = {
        "type-once": "# TYPE a gauge\na 1\n# TYPE a gauge\n",
        "duplicate": "# TYPE s summary\ns_count{g=\"x\"} 1\ns_sum{g=\"x\"} 1\n"
                     "# TYPE s_count gauge\ns_count{g=\"x\"} 5\n",
        "escaping": "a{l=\"\\t\"} 1\n",
        "utf-8": b"a{l=\"\xed\xa0\x80\"} 1\n",
        "names": "a{__x=\"1\"} 1\n",
        "client": "a{l=\"1\"} x\n",
    }
    for kind, text in bad.items():
        rep = validate.check(text)
        assert any(p.startswith(kind) for p in rep.problems), (kind, rep.problems)
    om = "# TYPE c counter\nc_total -1.0\n# EOF\n"
    assert any(p.startswith("client") for p in validate.check(om, True).problems)
    assert any("HELP" in p for p in validate.check(
        "# HELP a say \"hi\"\n# TYPE a gauge\na 1\n# EOF\n", True).problems)


# -- hostile beans, our agent ---------------------------------------------------------

NUMBERS = {          # hostile_Numbers_<attr> under the default config
    "NaN": math.nan, "PosInf": math.inf, "NegInf": -math.inf, "NegZero": -0.0,
    "FloatNaN": math.nan, "FloatNegInf": -math.inf, "LongMin": -2.0 ** 63,
    "LongMax": 2.0 ** 63, "IntMin": -2.0 ** 31, "DoubleMin": 5e-324,
    "DoubleMax": 1.7976931348623157e308, "HugeDecimal": math.inf,
    "LongDecimal": 0.12345678901234568, "TinyDecimal": -0.0,
    "HugeInteger": math.inf, "NegHugeInteger": -math.inf, "LongTextNumber": 3.0,
    "AtomicMin": -2.0 ** 63,
}

STRINGS = {          # hostile:type=Strings, attribute (snake case) -> text
    "nul": "a\x00b",
    "newlines": "line1\nline2\r\nline3\n",
    "quotes": "say \"hi\" 'there'",
    "backslashes": "C:\\dir\\n\\\"x\\",
    "high_surrogate": "a\ud800b",
    "low_surrogate": "a\udc00b",
    "reversed_pair": "\udc00\ud800",
    "trailing_high": "end\ud83d",
    "non_ascii": "caf\u00e9 \u6771\u4eac \U0001F600 \u00fc",
    "controls": "".join(map(chr, range(1, 32))) + "\x7f",
    "injection": "x\"} 1\n# TYPE fake gauge\nfake{a=\"b\"} 1\n# EOF\n",
    "line_separators": "a\u2028b\u2029c\u0085d",
    "number_like": "NaN",
    "count": "5",
}

DESCRIPTIONS = {     # hostile:type=Descriptions, attribute -> description
    "Newline": "first line\nsecond line",
    "Backslash": "a \\ backslash, a \\n that is not a newline, and \\\\ two",
    "Quote": "say \"hi\"",
    "Nul": "nul\x00here",
    "Surrogate": "lone \ud800 high and \udc00 low",
    "Carriage": "cr\rhere",
    "Unicode": "caf\u00e9 \U0001F600 \u2028 line separator",
}


def _quote(s: str) -> str:
    """javax.management.ObjectName.quote."""
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("*", "\\*")
    return '"' + out.replace("?", "\\?").replace("\n", "\\n") + '"'


def _names_expected() -> list:
    """(sample name, labels, value, also under CAPTURE) of --names, default config."""
    v = "hostile_names_Quoted_Value"
    p = "hostile_names_Plain_Value"
    k = "hostile_names_Keys_Value"
    d = "Domain_Value"
    e = [
        (v, {"name": _as_agent(_quote("nl\nquote\"back\\slash\x00nul\ud800lone"))}, 1.0),
        (v, {"name": _quote("\\n is not a newline")}, 2.0),
        (v, {"name": _quote("ends with a backslash\\")}, 3.0),
        (v, {"name": _quote('"')}, 4.0),
        (v, {"name": '""'}, 5.0),
        (p, {"name": "nul\ufffdin value"}, 6.0),
        (p, {"name": "high\ufffdalone"}, 7.0),
        (p, {"name": "low\ufffdalone"}, 8.0),
        (p, {"name": "back\\slash"}, 9.0),
        (p, {"name": "cr\rtab\tbell\x07"}, 10.0),
        (p, {"name": "caf\u00e9 \u6771\u4eac \U0001F600"}, 11.0),
        (p, {"name": " spaces "}, 12.0),
        (p, {"name": "{}#;&<>"}, 13.0),
        (p, {"name": "\u2028\u0085"}, 14.0),
        (k, {"ke_y": "quote"}, 15.0),
        (k, {"ke_y": "backslash"}, 16.0),
        (k, {"k_ey": "nul"}, 17.0),
        (k, {"k_ey": "surrogate"}, 18.0),
        (k, {"cl_": "accent"}, 19.0),
        (k, {"_name_": "dunder"}, 20.0),
        (k, {"_": "underscore"}, 22.0),
        (k, {"_9": "digit"}, 23.0),
        ("hostile_quoted_" + d, {}, 24.0),
        ("hostile_back_" + d, {}, 25.0),
        ("hostile_nul_" + d, {}, 26.0),
        ("hostile_surrogate_" + d, {}, 27.0),
        ("hostile_cr_" + d, {}, 28.0),
        ("h_stile_" + d, {}, 29.0),
        ("DefaultDomain_DefaultDomain_Value", {"hostile": "yes"}, 31.0),
        ("hostile_names_Long_Value", {"name": "v" * 65536}, 100.0),
        ("hostile_names_Long_Value", {"k" * 65536: "key"}, 101.0),
        ("hostile_long" + "d" * 65536 + "_Long_Value", {}, 102.0),
    ]
    out = [(n, labels, val, True) for n, labels, val in e]
    # two keys: the capture rule makes the second one "rest"
    out.append((k, {"le": "0.5", "quantile": "x"}, 21.0, False))
    # the capture rule's "^.*(?:hostile..." match starts after the 9
    out.append(("_9hostile_" + d, {}, 30.0, False))
    return out


def _find(rep, name, labels, subset=False):
    """Value of the sample name{labels}; subset: labels may have more."""
    if not subset:
        return rep.value(name, **labels)
    for (n, ls), val in rep.samples.items():
        if n == name and set(labels.items()) <= set(ls):
            return val
    return None


def _same_value(a, b) -> bool:
    return a is not None and (a == b or (math.isnan(a) and math.isnan(b))) and \
        math.copysign(1, a) == math.copysign(1, b)


def _expect_values(rep, config):
    if config == "default":
        survivors = {"hostile_Throwing_Ok": 1, "hostile_Throwing_Later": 2,
                     "hostile_Nulls_Ok": 1, "hostile_Values_Ok": 1, "hostile_Values_Later": 2,
                     "hostile_BulkThrows_Good": 1, "hostile_BulkThrows_Also": 2,
                     "hostile_BulkError_Good": 1, "hostile_BulkError_Also": 2,
                     "hostile_BulkJunk_Good": 1, "hostile_BulkJunk_Unrequested": 99,
                     "hostile_InfoNullTypes_Good": 1, "hostile_Strings_Count": 5,
                     "hostile_Values_Good_a": 1, "hostile_Values_Good_b": 2}
        for n, v in survivors.items():
            assert rep.value(n) == v, (n, rep.value(n))
        for attr, v in NUMBERS.items():
            got = rep.value(f"hostile_Numbers_{attr}")
            assert _same_value(got, v), (attr, got, v)
        gone = [n for (n, _), _v in rep.samples.items() if re.match(
            r"hostile_(Throwing_(Runtime|Checked|OutOfMemory|StackOverflow|Real|Custom|Assertion|"
            r"Linkage)|Nulls_Null|Numbers_(ThrowingNumber|BadTextInteger)|Values_(Opaque|Angry))", n)]
        assert not gone, gone
        # CompositeData 40 deep: the agent follows 16 levels (jmx.c MAX_DEPTH)
        deep = sorted(v for (n, _), v in rep.samples.items() if n.startswith("hostile_Values_Deep_"))
        assert deep == [float(x) for x in range(25, 41)], deep
        assert rep.count("hostile_Values_BigTable_v") == 10_000
        assert rep.value("hostile_Values_BigTable_v", key="row09999") == 9999.0
        for attr, desc in DESCRIPTIONS.items():
            h = rep.helps.get(f"hostile_Descriptions_{attr}")
            assert h is not None and h.startswith(_as_agent(desc) + " hostile:"), (attr, h)
        h = rep.helps["hostile_Descriptions_Huge"]
        assert h.startswith("HEAD") and len(h) > MIB and "TAIL " in h
    else:
        for attr, text in STRINGS.items():
            hits = [(n, dict(ls)) for (n, ls), _v in rep.samples.items()
                    if n.startswith(f"hostile_str_{attr}_")]
            assert len(hits) == 1, (attr, hits)
            name, labels = hits[0]
            assert labels == {"text": _as_agent(text)}, (attr, labels)
            assert rep.helps[name] == f'string {attr} is "{_as_agent(text)}"', (attr, rep.helps[name])
        huge = [dict(ls)["text"] for (n, ls) in rep.samples if n.startswith("hostile_str_huge_")]
        assert len(huge) == 1 and len(huge[0]) == MIB and huge[0].startswith("HEAD") \
            and huge[0].endswith("TAIL")
        assert _find(rep, "hostile_str_empty_", {}) == 1.0    # an empty label is left out
        texts = {n: dict(ls).get("text") for (n, ls) in rep.samples if n.startswith("hostile_Numbers_")}
        assert texts["hostile_Numbers_huge_integer"] == str(2 ** 4096)
        assert texts["hostile_Numbers_long_text_number"] == "3\n\"" + "9" * 65536
        assert texts["hostile_Numbers_huge_decimal"] == "1E+400"
        assert texts["hostile_Numbers_na_n"] == "NaN"
        assert rep.count("hostile_Values_v") >= 10_000       # the big table, one label each
        assert rep.value("hostile_Throwing_ok", text="1") == 1.0
        assert rep.value("hostile_Throwing_later", text="2") == 2.0


def _expect_names(rep, config):
    for name, labels, value, in_capture in _names_expected():
        if config == "capture" and not in_capture:
            continue
        got = _find(rep, name, labels, subset=config == "capture")
        assert got == value, (validate.short((name, labels), 300), got, value)


def _expect_collide(rep, config):
    # The family made first (the walk's) keeps a name a native family also
    # uses, down to a summary's _count sample: the native one is dropped.
    assert rep.value("jvm_gc_collection_seconds_count", gc="Copy") == 5.0
    assert rep.value("jvm_gc_pause_seconds_count") == 6.0
    assert "jvm_gc_collection_seconds" not in rep.types
    assert rep.value("jvm_memory_used_bytes", area="heap") == 9.0
    assert rep.value("jvm_memory_used_bytes", area="nonheap") is None


def _expect_jar_breakers(rep, config):
    assert rep.value("hostile_info_After_Value") == 1.0 or \
        _find(rep, "hostile_info_After_Value", {}, subset=True) == 1.0
    # a-b, a.b, a_b all sanitise to a_b: the first is kept
    assert _find(rep, "hostile_info_Same_Value", {"a_b": "1"}, subset=True) == 2.0
    assert not [n for (n, _) in rep.samples if n.startswith("hostile_info_Info")]


def _expect_fatal(rep, config):
    # An OutOfMemoryError thrown straight at the agent (a value's own
    # doubleValue()) stops the walk: what was walked is served, with the
    # error flagged, and native metrics.
    assert "process_cpu_seconds" in rep.types or "process_cpu_seconds_total" in rep.types
    assert not [n for (n, _) in rep.samples if n.startswith("hostile_fatal_Fatal_OomNumber")]


def _expect_overflow(rep, config):
    # A StackOverflowError from a value's own toString() is that getter's:
    # its frames are gone when the call returns; the walk goes on.
    assert _find(rep, "hostile_overflow_After_Value", {}, subset=True) == 1.0
    assert _find(rep, "hostile_overflow_Overflow_Ok", {}, subset=True) == 1.0


EXPECT = {"values": _expect_values, "names": _expect_names, "collide": _expect_collide,
          "jar-breakers": _expect_jar_breakers, "fatal": _expect_fatal,
          "overflow": _expect_overflow}
# collide: a bean named jmx:type=scrape with attribute error cannot replace
# the agent's own jmx_scrape_error (the agent's families are reserved).
SCRAPE_ERROR = {"values": 0.0, "names": 0.0, "jar-breakers": 0.0, "fatal": 1.0,
                "overflow": 0.0, "collide": 0.0}


@pytest.mark.parametrize("config", ["default", "capture"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_ours_hostile(scenario, config, tmp_path):
    """Two scrapes of each format (the second after auto-exclusion and
    MBeanInfo reloads); every one 200 and valid; both formats carry the
    same series; the scenario's expectations hold."""
    with _hostile("ours", tmp_path, config, SCENARIOS[scenario], jvm_opts=["-Xmx256m"]) as j:
        reps = []
        for i in range(2):
            for om in (False, True):
                s, dt = _timed(j, om, timeout=60)
                FIGURES[f"ours {scenario} {config} {'om' if om else 'text'} {i + 1}"] = \
                    f"{dt:.2f} s, {len(s.body)} bytes"
                assert s.status == 200, (s.status, s.body[:300])
                assert s.report.ok, s.report.summary()
                reps.append(s.report)
        for text, om in ((reps[0], reps[1]), (reps[2], reps[3])):
            diff = validate.same_series(text, om, "hostile")
            assert not diff, "\n".join(diff[:20])
        for rep in reps:
            EXPECT[scenario](rep, config)
            assert rep.value("jmx_scrape_error") == SCRAPE_ERROR[scenario]
        # The protobuf exposition of the same content: Google's decoder
        # reads every message, no family twice, none empty.
        r = j.get("/metrics", headers={"Accept": pbdecode.ACCEPT}, timeout=60)
        assert r.status == 200 and r.headers["content-type"] == pbdecode.CONTENT_TYPE
        fams = pbdecode.decode(r.body)
        pbdecode.to_exposition(fams)
        assert fams and all(len(f.metric) > 0 for f in fams)
        _healthy(j)
        if scenario == "fatal":
            assert "JMX scrape failed" in j.output()


def test_ours_same_name_new_class(tmp_path):
    """An MBean unregistered and another class registered under its name:
    the new attributes are exported from the next walk on (MBeanInfo cached
    as immutable is per MBean, not per name)."""
    swap = tmp_path / "swap"
    with _hostile("ours", tmp_path, "includeObjectNames: ['hostile.swap:*']\n",
                  ["--swap", str(swap)]) as j:
        assert validate.scrape_valid(j).value("hostile_swap_Swap_Value") == 1.0
        swap.write_text("x")
        j.wait_for_line("SWAPPED", 10)
        first = validate.scrape_valid(j)
        assert first.value("hostile_swap_Swap_Value") is None
        second = validate.scrape_valid(j, openmetrics=True)
        assert second.value("hostile_swap_Swap_Other") == 2.0
        _healthy(j)


# -- the jar on the same beans (pinned, not required) ----------------------------------

def _jar_get(j, openmetrics=False, timeout=30.0):
    """(status, validate.Scrape), or (None, what went wrong) when no HTTP
    answer came."""
    try:
        s = validate.scrape(j, openmetrics, timeout)
    except (http.client.HTTPException, ConnectionError, socket.timeout, OSError) as e:
        return None, f"{type(e).__name__}: {e}"
    return s.status, s


@pytest.mark.parametrize("config", ["default", "capture"])
def test_jar_values(config, tmp_path):
    """1.0.1 gives up the whole JMX walk at the first value whose
    toString() throws (String.valueOf in its match string): the response is
    valid, every bean after that one is missing, jmx_scrape_error 1."""
    with _hostile("jar", tmp_path, config, ["--values"]) as j:
        for _ in range(2):      # the jar's self metrics are one scrape late
            status, s = _jar_get(j)
        assert status == 200 and s.report.ok, s.report.summary()
        assert s.report.value("jmx_scrape_error") == 1.0
        assert "JMX scrape failed" in j.output() and "toString (hostile)" in j.output()
        assert s.report.count("hostile") < 1000        # the 10,000-row table is not reached
        FIGURES[f"jar values {config}"] = f"{s.report.count('hostile')} hostile samples, " \
                                          f"scrape error 1"


@pytest.mark.parametrize("config", ["default", "capture"])
def test_jar_names_same_series_as_ours(config, tmp_path):
    """Odd ObjectNames: both agents valid and, up to how each writes NUL
    and an unpaired surrogate, the same series."""
    with _hostile("jar", tmp_path, config, ["--names"], name="names-jar") as jar:
        status, js = _jar_get(jar)
        assert status == 200 and js.report.ok, js.report.summary()
    with _hostile("ours", tmp_path, config, ["--names"], name="names-ours") as ours:
        o = validate.scrape_valid(ours)

    def norm(rep):
        # the jar writes NUL as is and an unpaired surrogate as '?', ours
        # both as U+FFFD (no other '?' in these names)
        out = {}
        for (n, ls), v in rep.series("").items():
            if "hostile" in n or n.startswith(("h_stile", "DefaultDomain")):
                out[(n, tuple((k, re.sub("[\x00?\ufffd]", "\ufffd", x)) for k, x in ls))] = v
        return out
    a, b = norm(js.report), norm(o)
    assert a.keys() == b.keys(), (sorted(a.keys() - b.keys())[:5], sorted(b.keys() - a.keys())[:5])
    assert all(a[k] == b[k] for k in a)
    assert any("\x00" in x for (_, ls) in js.report.samples for _, x in ls)    # the jar keeps NUL


def test_jar_collide_500(tmp_path):
    with _hostile("jar", tmp_path, "default", ["--collide"]) as j:
        status, s = _jar_get(j)
        assert status == 500 and b"duplicate metric name" in s.body, (status, s)


def test_jar_breakers(tmp_path):
    """getMBeanInfo() that throws an Error: 1.0.1's HTTP thread dies on it
    (queryMBeans calls getMBeanInfo unguarded) and the connection closes
    without an answer, every scrape."""
    with _hostile("jar", tmp_path, "default", ["--jar-breakers"]) as j:
        for _ in range(2):
            status, what = _jar_get(j, timeout=20)
            assert status is None, (status, what)
        # The dying thread closes the connection before its uncaught
        # exception reaches stderr: wait for the line, do not just look.
        j.wait_for_line("getMBeanInfo throws an Error on purpose", timeout=10)
        assert j.alive()


def test_jar_fatal(tmp_path):
    """An OutOfMemoryError from a value's own method ends 1.0.1's HTTP
    thread: no answer, every scrape."""
    with _hostile("jar", tmp_path, "default", ["--fatal"]) as j:
        for _ in range(2):
            status, what = _jar_get(j, timeout=20)
            assert status is None, (status, what)
        j.wait_for_line("OutOfMemoryError", timeout=10)
        assert j.alive()


# -- a getter that hangs ---------------------------------------------------------------

HUNG_TIMEOUT = 3      # scrapeTimeoutSeconds; the hostile walk itself takes ~1 s


def _stale(rep):
    return rep.value("jmxagent_scrape_stale_seconds")


@pytest.mark.parametrize("config", ["default", "capture"])
def test_hung_getter_serves_last_good_then_fresh(config, tmp_path):
    """With hostile values and names around it, a getter blocks for several
    seconds: each scrape answers (valid, both formats) with the last good
    result and jmxagent_scrape_stale_seconds, which grows; once the getter
    returns, fresh results come back and the stale gauge is gone."""
    block = tmp_path / "block"
    cfg = f"scrapeTimeoutSeconds: {HUNG_TIMEOUT}\n" + \
        CONFIGS[config].replace("---\n{}\n", "").replace("---\n", "")
    with _hostile("ours", tmp_path, cfg, ["--values", "--names", "--block", str(block)],
                  jvm_opts=["-Xmx256m"]) as j:
        # A first walk slower than the timeout (a busy machine) has no
        # last good result to serve: 503 until it is done.
        deadline = time.monotonic() + 60
        while True:
            s = validate.scrape(j, timeout=30)
            if s.status == 200 and _stale(s.report) is None:
                break
            assert s.status in (200, 503) and time.monotonic() < deadline, s.status
        assert s.report.ok, s.report.summary()
        assert _find(s.report, "hostile_block_Slow_Value", {}, subset=True) == 7.0
        block.write_text("x")
        t_block = time.monotonic()
        ages, times = [], []
        for i in range(6):
            s, dt = _timed(j, openmetrics=i % 2 == 1, timeout=30)
            assert s.status == 200 and s.report.ok, s.report.summary() if s.report else s.status
            assert _find(s.report, "hostile_block_Slow_Value", {}, subset=True) == 7.0
            age = _stale(s.report)
            assert age is not None and age > 0, f"scrape {i}: no stale gauge"
            ages.append(age)
            times.append(dt)
            time.sleep(0.3)
        assert ages == sorted(ages) and ages[-1] > ages[0], ages
        blocked_for = time.monotonic() - t_block
        block.unlink()
        t_free = time.monotonic()
        deadline = t_free + 30
        while True:
            rep = validate.scrape_valid(j, timeout=30)
            if _stale(rep) is None:
                break
            assert time.monotonic() < deadline, "still stale 30 s after the getter returned"
            time.sleep(0.2)
        to_fresh = time.monotonic() - t_free
        om = validate.scrape_valid(j, openmetrics=True, timeout=30)
        assert _stale(om) is None
        assert _find(om, "hostile_block_Slow_Value", {}, subset=True) == 7.0
        _healthy(j)
    FIGURES[f"hung getter {config}"] = (
        f"blocked {blocked_for:.1f} s; scrape times while blocked "
        f"{', '.join(f'{t:.2f}' for t in times)} s; stale ages "
        f"{', '.join(f'{a:.2f}' for a in ages)} s; fresh {to_fresh:.2f} s after it returned")


def test_hung_getter_with_a_bean_named_like_the_stale_gauge(tmp_path):
    """A bean named like the agent's stale gauge cannot make it appear
    twice while a stale result is served: the agent's names are reserved."""
    block = tmp_path / "block"
    with _hostile("ours", tmp_path, "scrapeTimeoutSeconds: 1\n",
                  ["--collide", "--block", str(block)]) as j:
        validate.scrape_valid(j)
        block.write_text("x")
        try:
            validate.scrape_valid(j, timeout=30)
            validate.scrape_valid(j, openmetrics=True, timeout=30)
        finally:
            block.unlink()


def test_jar_hung_getter_blocks_its_scrape(tmp_path):
    """1.0.1 has no scrape timeout: a scrape waits for the hung getter."""
    block = tmp_path / "block"
    with _hostile("jar", tmp_path, "default", ["--block", str(block)]) as j:
        assert _jar_get(j)[0] == 200
        block.write_text("x")
        status, what = _jar_get(j, timeout=4)
        assert status is None and "timed out" in what, (status, what)
        block.unlink()
        assert _jar_get(j, timeout=30)[0] == 200


# -- MBeans registered and unregistered during scrapes ---------------------------------

@pytest.mark.parametrize("config", ["default", "capture"])
def test_churn_burst(config, tmp_path):
    """A thread registers and unregisters beans as fast as it can (some
    under the same name with another class) during 200 scrapes: every one
    200 and valid."""
    with _hostile("ours", tmp_path, config, ["--churn"]) as j:
        j.wait_for_line("CHURN", 10)
        t0 = time.monotonic()
        seen = set()
        for i in range(200):
            s, _dt = _timed(j, openmetrics=i % 2 == 1, timeout=30)
            assert s.status == 200, (i, s.status, s.body[:300])
            assert s.report.ok, f"scrape {i}: " + s.report.summary()
            assert s.report.value("jmx_scrape_error") == 0.0
            seen |= {n for (n, _) in s.report.samples if "churn" in n}
        elapsed = time.monotonic() - t0
        ops = [int(x) for x in re.findall(r"^CHURN (\d+)$", j.output(), re.M)]
        _healthy(j)
    FIGURES[f"churn {config}"] = (f"200 scrapes in {elapsed:.1f} s (with validation); "
                                  f"{ops[-1] if ops else 0} register/unregister operations "
                                  f"in {len(ops)} s; churn families seen: {sorted(seen)}")


# -- 100,000 MBeans --------------------------------------------------------------------

MANY = 100_000
MANY_RULES = r"""---
scrapeTimeoutSeconds: 300
rules:
  - pattern: 'hostile.many<type=Bean, id=(\d+)><>(Count|Ratio)'
    name: hostile_many_$2
    labels:
      id: $1
  - pattern: 'hostile.many<type=Bean, id=(\d+)><>Name: (.*)'
    name: hostile_many_name
    value: 1
    labels:
      id: $1
      name: $2
  - pattern: '.*'
"""
MANY_CONFIGS = {"default": ("---\nscrapeTimeoutSeconds: 300\n", 2 * MANY),
                "rules": (MANY_RULES, 3 * MANY)}


def _many_run(agent, config, tmp_path, validate_format):
    """Two scrapes (0.0.4, then OpenMetrics).  validate_format: the one of
    them that gets every check (a 9-13 MB body takes prometheus_client
    10-20 s); the other is only counted.  None: count both (the jar)."""
    text, expected = MANY_CONFIGS[config]
    fig = {}
    with Jvm(agent, _cfg(tmp_path, text, f"many-{agent}.yaml"), main="Hostile",
             fixture_args=["--many", str(MANY)], jvm_opts=["-Xmx1g"],
             name=f"many-{agent}") as j:
        rss0 = _rss(j.proc.pid)
        for i, om in enumerate((False, True)):
            t0 = time.monotonic()
            try:
                r = j.get("/metrics", headers={"Accept": validate.OM_ACCEPT} if om else {},
                          timeout=300)
            except OSError as e:
                fig[f"scrape {i + 1}"] = f"no answer: {e}"
                break
            fig[f"scrape {i + 1} ({'om' if om else 'text'})"] = \
                f"{time.monotonic() - t0:.2f} s, {len(r.body)} bytes, status {r.status}"
            body = harness.decode_body(r)
            if r.status != 200:
                break
            if validate_format == ("om" if om else "text"):
                rep = validate.check(body, om)
                assert rep.ok, rep.summary()
                assert rep.count("hostile_many") == expected, rep.count("hostile_many")
                if config == "default":
                    assert rep.value("hostile_many_Bean_Count", id="99999") == 99999.0
                    assert rep.value("hostile_many_Bean_Ratio", id="3") == 0.75
                else:
                    assert rep.value("hostile_many_Count", id="99999") == 99999.0
                    assert rep.value("hostile_many_name", id="7", name="bean 7") == 1.0
                assert rep.value("jmx_scrape_error") == 0.0
            else:
                n = len(re.findall(rb"^hostile_many", body, re.M))
                fig[f"scrape {i + 1} samples"] = n
                if agent == "ours":
                    assert n == expected, n
            m = re.search(rb"\njmx_scrape_duration_seconds (\S+)", body)
            if m:
                fig[f"scrape {i + 1} jmx_scrape_duration_seconds"] = float(m.group(1))
        fig["RSS delta over the scrapes (MiB)"] = round((_rss(j.proc.pid) - rss0) / MIB, 1)
        fig["RSS after (MiB)"] = round(_rss(j.proc.pid) / MIB, 1)
        if agent == "ours":
            _healthy(j)
    FIGURES[f"100k MBeans {agent} {config}"] = fig
    return fig


@pytest.mark.parametrize("config", list(MANY_CONFIGS))
def test_100k_mbeans(config, tmp_path):
    """100,000 MBeans of 3 attributes: valid output with the exact sample
    count (the default config checked in 0.0.4, the rules in OpenMetrics,
    both counted); the jar's figures alongside, on the same machine."""
    _many_run("ours", config, tmp_path, validate_format="text" if config == "default" else "om")
    if not os.environ.get("IT_AGENT"):      # a sanitizer build's figures compare with nothing
        _many_run("jar", config, tmp_path, validate_format=None)


# -- request floods, failing walks under churn, catastrophic patterns --------------

WALKS_RE = re.compile(rb"^hostile_walks_Counter_Walks (\S+)$", re.M)


def _walks(body: bytes) -> int:
    """hostile.walks:type=Counter's Walks: how many walks read it so far."""
    m = WALKS_RE.search(body)
    assert m, body[:300]
    return int(float(m.group(1)))


def test_request_flood_walks_once_per_interval(tmp_path):
    """50 clients ask for /metrics as fast as they can for 10 s (the
    default bind is every interface and there is no authentication by
    default).  Requests that arrive within minScrapeIntervalSeconds (by
    default 1 s) of the newest walk's start share that walk, so the JVM
    runs every getter (and findDeadlockedThreads, a safepoint) about once
    a second, not once per request.  A getter that counts its own calls
    counts the walks.  After the interval a single scraper gets a walk of
    its own: fresh values."""
    duration, interval, clients = 10.0, 1.0, 50
    with _hostile("ours", tmp_path, "default", ["--walks"], every_request=False) as j:
        first = _walks(j.get().body)
        seen, statuses, errors = [], [], []
        lock = threading.Lock()
        stop = time.monotonic() + duration

        def client():
            while time.monotonic() < stop:
                try:
                    r = j.get(timeout=30)
                except OSError as e:
                    with lock:
                        errors.append(repr(e))
                    continue
                with lock:
                    statuses.append(r.status)
                    if r.status == 200:
                        seen.append(_walks(r.body))

        threads = [threading.Thread(target=client) for _ in range(clients)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        elapsed = time.monotonic() - t0
        assert not errors, errors[:5]
        assert statuses and set(statuses) == {200}, sorted(set(statuses))
        last = max(seen)
        walks = last - first
        assert walks <= elapsed / interval + 3, \
            f"{walks} walks for {len(statuses)} requests in {elapsed:.1f} s"
        time.sleep(interval + 0.2)
        fresh = _walks(j.get().body)
        assert fresh == last + 1, (fresh, last)
        _healthy(j)
    FIGURES["request flood"] = (f"{len(statuses)} answers to {clients} clients in {elapsed:.1f} s; "
                                f"{walks} walks ({walks / elapsed:.2f}/s)")


def test_min_scrape_interval_config(tmp_path):
    """minScrapeIntervalSeconds: 0 walks on every request; a long interval
    serves one walk to every request inside it."""
    with _hostile("ours", tmp_path, "minScrapeIntervalSeconds: 0\n", ["--walks"]) as j:
        got = [_walks(j.get().body) for _ in range(5)]
        assert got == list(range(got[0], got[0] + 5)), got
    with _hostile("ours", tmp_path, "minScrapeIntervalSeconds: 30\n", ["--walks"]) as j:
        got = [_walks(j.get().body) for _ in range(5)]
        assert got == [got[0]] * 5, got


# Hits is named by a rule; Flag is read by a rule that sees its value;
# Unused (a long) can be matched by no rule, whatever its value; Text (a
# String that spells a match string) is matched by a rule, but a String is
# a sample only through `value:`, which no rule has.  Liar's Count is
# declared a String by a DynamicMBean and is a Long: it must be fetched.
FETCHES = r"""---
rules:
  - pattern: 'hostile.fetch<type=Liar><>Count'
    name: probe_liar
  - pattern: 'hostile.fetch<type=Probe><>Hits'
    name: probe_hits
  - pattern: 'hostile.fetch<type=Probe><>Flag: true'
    name: probe_flag
  - pattern: 'hostile.fetch<type=Calls><>(\w+)Calls'
    name: calls_$1
"""


def _fetch_run(agent, tmp_path):
    """(calls per getter after 3 scrapes, the probe_ lines of the last)."""
    with _hostile(agent, tmp_path, FETCHES, ["--fetches"]) as j:
        for _ in range(2):
            j.get()
        body = j.get().body.decode()
        # The jar's walk reads HotSpotDiagnostic.DiagnosticOptions, whose
        # native code overflows -Xcheck:jni's local-ref count: a JDK warning.
        _healthy(j) if agent == "ours" else j.alive()
    calls = {m[0]: float(m[1]) for m in re.findall(r"^calls_(\w+) (\S+)$", body, re.M)}
    probe = sorted(l for l in body.splitlines() if "probe_" in l)
    return calls, probe


def test_unfetched_attributes_are_those_no_rule_can_use(tmp_path):
    """Our agent does not call a getter whose attribute no rule could turn
    into a sample, whatever the value (Unused: no pattern can match its
    match string; Text: no rule has `value:`), and calls the others at
    every walk; the jar calls all four; the rules' output is the same."""
    ours, ours_probe = _fetch_run("ours", tmp_path)
    jar, jar_probe = _fetch_run("jar", tmp_path)
    assert ours["Unused"] == 0 and ours["Text"] == 0, ours
    assert ours["Hits"] >= 2 and ours["Flag"] >= 2, ours   # Calls may be read first
    assert jar["Unused"] >= 2 and jar["Text"] >= 2, jar
    assert ours_probe == jar_probe and len(ours_probe) >= 4, (ours_probe, jar_probe)
    assert "probe_liar 5.0" in ours_probe, ours_probe


# A rule that fails the walk at one bean, every time ("No group 9").
FAILING_WALK = r"""---
rules:
  - pattern: 'hostile.walks<type=Counter><>Walks'
    name: 'walks_$9'
  - pattern: '.*'
"""


def test_bean_cache_bounded_when_every_walk_fails(tmp_path):
    """MBeans registered under ever new names (the last 20 kept) while a
    rule fails every walk at one bean: the agent's bean cache (each bean a
    global reference) holds the MBeans that exist, not every name it ever
    met.  Compared with the JVM's own MBean count."""
    with _hostile("ours", tmp_path, FAILING_WALK, ["--walks", "--fresh", "20"]) as j:
        j.wait_for_line("FRESH", 10)
        stop = time.monotonic() + 8
        sizes = []
        while time.monotonic() < stop:
            e = j.scrape()
            assert e.value("jmx_scrape_error") == 1.0
            sizes.append(e.value("jmxagent_cached_mbeans"))
        fresh = [(int(a), int(b)) for a, b in
                 re.findall(r"^FRESH (\d+) (\d+)$", j.output(), re.M)]
        registered = max(b for _, b in fresh)
        assert "JMX scrape failed" in j.output()
        _healthy(j)
    assert max(sizes) <= registered + 10, \
        f"bean cache {max(sizes)} > {registered} MBeans registered; sizes {sizes[-10:]}"
    FIGURES["bean cache under churn, failing walks"] = (
        f"{len(sizes)} walks; {fresh[-1][0]} names registered; cache size last "
        f"{sizes[-1]:.0f}, max {max(sizes):.0f}; MBeans registered at most {registered}")


# Rules 0 and 1 backtrack 2^n times before they miss: rule 0 on a long
# string value, rule 1 (cache: true) on a long ObjectName value.
CATASTROPHIC = r"""---
includeObjectNames: ['hostile.regex:*']
rules:
  - pattern: 'hostile.regex<type=Text, name=a+><>Value: (?:a|a)*c'
    name: never_value
  - pattern: 'hostile.regex<type=Text, name=(?:a|a)*c'
    name: never_name
    cache: true
  - pattern: 'hostile.regex<type=Text, name=(a+)><>Value: (.*)'
    name: hostile_regex_text
    value: 1
"""


def test_match_limit_logged_once_counted_not_cached(tmp_path):
    """Patterns that backtrack without end hit PCRE2's match limit: the
    attribute falls through to the next rule, each rule's failures are
    counted at every scrape in jmxagent_rule_match_errors_total (so not
    cached, even with cache: true), and each rule is logged once."""
    with _hostile("ours", tmp_path, CATASTROPHIC, ["--regex"]) as j:
        for n in (1, 2, 3):
            rep = validate.scrape_valid(j)
            assert rep.value("hostile_regex_text") == 1.0
            assert rep.value("jmxagent_rule_match_errors_total", rule="0") == n
            assert rep.value("jmxagent_rule_match_errors_total", rule="1") == n
            assert rep.value("jmxagent_rule_match_errors_total", rule="2") is None
            assert rep.value("jmx_scrape_error") == 0.0
        out = j.output()
        _healthy(j)
    prefix = "hostile.regex<type=Text, name=" + "a" * 300 + "><>Value: "
    for i, size in ((0, len(prefix) + 5003), (1, len(prefix) + len("<cache>"))):
        lines = [l for l in out.splitlines() if f"rules[{i}].pattern: PCRE2 gave up" in l]
        assert len(lines) == 1, out[-3000:]
        assert lines[0].startswith("jmxagent: WARN: ") and \
            f"(match limit exceeded) on a {size}-byte match string" in lines[0], lines[0]
