"""Decoder of the Prometheus protobuf exposition, independent of ours.

Python classes for io.prometheus.client.MetricFamily are generated from
Prometheus' metrics.proto (Debian's golang-github-prometheus-client-model-dev,
the same file the agent's C code is generated from) by the protoc that the
grpcio-tools package ships, and read with Google's `protobuf` package (both
from test/requirements.txt).  Nothing of the agent's C is involved.

    fams = decode(body)                 # [MetricFamily], the messages in order
    expo = to_exposition(fams)          # an expo.Exposition, the text samples
                                        # the same families stand for

to_exposition() expands each family the way the text formats do (summary:
quantile samples, _count, _sum; histogram: _bucket{le}, _count, _sum), with
values written by repr(float) on both sides, so harness.compare() compares
the decoded sample sets of two agents.  Native-histogram fields are left to
native(), which returns them as they are.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import math
import os
import subprocess
import sys

import expo as expo_mod
import harness

PROTO_ROOT = "/usr/share/gocode/src/github.com/prometheus/client_model"
PROTO = "io/prometheus/client/metrics.proto"
OUT = os.path.join(harness.BUILD, "it", "pb")
CONTENT_TYPE = ("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
                "encoding=delimited")
ACCEPT = ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
          "encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1")
TYPES = {0: "counter", 1: "gauge", 2: "summary", 3: "untyped", 4: "histogram",
         5: "gaugehistogram"}


@functools.lru_cache(maxsize=None)
def metrics_pb2():
    if not os.path.exists(os.path.join(PROTO_ROOT, PROTO)):
        raise harness.HarnessError(f"{PROTO} not under {PROTO_ROOT}: run 'make deps' as root "
                                   "(.ci/deps.d/protobuf.list)")
    try:
        import grpc_tools
    except ImportError as e:
        raise harness.HarnessError("grpcio-tools missing: .ci/venv.sh (test/requirements.txt)") from e
    os.makedirs(OUT, exist_ok=True)
    # grpc_tools' own include dir holds google/protobuf/timestamp.proto.
    inc = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    r = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO_ROOT}", f"-I{inc}",
                        f"--python_out={OUT}", PROTO], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise harness.HarnessError(f"protoc failed: {r.stderr}")
    # Loaded from its file: its package "io" would clash with Python's io.
    path = os.path.join(OUT, "io", "prometheus", "client", "metrics_pb2.py")
    spec = importlib.util.spec_from_file_location("prom_client_metrics_pb2", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _varint(buf: bytes, pos: int) -> tuple:
    shift = result = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def decode(body: bytes) -> list:
    """The length-delimited MetricFamily messages of a body (not gzipped)."""
    pb = metrics_pb2()
    out, pos = [], 0
    while pos < len(body):
        n, pos = _varint(body, pos)
        if pos + n > len(body):
            raise ValueError(f"message of {n} bytes at {pos} runs past the end ({len(body)})")
        mf = pb.MetricFamily()
        mf.ParseFromString(body[pos:pos + n])
        out.append(mf)
        pos += n
    return out


def _num(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(float(v))


def _sample(name, labels, v):
    labels = tuple(sorted(labels))
    return expo_mod.Sample(name, labels, _num(v), float(v))


def to_exposition(fams: list) -> expo_mod.Exposition:
    e = expo_mod.Exposition()
    for mf in fams:
        t = TYPES.get(mf.type, "untyped")
        f = expo_mod.Family(mf.name, t, mf.help if mf.HasField("help") else None)
        if mf.name in e.families:
            raise ValueError(f"family {mf.name} twice")
        for m in mf.metric:
            labels = [(lp.name, lp.value) for lp in m.label]
            if m.HasField("counter"):
                f.samples.append(_sample(mf.name, labels, m.counter.value))
            elif m.HasField("gauge"):
                f.samples.append(_sample(mf.name, labels, m.gauge.value))
            elif m.HasField("untyped"):
                f.samples.append(_sample(mf.name, labels, m.untyped.value))
            elif m.HasField("summary"):
                s = m.summary
                for q in s.quantile:
                    f.samples.append(_sample(mf.name, labels + [("quantile", _num(q.quantile))],
                                             q.value))
                f.samples.append(_sample(mf.name + "_count", labels, s.sample_count))
                f.samples.append(_sample(mf.name + "_sum", labels, s.sample_sum))
            elif m.HasField("histogram"):
                h = m.histogram
                for b in h.bucket:
                    f.samples.append(_sample(mf.name + "_bucket",
                                             labels + [("le", _num(b.upper_bound))],
                                             b.cumulative_count))
                f.samples.append(_sample(mf.name + "_count", labels, h.sample_count))
                f.samples.append(_sample(mf.name + "_sum", labels, h.sample_sum))
            else:
                raise ValueError(f"{mf.name}: a metric without a value")
        e.families[mf.name] = f
    return e


def from_text(text_expo: expo_mod.Exposition) -> expo_mod.Exposition:
    """A text exposition with values re-written as to_exposition() writes
    them and le/quantile labels as floats, so that a text scrape and a
    protobuf scrape of the same result compare equal."""
    e = expo_mod.Exposition()
    for name, f in text_expo.families.items():
        g = expo_mod.Family(name, f.type, f.help, f.unit)
        for s in f.samples:
            labels = [(k, _num(float(v)) if k in ("le", "quantile") and f.type in
                       ("histogram", "summary") else v) for k, v in s.labels]
            g.samples.append(_sample(s.name, labels, s.value))
        e.families[name] = g
    return e


def native(mf) -> list:
    """The native-histogram part of each metric of a family:
    [(labels, schema, zero_threshold, zero_count, [(offset, length)], [delta])]."""
    out = []
    for m in mf.metric:
        h = m.histogram
        if not h.HasField("schema"):
            continue
        out.append((tuple((lp.name, lp.value) for lp in m.label), h.schema, h.zero_threshold,
                    h.zero_count, [(s.offset, s.length) for s in h.positive_span],
                    list(h.positive_delta)))
    return out


def native_buckets(schema: int, spans, deltas) -> dict:
    """{upper bound: count} of the positive native buckets: the first
    span's offset is its first bucket's index, a later one's the gap after
    the previous span; each delta is the change from the previous bucket."""
    out, idx, count, k = {}, 0, 0, 0
    for i, (offset, length) in enumerate(spans):
        idx = offset if i == 0 else idx + offset
        for _ in range(length):
            count += deltas[k]
            k += 1
            out[2 ** (idx / 2 ** schema)] = count
            idx += 1
    return out
