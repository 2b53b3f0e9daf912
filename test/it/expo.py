"""Prometheus exposition parser (text 0.0.4 and OpenMetrics 1.0.0 text).

A careful, strict parser for the integration tests: it keeps each value's
exact text (so `1.0E-5` and `1e-05` are different) as well as its float,
unescapes HELP text and label values by the format's rules, and raises
ParseError with the line number on anything malformed.

    expo = parse(text)                      # 0.0.4
    expo = parse(text, openmetrics=True)    # OpenMetrics, requires "# EOF"
    expo.families["name"].type / .help / .samples
    expo.samples()  -> {(sample_name, labels): Sample}

Labels are a tuple of (name, value) pairs sorted by name, usable as a key.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

METRIC_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES_TEXT = {"counter", "gauge", "histogram", "summary", "untyped"}
TYPES_OM = {"counter", "gauge", "histogram", "gaugehistogram", "stateset",
            "info", "summary", "unknown"}
# Sample-name suffixes that belong to a family of the given type.
SUFFIXES = {
    "counter": ("_total", "_created"),
    "summary": ("_count", "_sum", "_created"),
    "histogram": ("_count", "_sum", "_bucket", "_created"),
    "gaugehistogram": ("_gcount", "_gsum", "_bucket"),
    "info": ("_info",),
}


class ParseError(ValueError):
    def __init__(self, lineno: int, line: str, msg: str):
        super().__init__(f"line {lineno}: {msg}: {line!r}")
        self.lineno = lineno


@dataclass(frozen=True)
class Sample:
    name: str
    labels: tuple          # sorted ((name, value), ...)
    text: str              # the value exactly as written
    value: float
    timestamp: str | None = None

    def label_dict(self) -> dict:
        return dict(self.labels)

    def line(self) -> str:
        """The sample as a 0.0.4 line (labels sorted, escaped)."""
        return format_sample(self.name, self.labels, self.text)


@dataclass
class Family:
    name: str
    type: str | None = None     # None: no TYPE line
    help: str | None = None     # None: no HELP line
    unit: str | None = None
    samples: list = field(default_factory=list)


@dataclass
class Exposition:
    families: dict = field(default_factory=dict)   # name -> Family, in order
    openmetrics: bool = False

    def samples(self) -> dict:
        out = {}
        for f in self.families.values():
            for s in f.samples:
                out[(s.name, s.labels)] = s
        return out

    def family_of(self, sample_name: str) -> Family | None:
        for f in self.families.values():
            if any(s.name == sample_name for s in f.samples):
                return f
        return None

    def value(self, sample_name: str, **labels) -> float | None:
        """The value of one sample, or None when absent."""
        key = (sample_name, tuple(sorted(labels.items())))
        s = self.samples().get(key)
        return None if s is None else s.value

    def lines(self) -> list:
        return [s.line() for f in self.families.values() for s in f.samples]


def escape_label_value(v: str) -> str:
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(v: str) -> str:
    return v.replace("\\", "\\\\").replace("\n", "\\n")


def format_sample(name: str, labels, text: str) -> str:
    if labels:
        body = ",".join(f'{k}="{escape_label_value(v)}"' for k, v in labels)
        return f"{name}{{{body}}} {text}"
    return f"{name} {text}"


def _unescape_help(s: str, lineno: int, line: str, openmetrics: bool) -> str:
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "\\":
                out.append("\\")
            elif n == "n":
                out.append("\n")
            elif n == '"' and openmetrics:
                out.append('"')
            else:   # 0.0.4: other escapes stay as written
                out.append(c + n)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_value(text: str, lineno: int, line: str) -> float:
    if text in ("+Inf", "Inf", "+inf", "inf"):
        return math.inf
    if text in ("-Inf", "-inf"):
        return -math.inf
    if text in ("NaN", "nan"):
        return math.nan
    # Go's ParseFloat grammar, roughly: no underscores, no hex words.
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        raise ParseError(lineno, line, f"bad value {text!r}")
    return float(text)


def _parse_labels(line: str, i: int, lineno: int) -> tuple:
    """Parses from just after '{'; returns (labels tuple, index after '}')."""
    labels = {}
    while True:
        while i < len(line) and line[i] == " ":
            i += 1
        if i < len(line) and line[i] == "}":
            return tuple(sorted(labels.items())), i + 1
        m = LABEL_NAME_RE.match(line, i)
        if not m:
            raise ParseError(lineno, line, f"bad label name at column {i + 1}")
        lname = m.group(0)
        i = m.end()
        if line[i:i + 2] != '="':
            raise ParseError(lineno, line, f"expected =\" after label {lname}")
        i += 2
        val = []
        while True:
            if i >= len(line):
                raise ParseError(lineno, line, f"unterminated value of label {lname}")
            c = line[i]
            if c == "\\":
                if i + 1 >= len(line):
                    raise ParseError(lineno, line, "dangling backslash")
                n = line[i + 1]
                if n == "\\":
                    val.append("\\")
                elif n == '"':
                    val.append('"')
                elif n == "n":
                    val.append("\n")
                else:
                    raise ParseError(lineno, line, f"bad escape \\{n} in label {lname}")
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                val.append(c)
                i += 1
        if lname in labels:
            raise ParseError(lineno, line, f"duplicate label {lname}")
        labels[lname] = "".join(val)
        if i < len(line) and line[i] == ",":
            i += 1
            continue
        if i < len(line) and line[i] == "}":
            return tuple(sorted(labels.items())), i + 1
        raise ParseError(lineno, line, "expected , or } after a label")


def parse(text: str, openmetrics: bool = False) -> Exposition:
    expo = Exposition(openmetrics=openmetrics)
    fams = expo.families
    seen = set()           # (sample name, labels)
    closed = set()         # families that other families followed
    current = None
    eof = False
    if text and not text.endswith("\n"):
        raise ParseError(text.count("\n") + 1, text.rsplit("\n", 1)[-1],
                         "exposition does not end with a newline")
    lines = text.split("\n")[:-1] if text else []
    types = TYPES_OM if openmetrics else TYPES_TEXT

    def family(name: str, lineno: int, line: str) -> Family:
        nonlocal current
        f = fams.get(name)
        if f is None:
            f = fams[name] = Family(name)
        if current is not None and current is not f:
            closed.add(current.name)
            if name in closed:
                raise ParseError(lineno, line, f"family {name} is not contiguous")
        current = f
        return f

    for lineno, line in enumerate(lines, 1):
        if eof:
            raise ParseError(lineno, line, "content after # EOF")
        if line == "":
            if openmetrics:
                raise ParseError(lineno, line, "empty line in OpenMetrics")
            continue
        if line.startswith("#"):
            if openmetrics and line == "# EOF":
                eof = True
                continue
            parts = line.split(" ", 3) if line.startswith("# ") else []
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE", "UNIT"):
                kw, name = parts[1], parts[2]
                rest = parts[3] if len(parts) > 3 else ""
                if not METRIC_NAME_RE.fullmatch(name):
                    raise ParseError(lineno, line, f"bad metric name {name!r}")
                f = family(name, lineno, line)
                if f.samples:
                    raise ParseError(lineno, line, f"{kw} after samples of {name}")
                if kw == "HELP":
                    if f.help is not None:
                        raise ParseError(lineno, line, f"second HELP for {name}")
                    f.help = _unescape_help(rest, lineno, line, openmetrics)
                elif kw == "TYPE":
                    if f.type is not None:
                        raise ParseError(lineno, line, f"second TYPE for {name}")
                    if rest not in types:
                        raise ParseError(lineno, line, f"unknown type {rest!r}")
                    f.type = rest
                else:
                    if not openmetrics:
                        raise ParseError(lineno, line, "UNIT in 0.0.4 text")
                    f.unit = rest
            elif openmetrics:
                raise ParseError(lineno, line, "unknown comment in OpenMetrics")
            continue
        m = METRIC_NAME_RE.match(line)
        if not m:
            raise ParseError(lineno, line, "bad metric name")
        name = m.group(0)
        i = m.end()
        labels = ()
        if i < len(line) and line[i] == "{":
            labels, i = _parse_labels(line, i + 1, lineno)
        if i >= len(line) or line[i] != " ":
            raise ParseError(lineno, line, "expected a space before the value")
        rest = line[i + 1:].split(" ")
        if len(rest) not in (1, 2) or rest[0] == "":
            raise ParseError(lineno, line, "expected value [timestamp]")
        value = parse_value(rest[0], lineno, line)
        ts = rest[1] if len(rest) == 2 else None
        # Which family?  The current one if the name fits it, else a new
        # family of that exact name (untyped).
        fam = None
        if current is not None:
            base = current.name
            if name == base and current.type not in ("summary", "histogram") or \
                    (current.type == "counter" and not openmetrics and name == base):
                fam = current
            elif name.startswith(base) and name[len(base):] in SUFFIXES.get(current.type or "", ()):
                fam = current
            elif name == base:
                fam = current
        if fam is None:
            fam = family(name, lineno, line)
        key = (name, labels)
        if key in seen:
            raise ParseError(lineno, line, "duplicate sample")
        seen.add(key)
        fam.samples.append(Sample(name, labels, rest[0], value, ts))
    if openmetrics and not eof:
        raise ParseError(len(lines), lines[-1] if lines else "", "no # EOF")
    return expo
