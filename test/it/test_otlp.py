"""The openTelemetry push (jmx_exporter 1.1+): a real OTLP/HTTP receiver
built on the official OTLP protobuf classes (PyPI opentelemetry-proto) gets
every sample that /metrics shows, with the configured resource attributes
and headers; a receiver that is down costs a log line per interval, and the
JVM exits as usual.  Two JVMs of ours (docs/otlp.md).
"""

from __future__ import annotations

import http.server
import math
import re
import threading
import time

import harness
from differences import LIVE
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as ms


# UCUM back to the Prometheus unit word (client_java's convertUnit, reversed).
UNIT_WORDS = {"s": "seconds", "By": "bytes", "ms": "milliseconds", "us": "microseconds",
              "ns": "nanoseconds", "d": "days", "h": "hours", "min": "minutes",
              "%": "percent", "Hz": "hertz"}


class Receiver:
    """POST /v1/metrics, application/x-protobuf: what an OpenTelemetry
    Collector's otlp receiver accepts over HTTP."""

    def __init__(self, port: int = 0):
        self.requests = []          # (headers, ExportMetricsServiceRequest)
        self.lock = threading.Lock()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path != "/v1/metrics" or \
                        self.headers.get("Content-Type") != "application/x-protobuf":
                    self.send_response(404)
                    self.end_headers()
                    return
                req = ms.ExportMetricsServiceRequest()
                req.ParseFromString(body)
                with outer.lock:
                    outer.requests.append((dict(self.headers.items()), req))
                out = ms.ExportMetricsServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def wait(self, n: int, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= n:
                    return self.requests[n - 1]
            time.sleep(0.05)
        raise AssertionError(f"the receiver got {self.count()} pushes, not {n}, "
                             f"in {timeout} s")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def prom_samples(req) -> dict:
    """The OTLP request as the Prometheus samples it stands for: the name
    gets its unit word and _total / _info back, as a Collector's prometheus
    exporter writes them.  {(name, labels): value}."""
    out = {}
    for rm in req.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                base = m.name
                if m.unit in UNIT_WORDS and not base.endswith("_" + UNIT_WORDS[m.unit]):
                    base += "_" + UNIT_WORDS[m.unit]
                kind = m.WhichOneof("data")

                def labels(attrs, extra=()):
                    return tuple(sorted([(a.key, a.value.string_value) for a in attrs]
                                        + list(extra)))
                if kind == "gauge":
                    for p in m.gauge.data_points:
                        out[(base, labels(p.attributes))] = p.as_double
                elif kind == "sum":
                    name = base + ("_total" if m.sum.is_monotonic else "_info")
                    assert m.sum.aggregation_temporality == 2, m.name   # cumulative
                    for p in m.sum.data_points:
                        out[(name, labels(p.attributes))] = p.as_double
                elif kind == "summary":
                    for p in m.summary.data_points:
                        for q in p.quantile_values:
                            out[(base, labels(p.attributes, [("quantile", fmt(q.quantile))]))] \
                                = q.value
                        out[(base + "_count", labels(p.attributes))] = float(p.count)
                        out[(base + "_sum", labels(p.attributes))] = p.sum
                elif kind == "histogram":
                    for p in m.histogram.data_points:
                        cum = 0
                        bounds = list(p.explicit_bounds) + [math.inf]
                        for le, c in zip(bounds, p.bucket_counts):
                            cum += c
                            out[(base + "_bucket",
                                 labels(p.attributes, [("le", fmt(le))]))] = float(cum)
                        out[(base + "_count", labels(p.attributes))] = float(p.count)
                        out[(base + "_sum", labels(p.attributes))] = p.sum
                else:
                    raise AssertionError(f"{m.name}: unexpected OTLP type {kind}")
    return out


def fmt(x: float) -> str:
    """A quantile or le, compared as a number (norm_labels)."""
    return "+Inf" if math.isinf(x) else repr(float(x))


def norm_labels(labels: tuple) -> tuple:
    return tuple((k, fmt(float(v)) if k in ("le", "quantile") else v) for k, v in labels)


def family_of_sample(name: str) -> str:
    return re.sub(r"(_total|_info|_count|_sum|_bucket)$", "", name)


def resource(req) -> dict:
    return {a.key: a.value.string_value for a in req.resource_metrics[0].resource.attributes}


def otel_config(tmp_path, base: str, receiver_port: int, extra: str = "") -> str:
    with open(base) as f:
        text = f.read()
    cfg = tmp_path / "otel.yaml"
    cfg.write_text(text + f"""
openTelemetry:
  endpoint: http://127.0.0.1:{receiver_port}
  protocol: http/protobuf
  interval: 1
  timeoutSeconds: 2
  serviceName: otlp-test
  serviceVersion: "1.2"
  resourceAttributes:
    deployment.environment: it
    service.name: overridden-by-serviceName
  headers:
    X-Scope-OrgID: tenant-1
{extra}""")
    return str(cfg)


def test_push_has_every_sample_of_the_scrape(jvms, config_path, tmp_path):
    """Combined mode (port and openTelemetry): the pushed samples are the
    scraped ones, sample by sample; values equal where they do not move."""
    rx = Receiver()
    try:
        cfg = otel_config(tmp_path, config_path("01_default"), rx.port)
        j = jvms("ours", cfg).start()
        # After the first walks: autoExcludeObjectNameAttributes drops an
        # attribute from the second walk on (Fixture.java, "code").
        rx.wait(2, 15)
        scraped = j.scrape()
        n = rx.count()
        headers, req = rx.wait(n + 1, 10)     # a push after the scrape
        pushed = prom_samples(req)
        want = {(s.name, norm_labels(s.labels)): s.value for f in scraped.families.values()
                for s in f.samples}
        missing, wrong = [], []
        for key, v in want.items():
            fam = family_of_sample(key[0])
            if LIVE.is_optional(fam):
                continue
            if key not in pushed:
                missing.append(key)
            elif not LIVE.is_live(fam) and not fam.startswith("jmx_") and \
                    not fam.startswith("jmxagent_") and \
                    not (pushed[key] == v or (math.isnan(v) and math.isnan(pushed[key]))):
                wrong.append((key, v, pushed[key]))
        extra = [k for k in pushed if k not in want
                 and not LIVE.is_optional(family_of_sample(k[0]))]
        assert not missing, f"{len(missing)} scraped samples not pushed, e.g. {missing[:10]}"
        assert not wrong, f"{len(wrong)} values differ (scraped, pushed), e.g. {wrong[:10]}"
        assert not extra, f"{len(extra)} pushed samples /metrics does not show: {extra[:10]}"
        assert len(pushed) > 100
        res = resource(req)
        assert res["service.name"] == "otlp-test"
        assert res["service.version"] == "1.2"
        assert res["deployment.environment"] == "it"
        assert headers.get("X-Scope-OrgID") == "tenant-1"
        # Units and descriptions as client_java's exporter gives them.
        metrics = {m.name: m for m in req.resource_metrics[0].scope_metrics[0].metrics}
        assert metrics["jvm_gc_pause"].unit == "s"
        assert metrics["jvm_gc_pause"].WhichOneof("data") == "histogram"
        assert metrics["jvm_memory_used"].unit == "By"
        assert metrics["jvm_memory_used"].description
        assert metrics["process_cpu"].sum.is_monotonic
        assert j.jni_warnings() == []
    finally:
        rx.close()


def test_push_only_receiver_down_then_up_and_exit(jvms, config_path, tmp_path):
    """The config-only form (no port: push only, nothing listens).  While the
    receiver is down each interval costs one WARN line; once it is up the
    pushes arrive; main returns and the JVM exits 0 at once."""
    port = harness.free_port()
    cfg = otel_config(tmp_path, config_path("01_default"), port)
    done = tmp_path / "main-returns"
    j = jvms("ours", cfg, options=cfg, fixture_args=["--until", str(done)], wait_http=False).start()
    # The first attempt comes one interval after the start, after a walk
    # (JMX started): seconds on a loaded machine.  From then on at most one
    # line per interval (1 s): at most 3 in the next 2.5 s.
    j.wait_for_line("failed:", 30)
    first = j.output().count("failed:")
    time.sleep(2.5)
    fails = j.output().count("failed:")
    assert first >= 1 and fails - first <= 3, j.output()
    assert not harness.port_open(j.port)
    rx = Receiver(port)
    try:
        rx.wait(1, 10)
        # The receiver has the push before the agent has the answer and
        # logs that it works again: wait for the line.
        j.wait_for_line("works again", 10)
        # An attempt that began before the receiver was up may still have
        # failed after `fails` was counted; none may fail after it works.
        fails = j.output().count("failed:")
        done.write_text("")
        j.wait_for_line("MAIN RETURNS", 15)
        t0 = time.monotonic()
        code = j.wait_exit(10)
        assert code == 0, j.output()
        assert time.monotonic() - t0 < 5
        assert j.output().count("failed:") == fails, j.output()
    finally:
        rx.close()
