"""Integration-test harness: start the fixture JVM with an agent, scrape it,
stop it, and compare expositions.

Every JVM is its own process on its own free loopback port, and every wait
has a deadline: a test never waits forever on a dead or hung JVM.

    with Jvm("jar", config) as jvm:            # or "ours"
        status, headers, body = jvm.get("/metrics")
        expo = jvm.scrape()                      # parsed 0.0.4 text

The reference agent is build/jmx_prometheus_javaagent.jar (.ci/fetch-jar.sh),
ours is build/libspark_jmxagent.so (make).
"""

from __future__ import annotations

import atexit
import base64
import functools
import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import expo as expo_mod

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
IT_DIR = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(IT_DIR, "configs")
FIXTURE_SRC = os.path.join(IT_DIR, "fixtures")
CLASSES = os.path.join(BUILD, "it", "classes")
JAR = os.path.join(BUILD, "jmx_prometheus_javaagent.jar")
JAR_VERSION_FILE = os.path.join(BUILD, "jmx_prometheus_javaagent.version")
# IT_AGENT points the suite at another build of ours (e.g. a sanitizer build).
OURS = os.path.abspath(os.environ.get("IT_AGENT") or os.path.join(BUILD, "libspark_jmxagent.so"))
LOGS = os.path.join(BUILD, "it", "logs")

# IT_JAVA_HOME runs the fixture JVMs on another JDK (make test-it-java25);
# the fixtures are compiled for Java 17, the oldest JVM the suite runs on.
JAVA_HOME = os.environ.get("IT_JAVA_HOME")
JAVA = os.path.join(JAVA_HOME, "bin", "java") if JAVA_HOME else shutil.which("java") or "java"
JAVAC = shutil.which("javac") or "javac"


@functools.lru_cache(maxsize=None)
def java_feature() -> int:
    """The feature release of JAVA (8 for "1.8.0_x", 25 for "25.0.3")."""
    out = subprocess.run([JAVA, "-version"], capture_output=True, text=True).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        raise RuntimeError(f"cannot read the version of {JAVA}: {out[:200]}")
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major
# Small, quick JVMs; the fixture needs little.
JVM_OPTS = ["-Xmx64m", "-Xms16m", "-XX:+UseSerialGC", "-Xshare:auto",
            "-XX:TieredStopAtLevel=1", "-Xcheck:jni"]
START_TIMEOUT = 20.0     # READY + port open
HTTP_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
# Our agent's default minScrapeIntervalSeconds: a request this soon after a
# walk began shares that walk's result.
MIN_SCRAPE_INTERVAL = 1.0

# Lines in the JVM's output that mean a JNI problem (-Xcheck:jni).
JNI_WARNING_RE = re.compile(r"WARNING in native method|FATAL ERROR in native method|"
                            r"(?i:^WARNING:.*\bJNI\b)|\bJNI\b.*\b[Ww]arning|JNI local refs")


class HarnessError(AssertionError):
    pass


def jar_version() -> str:
    try:
        with open(JAR_VERSION_FILE) as f:
            return f.read().strip()
    except OSError:
        return "0"


def version_tuple(v: str) -> tuple:
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3])


def compile_fixture() -> str:
    """javac the fixture into build/it/classes (only when a source is newer)."""
    srcs = sorted(os.path.join(FIXTURE_SRC, f) for f in os.listdir(FIXTURE_SRC)
                  if f.endswith(".java"))
    stamp = os.path.join(CLASSES, "Fixture.class")
    if os.path.exists(stamp) and all(os.path.getmtime(s) <= os.path.getmtime(stamp) for s in srcs):
        return CLASSES
    os.makedirs(CLASSES, exist_ok=True)
    r = subprocess.run([JAVAC, "-encoding", "UTF-8", "-d", CLASSES, *srcs],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise HarnessError("javac failed:\n" + r.stdout + r.stderr)
    return CLASSES


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(pred, timeout: float, step: float = 0.05):
    """pred() until it returns something true, at most timeout seconds:
    that value, or pred()'s falsy one at the deadline.  For what another
    thread or process does in its own time (a log line, a file, a
    counter): look until it is there, then assert on what was seen."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def end_process(p: subprocess.Popen, timeout: float) -> None:
    """SIGTERM, then SIGKILL if p has not exited within timeout."""
    p.terminate()
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def config_fixture_args(config: str) -> list:
    """A config may ask for fixture arguments with a line `# fixture: --bad`."""
    try:
        with open(config, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"#\s*fixture:\s*(.*)", line)
                if m:
                    return m.group(1).split()
    except OSError:
        pass
    return []


def config_scrape_auth(config: str) -> str | None:
    """A config may give the test credentials: `# scrape-auth: user:pass`."""
    try:
        with open(config, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"#\s*scrape-auth:\s*(\S+)", line)
                if m:
                    return m.group(1)
    except OSError:
        pass
    return None


def require_ours():
    """Our agent must exist: its tests fail (not skip) until it is built."""
    if not os.path.exists(OURS):
        raise HarnessError(f"{OURS} does not exist: build it with `make` "
                           "(tests of our agent fail until it builds)")


def require_jar():
    if not os.path.exists(JAR):
        raise HarnessError(f"{JAR} does not exist: run .ci/fetch-jar.sh")


# Every fixture JVM runs in a session of its own (start_new_session: a
# signal to pytest's process group does not reach it), so nothing ends it
# when pytest dies but the harness: the JVMs that may still run, killed
# (the whole process group) at interpreter exit and on SIGTERM, which is
# what `timeout` (make test-it's outer guard) sends; pytest handles Ctrl-C
# itself and runs every stop().  SIGKILL of pytest is covered by the
# parent-death signal each JVM gets (setpriv --pdeathsig, util-linux).
_RUNNING: set = set()
_RUNNING_LOCK = threading.RLock()     # the SIGTERM handler may run inside it
SETPRIV = shutil.which("setpriv")


def track(proc) -> None:
    """A JVM (subprocess.Popen) for kill_running(), until untrack(proc)."""
    with _RUNNING_LOCK:
        _RUNNING.add(proc)


def untrack(proc) -> None:
    with _RUNNING_LOCK:
        _RUNNING.discard(proc)


def kill_running() -> list:
    """SIGKILLs the process group of every JVM the harness started and has
    not stopped; returns their pids."""
    with _RUNNING_LOCK:
        procs = list(_RUNNING)
        _RUNNING.clear()
    killed = []
    for p in procs:
        # Not reaped yet (poll() is None): the pid, and so the group, is
        # still ours, never a reused one.
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
                killed.append(p.pid)
            except ProcessLookupError:
                pass
    return killed


atexit.register(kill_running)


def kill_running_on_sigterm() -> None:
    """On SIGTERM: kill the running JVMs at once, then let the previous
    handler (or the default: terminate) have the signal.  Main thread only."""
    previous = signal.getsignal(signal.SIGTERM)
    if previous == signal.SIG_IGN:
        return

    def on_term(signum, frame):
        kill_running()
        if callable(previous):
            previous(signum, frame)
        else:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
    signal.signal(signal.SIGTERM, on_term)


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Jvm:
    """The fixture JVM with one agent.

    agent: "jar" or "ours".  config: path of the YAML file.  port: None for a
    free one.  options: for ours, a complete option string instead of
    host:port:config (e.g. "port=1,config=x,strict=true").  wait_http: wait
    until the port accepts connections.
    """

    def __init__(self, agent: str, config: str | None = None, *, port: int | None = None,
                 options: str | None = None, fixture_args=None, jvm_opts=None,
                 wait_ready: bool = True, wait_http: bool = True, name: str | None = None,
                 main: str = "Fixture", env: dict | None = None):
        if agent not in ("jar", "ours"):
            raise ValueError(agent)
        self.agent = agent
        self.config = config
        self.port = port if port is not None else free_port()
        self.options = options
        self.fixture_args = list(fixture_args if fixture_args is not None else
                                 (config_fixture_args(config) if config else []))
        self.jvm_opts = list(jvm_opts or [])
        self.wait_ready = wait_ready
        self.wait_http = wait_http
        self.name = name or agent
        self.main = main          # another class of fixtures/ (Quiet, Hang)
        self.env = dict(env or {})  # added to the JVM's environment
        self.auth = config_scrape_auth(config) if config else None   # "user:pass"
        self.proc = None
        self.log_path = None
        self._log = None

    # -- life cycle -------------------------------------------------------
    def command(self) -> list:
        if self.agent == "jar":
            require_jar()
            arg = self.options or f"127.0.0.1:{self.port}:{self.config}"
            agent = f"-javaagent:{JAR}={arg}"
        else:
            require_ours()
            arg = self.options or f"127.0.0.1:{self.port}:{self.config}"
            agent = f"-agentpath:{OURS}={arg}"
        return [JAVA, *JVM_OPTS, *self.jvm_opts, agent, "-cp", compile_fixture(),
                self.main, *self.fixture_args]

    def start(self) -> "Jvm":
        cmd = self.command()
        os.makedirs(LOGS, exist_ok=True)
        fd, self.log_path = tempfile.mkstemp(prefix=f"{self.name}-{self.port}-",
                                             suffix=".log", dir=LOGS)
        self._log = os.fdopen(fd, "wb")
        env = dict(os.environ, **self.env) if self.env else None
        if self.agent == "ours" and os.environ.get("IT_JVM_PRELOAD"):
            # A sanitizer build of ours needs its runtime first in the JVM
            # (and only there, not in pytest or promtool).
            env = dict(env or os.environ, LD_PRELOAD=os.environ["IT_JVM_PRELOAD"])
        if SETPRIV:
            # KILL when the thread that started it dies: pytest itself
            # killed with SIGKILL leaves no JVM behind.
            cmd = [SETPRIV, "--pdeathsig", "KILL", "--", *cmd]
        with _RUNNING_LOCK:       # a SIGTERM now still finds it
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=subprocess.STDOUT, cwd=ROOT, env=env,
                                         start_new_session=True)
            track(self.proc)
        if self.wait_ready:
            self.wait_for_line("READY", START_TIMEOUT)
        if self.wait_http:
            self.wait_for_port(START_TIMEOUT)
        return self

    def output(self) -> str:
        if not self.log_path:
            return ""
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_for_line(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if not self.alive():
                raise HarnessError(f"JVM ({self.name}) exited with {self.proc.returncode} "
                                   f"before printing {text!r}; output:\n{self.output()}")
            time.sleep(0.05)
        raise HarnessError(f"JVM ({self.name}) did not print {text!r} in {timeout}s; "
                           f"output:\n{self.output()}")

    def wait_for_port(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_open(self.port):
                return
            # Ours says so when it will not serve: no need to wait it out.
            if self.agent == "ours" and "without the exporter" in self.output() \
                    and "READY" in self.output():
                time.sleep(0.5)
                if port_open(self.port):
                    return
                raise HarnessError(f"JVM ({self.name}): our agent does not serve port "
                                   f"{self.port}; output:\n{self.output()}")
            if not self.alive():
                raise HarnessError(f"JVM ({self.name}) exited with {self.proc.returncode} "
                                   f"before port {self.port} opened; output:\n{self.output()}")
            time.sleep(0.05)
        raise HarnessError(f"JVM ({self.name}): port {self.port} not open after {timeout}s; "
                           f"output:\n{self.output()}")

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code, or None if still running after timeout."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=STOP_TIMEOUT)
        untrack(self.proc)
        if self._log:
            self._log.close()
            self._log = None
        return self.proc.returncode

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()

    # -- HTTP ---------------------------------------------------------------
    def request(self, path: str = "/metrics", *, method: str = "GET", headers=None,
                data: bytes | None = None, timeout: float = HTTP_TIMEOUT) -> Response:
        url = f"http://127.0.0.1:{self.port}{path}"
        headers = dict(headers or {})
        if self.auth and "Authorization" not in headers:
            headers["Authorization"] = "Basic " + base64.b64encode(self.auth.encode()).decode()
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Response(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as e:
            body = e.read() if e.fp else b""
            return Response(e.code, {k.lower(): v for k, v in e.headers.items()}, body)

    def get(self, path: str = "/metrics", **kw) -> Response:
        return self.request(path, **kw)

    def after_interval(self) -> None:
        """Waits until our agent's next request gets a walk of its own (the
        default minScrapeIntervalSeconds), as from one Prometheus scrape to
        the next; the jar walks on every request."""
        if self.agent == "ours":
            time.sleep(MIN_SCRAPE_INTERVAL + 0.1)

    def scrape(self, path: str = "/metrics") -> expo_mod.Exposition:
        r = self.get(path)
        if r.status != 200:
            raise HarnessError(f"GET {path} ({self.name}) -> {r.status}: {r.body[:2000]!r}")
        return expo_mod.parse(r.text)

    def jni_warnings(self) -> list:
        return [l for l in self.output().splitlines() if JNI_WARNING_RE.search(l)]


def decode_body(r: Response) -> bytes:
    if r.headers.get("content-encoding") == "gzip":
        return gzip.decompress(r.body)
    return r.body


# -- promtool ----------------------------------------------------------------

PROMTOOL = shutil.which("promtool")


def promtool_check(text: str) -> tuple:
    """(ok, output).  promtool exits 1 on a parse error and 3 on lint
    problems (naming advice such as camelCase); only parse errors fail."""
    if PROMTOOL is None:
        raise HarnessError("promtool not found (Debian package prometheus, .ci/deps.sh)")
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode("utf-8"),
                       capture_output=True, timeout=60)
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    ok = r.returncode in (0, 3) and "error while linting" not in out
    return ok, out


# -- differential comparison -------------------------------------------------

@dataclass
class DiffItem:
    kind: str            # missing | extra | value | value-format | type | unit | help
    family: str
    sample: str | None = None
    labels: tuple = ()
    jar: object = None
    ours: object = None

    def __str__(self) -> str:
        where = expo_mod.format_sample(self.sample, self.labels, "").rstrip() if self.sample else self.family
        if self.kind == "missing":
            return f"missing in ours: {where} {self.jar}"
        if self.kind == "extra":
            return f"extra in ours:   {where} {self.ours}"
        return f"{self.kind} differs: {where}: jar={self.jar!r} ours={self.ours!r}"


@dataclass
class Comparison:
    items: list = field(default_factory=list)
    compared_values: int = 0
    compared_samples: int = 0


def compare(jar: expo_mod.Exposition, ours: expo_mod.Exposition, live) -> Comparison:
    """Sample-set comparison.  live.is_live(family) -> values not compared;
    live.is_optional(family) -> presence not compared either."""
    c = Comparison()
    js, os_ = jar.samples(), ours.samples()
    jfam = {s: f.name for f in jar.families.values() for s in f.samples}
    ofam = {s: f.name for f in ours.families.values() for s in f.samples}
    jf_by_key = {k: jfam[s] for k, s in js.items()}
    of_by_key = {k: ofam[s] for k, s in os_.items()}
    for key, s in sorted(js.items()):
        fam = jf_by_key[key]
        o = os_.get(key)
        if o is None:
            if not live.is_optional(fam):
                c.items.append(DiffItem("missing", fam, s.name, s.labels, jar=s.text))
            continue
        c.compared_samples += 1
        if live.is_live(fam):
            continue
        c.compared_values += 1
        if o.text != s.text:
            same = (o.value == s.value) or (o.value != o.value and s.value != s.value)
            c.items.append(DiffItem("value-format" if same else "value", fam, s.name,
                                    s.labels, jar=s.text, ours=o.text))
    for key, o in sorted(os_.items()):
        if key not in js:
            fam = of_by_key[key]
            if not live.is_optional(fam):
                c.items.append(DiffItem("extra", fam, o.name, o.labels, ours=o.text))
    for name, f in jar.families.items():
        g = ours.families.get(name)
        if g is None or not f.samples or not g.samples:
            continue
        if f.type != g.type:
            c.items.append(DiffItem("type", name, jar=f.type, ours=g.type))
        if f.unit != g.unit:
            c.items.append(DiffItem("unit", name, jar=f.unit, ours=g.unit))
        if f.help != g.help and not live.is_live(name):
            c.items.append(DiffItem("help", name, jar=f.help, ours=g.help))
    return c


def format_items(items, limit: int = 60) -> str:
    by_kind = {}
    for it in items:
        by_kind.setdefault(it.kind, []).append(it)
    out = []
    for kind in ("missing", "extra", "value", "value-format", "type", "unit", "help"):
        lst = by_kind.get(kind, [])
        if not lst:
            continue
        out.append(f"--- {kind} ({len(lst)})")
        for it in lst[:limit]:
            out.append("  " + str(it))
        if len(lst) > limit:
            out.append(f"  ... and {len(lst) - limit} more")
    return "\n".join(out)
