# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Call-event webhook throughput and latency against an Odoo server.

    scripts/bench.sh webhook [--calls 2000] [--concurrency 1]
    python3 benchmarks/webhook.py --url http://localhost:8069 --db isp_telephony_demo

Through scripts/bench.sh (``--config`` given, no ``--url``) it serves the
benchmark database itself on a free loopback port for the run and stops that
server at the end; with ``--url`` it uses a server that is already running.

Through XML-RPC (as the admin) it creates a CallMyWay integration with a
known webhook secret and an agent for the admin, then posts ``--calls``
webhook calls (half ``callStart``, half ``callEnd``, distinct call ids; a
quarter of the numbers belong to a demo contact) from ``--concurrency``
clients. Prints a JSON last line with ``requests_per_s`` and ``p95_ms``.
Nothing is removed afterwards: the calls stay in the call log of that
database, so run it on a demo database.
"""

import argparse
import json
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import xmlrpc.client
from datetime import datetime, timezone

import requests

# Numbers: the demo bakery (one match) and numbers nobody has.
KNOWN_NUMBER = "551134567890"


def setup(url, db, login, password):
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    uid = common.authenticate(db, login, password, {})
    if not uid:
        sys.exit("benchmark: cannot log in as the admin through XML-RPC")
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")

    def call(model, method, *args, **kwargs):
        return models.execute_kw(db, uid, password, model, method, list(args), kwargs)

    token = secrets.token_urlsafe(24)
    suffix = datetime.now().strftime("%Y%m%d%H%M%S")
    integration_id = call(
        "isp.telephony.integration",
        "create",
        {
            "name": f"Webhook benchmark {suffix}",
            "gateway": "callmyway",
            "access_host": "https://callmyway.invalid",
            "area_code": "11",
            "timezone": "UTC",
            "webhook_secret": token,
        },
    )
    endpoint = f"bench{suffix}"
    call(
        "isp.telephony.agent",
        "create",
        {"user_id": uid, "integration_id": integration_id, "endpoint": endpoint},
    )
    return integration_id, token, endpoint


def body(action, callid, endpoint, number):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    data = {
        "callid": callid,
        "account_id": "1",
        "endpoint_id": endpoint,
        "ani": number,
        "dnis": endpoint,
        "detect_time": now,
        "connect_time": now if action == "callEnd" else "1970-01-01 00:00:00",
        "disconnect_time": now if action == "callEnd" else "",
        "duration": "30" if action == "callEnd" else "0",
        "type": "in",
        "cost": "0.10",
    }
    return json.dumps({"action": action, "data": data})


def run(url, integration_id, token, endpoint, calls, concurrency):
    target = f"{url}/isp_telephony/webhook/{integration_id}?token={token}"
    run_id = secrets.token_hex(4)
    jobs = []
    for index in range(calls // 2):
        number = KNOWN_NUMBER if index % 4 == 0 else f"5511{30000000 + index}"
        callid = f"{run_id}-{index}"
        jobs.append(("callStart", callid, number))
        jobs.append(("callEnd", callid, number))
    latencies, errors = [], []
    lock = threading.Lock()
    cursor = {"next": 0}

    def worker():
        session = requests.Session()
        session.headers["Content-Type"] = "application/json"
        while True:
            with lock:
                index = cursor["next"]
                cursor["next"] += 1
            if index >= len(jobs):
                return
            action, callid, number = jobs[index]
            payload = body(action, callid, endpoint, number)
            started = time.perf_counter()
            response = session.post(target, data=payload, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status_code != 200 or response.json() != {"ack": "ok"}:
                    errors.append(response.status_code)

    # Warm-up, not measured: first requests load code and caches.
    requests.post(
        target,
        data=body("callStart", f"{run_id}-warm", endpoint, KNOWN_NUMBER),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "bench": "webhook",
        "requests": len(latencies),
        "concurrency": concurrency,
        "errors": len(errors),
        "wall_s": round(wall, 3),
        "requests_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 2),
        "max_ms": round(latencies[-1], 2),
    }


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="Odoo configuration: serve --db from it")
    parser.add_argument("--url", help="a running server (default: serve --config)")
    parser.add_argument("--db", default="isp_telephony_demo")
    parser.add_argument(
        "--http-port",
        type=int,
        default=0,
        help="port to serve on (default: a free one)",
    )
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=1)
    return parser


def serve(config, db, port=0):
    """Start Odoo on ``config``/``db`` on loopback ``port`` (0: a free one);
    returns the process and its URL once the server answers."""
    if not port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-c",
        "import odoo; from odoo.cli.command import main; main()",
        "server",
        "-c",
        config,
        "-d",
        db,
        f"--db-filter=^{db}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        "--workers=0",
        "--max-cron-threads=0",
        "--log-level=warn",
    ]
    process = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("benchmark: the Odoo server stopped before answering")
        try:
            requests.get(f"{url}/web/webinfo", timeout=30)
            return process, url
        except requests.RequestException:
            time.sleep(0.5)
    process.terminate()
    sys.exit("benchmark: the Odoo server did not answer within 120 s")


def main(argv=None):
    args = build_parser().parse_args(argv)
    server = None
    if args.url:
        url = args.url.rstrip("/")
    elif args.config:
        server, url = serve(args.config, args.db, args.http_port)
    else:
        url = "http://localhost:8069"
    try:
        integration_id, token, endpoint = setup(url, args.db, args.login, args.password)
        result = run(url, integration_id, token, endpoint, args.calls, args.concurrency)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    sys.stdout.write(json.dumps(result) + "\n")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
