# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared set-up for the blocking tests: customer contracts with a recurring
line, invoices linked to them as OCA contract links them, and payments; and,
for the tests that follow lines on the loopback Summit platform, partitions
with blocking and active lines."""

from odoo import Command, fields

from .common import TelephonyCase
from .provisioning_common import SummitPlatformCase


class BlockingCase(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "telephony_partial_block_days": 15,
                "telephony_full_block_days": 30,
                "telephony_blocked_keep_invoicing": True,
                # The notice goes out with the first evaluation that sees the
                # debt; these tests are about the thresholds, not the notice
                # period (tests/test_spend_notices.py is).
                "telephony_notice_days": 0,
            }
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Telefone fixo VoIP", "type": "service", "list_price": 50.0}
        )
        cls.Contract = cls.env["contract.contract"]

    @classmethod
    def make_contract(cls, name="Telefone", partner=None):
        partner = partner or cls.env["res.partner"].create({"name": f"Cliente {name}"})
        return cls.Contract.create(
            {
                "name": name,
                "partner_id": partner.id,
                "line_recurrence": True,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "name": "Telefone fixo VoIP",
                            "quantity": 1,
                            "price_unit": 50.0,
                            "recurring_rule_type": "monthly",
                            "recurring_interval": 1,
                            "date_start": "2026-01-01",
                        }
                    )
                ],
            }
        )

    def make_invoice(self, contract, due="2026-03-01", amount=100.0, post=True):
        """A customer invoice of ``contract`` falling due on ``due``."""
        due = fields.Date.to_date(due)
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": contract.partner_id.id,
                "invoice_date": due,
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "name": "Telefone fixo VoIP",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                            "contract_line_id": contract.contract_line_ids[:1].id,
                        }
                    )
                ],
            }
        )
        if post:
            invoice.action_post()
        return invoice

    def pay(self, invoice, amount=None, date=None):
        """Register a payment on ``invoice`` (reconciled at once)."""
        vals = {"payment_date": date or fields.Date.context_today(invoice)}
        if amount is not None:
            vals["amount"] = amount
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(vals)
        )
        return wizard._create_payments()

    def evaluate(self):
        """The daily cron, as it runs."""
        return self.Contract._cron_evaluate_service_status()


class BlockingLoopbackCase(BlockingCase, SummitPlatformCase):
    """Lines on the loopback Summit platform follow their contract. SP01 has
    every blocking category, CPS01 no partial-block one; both block."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integration.api_timeout = 5.0
        cls.make_range(first="36000000", last="36000049", area="31")
        cls.sp = cls.catalog("isp.summit.partition", "SP01")
        cls.cps = cls.catalog("isp.summit.partition", "CPS01")
        (cls.sp | cls.cps).write({"blocking_enabled": True})
        cls.cat = {
            code: cls.catalog("isp.summit.category", code)
            for code in ("DEF", "BLQ", "BLP", "CAN")
        }
        cls.reason = cls.env["contract.terminate.reason"].create(
            {"name": "Moved", "terminate_comment_required": False}
        )

    def active_line(self, contract, number, partition):
        """A line of ``contract`` on ``partition``, activated on the platform
        (its provisioning job run)."""
        line = self.env["isp.sip.line"].create(
            {
                "contract_id": contract.id,
                "integration_id": self.integration.id,
                "caller_id_number_id": self.number(number).id,
                "partition_id": partition.id,
                "category_id": self.cat["DEF"].id,
                "platform_plan_id": self.catalog("isp.summit.plan", "RES100").id,
                "licence_id": self.catalog("isp.summit.licence", "RES").id,
                "cost_center_id": self.cost_center.id,
                "due_day": 10,
            }
        )
        line.action_activate()
        self.run_jobs()
        self.assertEqual(line.state, "active", line.platform_error)
        return line
