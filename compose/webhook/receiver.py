#!/usr/bin/env python3
"""Webhook receiver for the lab's Alertmanager (Python standard library only).

POST /alerts (or any path) with Alertmanager's webhook JSON (version 4):
each alert of the notification is appended as one JSON line to the record
file, with the receive time and the notification's status, receiver and
group key. GET /alerts returns the recorded lines as a JSON array,
GET /-/healthy answers "ok".

    receiver.py --listen 127.0.0.1:19095 --out build/lab/alerts.jsonl
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 4 << 20  # Alertmanager batches are small; refuse anything absurd.


class Recorder:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        d = os.path.dirname(os.path.abspath(path))
        os.makedirs(d, exist_ok=True)

    def record(self, notification):
        now = time.time()
        lines = []
        for alert in notification.get("alerts", []):
            lines.append(json.dumps({
                "received_at": now,
                "receiver": notification.get("receiver"),
                "notification_status": notification.get("status"),
                "group_key": notification.get("groupKey"),
                "status": alert.get("status"),
                "labels": alert.get("labels", {}),
                "annotations": alert.get("annotations", {}),
                "startsAt": alert.get("startsAt"),
                "endsAt": alert.get("endsAt"),
                "fingerprint": alert.get("fingerprint"),
            }, sort_keys=True))
        with self.lock, open(self.path, "a", encoding="utf-8") as f:
            for line in lines:
                f.write(line + "\n")
            f.flush()
        return len(lines)

    def read(self):
        with self.lock:
            try:
                with open(self.path, encoding="utf-8") as f:
                    return [json.loads(l) for l in f if l.strip()]
            except FileNotFoundError:
                return []


def make_handler(recorder, quiet):
    class Handler(BaseHTTPRequestHandler):
        server_version = "lab-webhook/1"

        def _reply(self, code, body, ctype="application/json"):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path in ("/-/healthy", "/-/ready"):
                self._reply(200, "ok\n", "text/plain")
            elif self.path.split("?")[0] in ("/", "/alerts"):
                self._reply(200, json.dumps(recorder.read()) + "\n")
            else:
                self._reply(404, '{"error":"not found"}\n')

        def do_POST(self):
            try:
                n = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                n = -1
            if n < 0 or n > MAX_BODY:
                self._reply(413 if n > MAX_BODY else 411, '{"error":"bad length"}\n')
                return
            raw = self.rfile.read(n)
            try:
                notification = json.loads(raw)
                if not isinstance(notification, dict):
                    raise ValueError("not an object")
            except ValueError as e:
                self._reply(400, json.dumps({"error": "bad JSON: %s" % e}) + "\n")
                return
            count = recorder.record(notification)
            self._reply(200, json.dumps({"recorded": count}) + "\n")

        def log_message(self, fmt, *args):
            if not quiet:
                sys.stderr.write("webhook: %s %s\n" % (self.address_string(), fmt % args))

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", default=os.environ.get("WEBHOOK_LISTEN", "127.0.0.1:19095"),
                    help="host:port to listen on (default %(default)s)")
    ap.add_argument("--out", default=os.environ.get("WEBHOOK_OUT", "alerts.jsonl"),
                    help="file the alerts are appended to, one JSON object a line")
    ap.add_argument("--quiet", action="store_true", help="no request log")
    a = ap.parse_args()
    host, _, port = a.listen.rpartition(":")
    server = ThreadingHTTPServer((host or "0.0.0.0", int(port)), make_handler(Recorder(a.out), a.quiet))
    server.daemon_threads = True
    sys.stderr.write("webhook: listening on %s, recording to %s\n" % (a.listen, a.out))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
