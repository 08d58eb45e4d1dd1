# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared set-up for the Odoo tests: a company's integration, catalogs and
users of each telephony group, created once per class."""

from odoo.tests import TransactionCase, new_test_user


class TelephonyCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.integration = cls.env["isp.telephony.integration"].create(
            {
                "name": "Summit test",
                "gateway": "summit",
                "api_user": "isp",
                "api_password": "s3cret-pass",
                "summit_api_host": "127.0.0.1",
                "summit_api_port": 9,
                "api_use_tls": False,
                "area_code": "11",
            }
        )
        cls.user = new_test_user(
            cls.env,
            login="tel_user",
            groups="base.group_user,isp_telephony.group_telephony_user",
            name="Telephony User",
        )
        cls.manager = new_test_user(
            cls.env,
            login="tel_manager",
            groups="base.group_user,isp_telephony.group_telephony_manager",
            name="Telephony Manager",
        )

    @classmethod
    def make_range(cls, first="35000000", last="35000099", area="31", **extra):
        vals = {
            "name": f"Range {area} {first}",
            "country_code": "55",
            "area_code": area,
            "first_number": first,
            "last_number": last,
        }
        vals.update(extra)
        return cls.env["isp.number.range"].create(vals)

    def number(self, e164, company=None):
        return self.env["isp.phone.number"].search(
            [("e164", "=", e164), ("company_id", "=", (company or self.company).id)]
        )
