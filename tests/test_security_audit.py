# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11 point 2, second audit of every sudo() (docs/security.md): the
holes it found, each refused over the ORM as the user who tried (a
customer of the portal reading their own lines)."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .billing_common import LOCAL, MARCH, BillingCase


class TestSudoAudit(BillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(
            cls.env,
            login="audit_portal",
            groups="base.group_portal",
            partner_id=cls.partner.id,
        )
        # More lines than BATCH_FROM: activating them makes a batch record.
        cls.lines = cls.line | cls.env["isp.sip.line"].concat(
            *(cls.make_line(cls.contract, f"+55313500001{n}") for n in range(6))
        )

    def test_portal_customer_cannot_activate_lines_in_a_batch(self):
        as_portal = self.lines.with_user(self.portal)
        # The customer reads their lines (portal) ...
        self.assertEqual(as_portal.search([]), self.lines)
        self.assertEqual(set(as_portal.mapped("state")), {"draft"})
        # ... but activating them is refused before the batch is made.
        with self.assertRaises(AccessError):
            as_portal.action_activate()
        self.assertFalse(self.env["isp.provisioning.batch"].search([]))
        self.assertEqual(set(self.lines.mapped("state")), {"draft"})

    def test_portal_customer_cannot_run_the_spend_check(self):
        with self.assertRaises(AccessError):
            self.line.with_user(self.portal).action_check_spend()
        # A telephony user may.
        self.assertTrue(self.line.with_user(self.user).action_check_spend())

    def test_portal_customer_cannot_rematch_calls(self):
        with self.assertRaises(AccessError):
            self.env["isp.cdr"].with_user(self.portal).action_rematch()

    def test_manager_cannot_close_another_companys_month(self):
        """The close runs SQL without record rules: the wizard refuses a
        company the manager does not work in, and contracts of another
        company."""
        other = self.env["res.company"].create({"name": "Outra Telecom"})
        self.cdr(LOCAL, 400, 60)
        Wizard = self.env["isp.telephony.billing.wizard"].with_user(self.manager)
        wizard = Wizard.create({"billing_month": MARCH, "company_id": other.id})
        with self.assertRaises(AccessError):
            wizard.action_preview()
        with self.assertRaises(AccessError):
            wizard.action_generate()
        Charge = self.env["isp.telephony.charge"]
        mine = [("contract_id", "=", self.contract.id)]
        self.assertFalse(Charge.search(mine))
        # Their own company's month closes.
        wizard = Wizard.create({"billing_month": MARCH})
        wizard.action_preview()
        wizard.action_generate()
        self.assertEqual(Charge.search(mine).contract_id, self.contract)
