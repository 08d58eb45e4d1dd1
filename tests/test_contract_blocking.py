# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Contract service status: thresholds, payments, manual blocks,
termination, settings and invoicing of blocked contracts."""

from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import errors as pg_errors

from odoo.exceptions import AccessError, ValidationError
from odoo.modules import module as odoo_module
from odoo.tools import config

from ..models import contract_contract_service_status as service_status
from .blocking_common import BlockingCase


class TestContractBlocking(BlockingCase):
    def setUp(self):
        super().setUp()
        self.contract = self.make_contract("Thresholds")

    def test_overdue_days_cross_each_threshold(self):
        self.make_invoice(self.contract, due="2026-03-01", amount=80.0)
        steps = [
            ("2026-03-01", "active", 0),  # due today: not overdue yet
            ("2026-03-15", "active", 14),
            ("2026-03-16", "partial_block", 15),
            ("2026-03-30", "partial_block", 29),
            ("2026-03-31", "blocked_auto", 30),
            ("2026-05-01", "blocked_auto", 61),
        ]
        for day, status, days in steps:
            with self.subTest(day=day), freeze_time(day):
                self.evaluate()
                self.assertEqual(self.contract.service_status, status)
                self.contract.invalidate_recordset(["overdue_days"])
                self.assertEqual(self.contract.overdue_days, days)
                if days:
                    self.assertEqual(str(self.contract.overdue_date), "2026-03-01")
                    self.assertAlmostEqual(self.contract.overdue_amount, 80.0)
        self.assertIn("30 days", self.contract.service_status_reason)
        self.assertTrue(self.contract.service_status_date)

    def test_daily_run_goes_by_chunks_and_survives_a_concurrent_payment(self):
        """The daily run evaluates its contracts chunk by chunk. A chunk
        whose contract was changed at the same moment elsewhere (a payment:
        a serialization error) is evaluated again; one failing twice is left
        to the next run while the other chunks are evaluated."""
        others = self.make_contract("Second") | self.make_contract("Third")
        contracts = self.contract | others
        for contract in contracts:
            self.make_invoice(contract, due="2026-03-01", amount=80.0)
        Contract = type(self.Contract)
        original = Contract._evaluate_service_status
        failures = {others[0].id: 1, others[1].id: 2}

        def evaluate(records, today=None):
            for record in records:
                if failures.get(record.id):
                    failures[record.id] -= 1
                    raise pg_errors.SerializationFailure("changed elsewhere")
            return original(records, today=today)

        with (
            freeze_time("2026-04-05"),
            patch.object(service_status, "DAILY_CHUNK", 1),
            patch.object(Contract, "_evaluate_service_status", evaluate),
        ):
            changed = self.evaluate()
        # (demo contracts may change too: only these three are looked at)
        self.assertEqual(changed & contracts, self.contract | others[0])
        self.assertEqual(
            contracts.mapped("service_status"),
            ["blocked_auto", "blocked_auto", "active"],
        )
        # The next run evaluates the contract it left.
        with freeze_time("2026-04-06"):
            self.evaluate()
        self.assertEqual(others[1].service_status, "blocked_auto")

    def test_crons_never_commit_while_the_registry_loads(self):
        """The daily run commits its chunks, except in tests and while a
        module is installed or updated (the demo data runs it inside Odoo's
        savepoints: a commit there broke the install)."""
        Cron = self.env["ir.cron"]
        self.assertFalse(Cron._telephony_can_commit())  # in a test
        with (
            patch.dict(config.options, {"test_enable": False}),
            patch.object(odoo_module, "current_test", None),
        ):
            self.assertTrue(Cron._telephony_can_commit())
            with patch.object(self.env.registry, "ready", False):
                self.assertFalse(Cron._telephony_can_commit())

    def test_oldest_unpaid_invoice_decides(self):
        self.make_invoice(self.contract, due="2026-02-01", amount=10.0)
        self.make_invoice(self.contract, due="2026-03-10", amount=20.0)
        with freeze_time("2026-03-12"):
            self.evaluate()
        self.assertEqual(self.contract.service_status, "blocked_auto")
        self.assertEqual(str(self.contract.overdue_date), "2026-02-01")
        self.assertAlmostEqual(self.contract.overdue_amount, 30.0)

    def test_draft_and_other_contracts_invoices_do_not_count(self):
        other = self.make_contract("Other")
        self.make_invoice(self.contract, due="2026-01-01", post=False)
        self.make_invoice(other, due="2026-01-01")
        with freeze_time("2026-03-12"):
            self.evaluate()
        self.assertEqual(self.contract.service_status, "active")
        self.assertFalse(self.contract.overdue_date)
        self.assertEqual(other.service_status, "blocked_auto")

    def test_payment_releases_automatic_block_at_once(self):
        invoice = self.make_invoice(self.contract, due="2026-03-01", amount=80.0)
        with freeze_time("2026-04-05"):
            self.evaluate()
            self.assertEqual(self.contract.service_status, "blocked_auto")
            # A partial payment leaves the contract blocked.
            self.pay(invoice, amount=30.0)
            self.assertEqual(self.contract.service_status, "blocked_auto")
            self.assertAlmostEqual(self.contract.overdue_amount, 50.0)
            # The payment that clears it releases it, without the cron.
            self.pay(invoice)
            self.assertEqual(invoice.payment_state in ("paid", "in_payment"), True)
            self.assertEqual(self.contract.service_status, "active")
            self.assertFalse(self.contract.overdue_date)

    def test_payment_releases_partial_block(self):
        invoice = self.make_invoice(self.contract, due="2026-03-01")
        with freeze_time("2026-03-20"):
            self.evaluate()
            self.assertEqual(self.contract.service_status, "partial_block")
            self.pay(invoice)
        self.assertEqual(self.contract.service_status, "active")

    def test_unreconcile_blocks_again(self):
        invoice = self.make_invoice(self.contract, due="2026-03-01")
        with freeze_time("2026-04-05"):
            self.pay(invoice)
            self.evaluate()
            self.assertEqual(self.contract.service_status, "active")
            invoice.line_ids.remove_move_reconcile()
            self.assertEqual(self.contract.service_status, "blocked_auto")

    def test_manual_block_is_not_lifted_by_payment(self):
        invoice = self.make_invoice(self.contract, due="2026-03-01")
        contract = self.contract.with_user(self.manager)
        with freeze_time("2026-04-05"):
            contract.action_service_block()
            self.assertEqual(self.contract.service_status, "blocked_manual")
            self.assertIn("Telephony Manager", self.contract.service_status_reason)
            self.evaluate()
            self.pay(invoice)
            self.evaluate()
            self.assertEqual(self.contract.service_status, "blocked_manual")
            contract.action_service_unblock()
        self.assertEqual(self.contract.service_status, "active")
        self.assertIn("Unblocked", self.contract.service_status_reason)

    def test_unblock_while_overdue_returns_to_automatic_block(self):
        self.make_invoice(self.contract, due="2026-03-01")
        contract = self.contract.with_user(self.manager)
        with freeze_time("2026-04-05"):
            contract.action_service_block()
            contract.action_service_unblock()
        self.assertEqual(self.contract.service_status, "blocked_auto")

    def test_only_managers_block(self):
        with self.assertRaises(AccessError):
            self.contract.with_user(self.user).action_service_block()
        self.assertEqual(self.contract.service_status, "active")

    def test_termination_cancels_and_its_cancellation_restores(self):
        reason = self.env["contract.terminate.reason"].create(
            {"name": "Moved", "terminate_comment_required": False}
        )
        # OCA's termination needs accounting rights on contract lines.
        contract = self.contract
        with freeze_time("2026-03-10"):
            contract._terminate_contract(reason, "bye", self.contract.date)
            self.assertTrue(self.contract.is_terminated)
            self.assertEqual(self.contract.service_status, "cancelled")
            # Terminated stays cancelled, whatever the invoices.
            self.evaluate()
            self.assertEqual(self.contract.service_status, "cancelled")
            contract.action_cancel_contract_termination()
        self.assertEqual(self.contract.service_status, "active")

    def test_history_in_chatter(self):
        self.make_invoice(self.contract, due="2026-03-01")
        # Records created in the running transaction are not tracked: end
        # the creation's precommit first, as a real commit would.
        self.env.cr.flush()
        contract = self.contract.with_context(tracking_disable=False)
        with freeze_time("2026-03-20"):
            contract._evaluate_service_status()
            self.env.cr.flush()
        trackings = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", "contract.contract"),
                ("mail_message_id.res_id", "=", self.contract.id),
                ("field_id.name", "=", "service_status"),
            ]
        )
        self.assertEqual(len(trackings), 1)
        self.assertEqual(trackings.old_value_char, "Active")
        self.assertEqual(
            trackings.new_value_char, "Partially Blocked (overdue payment)"
        )

    def test_thresholds_validated(self):
        with self.assertRaises(ValidationError):
            self.company.telephony_full_block_days = 10
        with self.assertRaises(ValidationError):
            self.company.telephony_partial_block_days = 0

    def test_company_thresholds_apply(self):
        self.company.write(
            {"telephony_partial_block_days": 3, "telephony_full_block_days": 5}
        )
        self.make_invoice(self.contract, due="2026-03-01")
        with freeze_time("2026-03-04"):
            self.evaluate()
            self.assertEqual(self.contract.service_status, "partial_block")
        with freeze_time("2026-03-06"):
            self.evaluate()
            self.assertEqual(self.contract.service_status, "blocked_auto")

    def test_blocked_contracts_invoicing_follows_setting(self):
        active = self.make_contract("Still active")
        self.contract.with_user(self.manager).action_service_block()
        domain = self.Contract._get_contracts_to_invoice_domain("2030-01-01")
        both = active | self.contract
        self.assertEqual(self.Contract.search(domain) & both, both)
        self.company.telephony_blocked_keep_invoicing = False
        domain = self.Contract._get_contracts_to_invoice_domain("2030-01-01")
        self.assertEqual(self.Contract.search(domain) & both, active)

    def test_filters_and_group_by(self):
        other = self.make_contract("Active too")
        self.contract.with_user(self.manager).action_service_block()
        mine = self.contract | other
        groups = self.Contract._read_group(
            [("id", "in", mine.ids)], ["service_status"], ["__count"]
        )
        self.assertEqual(dict(groups), {"blocked_manual": 1, "active": 1})
        self.assertEqual(
            self.Contract.search(
                [("id", "in", mine.ids), ("service_status", "!=", "active")]
            ),
            self.contract,
        )
