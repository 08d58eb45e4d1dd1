# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .provisioning_common import SummitLoopbackCase


class TestSipLineAccess(SummitLoopbackCase):
    def test_back_office_user_creates_and_activates_from_the_contract(self):
        back_office = new_test_user(
            self.env,
            login="back_office",
            groups="base.group_user,account.group_account_manager,"
            "isp_telephony.group_telephony_user",
        )
        contract = self.contract.with_user(back_office)
        vals = self.line_vals(
            "+553135000070",
            did_ids=[
                Command.create(
                    {"number_id": self.number("+553135000071").id, "port": 1}
                )
            ],
        )
        vals.pop("contract_id")
        contract.write({"sip_line_ids": [Command.create(vals)]})
        contract.action_activate_sip_lines()
        self.run_jobs()
        line = contract.sip_line_ids
        self.assertEqual(line.state, "active")
        self.assertTrue(line.terminal)
        self.assertEqual(contract.sip_line_count, 1)

    def test_credentials_are_for_managers_only(self):
        line = self.make_line(
            "+553135000072",
            did_ids=[
                Command.create(
                    {"number_id": self.number("+553135000073").id, "port": 2}
                )
            ],
        )
        line.action_activate()
        self.run_jobs()
        as_user = line.with_user(self.user)
        self.assertEqual(as_user.terminal, line.terminal)  # not secret
        with self.assertRaises(AccessError):
            as_user.read(["credential"])
        with self.assertRaises(AccessError):
            as_user.did_ids.read(["credential"])
        self.assertNotIn("credential", as_user.fields_get())
        as_manager = line.with_user(self.manager)
        self.assertEqual(
            as_manager.credential,
            self.server.line_by_external_id(line.uuid)["credential"],
        )
        self.assertTrue(as_manager.did_ids.credential)

    def test_user_cannot_write_platform_fields_or_jobs(self):
        line = self.make_line("+553135000074")
        draft = self.make_line("+553135000076")
        line.action_activate()
        self.run_jobs()
        job = line.job_ids
        self.assertEqual(job.state, "done")
        with self.assertRaises(AccessError):
            job.with_user(self.user).read(["state"])
        with self.assertRaises(AccessError):
            job.with_user(self.manager).write({"state": "pending"})
        self.assertEqual(
            job.with_user(self.manager).read(["state"])[0]["state"], "done"
        )
        with self.assertRaises(AccessError):
            draft.with_user(self.user).unlink()
        with self.assertRaises(AccessError):
            line.with_user(self.user).write({"terminal": "forged"})

    def test_other_company_lines_are_invisible(self):
        other_company = self.env["res.company"].create({"name": "Other ISP"})
        line = self.make_line("+553135000075")
        self.user.write({"company_ids": [Command.link(other_company.id)]})
        lines = (
            self.env["isp.sip.line"]
            .with_user(self.user)
            .with_context(allowed_company_ids=[other_company.id])
        )
        self.assertFalse(lines.search([("id", "=", line.id)]))
        self.assertTrue(
            lines.with_context(allowed_company_ids=[self.company.id]).search(
                [("id", "=", line.id)]
            )
        )
