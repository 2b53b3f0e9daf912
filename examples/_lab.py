"""Small helpers shared by the example jobs (kept dependency-free)."""
import os
import sys
import time


def hold(done_file, release_file, linger):
    """Tell a watcher the work is done, then keep the application (driver and
    executors, with their metrics) alive until release_file exists or linger
    seconds have passed, so the final counter values can be scraped."""
    if done_file:
        tmp = done_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.replace(tmp, done_file)
    end = time.monotonic() + max(0.0, linger)
    while time.monotonic() < end:
        if release_file and os.path.exists(release_file):
            break
        time.sleep(0.2)


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)
