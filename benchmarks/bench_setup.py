# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What several benchmarks set up the same way: the bench's billing plan
(billing.py, credit.py), and an Odoo server with queue_job's runner beside
the loopback Summit platform (scaling.py, provisioning.py). A helper, not a
benchmark."""

import os
import socket
import subprocess
import sys
import time

# The rates every bench plan has: fixed and mobile, local and national.
_COMMON_RATES = [
    {"cls": "local_fixed", "price": 0.09},
    {"cls": "national_fixed", "price": 0.19, "fee": 0.05},
    {"cls": "local_mobile", "price": 0.59},
    {"cls": "national_mobile", "price": 0.89},
]
# The rate of every other call (the plan's default).
_DEFAULT_RATE = {"price": 1.50, "fee": 0.20}

# What the servers run instead of odoo-bin: prefork workers re-run
# sys.argv[0] (which "python -c" cannot be), and the benchmarks need no
# websocket (gevent) process: it sleeps instead of starting (and, without
# gevent's dependencies, failing and respawning).
LAUNCHER = """import signal
import sys
import time

if len(sys.argv) > 1 and sys.argv[1] == "gevent":
    signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
    while True:
        time.sleep(3600)
import odoo
from odoo.cli.command import main

main()
"""
# Seconds the server has to start its job runner.
START_TIMEOUT = 180
# Credentials of the loopback Summit platform the benchmarks provision on.
SUMMIT_USER = "bench"
SUMMIT_PASSWORD = "bench-pass"


def destination_classes(env):
    """``{code: id}`` of the destination classes."""
    return {c.code: c.id for c in env["isp.telephony.destination.class"].search([])}


def _rate(cls=None, prefix=None, price=0.0, fee=0.0, block=30, step=6):
    return (
        0,
        0,
        {
            "dest_class": cls,
            "prefix": prefix,
            "price_per_minute": price,
            "connection_fee": fee,
            "initial_block": block,
            "increment": step,
        },
    )


def telephony_plan(env, name, product_name, rates=(), **values):
    """The bench's billing plan on a new overage product: rates for fixed
    and mobile calls, local and national, then ``rates`` (dicts of
    ``cls``/``prefix``, ``price``, ``fee``, ``block``, ``step``), then a
    default rate for every other call. ``values``: more of the plan's fields
    (buckets, credit limit, fraud guard)."""
    product = env["product.product"].create({"name": product_name, "type": "service"})
    return env["isp.telephony.plan"].create(
        {
            "name": name,
            "product_id": product.id,
            "min_billable_seconds": 3,
            "rate_ids": [
                _rate(**rate) for rate in [*_COMMON_RATES, *rates, _DEFAULT_RATE]
            ],
            **values,
        }
    )


def free_port():
    """A free TCP port of 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(config_path, dbname, port, workers, log_path, queue_env=None):
    """An Odoo server on ``dbname`` (127.0.0.1:``port``) with ``workers``
    HTTP workers (0: threaded), queue_job server-wide and its runner;
    ``queue_env``: queue_job's settings as environment variables (channels,
    capacity). Returns the process once the job runner is ready."""
    env = dict(
        os.environ,
        ODOO_QUEUE_JOB_PORT=str(port),
        ODOO_QUEUE_JOB_HOST="127.0.0.1",
        **(queue_env or {}),
    )
    launcher = os.path.join(os.getcwd(), f"bench-odoo-bin-{port}.py")
    with open(launcher, "w", encoding="utf-8") as script:
        script.write(LAUNCHER)
    if os.path.exists(log_path):
        os.unlink(log_path)
    cmd = [
        sys.executable,
        launcher,
        "-c",
        config_path,
        "-d",
        dbname,
        f"--db-filter=^{dbname}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        f"--gevent-port={port + 2}",
        "--load=base,web,queue_job",
        f"--workers={workers}",
        "--max-cron-threads=0",
        "--limit-time-real=900",
        "--limit-time-cpu=900",
        "--log-level=info",
        f"--logfile={log_path}",
    ]
    process = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Odoo server stopped: see {log_path}")
        if os.path.exists(log_path):
            with open(log_path, encoding="utf-8") as log:
                if f"queue job runner ready for db {dbname}" in log.read():
                    return process
        time.sleep(0.5)
    stop_server(process)
    raise RuntimeError(f"the job runner did not start: see {log_path}")


def stop_server(process):
    """Stop a server of :func:`start_server` (killed if it lingers)."""
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_summit(port=0):
    """The loopback Summit platform (tests/loopback), started; ``stop()`` it."""
    from odoo.addons.isp_telephony.tests.loopback.summit_server import SummitServer

    return SummitServer(
        username=SUMMIT_USER, password=SUMMIT_PASSWORD, port=port
    ).start()
