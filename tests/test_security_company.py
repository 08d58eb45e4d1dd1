# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11 point 2: access and company are checked before any sudo():
blocking, the CDR re-match, the upload wizard and the call panel's contact
card never reach another company's records."""

import base64
import os
import tempfile

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from ..tools import blocking
from .call_common import CallSetupMixin
from .cdr_common import CdrCase, master_row

ROW = master_row(
    "3136000001",
    "190",
    "2024-05-02 10:00:00",
    "2024-05-02 10:01:00",
    60,
    billsec=50,
    answer="2024-05-02 10:00:10",
    uniqueid="b.1",
)


class TestCompanyBeforeSudo(CallSetupMixin, CdrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "ISP B"})
        cls.partner_shared = cls.env["res.partner"].create(
            {"name": "Cliente nas duas", "phone": "+55 31 3500-3000"}
        )
        cls.contract_in_b = cls.env["contract.contract"].create(
            {
                "name": "Contrato da empresa B",
                "partner_id": cls.partner_shared.id,
                "company_id": cls.company_b.id,
            }
        )
        cls.contract_in_a = cls.env["contract.contract"].create(
            {"name": "Contrato da empresa A", "partner_id": cls.partner_shared.id}
        )
        # A manager working in both companies, and the telephony manager of
        # TelephonyCase, who works in company A only.
        cls.manager_ab = new_test_user(
            cls.env,
            login="tel_manager_ab",
            groups="base.group_user,isp_telephony.group_telephony_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, (cls.company | cls.company_b).ids)],
        )

    def test_block_and_unblock_refused_on_another_company(self):
        with self.assertRaises(AccessError):
            self.contract_in_b.with_user(self.manager).action_service_block()
        self.assertEqual(self.contract_in_b.service_status, blocking.ACTIVE)
        self.contract_in_b.action_service_block()  # as superuser
        with self.assertRaises(AccessError):
            self.contract_in_b.with_user(self.manager).action_service_unblock()
        self.assertEqual(self.contract_in_b.service_status, blocking.BLOCKED_MANUAL)
        # A manager of both companies, working in A only for this request.
        in_a = self.contract_in_b.with_user(self.manager_ab).with_context(
            allowed_company_ids=[self.company.id]
        )
        with self.assertRaises(AccessError):
            in_a.action_service_unblock()
        # Working in B, the same manager lifts it.
        self.contract_in_b.with_user(self.manager_ab).with_context(
            allowed_company_ids=[self.company_b.id]
        ).action_service_unblock()
        self.assertEqual(self.contract_in_b.service_status, blocking.ACTIVE)
        # Their own company's contract: still blocked by a manager.
        self.contract_in_a.with_user(self.manager).action_service_block()
        self.assertEqual(self.contract_in_a.service_status, blocking.BLOCKED_MANUAL)

    def test_upload_wizard_refuses_another_company_integration(self):
        pbx_b = self.env["isp.telephony.integration"].create(
            {"name": "PBX B", "gateway": "asterisk", "company_id": self.company_b.id}
        )
        wizard = (
            self.env["isp.cdr.upload.wizard"]
            .with_user(self.manager)
            .create(
                {
                    "integration_id": pbx_b.id,
                    "layout_id": self.master_layout.id,
                    "file": base64.b64encode(ROW.encode()),
                    "file_name": "b.csv",
                }
            )
        )
        with self.assertRaises(AccessError):
            wizard.action_import()
        self.assertFalse(
            self.env["isp.cdr.import"].search([("integration_id", "=", pbx_b.id)])
        )

    def test_rematch_button_stays_in_the_user_companies(self):
        pbx_b = self.env["isp.telephony.integration"].create(
            {
                "name": "PBX B",
                "gateway": "asterisk",
                "area_code": "31",
                "company_id": self.company_b.id,
                "cdr_directory": tempfile.mkdtemp(dir=self.cdr_root),
            }
        )
        path = os.path.join(pbx_b.cdr_directory, "b.csv")
        with open(path, "w") as stream:
            stream.write(ROW)
        os.utime(path, (0, 0))
        run = pbx_b._import_cdrs()
        self.assertEqual((run.state, run.count_unmatched), ("done", 1), run.message)
        self.make_range("36000000", "36000009", company_id=self.company_b.id)
        number = self.number("+553136000001", self.company_b)
        line_b = self.env["isp.sip.line"].create(
            {
                "contract_id": self.contract_in_b.id,
                "integration_id": pbx_b.id,
                "caller_id_number_id": number.id,
            }
        )
        cdr = self.cdrs(integration=pbx_b)
        self.env["isp.cdr"].with_user(self.user).action_rematch()
        self.assertFalse(cdr.line_id, "a company-A user re-matched company B's calls")
        self.env["isp.cdr"].with_user(self.manager_ab).with_context(
            allowed_company_ids=[self.company_b.id]
        ).action_rematch()
        self.assertEqual(cdr.line_id, line_b)

    def test_call_panel_card_shows_only_the_call_company_contracts(self):
        self.setup_calls(self.env)
        log = (
            self.env["isp.call.log"]
            .sudo()
            ._handle_call_event(
                self.calls_integration, self.event(call_id="co-1", caller="3135003000")
            )
        )
        self.assertEqual(log.partner_id, self.partner_shared)
        payload = self.bus_messages(self.agent_user.partner_id)[-1]
        names = [c["name"] for c in payload["partner"]["contracts"]]
        self.assertIn("Contrato da empresa A", names)
        self.assertNotIn("Contrato da empresa B", names)
        # Nor can the agent put the call (and a collection charge) on it.
        with self.assertRaises(AccessError):
            log.with_user(self.agent_user).action_panel_link(
                self.partner_shared.id, self.contract_in_b.id
            )
        self.assertNotEqual(log.contract_id, self.contract_in_b)
