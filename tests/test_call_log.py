# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from .call_common import CallSetupMixin


@tagged("post_install", "-at_install")
class TestCallLog(CallSetupMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_calls(cls.env)
        cls.Log = cls.env["isp.call.log"].sudo()
        cls.product = cls.env["product.product"].create(
            {"name": "Taxa de cobrança", "type": "service", "list_price": 7.5}
        )
        cls.outcome = cls.env["isp.call.outcome"].create(
            {
                "name": "Promise to pay",
                "charge_product_id": cls.product.id,
                "charge_amount": 12.0,
            }
        )

    def handle(self, event):
        return self.Log._handle_call_event(self.calls_integration, event)

    # Matching --------------------------------------------------------------
    def test_one_match_links_contact_and_contract(self):
        log = self.handle(self.event(timestamp=datetime(2024, 5, 2, 10, 0)))
        self.assertEqual(log.partner_id, self.partner_one)
        self.assertEqual(log.contract_id, self.contract)
        self.assertEqual(log.number_e164, "+553135001000")
        self.assertEqual(log.agent_id, self.agent)
        self.assertEqual(log.user_id, self.agent_user)
        self.assertEqual(log.state, "ringing")
        self.assertEqual(log.start_time, datetime(2024, 5, 2, 10, 0))
        payload = self.bus_messages(self.agent_user.partner_id)[-1]
        self.assertEqual(payload["mode"], "linked")
        self.assertEqual(payload["partner"]["id"], self.partner_one.id)
        self.assertEqual(payload["action"], "start")

    def test_several_matches_let_the_agent_choose(self):
        log = self.handle(self.event(caller="+55 (31) 3500-2000"))
        self.assertFalse(log.partner_id)
        self.assertEqual(
            log.candidate_partner_ids, self.partner_twin_a | self.partner_twin_b
        )
        payload = self.bus_messages(self.agent_user.partner_id)[-1]
        self.assertEqual(payload["mode"], "choose")
        self.assertEqual(
            {c["id"] for c in payload["candidates"]},
            {self.partner_twin_a.id, self.partner_twin_b.id},
        )
        linked = log.with_user(self.agent_user).action_panel_link(
            self.partner_twin_b.id
        )
        self.assertEqual(log.partner_id, self.partner_twin_b)
        self.assertEqual(linked["mode"], "linked")

    def test_unknown_number_create_or_ignore(self):
        log = self.handle(self.event(caller="3135009999"))
        self.assertFalse(log.partner_id)
        self.assertEqual(
            self.bus_messages(self.agent_user.partner_id)[-1]["mode"], "unknown"
        )
        payload = log.with_user(self.agent_user).action_panel_create_partner(
            "Novo Cliente"
        )
        self.assertEqual(payload["mode"], "linked")
        self.assertEqual(log.partner_id.name, "Novo Cliente")
        self.assertEqual(log.partner_id.telephony_phone_e164, "+553135009999")
        with self.assertRaises(UserError):
            log.with_user(self.agent_user).action_panel_create_partner("  ")

        other = self.handle(self.event(call_id="c-2", caller="3135008888"))
        other.with_user(self.agent_user).action_panel_ignore()
        self.assertTrue(other.ignored)
        self.assertTrue(other.panel_closed)
        self.assertFalse(other.partner_id)

    def test_withheld_number_searches_other_fields(self):
        log = self.handle(self.event(caller="anonymous"))
        self.assertTrue(log.withheld)
        self.assertFalse(log.number_e164)
        self.assertEqual(
            self.bus_messages(self.agent_user.partner_id)[-1]["mode"], "withheld"
        )
        Log = self.env["isp.call.log"].with_user(self.agent_user)
        by_vat = Log.panel_search("11.222.333/0001-81")
        self.assertEqual([p["id"] for p in by_vat], [self.partner_one.id])
        by_contract = Log.panel_search("Contrato Cliente")
        self.assertIn(self.partner_one.id, [p["id"] for p in by_contract])
        self.assertEqual(by_contract[0]["contracts"][0]["id"], self.contract.id)
        by_name = Log.panel_search("Twin")
        self.assertEqual(
            {p["id"] for p in by_name}, {self.partner_twin_a.id, self.partner_twin_b.id}
        )
        self.assertEqual(Log.panel_search("x"), [])

    # Idempotency and the bus ------------------------------------------------
    def test_replayed_events_change_nothing(self):
        first = self.handle(self.event())
        again = self.handle(self.event())
        self.assertEqual(first, again)
        end = self.event("end", duration=42, timestamp=datetime(2024, 5, 2, 10, 5))
        self.handle(end)
        self.handle(end)
        self.assertEqual(self.Log.search_count([("call_id", "=", "c-1")]), 1)
        actions = [p["action"] for p in self.bus_messages(self.agent_user.partner_id)]
        self.assertEqual(actions, ["start", "end"])
        notes = self.partner_one.message_ids.filtered(
            lambda m: "Incoming call" in (m.body or "")
        )
        self.assertEqual(len(notes), 1)
        self.assertEqual(first.duration, 42)
        self.assertEqual(first.state, "ended")
        self.assertEqual(first.answer_time, datetime(2024, 5, 2, 10, 4, 18))

    def test_bus_reaches_only_the_mapped_agent(self):
        self.handle(self.event(endpoint="8000002", called="8000002"))
        self.assertEqual(len(self.bus_messages(self.other_user.partner_id)), 1)
        self.assertEqual(self.bus_messages(self.agent_user.partner_id), [])
        self.assertEqual(len(self.bus_messages()), 1)

    def test_unmapped_endpoint_is_logged_without_agent(self):
        log = self.handle(self.event(endpoint="9999999", called="9999999"))
        self.assertFalse(log.agent_id)
        self.assertFalse(log.user_id)
        self.assertEqual(self.bus_messages(), [])

    def test_end_without_start_is_a_missed_call(self):
        log = self.handle(self.event("end", call_id="c-9", duration=0))
        self.assertEqual(log.state, "missed")
        self.assertTrue(log.start_time)
        self.assertEqual(log.partner_id, self.partner_one)

    def test_answer_event(self):
        self.handle(self.event())
        log = self.handle(
            self.event("answer", timestamp=datetime(2024, 5, 2, 10, 0, 4))
        )
        self.assertEqual(log.state, "answered")
        log = self.handle(
            self.event("end", duration=0, timestamp=datetime(2024, 5, 2, 10, 1))
        )
        self.assertEqual(log.state, "ended")

    # The agent documents the call -----------------------------------------------
    def test_panel_save_outcome_activity_charge_and_chatter(self):
        log = self.handle(self.event())
        self.handle(self.event("end", duration=65))
        Log = log.with_user(self.agent_user)
        payload = Log.action_panel_save(
            {
                "outcome_id": self.outcome.id,
                "notes": "Promised to pay on Friday",
                "contract_id": self.contract.id,
                "activity_summary": "Check the payment",
                "activity_date": "2030-01-10",
                "add_charge": True,
            }
        )
        self.assertTrue(payload["documented"])
        self.assertEqual(log.outcome_id, self.outcome)
        self.assertEqual(log.notes, "Promised to pay on Friday")
        self.assertTrue(log.panel_closed)
        activity = self.partner_one.activity_ids
        self.assertEqual(activity.summary, "Check the payment")
        self.assertEqual(fields.Date.to_string(activity.date_deadline), "2030-01-10")
        line = log.charge_line_id
        self.assertEqual(line.contract_id, self.contract)
        self.assertEqual(line.product_id, self.product)
        self.assertEqual(line.price_unit, 12.0)
        self.assertEqual(line.date_start, line.date_end)
        self.assertEqual(line.recurring_next_date, line.date_start)
        self.assertTrue(
            self.partner_one.message_ids.filtered(
                lambda m: "Promised to pay on Friday" in (m.body or "")
            )
        )
        with self.assertRaises(UserError):
            log._add_collection_charge()  # only once

    def test_collection_charge_is_invoiced_once(self):
        log = self.handle(self.event())
        log.with_user(self.agent_user).action_panel_save(
            {"outcome_id": self.outcome.id, "add_charge": True}
        )
        line = log.charge_line_id
        invoice = self.contract._recurring_create_invoice(line.date_start)
        self.assertIn(self.product, invoice.invoice_line_ids.product_id)
        self.assertEqual(line.last_date_invoiced, line.date_end)
        self.assertFalse(line.next_period_date_start)
        later = self.contract._recurring_create_invoice(
            fields.Date.add(line.date_start, months=2)
        )
        self.assertNotIn(self.product, later.invoice_line_ids.product_id)

    def test_save_needs_an_outcome_and_a_contract_for_a_charge(self):
        log = self.handle(self.event(caller="3135009999"))
        Log = log.with_user(self.agent_user)
        with self.assertRaises(UserError):
            Log.action_panel_save({"notes": "x"})
        with self.assertRaises(UserError):
            Log.action_panel_save({"outcome_id": self.outcome.id, "add_charge": True})

    def test_foreign_contract_refused(self):
        log = self.handle(self.event(caller="+55 31 3500-2000"))
        log.with_user(self.agent_user).action_panel_link(self.partner_twin_a.id)
        with self.assertRaises(UserError):
            log.with_user(self.agent_user).action_panel_save(
                {"outcome_id": self.outcome.id, "contract_id": self.contract.id}
            )

    def test_other_agent_cannot_work_the_panel(self):
        log = self.handle(self.event())
        with self.assertRaises(AccessError):
            log.with_user(self.other_user).action_panel_save(
                {"outcome_id": self.outcome.id}
            )

    def test_active_calls_restore_the_panel(self):
        self.handle(self.event(timestamp=fields.Datetime.now()))
        calls = (
            self.env["isp.call.log"].with_user(self.agent_user).get_my_active_calls()
        )
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["number_display"], "(31) 3500-1000")
        self.assertEqual(
            self.env["isp.call.log"].with_user(self.other_user).get_my_active_calls(),
            [],
        )

    def test_cdr_link_by_platform_call_id(self):
        log = self.handle(self.event())
        cdrs = log._link_cdrs()
        if "isp.cdr" in self.env:
            self.assertEqual(len(cdrs), 0)
        else:
            self.assertIsNone(cdrs)
            with self.assertRaises(UserError):
                log.action_view_cdrs()
        self.assertEqual(log.cdr_count, 0)
