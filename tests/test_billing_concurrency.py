# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two closes of the same month at once (the wizard and the scheduled run):
one charge, never two. Real concurrent transactions need committed data,
so this test commits its own records and removes them at the end."""

from datetime import datetime, timedelta

import psycopg2

from odoo import Command, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .billing_common import MARCH

CYCLE_START = datetime(2026, 2, 10, 3, 0, 0)


@tagged("post_install", "-at_install")
class TestConcurrentClose(TransactionCase):
    def _setup_committed(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            company.telephony_timezone = "America/Sao_Paulo"
            product = env["product.product"].create(
                {"name": "Concurrency overage", "type": "service"}
            )
            integration = env["isp.telephony.integration"].create(
                {
                    "name": "Concurrency test",
                    "gateway": "summit",
                    "api_user": "isp",
                    "api_password": "s3cret-pass",
                    "summit_api_host": "127.0.0.1",
                    "summit_api_port": 9,
                    "api_use_tls": False,
                    "area_code": "11",
                    "company_id": company.id,
                }
            )
            plan = env["isp.telephony.plan"].create(
                {
                    "name": "Concurrency plan",
                    "product_id": product.id,
                    "company_id": company.id,
                    "rate_ids": [Command.create({"price_per_minute": 1.0})],
                }
            )
            number_range = env["isp.number.range"].create(
                {
                    "name": "Concurrency range",
                    "country_code": "55",
                    "area_code": "99",
                    "first_number": "39990000",
                    "last_number": "39990001",
                    "company_id": company.id,
                }
            )
            partner = env["res.partner"].create({"name": "Concurrency customer"})
            contract = env["contract.contract"].create(
                {"name": "Concurrency contract", "partner_id": partner.id}
            )
            number = env["isp.phone.number"].search(
                [("e164", "=", "+559939990000"), ("company_id", "=", company.id)]
            )
            line = env["isp.sip.line"].create(
                {
                    "contract_id": contract.id,
                    "integration_id": integration.id,
                    "caller_id_number_id": number.id,
                    "billing_plan_id": plan.id,
                    "due_day": 10,
                }
            )
            env["isp.cdr"].create(
                [
                    {
                        "integration_id": integration.id,
                        "company_id": company.id,
                        "call_id": f"concurrency-{i}",
                        "direction": "out",
                        "dnis_e164": "+559933334444",
                        "connect_time": CYCLE_START + timedelta(hours=i + 1),
                        "billsec": 60,
                        "disposition": "answered",
                        "line_id": line.id,
                        "contract_id": contract.id,
                    }
                    for i in range(3)
                ]
            )
            # Rated beforehand: the race below is the charge itself.
            env["isp.telephony.rating"]._rate_lines(line.ids)
            ids = {
                "product": product.id,
                "integration": integration.id,
                "plan": plan.id,
                "range": number_range.id,
                "partner": partner.id,
                "contract": contract.id,
                "line": line.id,
            }
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._remove, ids)
        return ids

    def _remove(self, ids):
        with self.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM account_move WHERE partner_id = %s", [ids["partner"]]
            )
            cr.execute(
                "DELETE FROM isp_telephony_charge WHERE contract_id = %s",
                [ids["contract"]],
            )
            cr.execute(
                "DELETE FROM isp_cdr WHERE integration_id = %s", [ids["integration"]]
            )
            cr.execute(
                "DELETE FROM queue_job WHERE telephony_sip_line_id = %s", [ids["line"]]
            )
            cr.execute("DELETE FROM isp_sip_line WHERE id = %s", [ids["line"]])
            cr.execute("DELETE FROM contract_contract WHERE id = %s", [ids["contract"]])
            cr.execute(
                "DELETE FROM isp_phone_number WHERE range_id = %s", [ids["range"]]
            )
            cr.execute("DELETE FROM isp_number_range WHERE id = %s", [ids["range"]])
            cr.execute("DELETE FROM isp_telephony_plan WHERE id = %s", [ids["plan"]])
            cr.execute(
                "DELETE FROM isp_telephony_integration WHERE id = %s",
                [ids["integration"]],
            )
            cr.execute("DELETE FROM res_partner WHERE id = %s", [ids["partner"]])
            cr.execute(
                "DELETE FROM product_product WHERE id = %s RETURNING product_tmpl_id",
                [ids["product"]],
            )
            cr.execute("DELETE FROM product_template WHERE id = %s", [cr.fetchone()[0]])
            cr.commit()  # pylint: disable=invalid-commit

    def _close(self, cr, contract_id):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        return env["isp.telephony.billing"]._close_month(
            MARCH, [contract_id], separate=False
        )

    def test_two_closes_at_once_make_one_charge(self):
        ids = self._setup_committed()
        contract_id = ids["contract"]
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            # B's transaction starts (its snapshot) before A closes.
            cr_b.execute("SELECT count(*) FROM isp_telephony_charge")
            result = self._close(cr_a, contract_id)
            self.assertEqual(result["cdrs"], 3)
            # While A runs, B is refused by the company's close lock.
            with self.assertRaises(UserError):
                self._close(cr_b, contract_id)
            cr_a.commit()
            # A is done and the lock free, but B still sees the month as it
            # was: the unique key refuses B's charge, nothing is doubled.
            with self.assertRaises(psycopg2.errors.UniqueViolation):
                self._close(cr_b, contract_id)
            cr_b.rollback()
            # Run again, B adds nothing.
            again = self._close(cr_b, contract_id)
            self.assertFalse(again["charges"])
            cr_b.commit()
            cr_b.execute(
                "SELECT count(*), sum(amount) FROM isp_telephony_charge"
                " WHERE contract_id = %s",
                [contract_id],
            )
            self.assertEqual(cr_b.fetchone(), (1, 3))
            cr_b.execute(
                "SELECT count(DISTINCT charge_id), count(*) FROM isp_cdr"
                " WHERE line_id = %s",
                [ids["line"]],
            )
            self.assertEqual(cr_b.fetchone(), (1, 3))
