"""Shared fixtures of the integration tests.

Runs: each (agent, config) pair is run ONCE per session: start the fixture
JVM with that agent and config, GET /metrics twice (jmx_exporter 1.x shows
its self metrics one scrape late, and auto-exclusion acts from the second
scrape; ours gets the second one after its minScrapeIntervalSeconds, as from
one Prometheus scrape to the next, so it is a walk of its own), stop it.  The runs of one agent are prefetched a few at a time so
the suite stays within its time budget on 2 cores.
"""

from __future__ import annotations

import concurrent.futures
import glob
import os
import shutil
import threading

import pytest

import harness
import pbdecode

CONFIG_FILES = sorted(glob.glob(os.path.join(harness.CONFIGS, "*.yaml")))
PARALLEL = int(os.environ.get("IT_PARALLEL", "3"))


def config_id(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


class Run:
    """What one JVM run produced."""

    def __init__(self, agent: str, config: str):
        self.agent = agent
        self.config = config
        self.responses = []     # two harness.Response
        self.pb = None          # a third request, protobuf and gzip (pbdecode.ACCEPT)
        self.output = ""
        self.exit_code = None
        self.error = None       # an exception: the run itself failed

    def expo(self, i: int):
        return harness.expo_mod.parse(self.responses[i].text)


def _run(agent: str, config: str) -> Run:
    r = Run(agent, config)
    # "jar2" is a second, independent run of the jar: the harness checks
    # itself by comparing the jar with the jar.
    jvm = harness.Jvm("jar" if agent == "jar2" else agent, config,
                      name=f"{agent}-{config_id(config)}")
    pb_headers = {"Accept": pbdecode.ACCEPT, "Accept-Encoding": "gzip"}
    try:
        with jvm:
            r.responses.append(jvm.get("/metrics"))
            jvm.after_interval()
            if jvm.agent == "ours":
                # The protobuf request must get the second's result, to be
                # held against it: ours shares a walk with the requests that
                # arrive within minScrapeIntervalSeconds of its start.  Sent
                # one after the other they may not (a walk on a loaded
                # machine lasts longer than that): both at once.
                with concurrent.futures.ThreadPoolExecutor(1) as pool:
                    pb = pool.submit(jvm.get, "/metrics", headers=pb_headers)
                    r.responses.append(jvm.get("/metrics"))
                    r.pb = pb.result()
            else:
                r.responses.append(jvm.get("/metrics"))
                r.pb = jvm.get("/metrics", headers=pb_headers)
    except Exception as e:   # kept and re-raised by the test that needs it
        r.error = e
    r.output = jvm.output()
    r.exit_code = jvm.proc.returncode if jvm.proc else None
    return r


class Runs:
    def __init__(self, wanted=None):
        self._lock = threading.Lock()
        self._futures = {}
        self._pool = concurrent.futures.ThreadPoolExecutor(PARALLEL)
        self._wanted = wanted      # configs the selected tests use (None: all)

    def prefetch(self, agent: str):
        with self._lock:
            for c in CONFIG_FILES:
                if self._wanted is not None and c not in self._wanted:
                    continue
                if (agent, c) not in self._futures:
                    self._futures[(agent, c)] = self._pool.submit(_run, agent, c)

    def get(self, agent: str, config: str) -> Run:
        if agent == "ours":
            harness.require_ours()
        self.prefetch(agent)
        with self._lock:
            if (agent, config) not in self._futures:
                self._futures[(agent, config)] = self._pool.submit(_run, agent, config)
            f = self._futures[(agent, config)]
        return f.result(timeout=300)

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)


def pytest_configure(config):
    # `timeout` (make test-it's outer guard) ends pytest with SIGTERM: the
    # fixture JVMs, each in a session of its own, go with it.
    harness.kill_running_on_sigterm()


@pytest.fixture(scope="session", autouse=True)
def fixture_classes():
    shutil.rmtree(harness.LOGS, ignore_errors=True)     # this session's JVM logs only
    return harness.compile_fixture()


@pytest.hookimpl(trylast=True)      # after -k / -m deselection
def pytest_collection_modifyitems(session, config, items):
    """Remember which configs the selected tests use, to prefetch only those."""
    wanted = set()
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        c = params.get("config")
        if c is None:
            continue
        for f in CONFIG_FILES:
            if c in (f, config_id(f)):
                wanted.add(f)
    config._it_wanted_configs = wanted


@pytest.fixture(scope="session")
def runs(request):
    r = Runs(getattr(request.config, "_it_wanted_configs", None))
    yield r
    r.close()


@pytest.fixture(scope="session")
def jar_version():
    harness.require_jar()
    return harness.jar_version()


@pytest.fixture
def jvms():
    """make(*args) starts a harness.Jvm; each is stopped at the test's end
    and ours must have printed no -Xcheck:jni warning."""
    started = []

    def make(*a, **kw):
        j = harness.Jvm(*a, **kw)
        started.append(j)
        return j
    yield make
    for j in started:
        j.stop()
        if j.agent == "ours":
            assert not j.jni_warnings(), "JNI warnings:\n" + "\n".join(j.jni_warnings())


@pytest.fixture
def config_path():
    def path(name: str) -> str:
        for c in CONFIG_FILES:
            if config_id(c) == name:
                return c
        raise KeyError(name)
    return path


def pytest_terminal_summary(terminalreporter):
    """Which known differences the differential test applied."""
    applied = getattr(terminalreporter.config, "_it_differences", None)
    if applied:
        import differences
        terminalreporter.section("known differences applied (test/it/differences.py)")
        for name, per_config in applied.items():
            d = differences.get(name)
            terminalreporter.write_line(f"{name}: {d.reason}")
            for config, details in sorted(per_config.items()):
                terminalreporter.write_line(f"    {config}: {', '.join(details)}")
