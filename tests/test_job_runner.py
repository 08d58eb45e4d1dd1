# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End to end: an Odoo server started with queue_job loaded server-wide (as
scripts/run.sh starts it, threaded) runs its job runner, which activates a
line on the loopback Summit server. Everything goes through the server's
JSON-RPC, committed as a user's clicks are, and is removed at the end."""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from odoo.tests import tagged
from odoo.tools import config

from .loopback.case import LoopbackCase
from .loopback.summit_server import SummitServer

# The server's HTTP port: the test server's own plus this offset.
PORT_OFFSET = 9
# Seconds allowed for the server and its runner to start, and for a job.
START_TIMEOUT = 120
JOB_TIMEOUT = 90


@tagged("post_install", "-at_install")
class TestJobRunner(LoopbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = config["db_name"].split(",")[0]
        # scripts/test.sh gives the test server ISP_HTTP_PORT; pytest-odoo
        # may move Odoo's own http_port elsewhere.
        base = os.environ.get("ISP_HTTP_PORT") or config["http_port"] or 8069
        cls.port = int(base) + PORT_OFFSET
        cls.summit = SummitServer(username="isp", password="s3cret-pass").start()
        cls.addClassCleanup(cls.summit.stop)
        cls.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed at cleanup
            prefix="isp_job_runner_", suffix=".log", delete=False
        )
        cls.addClassCleanup(os.unlink, cls.log.name)
        cls.addClassCleanup(cls.log.close)
        args = [
            sys.executable,
            "-c",
            "import odoo; from odoo.cli.command import main; main()",
        ]
        if config.rcfile and os.path.exists(config.rcfile):
            args += ["-c", config.rcfile]
        args += [
            f"--addons-path={config['addons_path']}",
            "-d",
            cls.db,
            f"--db-filter=^{cls.db}$",
            "--http-interface=127.0.0.1",
            f"--http-port={cls.port}",
            "--load=base,web,queue_job",
            "--workers=0",
            "--max-cron-threads=0",
            "--log-level=info",
            f"--logfile={cls.log.name}",
        ]
        env = dict(os.environ, ODOO_QUEUE_JOB_MAX_CAPACITY="2")
        env.pop("ODOO_QUEUE_JOB_CHANNELS", None)
        cls.server = subprocess.Popen(args, env=env)
        cls.addClassCleanup(cls._stop_server)
        cls._wait_for_runner()

    @classmethod
    def _stop_server(cls):
        cls.server.terminate()
        try:
            cls.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            cls.server.kill()

    @classmethod
    def _server_log(cls):
        with open(cls.log.name, encoding="utf-8", errors="replace") as log:
            return log.read()

    @classmethod
    def _wait_for_runner(cls):
        deadline = time.monotonic() + START_TIMEOUT
        ready = f"queue job runner ready for db {cls.db}"
        while time.monotonic() < deadline:
            if cls.server.poll() is not None:
                raise AssertionError(
                    f"The server stopped:\n{cls._server_log()[-3000:]}"
                )
            if ready in cls._server_log():
                return
            time.sleep(0.5)
        raise AssertionError(f"No job runner started:\n{cls._server_log()[-3000:]}")

    def rpc(self, model, method, *args, **kwargs):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [
                    self.db,
                    self.admin_uid,
                    "admin",
                    model,
                    method,
                    list(args),
                    kwargs,
                ],
            },
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/jsonrpc",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response)
        if "error" in answer:
            raise AssertionError(answer["error"]["data"]["message"])
        return answer["result"]

    def login(self):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "common",
                "method": "login",
                "args": [self.db, "admin", "admin"],
            },
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/jsonrpc",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)["result"]

    def remove(self, model, record_id):
        """Clean-up: what the test committed goes (archived when it cannot)."""
        try:
            self.rpc(model, "unlink", [record_id])
        except AssertionError:
            self.rpc(model, "write", [record_id], {"active": False})

    def wait_for(self, model, record_id, field, values):
        deadline = time.monotonic() + JOB_TIMEOUT
        while time.monotonic() < deadline:
            value = self.rpc(model, "read", [record_id], [field])[0][field]
            if value in values:
                return value
            time.sleep(0.5)
        self.fail(f"{model} {record_id}: {field} stayed {value}")

    def test_runner_activates_a_line_on_the_platform(self):
        self.admin_uid = self.login()
        self.assertTrue(self.admin_uid, "admin / admin cannot log in")
        port = int(self.summit.base_url.rsplit(":", 1)[1])
        integration = self.rpc(
            "isp.telephony.integration",
            "create",
            {
                "name": "Summit (job runner test)",
                "gateway": "summit",
                "api_user": "isp",
                "api_password": "s3cret-pass",
                "summit_api_host": "127.0.0.1",
                "summit_api_port": port,
                "api_use_tls": False,
                "area_code": "31",
            },
        )
        self.addCleanup(self.remove, "isp.telephony.integration", integration)
        self.rpc("isp.telephony.integration", "action_sync_catalogs", [integration])

        def catalog(model, field, code):
            return self.rpc(
                model,
                "search",
                [("integration_id", "=", integration), (field, "=", code)],
            )[0]

        cost_center = self.rpc(
            "isp.summit.cost.center",
            "create",
            {"code": "Default", "integration_id": integration},
        )
        number_range = self.rpc(
            "isp.number.range",
            "create",
            {
                "name": "Job runner test",
                "country_code": "55",
                "area_code": "31",
                "first_number": "37999990",
                "last_number": "37999990",
            },
        )
        self.addCleanup(self.remove, "isp.number.range", number_range)
        number = self.rpc(
            "isp.phone.number", "search", [("range_id", "=", number_range)]
        )[0]
        partner = self.rpc("res.partner", "create", {"name": "Job runner customer"})
        self.addCleanup(self.remove, "res.partner", partner)
        contract = self.rpc(
            "contract.contract",
            "create",
            {"name": "Job runner contract", "partner_id": partner},
        )
        self.addCleanup(self.remove, "contract.contract", contract)
        line = self.rpc(
            "isp.sip.line",
            "create",
            {
                "contract_id": contract,
                "integration_id": integration,
                "caller_id_number_id": number,
                "partition_id": catalog("isp.summit.partition", "code", "SP01"),
                "category_id": catalog("isp.summit.category", "code", "DEF"),
                "platform_plan_id": catalog("isp.summit.plan", "code", "RES100"),
                "licence_id": catalog("isp.summit.licence", "code", "RES"),
                "cost_center_id": cost_center,
                "due_day": 10,
            },
        )
        self.addCleanup(self.remove, "isp.sip.line", line)

        self.rpc("isp.sip.line", "action_activate", [line])
        state = self.wait_for("isp.sip.line", line, "state", ("active", "error"))
        data = self.rpc("isp.sip.line", "read", [line], ["uuid", "terminal"])[0]
        self.assertEqual(state, "active", self._server_log()[-3000:])
        remote = self.summit.line_by_external_id(data["uuid"])
        self.assertEqual(data["terminal"], remote["terminal"])
        jobs = self.rpc(
            "queue.job",
            "search_read",
            [("telephony_sip_line_id", "=", line)],
            ["state", "channel", "method_name"],
        )
        self.assertEqual(
            [(j["state"], j["method_name"]) for j in jobs],
            [("done", "_provision_activate")],
        )
        self.assertEqual(
            jobs[0]["channel"], f"root.telephony_provisioning.summit_{integration}"
        )
        # Cancelled through the runner too, so that everything can go.
        self.rpc("isp.sip.line", "action_cancel", [line])
        self.wait_for("isp.sip.line", line, "state", ("cancelled",))
        self.assertFalse(self.summit.lines)
