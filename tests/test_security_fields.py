# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11 point 3: what the UI shows read-only is refused by the server:
the contract's service status, a number's state, a DID's terminal, an
agent's call log; over the ORM as non-manager users and over JSON-RPC."""

import json

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools import blocking
from .call_common import CallSetupMixin
from .common import TelephonyCase


class TestReadOnlyIsRefused(CallSetupMixin, TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="tel_accountant",
            groups="base.group_user,base.group_partner_manager,"
            "account.group_account_manager,isp_telephony.group_telephony_user",
        )
        cls.make_range("35000000", "35000009")
        cls.customer = cls.env["res.partner"].create({"name": "Cliente bloqueado"})
        cls.blocked_contract = cls.env["contract.contract"].create(
            {"name": "Telefone bloqueado", "partner_id": cls.customer.id}
        )

    def test_accountant_cannot_lift_a_manual_block_by_write(self):
        self.blocked_contract.with_user(self.manager).action_service_block()
        self.assertEqual(self.blocked_contract.service_status, blocking.BLOCKED_MANUAL)
        as_accountant = self.blocked_contract.with_user(self.accountant)
        for vals in (
            {"service_status": blocking.ACTIVE},
            {"service_status_reason": "pago"},
            {"overdue_date": False, "overdue_amount": 0.0},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                as_accountant.write(vals)
        with self.assertRaises(AccessError):
            self.env["contract.contract"].with_user(self.accountant).create(
                {
                    "name": "Forjado",
                    "partner_id": self.customer.id,
                    "service_status": blocking.BLOCKED_MANUAL,
                }
            )
        # Other fields stay the accountant's to edit; the block stays.
        as_accountant.write({"name": "Telefone (renomeado)"})
        self.assertEqual(self.blocked_contract.service_status, blocking.BLOCKED_MANUAL)
        # Nor through a line's related field.
        line = self.env["isp.sip.line"].create(
            {
                "contract_id": self.blocked_contract.id,
                "integration_id": self.integration.id,
                "caller_id_number_id": self.number("+553135000001").id,
            }
        )
        with self.assertRaises(AccessError):
            line.with_user(self.user).write({"service_status": blocking.ACTIVE})
        # The manager's Unblock still works (its own code path).
        self.blocked_contract.with_user(self.manager).action_service_unblock()
        self.assertEqual(self.blocked_contract.service_status, blocking.ACTIVE)

    def test_number_state_is_not_writable(self):
        number = self.number("+553135000002")
        line = self.env["isp.sip.line"].create(
            {
                "contract_id": self.blocked_contract.id,
                "integration_id": self.integration.id,
                "caller_id_number_id": number.id,
            }
        )
        self.assertEqual(number.state, "in_use")
        for user in (self.user, self.manager):
            for vals in (
                {"state": "available"},
                {"e164": "+553135000099"},
                {"quarantine_until": fields.Date.today()},
            ):
                with (
                    self.subTest(user=user.login, vals=vals),
                    self.assertRaises(AccessError),
                ):
                    number.with_user(user).write(vals)
        # Through the line's stored related field neither.
        with self.assertRaises(AccessError):
            line.with_user(self.user).write({"caller_id_e164": "+5500"})
        self.assertEqual(number.state, "in_use")
        number.with_user(self.user).write({"note": "cliente pediu"})
        # The buttons still work: a free number is reserved, then released.
        free = self.number("+553135000003").with_user(self.user)
        free.action_reserve()
        self.assertEqual(free.state, "reserved")
        free.action_make_available()
        self.assertEqual(free.state, "available")

    def test_computed_fields_are_not_written(self):
        """A line's expected category (blocking moves the line to it) and a
        contact's E.164 keys (incoming calls pop that contact up) follow
        their sources only."""
        line = self.env["isp.sip.line"].create(
            {
                "contract_id": self.blocked_contract.id,
                "integration_id": self.integration.id,
                "caller_id_number_id": self.number("+553135000006").id,
            }
        )
        category = self.env["isp.summit.category"].create(
            {"name": "Livre", "code": "FREE", "integration_id": self.integration.id}
        )
        for user in (self.user, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                line.with_user(user).write({"expected_category_id": category.id})
        self.assertFalse(line.expected_category_id)
        with self.assertRaises(AccessError):
            self.customer.with_user(self.accountant).write(
                {"telephony_phone_e164": "+553135009999"}
            )
        self.customer.with_user(self.accountant).write({"phone": "+55 31 3500-8888"})
        self.assertEqual(self.customer.telephony_phone_e164, "+553135008888")

    def test_did_terminal_is_the_platform_s(self):
        line = self.env["isp.sip.line"].create(
            {
                "contract_id": self.blocked_contract.id,
                "integration_id": self.integration.id,
                "caller_id_number_id": self.number("+553135000004").id,
            }
        )
        Did = self.env["isp.sip.line.did"].with_user(self.user)
        with self.assertRaises(AccessError):
            Did.create(
                {
                    "line_id": line.id,
                    "number_id": self.number("+553135000005").id,
                    "terminal": "forged",
                }
            )
        did = Did.create(
            {"line_id": line.id, "number_id": self.number("+553135000005").id}
        )
        with self.assertRaises(AccessError):
            did.write({"terminal": "forged"})
        did.write({"port": 2})  # the user's own field
        self.assertFalse(did.terminal)
        did.with_user(self.manager).write({"terminal": "corrected"})
        self.assertEqual(did.terminal, "corrected")

    def test_call_logs_are_not_forged(self):
        self.setup_calls(self.env)
        Log = self.env["isp.call.log"].with_user(self.agent_user)
        with self.assertRaises(AccessError):
            Log.create(
                {
                    "integration_id": self.calls_integration.id,
                    "direction": "out",
                    "state": "ended",
                    "duration": 3600,
                    "user_id": self.agent_user.id,
                }
            )
        log = (
            self.env["isp.call.log"]
            .sudo()
            ._handle_call_event(self.calls_integration, self.event(call_id="f-1"))
        )
        mine = log.with_user(self.agent_user)
        for vals in (
            {"state": "missed"},
            {"duration": 1},
            {"user_id": self.other_user.id},
            {"call_id": "other"},
            {"documented": True},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                mine.write(vals)
        # The agent documents their own call; another agent cannot.
        mine.write({"notes": "Cliente pediu segunda via"})
        with self.assertRaises(AccessError):
            log.with_user(self.other_user).write({"notes": "not mine"})
        # The panel's methods still work for the agent.
        mine.action_panel_dismiss()
        self.assertTrue(log.panel_closed)
        # A manager corrects anything.
        log.with_user(self.manager).write({"state": "missed"})
        self.assertEqual(log.state, "missed")


@tagged("post_install", "-at_install")
class TestReadOnlyOverRpc(HttpCase):
    """The same refusals through the web client's JSON-RPC endpoint."""

    def call_kw(self, model, method, args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": {}},
        }
        return self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        ).json()

    def test_rpc_writes_of_read_only_fields_refused(self):
        new_test_user(
            self.env,
            login="rpc_accountant",
            password="rpc_accountant_pw",
            groups="base.group_user,account.group_account_manager,"
            "isp_telephony.group_telephony_user",
        )
        partner = self.env["res.partner"].create({"name": "Cliente RPC"})
        contract = self.env["contract.contract"].create(
            {"name": "Contrato RPC", "partner_id": partner.id}
        )
        contract.action_service_block()
        numbers = self.env["isp.number.range"].create(
            {
                "name": "RPC",
                "country_code": "55",
                "area_code": "31",
                "first_number": "37000000",
                "last_number": "37000001",
            }
        )
        number = self.env["isp.phone.number"].search(
            [("range_id", "=", numbers.id)], limit=1
        )
        number.sudo()._set_state("in_use")
        self.authenticate("rpc_accountant", "rpc_accountant_pw")
        body = self.call_kw(
            "contract.contract",
            "write",
            [[contract.id], {"service_status": blocking.ACTIVE}],
        )
        self.assertIn("error", body)
        self.assertIn("AccessError", body["error"]["data"]["name"])
        body = self.call_kw(
            "isp.phone.number", "write", [[number.id], {"state": "available"}]
        )
        self.assertIn("error", body)
        self.assertIn("AccessError", body["error"]["data"]["name"])
        contract.invalidate_recordset()
        number.invalidate_recordset()
        self.assertEqual(contract.service_status, blocking.BLOCKED_MANUAL)
        self.assertEqual(number.state, "in_use")
        # A field the user may edit goes through the same endpoint.
        body = self.call_kw("isp.phone.number", "write", [[number.id], {"note": "x"}])
        self.assertTrue(body.get("result"), body)
