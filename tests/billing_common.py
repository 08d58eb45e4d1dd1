# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Set-up shared by the rating and billing tests: a plan, a contract with a
line in DDD 31 (due day 10, America/Sao_Paulo) and a helper to add CDRs."""

from datetime import datetime, timedelta

from odoo import Command
from odoo.tests import tagged

from .common import TelephonyCase

# 2026-02-10 03:00 UTC is local midnight of the due day in São Paulo (UTC-3):
# the cycle billed in March 2026 for due day 10 starts there.
CYCLE_START = datetime(2026, 2, 10, 3, 0, 0)
CYCLE_END = datetime(2026, 3, 10, 3, 0, 0)
MARCH = "2026-03-01"
LOCAL = "+553133334444"  # local fixed for a line in DDD 31
NATIONAL = "+552133334444"  # national fixed (DDD 21)
MOBILE = "+5531987654321"  # local mobile
USA = "+12025550123"  # international


@tagged("post_install", "-at_install")
class BillingCase(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.telephony_timezone = "America/Sao_Paulo"
        cls.company.telephony_separate_invoice = False
        # No notice period before a suspension (spend control's notices
        # have their own tests): overdue invoices block at the thresholds.
        cls.company.telephony_notice_days = 0
        cls.product = cls.env["product.product"].create(
            {"name": "Telephony overage", "type": "service", "list_price": 0}
        )
        cls.classes = {
            c.code: c for c in cls.env["isp.telephony.destination.class"].search([])
        }
        cls.plan = cls.env["isp.telephony.plan"].create(
            {
                "name": "Residential 100 s",
                "product_id": cls.product.id,
                "min_billable_seconds": 3,
                "bucket_ids": [
                    Command.create(
                        {
                            "name": "Fixed",
                            "allowance_seconds": 100,
                            "dest_class_ids": [
                                Command.set(
                                    [
                                        cls.classes["local_fixed"].id,
                                        cls.classes["national_fixed"].id,
                                    ]
                                )
                            ],
                        }
                    )
                ],
                "rate_ids": [
                    Command.create(
                        {
                            "dest_class": "local_fixed",
                            "price_per_minute": 0.60,
                            "connection_fee": 0.10,
                            "initial_block": 60,
                            "increment": 60,
                        }
                    ),
                    Command.create(
                        {
                            "dest_class": "national_fixed",
                            "price_per_minute": 1.20,
                            "initial_block": 30,
                            "increment": 6,
                        }
                    ),
                    Command.create(
                        {
                            "dest_class": "local_mobile",
                            "price_per_minute": 1.80,
                            "initial_block": 30,
                            "increment": 6,
                        }
                    ),
                ],
            }
        )
        cls.internet = cls.env["product.product"].create(
            {"name": "Internet 500M", "type": "service", "list_price": 99}
        )
        cls.make_range("35000000", "35000019", area="31")
        cls.partner = cls.env["res.partner"].create({"name": "Telephony customer"})
        cls.contract = cls.make_contract(cls.partner)
        cls.line = cls.make_line(cls.contract, "+553135000001")

    @classmethod
    def make_contract(cls, partner, next_date="2026-03-05", **extra):
        """A customer contract with a monthly internet line invoiced next on
        ``next_date`` (None: no line, so no recurring invoice)."""
        vals = {"name": f"Contract {partner.name}", "partner_id": partner.id}
        if next_date:
            vals["line_recurrence"] = True
            vals["contract_line_ids"] = [
                Command.create(
                    {
                        "product_id": cls.internet.id,
                        "name": "Internet",
                        "quantity": 1,
                        "price_unit": 99,
                        "recurring_rule_type": "monthly",
                        "recurring_interval": 1,
                        "date_start": next_date,
                        "recurring_next_date": next_date,
                    }
                )
            ]
        vals.update(extra)
        return cls.env["contract.contract"].create(vals)

    @classmethod
    def make_line(cls, contract, e164, plan=None, due_day=10):
        number = cls.env["isp.phone.number"].search(
            [("e164", "=", e164), ("company_id", "=", cls.company.id)]
        )
        return cls.env["isp.sip.line"].create(
            {
                "contract_id": contract.id,
                "integration_id": cls.integration.id,
                "caller_id_number_id": number.id,
                "billing_plan_id": (plan or cls.plan).id,
                "due_day": due_day,
            }
        )

    _seq = 0

    def cdr(self, dialled, billsec, at, line=None, **extra):
        """One CDR of ``line`` at ``at`` (naive UTC datetime, or minutes
        after the cycle start)."""
        BillingCase._seq += 1
        line = line or self.line
        if not isinstance(at, datetime):
            at = CYCLE_START + timedelta(minutes=at)
        vals = {
            "integration_id": self.integration.id,
            "company_id": self.company.id,
            "call_id": f"test-{BillingCase._seq}",
            "direction": "out",
            "ani_e164": line.caller_id_e164,
            "dnis_e164": dialled,
            "connect_time": at,
            "billsec": billsec,
            "disposition": "answered",
            "line_id": line.id,
            "contract_id": line.contract_id.id,
            "partner_id": line.contract_id.partner_id.id,
        }
        vals.update(extra)
        return self.env["isp.cdr"].create(vals)

    def rate(self, lines=None):
        self.env["isp.telephony.rating"]._rate_lines((lines or self.line).ids)

    def close(self, month=MARCH, contracts=None, **kwargs):
        return self.env["isp.telephony.billing"]._close_month(
            month, (contracts or self.contract).ids, **kwargs
        )
