# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import new_test_user

from .common import TelephonyCase


class TestMultiCompany(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "ISP B"})
        cls.integration_b = cls.env["isp.telephony.integration"].create(
            {"name": "Summit B", "company_id": cls.company_b.id}
        )
        cls.user_a = new_test_user(
            cls.env,
            login="tel_user_a",
            groups="base.group_user,isp_telephony.group_telephony_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def test_same_number_in_two_companies(self):
        self.make_range("35000000", "35000009")
        self.make_range("35000000", "35000009", company_id=self.company_b.id)
        numbers = self.env["isp.phone.number"].search([("e164", "=", "+553135000001")])
        self.assertEqual(numbers.company_id, self.company | self.company_b)

    def test_user_sees_only_own_company(self):
        self.make_range("35000000", "35000009")
        range_b = self.make_range("36000000", "36000009", company_id=self.company_b.id)
        category_b = self.env["isp.summit.category"].create(
            {"name": "B", "code": "B", "integration_id": self.integration_b.id}
        )
        env_a = self.env(user=self.user_a)
        self.assertNotIn(range_b, env_a["isp.number.range"].search([]))
        self.assertFalse(
            env_a["isp.phone.number"].search([("company_id", "=", self.company_b.id)])
        )
        self.assertNotIn(
            self.integration_b, env_a["isp.telephony.integration"].search([])
        )
        self.assertNotIn(category_b, env_a["isp.summit.category"].search([]))
        self.assertIn(self.integration, env_a["isp.telephony.integration"].search([]))

    def test_catalog_company_follows_integration(self):
        partition = self.env["isp.summit.partition"].create(
            {"code": "B1", "name": "B", "integration_id": self.integration_b.id}
        )
        self.assertEqual(partition.company_id, self.company_b)

    def test_country_of_numbers_resolved_from_record_then_company(self):
        """A number written without country code is read in the country of
        the integration, else of its company, else Brazil."""
        portugal = self.env.ref("base.pt")
        self.company_b.country_id = portugal
        self.integration_b.country_id = False
        self.assertEqual(self.integration_b._country_code(), "PT")
        self.assertEqual(
            self.integration_b._normalise_number("212345678"), "+351212345678"
        )
        self.integration_b.country_id = self.env.ref("base.br")
        self.assertEqual(self.integration_b._country_code(), "BR")
        self.company_b.country_id = False
        self.assertEqual(self.company_b._telephony_country_code(), "BR")
        partner = (
            self.env["res.partner"]
            .with_company(self.company_b)
            .create({"name": "Sem país", "phone": "(31) 3333-4444"})
        )
        self.assertEqual(partner.telephony_phone_e164, "+553133334444")
