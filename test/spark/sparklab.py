"""Helpers of the Spark end-to-end test: the cluster (test/spark/lab.sh),
spark-submit runs, file_sd discovery, scraping and a small parser for the
Prometheus text format.  Every wait is bounded; every process started here is
killed by its process group at the end."""
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(HERE, "lab.sh")
sys.path.insert(0, os.path.join(ROOT, "rules"))
import gen_rules  # noqa: E402  (the family table behind rules/*.yml)


def lab_env():
    """The environment of lab.sh: LAB_* from make, or the lab.sh defaults."""
    out = subprocess.run(["bash", LAB, "env"], capture_output=True, text=True, check=True, timeout=30).stdout
    env = {}
    for line in out.splitlines():
        for m in re.finditer(r"(\w+)='([^']*)'", line):
            env[m.group(1)] = m.group(2)
    return env


def lab(cmd, timeout=180):
    r = subprocess.run(["bash", LAB, cmd], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError("lab.sh %s failed (%d):\n%s\n%s" % (cmd, r.returncode, r.stdout, r.stderr))
    return r.stdout


def wait_until(what, fn, timeout, interval=0.5):
    """Poll fn() until it returns something true; AssertionError after timeout."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - keep polling, report the last error
            last = e
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is not alive
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


class Submit:
    """One spark-submit run in its own session (its process group is killed
    by kill()), with the done/release/go files of examples/_lab.py."""

    def __init__(self, name, workdir, job, args, env=None, submit_opts=(), go=False):
        self.name, self.dir = name, os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        for f in ("done", "release", "go"):
            p = os.path.join(self.dir, f)
            if os.path.exists(p):
                os.unlink(p)
        self.done = os.path.join(self.dir, "done")
        self.release_file = os.path.join(self.dir, "release")
        self.go_file = os.path.join(self.dir, "go")
        self.log = os.path.join(self.dir, "submit.log")
        e = dict(os.environ)
        e.pop("SPARK_ENV_LOADED", None)
        e.update(env or {})
        argv = ["bash", LAB, "submit", *submit_opts, os.path.join(ROOT, "examples", job), *args,
                "--done-file", self.done, "--release-file", self.release_file]
        if go:
            argv += ["--go-file", self.go_file]
        self.t0 = time.monotonic()
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=e, start_new_session=True, cwd=self.dir)

    def is_done(self):
        if self.proc.poll() is not None and not os.path.exists(self.done):
            raise AssertionError("%s exited (%s) before its work was done:\n%s" % (
                self.name, self.proc.returncode, self.tail()))
        return os.path.exists(self.done)

    def go(self):
        open(self.go_file, "w").close()

    def release(self):
        open(self.release_file, "w").close()

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("%s did not exit within %ss after release:\n%s" % (self.name, timeout, self.tail()))

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def tail(self, n=40):
        try:
            with open(self.log) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


def sd_targets(sd_dir):
    """[(role, 'host:port', pid, path)] from the agent's file_sd files."""
    out = []
    for path in sorted(glob.glob(os.path.join(sd_dir, "jmxagent-*.json"))):
        try:
            with open(path) as f:
                groups = json.load(f)
        except (OSError, ValueError):
            continue  # being written or removed
        for g in groups:
            for t in g["targets"]:
                out.append((g["labels"].get("spark_role"), t, int(g["labels"].get("pid", 0)), path, g["labels"]))
    return out


class Scrape:
    def __init__(self, target, text, seconds, tag=""):
        self.target, self.text, self.seconds, self.tag = target, text, seconds, tag
        self.samples = parse(text)
        self.types = {m.group(1): m.group(2) for m in re.finditer(r"^# TYPE (\S+) (\S+)$", text, re.M)}

    def families(self):
        return set(self.types) | {s[0] for s in self.samples}

    def get(self, name, **labels):
        return [v for n, l, v in self.samples if n == name and all(l.get(k) == w for k, w in labels.items())]

    def value(self, name, **labels):
        vals = self.get(name, **labels)
        assert len(vals) == 1, "%s %s on %s: %d samples" % (name, labels, self.target, len(vals))
        return vals[0]


def scrape(target, tag="", timeout=10):
    t0 = time.monotonic()
    with urllib.request.urlopen("http://%s/metrics" % target, timeout=timeout) as r:
        text = r.read().decode("utf-8")
    return Scrape(target, text, time.monotonic() - t0, tag)


_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')


def parse(text):
    """[(name, {label: value}, float)] of a text-format exposition."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if "{" in line:
            name, rest = line.split("{", 1)
            body, value = rest.rsplit("}", 1)
            labels, pos = {}, 0
            while pos < len(body):
                m = _LABEL.match(body, pos)
                if not m:
                    raise ValueError("bad labels in %r" % line)
                labels[m.group(1)] = m.group(2).encode().decode("unicode_escape")
                pos = m.end()
        else:
            name, value = line.split(None, 1)
            labels = {}
        out.append((name.strip(), labels, float(value.split()[0])))
    return out


def promtool_check(text):
    """promtool check metrics output (empty when clean)."""
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    return (r.stdout + r.stderr).strip() if r.returncode != 0 or r.stdout.strip() or r.stderr.strip() else ""
