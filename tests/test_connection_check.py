# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test Connection, per gateway, against the loopback platforms: it says in
plain words whether the platform answers and whether the credentials work."""

import socket

from odoo.tests import TransactionCase, tagged

from ..gateways import ami, summit
from ..gateways.base import GatewayConfig, RejectedError, TransientError
from ..gateways.callmyway import LIMITER, CallMyWayClient
from ..gateways.sandbox import SandboxGateway
from .loopback.ami_server import AmiServer
from .loopback.callmyway_server import CallMyWayServer
from .loopback.case import LoopbackCase
from .loopback.summit_server import SummitServer


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestGatewayConnectionCheck(LoopbackCase):
    def config(self, url, username, password, **extra):
        return GatewayConfig(
            base_url=url,
            username=username,
            password=password,
            timeout=1,
            retries=1,
            backoff=0,
            extra=dict(extra, min_interval=0),
        )

    def test_summit_answers_and_refuses_bad_credentials(self):
        server = SummitServer(username="ixc", password="good").start()
        self.addCleanup(server.stop)
        gateway = summit.SummitGateway(self.config(server.base_url, "ixc", "good"))
        self.addCleanup(gateway.close)
        self.assertIn("accepted the credentials", gateway.check_connection())
        wrong = summit.SummitGateway(self.config(server.base_url, "ixc", "bad"))
        self.addCleanup(wrong.close)
        with self.assertRaises(RejectedError) as caught:
            wrong.check_connection()
        self.assertNotIn("bad", caught.exception.message)
        unreachable = summit.SummitGateway(
            self.config(f"http://127.0.0.1:{_free_port()}", "ixc", "good")
        )
        self.addCleanup(unreachable.close)
        with self.assertRaises(TransientError) as caught:
            unreachable.check_connection()
        self.assertIn("could not be reached", caught.exception.message)

    def test_callmyway_answers_and_refuses_bad_credentials(self):
        LIMITER.reset()
        server = CallMyWayServer(username="8000001", password="good").start()
        self.addCleanup(server.stop)
        with CallMyWayClient(self.config(server.url, "8000001", "good")) as client:
            self.assertIn("accepted the credentials", client.check_connection())
        with (
            CallMyWayClient(self.config(server.url, "8000001", "bad")) as client,
            self.assertRaises(RejectedError) as caught,
        ):
            client.check_connection()
        self.assertIn("refused the credentials", caught.exception.message)
        self.assertNotIn("bad", caught.exception.message)
        url = f"http://127.0.0.1:{_free_port()}"
        with (
            CallMyWayClient(self.config(url, "8000001", "good")) as client,
            self.assertRaises(TransientError) as caught,
        ):
            client.check_connection()
        self.assertIn("Cannot reach CallMyWay", caught.exception.message)

    def test_asterisk_login_ping_logoff(self):
        server = AmiServer(users={"odoo": "good"}).start()
        self.addCleanup(server.stop)
        config = ami.AmiConfig("127.0.0.1", server.port, "odoo", "good", timeout=2)
        self.assertIn("accepted the login", ami.check_login(config))
        self.assertTrue(server.actions_named("Ping"))
        self.assertTrue(server.actions_named("Logoff"))
        wrong = ami.AmiConfig("127.0.0.1", server.port, "odoo", "bad", timeout=2)
        with self.assertRaises(RejectedError) as caught:
            ami.check_login(wrong)
        self.assertIn("refused the AMI login", caught.exception.message)
        closed = ami.AmiConfig("127.0.0.1", _free_port(), "odoo", "good", timeout=1)
        with self.assertRaises(TransientError):
            ami.check_login(closed)

    def test_sandbox_simulates_both_answers(self):
        ok = SandboxGateway(GatewayConfig(base_url="", extra={"fail": ""}))
        self.assertIn("Sandbox answered", ok.check_connection())
        down = SandboxGateway(GatewayConfig(base_url="", extra={"fail": "transient"}))
        with self.assertRaises(TransientError):
            down.check_connection()


@tagged("post_install", "-at_install")
class TestIntegrationConnectionButton(TransactionCase):
    def test_button_reports_and_logs_without_secret(self):
        LIMITER.reset()
        server = CallMyWayServer(username="8000001", password="s3cret-x").start()
        self.addCleanup(server.stop)
        integration = self.env["isp.telephony.integration"].create(
            {
                "name": "CMW check",
                "gateway": "callmyway",
                "api_user": "8000001",
                "api_password": "s3cret-x",
                "access_host": server.url,
                "api_timeout": 2,
            }
        )
        action = integration.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(integration.connection_state, "ok")
        self.assertIn("CallMyWay answered", integration.connection_message)
        integration.api_password = "wrong-pass"
        LIMITER.reset()
        action = integration.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(integration.connection_state, "failed")
        self.assertIn("refused the credentials", action["params"]["message"])
        bodies = " ".join(integration.message_ids.mapped("body"))
        self.assertIn("Connection failed", bodies)
        self.assertNotIn("wrong-pass", bodies)
        self.assertNotIn("s3cret-x", bodies)

    def test_webhook_url_has_the_host_and_the_secret_is_for_managers(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", "https://erp.example.com.br"
        )
        integration = self.env["isp.telephony.integration"].create(
            {"name": "CMW url", "gateway": "callmyway", "webhook_secret": "tok-123"}
        )
        self.assertEqual(
            integration.webhook_url,
            f"https://erp.example.com.br/isp_telephony/webhook/{integration.id}",
        )
        self.assertEqual(
            integration.webhook_url_with_token,
            f"{integration.webhook_url}?token=tok-123",
        )
        user = self.env["res.users"].create(
            {
                "name": "Agent",
                "login": "agent_url",
                "groups_id": [
                    (6, 0, [self.env.ref("isp_telephony.group_telephony_user").id])
                ],
            }
        )
        as_user = integration.with_user(user)
        self.assertTrue(as_user.webhook_url)
        fields = as_user.fields_get(["webhook_url_with_token", "webhook_secret"])
        self.assertEqual(fields, {})
