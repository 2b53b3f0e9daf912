"""Is an exposition valid?  What a Prometheus user needs of /metrics, checked
by three parsers that share no code and by the structure they parse into.

    rep = validate.check(body, openmetrics=False)   # body: bytes or str
    rep.ok, rep.problems                             # [] when valid
    rep.samples      {(sample name, sorted label pairs): float}
    rep.value("name", label="v")                     # None when absent
    validate.assert_valid(body, openmetrics=True)    # raises with the problems

A problem is one line starting with what found it:

  utf-8       the bytes are not strict UTF-8 (an encoded surrogate is not)
  promtool    `promtool check metrics` rejects it (0.0.4 only: promtool
              reads no OpenMetrics); lint advice (camelCase, ...) is no error
  client      prometheus_client's parser (0.0.4: parser.py; OpenMetrics:
              openmetrics/parser.py, which also rejects negative or NaN
              counters, clashing family names and a missing # EOF) raises
  expo        the suite's own strict parser (expo.py) raises
  type-once   a family has two TYPE (or HELP) lines
  duplicate   one series (sample name + label set) appears twice, in one
              family or across two (a summary's x_count next to a gauge
              x_count)
  family      a sample name that its family's type does not allow
  names       an invalid metric or label name, or a label name with "__"
  escaping    a label value or HELP text whose escaping is not canonical:
              only \\ \n \" in label values, only \\ \n (OpenMetrics also
              \") in HELP, nothing else after a backslash, no raw " in
              OpenMetrics HELP
  disagree    prometheus_client and expo.py read different series, values
              or label values from the same text

Nothing here knows about either agent; harness.py runs the JVMs.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

from prometheus_client.openmetrics import parser as om_parser
from prometheus_client import parser as text_parser

import expo
import harness

OM_ACCEPT = "application/openmetrics-text; version=1.0.0"

METRIC_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
TYPE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "histogram": ("_count", "_sum", "_bucket", "_created"),
    "gaugehistogram": ("_gcount", "_gsum", "_bucket"),
    "info": ("_info",),
}


def short(s, n: int = 160) -> str:
    s = repr(s)
    return s if len(s) <= n else f"{s[:n]}...({len(s)} chars)"


@dataclass
class Report:
    openmetrics: bool
    nbytes: int = 0
    problems: list = field(default_factory=list)
    samples: dict = field(default_factory=dict)   # (name, labels) -> float
    helps: dict = field(default_factory=dict)     # family -> help (expo.py)
    types: dict = field(default_factory=dict)     # family -> type (expo.py)
    expo: object = None                           # expo.Exposition

    @property
    def ok(self) -> bool:
        return not self.problems

    def value(self, sample_name: str, /, **labels):
        return self.samples.get((sample_name, tuple(sorted(labels.items()))))

    def series(self, prefix: str = "") -> dict:
        return {k: v for k, v in self.samples.items() if k[0].startswith(prefix)}

    def count(self, prefix: str) -> int:
        return sum(1 for k in self.samples if k[0].startswith(prefix))

    def summary(self, limit: int = 25) -> str:
        fmt = "OpenMetrics" if self.openmetrics else "0.0.4"
        head = f"{fmt}, {self.nbytes} bytes, {len(self.samples)} samples: "
        if self.ok:
            return head + "valid"
        more = f"\n  ... and {len(self.problems) - limit} more" if len(self.problems) > limit else ""
        return head + f"{len(self.problems)} problems\n  " + "\n  ".join(self.problems[:limit]) + more


# -- the raw text ----------------------------------------------------------------

def _scan_label_texts(line: str):
    """The raw (still escaped) label values of a sample line, in order, and
    the label names.  Raises ValueError on a line no parser should accept."""
    i = line.find("{")
    sp = line.find(" ")
    if i < 0 or (0 <= sp < i):
        return [], []
    names, values = [], []
    i += 1
    while True:
        if line[i] == "}":
            return names, values
        eq = line.index("=", i)
        names.append(line[i:eq])
        if line[eq + 1] != '"':
            raise ValueError("label value not quoted")
        j = eq + 2
        while line[j] != '"':
            j += 2 if line[j] == "\\" else 1
        values.append(line[eq + 2:j])
        i = j + 1
        if line[i] == ",":
            i += 1


_LABEL_ESC = {"\\": "\\", "n": "\n", '"': '"'}


def _canonical(raw: str, allowed: str) -> str | None:
    """None when raw is canonically escaped (only backslash + one of
    `allowed`), else what is wrong."""
    i = 0
    while True:
        i = raw.find("\\", i)
        if i < 0:
            return None
        if i + 1 >= len(raw) or raw[i + 1] not in allowed:
            return f"backslash followed by {raw[i + 1:i + 2]!r}"
        i += 2


def _structure(text: str, om: bool, rep: Report) -> None:
    types, helps = {}, {}
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("TYPE", "HELP"):
                seen = types if parts[1] == "TYPE" else helps
                if parts[2] in seen:
                    rep.problems.append(f"type-once: second {parts[1]} for {parts[2]} "
                                        f"(lines {seen[parts[2]]} and {lineno})")
                seen[parts[2]] = lineno
                if not METRIC_NAME_RE.match(parts[2]):
                    rep.problems.append(f"names: bad metric name {short(parts[2])}")
                if parts[1] == "HELP" and len(parts) == 4:
                    bad = _canonical(parts[3], '\\n"' if om else "\\n")
                    if bad is None and om and re.search(r'(?<!\\)(?:\\\\)*"', parts[3]):
                        bad = 'a raw "'
                    if bad:
                        rep.problems.append(f"escaping: HELP of {parts[2]}: {bad}: {short(parts[3])}")
            continue
        try:
            names, raws = _scan_label_texts(line)
        except (ValueError, IndexError):
            continue        # the parsers report it
        for n, raw in zip(names, raws):
            if not LABEL_NAME_RE.match(n):
                rep.problems.append(f"names: bad label name {short(n)} in line {lineno}")
            elif n.startswith("__"):
                rep.problems.append(f"names: reserved label name {n} in line {lineno}")
            bad = _canonical(raw, '\\n"')
            if bad:
                rep.problems.append(f"escaping: label {n} in line {lineno}: {bad}: {short(raw)}")
        if len(set(names)) != len(names):
            rep.problems.append(f"names: a label twice in line {lineno}: {short(line)}")


# -- the parsers ------------------------------------------------------------------

def _key(name: str, labels: dict) -> tuple:
    return (name, tuple(sorted(labels.items())))


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _client(text: str, om: bool, rep: Report) -> dict | None:
    parse = om_parser.text_string_to_metric_families if om else text_parser.text_string_to_metric_families
    out = {}
    owner = {}
    try:
        for fam in parse(text):
            for s in fam.samples:
                k = _key(s.name, s.labels)
                if k in out:
                    rep.problems.append(f"duplicate: {short(k, 200)} in families {owner[k]} and {fam.name}")
                    continue
                out[k] = float(s.value)
                owner[k] = fam.name
                typ = fam.type
                allowed = TYPE_SUFFIXES.get(typ, ("",))
                base = fam.name
                if not any(s.name == base + suf for suf in allowed) and typ != "untyped" \
                        and not (not om and typ == "counter" and s.name == base + "_total"):
                    rep.problems.append(f"family: sample {s.name} in {typ} family {base}")
    except Exception as e:      # any exception: the parser refused the text
        rep.problems.append(f"client: {type(e).__name__}: {short(str(e), 300)}")
        return None
    return out


def _expo(text: str, om: bool, rep: Report):
    try:
        e = expo.parse(text, openmetrics=om)
    except expo.ParseError as ex:
        rep.problems.append(f"expo: {short(str(ex), 300)}")
        return None
    rep.expo = e
    for f in e.families.values():
        rep.helps[f.name] = f.help
        rep.types[f.name] = f.type
    return e


def check(body, openmetrics: bool = False, *, promtool: bool = True) -> Report:
    """Every check on one exposition.  body: the HTTP body (bytes) or text."""
    rep = Report(openmetrics=openmetrics)
    if isinstance(body, bytes):
        rep.nbytes = len(body)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            rep.problems.append(f"utf-8: {e}")
            text = body.decode("utf-8", "replace")
    else:
        text = body
        rep.nbytes = len(text.encode("utf-8", "surrogatepass"))
    if text and not text.endswith("\n"):
        rep.problems.append("expo: does not end with a newline")
    if promtool and not openmetrics:
        ok, out = harness.promtool_check(text)
        if not ok:
            rep.problems.append("promtool: " + short(out.strip(), 400))
    _structure(text, openmetrics, rep)
    client = _client(text, openmetrics, rep)
    e = _expo(text, openmetrics, rep)
    if client is not None:
        rep.samples = client
    if client is not None and e is not None:
        mine = {k: s.value for k, s in e.samples().items()}
        for k in client.keys() - mine.keys():
            rep.problems.append(f"disagree: only prometheus_client reads {short(k, 200)}")
        for k in mine.keys() - client.keys():
            rep.problems.append(f"disagree: only expo.py reads {short(k, 200)}")
        for k in client.keys() & mine.keys():
            if not _same(client[k], mine[k]):
                rep.problems.append(f"disagree: {short(k, 200)}: {client[k]!r} vs {mine[k]!r}")
    elif e is not None:
        rep.samples = {k: s.value for k, s in e.samples().items()}
    return rep


def assert_valid(body, openmetrics: bool = False, what: str = "") -> Report:
    rep = check(body, openmetrics)
    assert rep.ok, (what + ": " if what else "") + rep.summary()
    return rep


# -- both formats of one agent ------------------------------------------------------

@dataclass
class Scrape:
    status: int
    body: bytes
    report: Report | None      # None unless status is 200
    seconds: float = 0.0       # the HTTP request alone, not the checks


def scrape(jvm, openmetrics: bool = False, timeout: float = harness.HTTP_TIMEOUT) -> Scrape:
    headers = {"Accept": OM_ACCEPT} if openmetrics else {}
    t0 = time.monotonic()
    r = jvm.get("/metrics", headers=headers, timeout=timeout)
    seconds = time.monotonic() - t0
    body = harness.decode_body(r)
    if r.status != 200:
        return Scrape(r.status, body, None, seconds)
    if openmetrics and not r.headers.get("content-type", "").startswith("application/openmetrics-text"):
        rep = Report(openmetrics=True, nbytes=len(body),
                     problems=[f"client: asked for OpenMetrics, got {r.headers.get('content-type')}"])
        return Scrape(r.status, body, rep, seconds)
    return Scrape(r.status, body, check(body, openmetrics), seconds)


def scrape_valid(jvm, openmetrics: bool = False, timeout: float = harness.HTTP_TIMEOUT) -> Report:
    """GET /metrics in one format; 200 and valid, or AssertionError."""
    s = scrape(jvm, openmetrics, timeout)
    fmt = "OpenMetrics" if openmetrics else "0.0.4"
    assert s.status == 200, f"{jvm.name}: {fmt} scrape -> {s.status}: {s.body[:500]!r}"
    assert s.report.ok, f"{jvm.name}: " + s.report.summary()
    return s.report


def same_series(text: Report, om: Report, prefix: str) -> list:
    """Differences between the series (and values) of the two formats under
    a name prefix: [] when both carry the same."""
    a, b = text.series(prefix), om.series(prefix)
    out = [f"only in 0.0.4: {short(k, 200)}" for k in sorted(a.keys() - b.keys())]
    out += [f"only in OpenMetrics: {short(k, 200)}" for k in sorted(b.keys() - a.keys())]
    out += [f"value of {short(k, 200)}: {a[k]!r} vs {b[k]!r}"
            for k in sorted(a.keys() & b.keys()) if not _same(a[k], b[k])]
    return out
