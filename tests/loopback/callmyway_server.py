# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A local stand-in for CallMyWay's HTTPS API (seed 001), for tests.

Serves ``/Welcome/ClickToDialExtenal`` and ``/getCdrs.php`` on 127.0.0.1 at
an ephemeral port, in a background thread. Every request is recorded with
its raw query string and arrival time (``time.monotonic``).

    with CallMyWayServer(cdrs=[...]) as server:
        client = CallMyWayClient(GatewayConfig(base_url=server.url, ...))
"""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    path: str
    query: str  # raw, as sent
    params: dict  # parsed, one value per key
    at: float  # time.monotonic() on arrival


def sample_cdr(callid, **values):
    """A CDR in the shape getCdrs.php answers (seed 001)."""
    record = {
        "callid": str(callid),
        "ani": "1001",
        "dnis": "551134567890",
        "detect_time": "2024-05-02 10:00:00",
        "connect_time": "2024-05-02 10:00:05",
        "duration": "60",
        "ani_user": "8000001",
        "dnis_user": "",
        "cost": "0.12",
        "access_fee": "0",
        "rate": "0.12",
        "route_pattern": "5511",
        "route_name": "Brazil Sao Paulo",
    }
    record.update(values)
    return record


class CallMyWayServer:
    def __init__(
        self,
        username="8000001",
        password="s3cret",
        cdrs=None,
        recent_cdrs=None,
        fail_times=0,
        fail_status=503,
        click_body="OK",
        ignore_paging=False,
    ):
        self.username = username
        self.password = password
        self.cdrs = list(cdrs or [])
        self.recent_cdrs = list(recent_cdrs or [])
        # The next ``fail_times`` requests answer ``fail_status``.
        self.fail_times = fail_times
        self.fail_status = fail_status
        self.click_body = click_body
        self.ignore_paging = ignore_paging
        self.requests = []
        self._lock = threading.Lock()
        self._httpd = None
        self._thread = None

    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # Handling ----------------------------------------------------------
    def handle(self, handler):
        parts = urlsplit(handler.path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append(
                Request(parts.path, parts.query, params, time.monotonic())
            )
            failing = self.fail_times > 0
            if failing:
                self.fail_times -= 1
        if failing:
            return self._send(handler, self.fail_status, "Service Unavailable")
        if (
            params.get("username") != self.username
            or params.get("password") != self.password
        ):
            return self._send(handler, 401, "Unauthorized")
        if parts.path == "/Welcome/ClickToDialExtenal":
            if not params.get("first_num") or not params.get("second_num"):
                return self._send(handler, 400, "missing numbers")
            return self._send(handler, 200, self.click_body)
        if parts.path == "/getCdrs.php":
            return self._send(handler, 200, json.dumps(self._cdrs(params)))
        return self._send(handler, 404, "Not Found")

    def _cdrs(self, params):
        if params.get("recent") == "1":
            return self.recent_cdrs
        ini, cant = int(params.get("ini", 0)), int(params.get("cant", 10))
        if self.ignore_paging:
            return self.cdrs[:cant]
        return self.cdrs[ini : ini + cant]

    @staticmethod
    def _send(handler, status, body):
        data = body.encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
