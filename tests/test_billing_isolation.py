# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11 point 10 for billing: one contract the close cannot bill is
recorded on that contract (reason, chatter, *Billing Failed* filter, the
run's result) while the other contracts of its chunk are charged; the
failure is the close's record, refused to any other writer."""

from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from ..models import isp_telephony_billing_jobs
from .billing_common import LOCAL, MARCH
from .test_billing import BillingFlowCase


class TestCloseIsolation(BillingFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Charges are invoiced at once: a charge whose plan is in another
        # currency than its contract cannot be invoiced (a UserError inside
        # the close), as a misconfigured plan would in production.
        cls.company.telephony_separate_invoice = True
        foreign = cls.env.ref("base.EUR")
        if cls.company.currency_id == foreign:
            foreign = cls.env.ref("base.USD")
        foreign.active = True
        cls.foreign_plan = cls.env["isp.telephony.plan"].create(
            {
                "name": "Plan in a foreign currency",
                "product_id": cls.product.id,
                "currency_id": foreign.id,
                "rate_ids": [
                    Command.create(
                        {
                            "dest_class": "local_fixed",
                            "price_per_minute": 0.60,
                            "initial_block": 60,
                            "increment": 60,
                        }
                    )
                ],
            }
        )
        Partner = cls.env["res.partner"]
        cls.bad = cls.make_contract(Partner.create({"name": "Bad plan customer"}))
        cls.bad_line = cls.make_line(cls.bad, "+553135000005", plan=cls.foreign_plan)
        cls.good = cls.make_contract(Partner.create({"name": "Second good customer"}))
        cls.good_line = cls.make_line(cls.good, "+553135000009")

    def setUp(self):
        super().setUp()
        # 400 s local: 100 s in the franchise, 300 s beyond it; the bad
        # contract's plan has no franchise.
        for line in (self.line, self.bad_line, self.good_line):
            self.cdr(LOCAL, 400, 60, line=line)

    def assert_bad_not_billed(self):
        self.assertFalse(self.charge_of(self.bad))
        calls = self.env["isp.cdr"].search([("line_id", "=", self.bad_line.id)])
        self.assertTrue(calls)
        self.assertFalse(calls.charge_id)
        self.assertFalse(any(calls.mapped("charge_id")))
        self.assertIn("currency", self.bad.telephony_billing_error)
        self.assertTrue(self.bad.telephony_billing_error_date)
        self.assertEqual(
            self.env["contract.contract"].search(
                [("telephony_billing_error", "!=", False)]
            ),
            self.bad,
        )
        self.assertTrue(
            self.bad.message_ids.filtered(
                lambda m: "could not bill this contract" in (m.body or "")
            )
        )

    def assert_good_billed(self):
        for contract in (self.contract, self.good):
            charge = self.charge_of(contract)
            self.assertEqual(len(charge), 1)
            self.assertEqual(charge.calls, 1)
            self.assertTrue(charge.invoice_id, "separate invoice made")
            self.assertFalse(contract.telephony_billing_error)

    def test_one_bad_contract_in_a_chunk_the_others_are_charged(self):
        service = self.env["isp.telephony.billing"]
        totals = service._close_in_chunks(date(2026, 3, 1), self.company)
        self.assertEqual(totals["charges"], 2)
        self.assertEqual(totals["failed"], 1)
        self.assertEqual(list(totals["failed_contracts"]), [self.bad.id])
        self.assert_good_billed()
        self.assert_bad_not_billed()
        # Fixed, the next close bills it and clears the failure.
        self.foreign_plan.currency_id = self.company.currency_id
        again = service._close_in_chunks(date(2026, 3, 1), self.company)
        self.assertEqual((again["charges"], again["failed"]), (1, 0))
        self.assertEqual(self.charge_of(self.bad).calls, 1)
        self.assertFalse(self.bad.telephony_billing_error)
        self.assertFalse(
            self.env["contract.contract"].search(
                [("telephony_billing_error", "!=", False)]
            )
        )

    def test_bisecting_closes_each_good_contract_once(self):
        """Chunks of two: the bad contract's chunk is split; every good
        contract is charged once, the run's totals add up."""
        service = self.env["isp.telephony.billing"]
        with patch.object(isp_telephony_billing_jobs, "CRON_CHUNK_CONTRACTS", 2):
            totals = service._close_in_chunks(date(2026, 3, 1), self.company)
        self.assertEqual((totals["charges"], totals["cdrs"]), (2, 2))
        self.assert_good_billed()
        self.assert_bad_not_billed()

    def test_wizard_shows_the_failed_contract_and_closes_the_others(self):
        wizard = self.env["isp.telephony.billing.wizard"].create(
            {
                "billing_month": MARCH,
                "contract_ids": [
                    Command.set((self.contract | self.bad | self.good).ids)
                ],
            }
        )
        wizard.action_preview()
        wizard.action_generate()
        self.assertEqual(wizard.state, "done")
        self.assertIn("1 contracts failed", wizard.result)
        self.assertIn(self.bad.display_name, wizard.result)
        rows = {row.contract_id: row for row in wizard.line_ids}
        self.assertEqual(rows[self.bad].status, "failed")
        self.assertIn("currency", rows[self.bad].note)
        self.assertEqual(rows[self.contract].status, "charged")
        self.assertEqual(rows[self.good].status, "charged")
        self.assertEqual(wizard.charge_ids.contract_id, self.contract | self.good)
        self.assert_bad_not_billed()

    def test_the_failure_is_refused_to_other_writers(self):
        """Point 3: the failure shown read-only cannot be written over RPC,
        neither set nor cleared, even by an accounting manager who may edit
        the contract (and a telephony manager)."""
        self.env["isp.telephony.billing"]._close_in_chunks(
            date(2026, 3, 1), self.company
        )
        accountant = new_test_user(
            self.env,
            login="billing_accountant",
            groups="base.group_user,account.group_account_manager,"
            "isp_telephony.group_telephony_manager",
        )
        for user in (accountant,):
            # They may edit the contract itself, not the close's record.
            self.bad.with_user(user).write({"name": self.bad.name})
            for vals in (
                {"telephony_billing_error": False},
                {"telephony_billing_error": "fixed"},
                {"telephony_billing_error_date": False},
            ):
                with self.assertRaises(AccessError):
                    self.bad.with_user(user).write(vals)
            with self.assertRaises(AccessError):
                self.env["contract.contract"].with_user(user).create(
                    {
                        "name": "Forged",
                        "partner_id": self.bad.partner_id.id,
                        "telephony_billing_error": "forged",
                    }
                )
        self.assertIn("currency", self.bad.telephony_billing_error)


class TestInvoicingIsolation(BillingFlowCase):
    """OCA's contract invoicing of many contracts (its cron): a charge that
    breaks one contract's invoice no longer stops the others'."""

    def test_one_broken_invoice_the_others_are_made(self):
        other = self.make_contract(self.env["res.partner"].create({"name": "Other"}))
        other_line = self.make_line(other, "+553135000009")
        self.cdr(LOCAL, 400, 60)
        self.cdr(LOCAL, 400, 60, line=other_line)
        self.close(contracts=self.contract | other)
        Charge = type(self.env["isp.telephony.charge"])
        real = Charge._invoice_line_vals
        broken = self.contract

        def line_vals(charges):
            if broken in charges.contract_id:
                raise UserError(self.env._("The overage product cannot be sold."))
            return real(charges)

        with patch.object(Charge, "_invoice_line_vals", line_vals):
            self.env["contract.contract"].cron_recurring_create_invoice(
                date(2026, 3, 5)
            )
        good_charge = self.charge_of(other)
        self.assertEqual(good_charge.state, "invoiced")
        self.assertEqual(good_charge.invoice_id.telephony_cdr_count, 1)
        bad_charge = self.charge_of(self.contract)
        self.assertEqual(bad_charge.state, "to_invoice")
        self.assertIn("could not be made", self.contract.telephony_billing_error)
        self.assertIn("cannot be sold", self.contract.telephony_billing_error)
        self.assertFalse(other.telephony_billing_error)
        # The broken contract's own invoice waits with its charge: nothing
        # of it was made, its next date did not move.
        self.assertEqual(str(self.contract.recurring_next_date), "2026-03-05")
        self.assertFalse(self.contract._get_related_invoices())
