# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The SIP line dialog of the contract form, clicked through in a browser:
nothing typed in the dialog after Activate is lost when the dialog and the
contract are saved."""

import os
from unittest.mock import patch

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSipLineDialogTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integration = cls.env["isp.telephony.integration"].create(
            {"name": "Tour sandbox", "gateway": "sandbox", "area_code": "31"}
        )
        cls.env["isp.number.range"].create(
            {
                "name": "Tour range",
                "country_code": "55",
                "area_code": "31",
                "first_number": "35000040",
                "last_number": "35000049",
            }
        )
        partner = cls.env["res.partner"].create({"name": "Padaria do Tour"})
        cls.contract = cls.env["contract.contract"].create(
            {"name": "Tour contract", "partner_id": partner.id}
        )
        number = cls.env["isp.phone.number"].search(
            [("e164", "=", "+553135000041"), ("company_id", "=", cls.env.company.id)]
        )
        cls.number = number
        cls.did_number = cls.env["isp.phone.number"].search(
            [("e164", "=", "+553135000042"), ("company_id", "=", cls.env.company.id)]
        )

    def setUp(self):
        super().setUp()
        # No job runner serves the tour's browser: the provisioning jobs run
        # as soon as they are queued (queue_job's own switch), so the dialog
        # shows the platform's answer as a running server shows it a moment
        # later.
        self.enterContext(patch.dict(os.environ, {"QUEUE_JOB__NO_DELAY": "1"}))

    def _assert_line_with_did(self):
        line = self.contract.sip_line_ids
        self.assertEqual(len(line), 1)
        self.assertEqual(line.description, "Tour line")
        self.assertEqual(line.caller_id_number_id, self.number)
        self.assertEqual(line.state, "active")
        self.assertTrue(line.terminal)
        self.assertEqual(line.did_ids.number_id, self.did_number)
        self.assertEqual(line.did_ids.port, 1)
        self.assertEqual(self.did_number.state, "in_use")

    def test_did_added_after_activate_in_dialog_is_kept(self):
        """Contract form -> line dialog -> Activate -> add a DID -> save the
        dialog -> save the contract: the DID is on the line (and the number
        in use)."""
        self.env["isp.sip.line"].create(
            {
                "contract_id": self.contract.id,
                "integration_id": self.integration.id,
                "caller_id_number_id": self.number.id,
                "description": "Tour line",
                "due_day": 10,
            }
        )
        self.start_tour(
            f"/odoo/contract.contract/{self.contract.id}",
            "isp_telephony_did_after_activate",
            login="admin",
        )
        self._assert_line_with_did()

    def test_new_line_did_added_after_activate_in_dialog_is_kept(self):
        """A line added in the dialog (Add a line) offers no Activate until it
        is saved: Odoo's web client would save it on its own and then send the
        contract a bare link to it, dropping the DID typed afterwards. Saved
        with the contract, it is activated from its dialog and keeps its
        DID."""
        self.start_tour(
            f"/odoo/contract.contract/{self.contract.id}",
            "isp_telephony_new_line_did_after_activate",
            login="admin",
        )
        self._assert_line_with_did()
