# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import TelephonyCase


class TestSecrets(TelephonyCase):
    def test_user_cannot_read_secrets(self):
        integration = self.integration.with_user(self.user)
        self.assertEqual(integration.name, "Summit test")
        for field_name in ("api_password", "webhook_secret"):
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                integration.read([field_name])
        # Not even through search_read, the path the web client takes.
        with self.assertRaises(AccessError):
            self.env["isp.telephony.integration"].with_user(self.user).search_read(
                [("id", "=", self.integration.id)], ["api_password"]
            )
        # The default read leaves the secrets out.
        values = integration.read()[0]
        self.assertNotIn("api_password", values)
        self.assertNotIn("webhook_secret", values)

    def test_manager_reads_and_admin_is_manager(self):
        integration = self.integration.with_user(self.manager)
        self.assertEqual(integration.api_password, "s3cret-pass")
        self.assertTrue(integration.webhook_secret)
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("isp_telephony.group_telephony_manager"))

    def test_user_cannot_configure(self):
        with self.assertRaises(AccessError):
            self.integration.with_user(self.user).write({"name": "x"})
        with self.assertRaises(AccessError):
            self.env["isp.number.range"].with_user(self.user).create(
                {"name": "x", "first_number": "1", "last_number": "2"}
            )

    def test_webhook_secret_generated_and_regenerated(self):
        other = self.env["isp.telephony.integration"].create({"name": "Other"})
        self.assertGreaterEqual(len(other.webhook_secret), 32)
        self.assertNotEqual(other.webhook_secret, self.integration.webhook_secret)
        old = other.webhook_secret
        other.action_regenerate_webhook_secret()
        self.assertNotEqual(other.webhook_secret, old)
        # The chatter says it happened, never what it is.
        bodies = " ".join(other.message_ids.mapped("body"))
        self.assertNotIn(other.webhook_secret, bodies)
        self.assertNotIn(old, bodies)

    def test_password_change_not_tracked(self):
        integration = self.integration.with_context(tracking_disable=False)
        integration.write({"api_password": "another-secret", "name": "Renamed"})
        self.env.cr.flush()
        values = " ".join(
            str(v)
            for v in integration.message_ids.tracking_value_ids.mapped(
                lambda t: (t.old_value_char, t.new_value_char)
            )
        )
        self.assertIn("Renamed", values)
        self.assertNotIn("another-secret", values)
        self.assertNotIn("s3cret-pass", values)

    def test_gateway_config_carries_secret_server_side(self):
        config = self.integration.with_user(self.user)._gateway_config()
        self.assertEqual(config.password, "s3cret-pass")
        self.assertEqual(config.base_url, "http://127.0.0.1:9")


@tagged("post_install", "-at_install")
class TestSecretsOverRpc(HttpCase):
    def test_rpc_read_of_secret_refused_for_user(self):
        integration = self.env["isp.telephony.integration"].create(
            {"name": "RPC", "api_password": "rpc-secret"}
        )
        self.env["res.users"].create(
            {
                "name": "RPC user",
                "login": "rpc_user",
                "password": "rpc_user_pw",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            self.env.ref("base.group_user").id,
                            self.env.ref("isp_telephony.group_telephony_user").id,
                        ],
                    )
                ],
            }
        )
        self.authenticate("rpc_user", "rpc_user_pw")
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": "isp.telephony.integration",
                "method": "read",
                "args": [[integration.id], ["name", "api_password"]],
                "kwargs": {},
            },
        }
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        body = response.json()
        self.assertIn("error", body)
        self.assertNotIn("rpc-secret", response.text)
        payload["params"]["args"] = [[integration.id], ["name"]]
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.json()["result"][0]["name"], "RPC")
