"""The ONE list of known, deliberate differences between our agent and the
reference jar (build/jmx_prometheus_javaagent.jar), and the ONE list of
"live" families whose values move between two JVM runs.

The differential test (test_differential.py) compares the two expositions
and explains each difference by the first entry below that matches it; it
reports which entries it applied.  Anything not explained fails the test.

A Difference matches a diff item when ALL of its given criteria hold:
  configs      config file stems it applies to (empty: every config)
  kinds        diff kinds: missing | extra | value | value-format | type |
               unit | help (empty: every kind)
  families     regexes, full match, on the family name (empty: any)
  jar_below    applies only while the reference jar is older than this
               version (e.g. "1.1.0")
  jar_status   applies only when the jar answered /metrics with this status
  whole_config the config is not compared sample by sample at all (the
               entry is applied once, as a whole)
  predicate    f(item, ctx) -> bool for anything finer
  scope        "samples" (applied by the differential test) or "http" /
               "lifecycle": behaviour the HTTP and life-cycle tests assert
               for our agent while the jar does otherwise (those tests look
               their entry up here with get(name), so the list stays here);
               "newer": where ours differs from a jmx_exporter newer than the
               reference jar (from its source; test_exact.py asserts ours)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

# -- live families -------------------------------------------------------------
# Values of these families move between runs (memory, threads, CPU, uptime,
# GC, class counts, scrape durations): only names, label sets and types are
# compared.  Matched on the family name, after lower-casing.
LIVE_PREFIXES = (
    "java_lang_",            # every platform MXBean under default export
    "jvm_",                  # client_java JvmMetrics, and jvm_* rule names
    "process_",
    "com_sun_management_",
    "java_nio_",
    "jdk_",
    "sun_management_",
    "java_util_logging_",
    "javax_management_",
    "jmx_scrape_duration_seconds",
)

# Families whose very presence depends on what the JVM did (a GC happened,
# a pool was used), not on the agent.  Presence and values are not compared.
OPTIONAL_PATTERNS = (
    r".*lastgcinfo.*",                       # GarbageCollector LastGcInfo
    r"jvm_memory_pool_allocated_bytes.*",    # the jar's, only after a GC notification;
                                             # ours has none (README: it needs a Java
                                             # NotificationListener)
)


class Live:
    def is_live(self, family: str) -> bool:
        f = family.lower()
        return f.startswith(LIVE_PREFIXES) or self.is_optional(family)

    def is_optional(self, family: str) -> bool:
        f = family.lower()
        return any(re.fullmatch(p, f) for p in OPTIONAL_PATTERNS)


LIVE = Live()


class NothingLive(Live):
    """Every family compared, values included: two scrapes of one result."""

    def is_live(self, family: str) -> bool:
        return False

    def is_optional(self, family: str) -> bool:
        return False


NOTHING_LIVE = NothingLive()


@dataclass
class Difference:
    name: str
    reason: str
    configs: tuple = ()
    kinds: tuple = ()
    families: tuple = ()
    jar_below: str | None = None
    jar_status: int | None = None
    whole_config: bool = False
    predicate: Callable | None = None
    scope: str = "samples"


def _multi_sample_family(item, ctx) -> bool:
    f = ctx["jar"].families.get(item.family) if ctx.get("jar") else None
    return f is not None and len(f.samples) > 1


DIFFERENCES = [
    Difference(
        name="include-object-name-attributes-needs-1.1",
        reason="includeObjectNameAttributes exists from jmx_exporter 1.1.0; the "
               "1.0.1 jar ignores the key and exports every attribute, our agent "
               "implements it (test_exact.py checks ours against the spec).",
        configs=("05_include_attrs",),
        jar_below="1.1.0",
        whole_config=True,
    ),
    Difference(
        name="infer-counter-type-needs-1.4",
        reason="inferCounterTypeFromName exists from jmx_exporter 1.4.0; older jars "
               "ignore it (test_exact.py checks ours against the spec).",
        configs=("22_infer_counter",),
        jar_below="1.4.0",
        whole_config=True,
    ),
    Difference(
        name="exclude-jvm-metrics-needs-1.4",
        reason="excludeJvmMetrics exists from jmx_exporter 1.4.0; older jars ignore "
               "it (test_exact.py checks ours against the spec).",
        configs=("23_exclude_jvm",),
        jar_below="1.4.0",
        whole_config=True,
    ),
    Difference(
        name="metric-customizers-needs-1.2",
        reason="metricCustomizers exists from jmx_exporter 1.2.0; the 1.0.1 jar ignores "
               "the key (and excludeJvmMetrics, 1.4.0) and default-exports every bean "
               "unchanged.  Our agent implements both as 1.6.0 does (test_exact.py checks "
               "ours against lines derived from 1.6.0's source, commit 3a7e226).",
        configs=("28_metric_customizers",),
        jar_below="1.2.0",
        whole_config=True,
    ),
    Difference(
        name="http-500-duplicate-label-names",
        reason="client_java 1.3.1 rejects a family whose samples have two labels "
               "with the same name after sanitising (a-b and a.b -> a_b; Type and "
               "TYPE lower-cased): jmx_exporter 1.0.1 answers HTTP 500 for the "
               "whole scrape.  Our agent never answers 500 for a metrics problem "
               "(test_exact.py::test_ours_never_500).",
        configs=("18_dup_labels",),
        jar_status=500,
        whole_config=True,
    ),
    Difference(
        name="http-500-negative-counter",
        reason="client_java 1.3.1 rejects a COUNTER data point with a negative "
               "value ('counters cannot have a negative value'): jmx_exporter 1.0.1 "
               "answers HTTP 500 for the whole scrape.  Our agent never answers 500 "
               "for a metrics problem.",
        configs=("21_negative_counter",),
        jar_status=500,
        whole_config=True,
    ),
    Difference(
        name="help-of-multi-sample-family",
        reason="jmx_exporter takes a family's HELP from its first member in "
               "HashSet<ObjectName> iteration order (JmxScraper), an order a native "
               "agent cannot reproduce; HELP is compared only for one-sample "
               "families.",
        kinds=("help",),
        predicate=_multi_sample_family,
    ),
    Difference(
        name="build-info-identity",
        reason="jmx_exporter_build_info carries the exporter's own name and "
               "version labels (jmx_prometheus_javaagent, 1.0.1); ours names itself.",
        kinds=("missing", "extra", "value", "value-format", "help"),
        families=(r"jmx_exporter_build(_info)?",),   # OpenMetrics: info family without _info
    ),
    Difference(
        name="agent-own-metrics",
        reason="Families only our agent exports by design (docs/design.md §4 "
               "readiness, §7 the JVMTI GC pause histogram): jmxagent_*, "
               "jvm_gc_pause_seconds*.",
        kinds=("extra",),
        families=(r"jmxagent_.*", r"jvm_gc_pause_seconds.*"),
    ),
]


# jmx_exporter 1.x shows jmx_scrape_error and jmx_scrape_cached_beans one
# scrape late (client_java reads single collectors before the JmxCollector's
# collect() sets them; the first scrape shows 0).  A scrape's own error flag
# belongs to that scrape: ours reports it there.
DIFFERENCES += [
    Difference(
        name="self-metrics-current-scrape",
        reason="jmx_exporter 1.x shows jmx_scrape_error / jmx_scrape_cached_beans of "
               "the previous scrape (client_java reads single collectors before the "
               "JmxCollector sets them); ours shows those of the scrape they describe.",
        kinds=("value",),
        families=(r"jmx_scrape_error", r"jmx_scrape_cached_beans"),
    ),
]

DIFFERENCES += [
    Difference(
        name="exact-paths",
        reason="client_java's JDK HttpServer matches contexts by string prefix: the "
               "1.0.1 jar serves metrics on /metricsx and /metrics/anything, and the "
               "HTML landing page on every other path (/foo -> 200).  Ours serves "
               "/metrics, /-/healthy and / exactly and answers 404 elsewhere.",
        scope="http",
    ),
    Difference(
        name="post-405",
        reason="The 1.0.1 jar answers any method (POST, PUT, DELETE) like GET; ours "
               "answers 405 Method Not Allowed to anything but GET and HEAD.",
        scope="http",
    ),
    Difference(
        name="accept-encoding-weights",
        reason="client_java 1.3 gzips only when an Accept-Encoding element is exactly "
               "'gzip' (case-insensitive): 'gzip;q=0.5', '*' and 'x-gzip' get no "
               "coding.  Ours follows RFC 9110 12.5.3: any weight above 0, '*' and "
               "x-gzip accept gzip, unless identity is named with a higher weight.",
        scope="http",
    ),
    Difference(
        name="busy-port-keeps-jvm",
        reason="The jar calls System.exit(1) when its port is taken (BindException, "
               "jmx_exporter #213/#242/#392/#647); ours logs one line naming the port "
               "and lets the JVM run (strict=true restores a failing start).",
        scope="lifecycle",
    ),
    Difference(
        name="bad-config-keeps-jvm",
        reason="The jar exits the JVM with status 1 on a config error at start; ours "
               "logs one line <file>:<line>: <key>: ... and lets the JVM run.",
        scope="lifecycle",
    ),
    Difference(
        name="empty-config-file",
        reason="jmx_exporter 1.0.1 refuses an empty config file at start (HTTPServerFactory: "
               "'Map is null', JVM exits 1) although the collector treats a null document "
               "as {}; ours treats it as {} and serves the default export.",
        scope="lifecycle",
    ),
    Difference(
        name="several-exporters-one-library",
        reason="jmx_exporter 1.3+ runs several exporters in one JVM through a separate "
               "isolator agent (-javaagent:jmx_prometheus_isolator_javaagent.jar="
               "/path/exporter1.jar=[host:]port:config1,/path/exporter2.jar=...), each jar "
               "in its own class loader, and calls System.exit(1) when any of them fails to "
               "start (IsolatorJavaAgent.premain, jmx_exporter 2f2f68dd). Ours needs no "
               "second artifact: exporter=[host:]port:config repeated in one option, or "
               "-agentpath given again with other options; an exporter that fails to start "
               "costs one error line and the others serve (strict=true stops the JVM). "
               "The same option string loaded twice is one exporter (Spark 3.4 to 4.0 "
               "repeat the executors' options). One scraper thread walks for every "
               "exporter in turn (docs/design.md §3).",
        scope="lifecycle",
    ),
]


# Against jmx_exporter 1.2-1.6 (the newer jars the differential test cannot
# run): where ours knowingly differs from what their source does, or
# follows a later commit than 1.6.0.  Asserted by test_exact.py.
DIFFERENCES += [
    Difference(
        name="customizer-null-attribute",
        reason="jmx_exporter 1.2-1.6.0 collects a customized bean's attributes with "
               "Collectors.toMap, which throws on a null value: one null attribute "
               "(and most beans have one) ends the walk with jmx_scrape_error 1.  Ours "
               "gives that attribute no label and walks on.",
        scope="newer",
    ),
    Difference(
        name="customizer-array-attribute",
        reason="An array attribute named in attributesAsLabels becomes a label whose "
               "value is the array's identity (\"[I@1b6d3586\", new in every JVM) in "
               "jmx_exporter; ours never reads array attributes and gives no label.",
        scope="newer",
    ),
    Difference(
        name="exclude-jvm-explicit-include",
        reason="excludeJvmMetrics does not remove a bean that an includeObjectNames "
               "entry names (and no excludeObjectNames entry removes), as jmx_exporter "
               "main after 1.6.0 does (commit 2fa937d, 'Fixed configuration "
               "precedence'); 1.4.0-1.6.0 removed the JVM domains anyway.",
        scope="newer",
    ),
    Difference(
        name="newer-http-keys-need-1.4-1.6",
        reason="The 1.0.1 jar ignores httpServer.metrics (metrics stay on /metrics) and "
               "takes a Basic-auth username or password written ${NAME} literally (tried: "
               "the literal text logs in, the variable's value gets 401).  Ours reads both "
               "as 1.6.0 does (test_http.py::test_ours_metrics_path_and_env_credentials).",
        scope="http",
    ),
    Difference(
        name="metrics-path-only",
        reason="With httpServer.metrics.path, jmx_exporter 1.6.0 serves the metrics on "
               "that path and still on /metrics (its security-header wrapper registers "
               "/metrics again, HTTPServerFactory.configureSecurityHeaders), and its "
               "index page links to /metrics.  Ours serves them on the configured path "
               "only (exactly, as every path: exact-paths) and links to it.",
        scope="newer",
    ),
    Difference(
        name="start-delay-port-bound",
        reason="With startDelaySeconds, jmx_exporter 1.6.0 opens its port only after the "
               "delay (connection refused until then; a taken port then exits the JVM); "
               "1.0.1 answered 500 during the delay.  Ours binds at start and serves the "
               "native metrics with jmxagent_jmx_ready 0 and no JMX walk until the "
               "delay is over: a port conflict shows at start, and Prometheus sees the "
               "target up.",
        scope="newer",
    ),
]


def get(name: str) -> Difference:
    for d in DIFFERENCES:
        if d.name == name:
            return d
    raise KeyError(name)


def _version_below(v: str, limit: str) -> bool:
    def t(x):
        return tuple(int(p) for p in re.findall(r"\d+", x)[:3])
    return t(v) < t(limit)


def applies(d: Difference, config: str, item, ctx) -> bool:
    if d.scope != "samples":
        return False
    if d.configs and config not in d.configs:
        return False
    if d.jar_below and not _version_below(ctx["jar_version"], d.jar_below):
        return False
    if d.jar_status is not None and ctx.get("jar_status") != d.jar_status:
        return False
    if item is None:            # whole-config check
        return d.whole_config
    if d.whole_config:
        return False
    if d.kinds and item.kind not in d.kinds:
        return False
    if d.families and not any(re.fullmatch(p, item.family) for p in d.families):
        return False
    if d.predicate and not d.predicate(item, ctx):
        return False
    return True


def whole_config_difference(config: str, ctx) -> Difference | None:
    for d in DIFFERENCES:
        if applies(d, config, None, ctx):
            return d
    return None


def explain(config: str, items, ctx):
    """Splits items into (explained {difference name: [items]}, unexplained)."""
    explained, unexplained = {}, []
    for it in items:
        for d in DIFFERENCES:
            if applies(d, config, it, ctx):
                explained.setdefault(d.name, []).append(it)
                break
        else:
            unexplained.append(it)
    return explained, unexplained
