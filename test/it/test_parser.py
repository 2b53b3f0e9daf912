"""Harness self-tests without a JVM: the exposition parser (escaping rules,
family grouping, strictness), the comparison and the differences file."""

from __future__ import annotations

import math

import pytest

import differences
import expo
import harness

TEXT = r'''# HELP a_total Help with \\ backslash and \n newline.
# TYPE a_total counter
a_total{x="1"} 5.0
a_total{x="q\"uote",y="back\\slash",z="new\nline"} 1.0E-5
# HELP g A gauge
# TYPE g gauge
g +Inf
g{k=""} -Inf
g{k="nan"} NaN
# TYPE s summary
s_count{gc="Copy"} 3
s_sum{gc="Copy"} 0.5
# HELP u
# TYPE u untyped
u{a="b",} 1 1700000000000
'''


def test_parse_families_and_escapes():
    e = expo.parse(TEXT)
    assert list(e.families) == ["a_total", "g", "s", "u"]
    a = e.families["a_total"]
    assert a.type == "counter"
    assert a.help == "Help with \\ backslash and \n newline."
    s = a.samples[1]
    assert s.label_dict() == {"x": 'q"uote', "y": "back\\slash", "z": "new\nline"}
    assert s.text == "1.0E-5" and s.value == 1e-5
    assert s.line() == r'a_total{x="q\"uote",y="back\\slash",z="new\nline"} 1.0E-5'
    g = e.families["g"]
    assert [x.value for x in g.samples[:2]] == [math.inf, -math.inf]
    assert math.isnan(g.samples[2].value)
    assert [x.name for x in e.families["s"].samples] == ["s_count", "s_sum"]
    assert e.families["u"].help == ""
    assert e.families["u"].samples[0].timestamp == "1700000000000"
    assert e.value("a_total", x="1") == 5.0


@pytest.mark.parametrize("bad", [
    "x 1",                                  # no final newline
    "x{a=\"1\"} 1\nx{a=\"1\"} 2\n",         # duplicate sample
    "x{a=\"\\q\"} 1\n",                     # bad escape in a label value
    "x{a=\"1\",a=\"2\"} 1\n",               # duplicate label
    "x{1a=\"1\"} 1\n",                      # bad label name
    "x{a=\"1} 1\n",                         # unterminated value
    "x 1.0.0\n",                            # bad value
    "x  1\n",                               # two spaces
    "# TYPE x gauge\n# TYPE x gauge\nx 1\n",
    "# TYPE x nonsense\nx 1\n",
    "# TYPE x gauge\nx 1\n# HELP x late\n",
    "x 1\ny 2\nx{a=\"b\"} 3\n",             # family not contiguous
    "9x 1\n",
])
def test_parse_rejects(bad):
    with pytest.raises(expo.ParseError):
        expo.parse(bad)


def test_parse_openmetrics():
    text = ("# TYPE c counter\n# HELP c A counter.\nc_total 1.0\nc_created 1.7E9\n"
            "# TYPE d gauge\n# UNIT d seconds\nd 1\n# EOF\n")
    e = expo.parse(text, openmetrics=True)
    assert [s.name for s in e.families["c"].samples] == ["c_total", "c_created"]
    assert e.families["d"].unit == "seconds"
    with pytest.raises(expo.ParseError):
        expo.parse(text.replace("# EOF\n", ""), openmetrics=True)
    with pytest.raises(expo.ParseError):
        expo.parse(text + "x 1\n", openmetrics=True)


def test_compare_reports_every_kind():
    jar = expo.parse(
        "# HELP f_a fixed a\n# TYPE f_a untyped\nf_a 1.0\n"
        "# HELP f_b fixed b\n# TYPE f_b gauge\nf_b{l=\"1\"} 2.0\nf_b{l=\"2\"} 3.0\n"
        "# HELP jvm_x live\n# TYPE jvm_x gauge\njvm_x 10.0\n"
        "# HELP f_c c\n# TYPE f_c untyped\nf_c 1.0\n")
    ours = expo.parse(
        "# HELP f_a other help\n# TYPE f_a untyped\nf_a 1\n"
        "# HELP f_b fixed b\n# TYPE f_b untyped\nf_b{l=\"1\"} 2.5\nf_b{l=\"3\"} 3.0\n"
        "# HELP jvm_x live\n# TYPE jvm_x gauge\njvm_x 99.0\n"
        "# HELP f_d d\n# TYPE f_d untyped\nf_d 1.0\n")
    c = harness.compare(jar, ours, differences.LIVE)
    kinds = sorted((i.kind, i.family) for i in c.items)
    assert kinds == sorted([
        ("value-format", "f_a"), ("help", "f_a"),
        ("value", "f_b"), ("missing", "f_b"), ("extra", "f_b"), ("type", "f_b"),
        ("missing", "f_c"), ("extra", "f_d"),
    ]), kinds
    text = harness.format_items(c.items)
    assert "missing in ours: f_c" in text and "extra in ours:   f_d" in text
    assert 'f_b{l="1"}' in text


def test_differences_file_is_well_formed():
    names = [d.name for d in differences.DIFFERENCES]
    assert len(names) == len(set(names))
    for d in differences.DIFFERENCES:
        assert d.name and len(d.reason) > 20, d
        assert set(d.kinds) <= {"missing", "extra", "value", "value-format", "type",
                                "unit", "help", "http-status"}, d
        for c in d.configs:
            assert any(harness.os.path.basename(f).startswith(c + ".")
                       for f in harness.os.listdir(harness.CONFIGS)), (d.name, c)


def test_live_list():
    assert differences.LIVE.is_live("java_lang_Memory_HeapMemoryUsage_used")
    assert differences.LIVE.is_live("jmx_scrape_duration_seconds")
    assert not differences.LIVE.is_live("jmx_scrape_error")
    assert not differences.LIVE.is_live("fixture_Numbers_IntValue")
    assert differences.LIVE.is_optional("java_lang_Copy_LastGcInfo_duration")


def test_promtool_accepts_and_rejects():
    ok, out = harness.promtool_check("# HELP a A.\n# TYPE a gauge\na 1\n")
    assert ok, out
    ok, out = harness.promtool_check("a{ 1\n")
    assert not ok, out


@pytest.mark.parametrize("line,hit", [
    ("WARNING in native method: JNI call made without checking exceptions when required to", True),
    ("WARNING: JNI local refs: 33, exceeds capacity: 32", True),
    ("FATAL ERROR in native method: Bad global or local ref passed to JNI", True),
    ("READY", False),
    ("jmxagent: WARN: 127.0.0.1:9404: address in use", False),
])
def test_jni_warning_lines(line, hit):
    assert bool(harness.JNI_WARNING_RE.search(line)) is hit
