# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An archived SIP line (Active unticked) still exists on the platform: it
follows its contract like any other line. Blocked and released with it, and
cancelled with a terminated contract (removed from the platform, numbers in
quarantine)."""

from freezegun import freeze_time

from odoo import fields

from .blocking_common import BlockingLoopbackCase


class TestArchivedLine(BlockingLoopbackCase):
    def setUp(self):
        super().setUp()
        self.contract = self.make_contract("Linha arquivada")
        self.line = self.active_line(self.contract, "+553136000001", self.sp)
        self.line.active = False
        self.terminal = self.line.terminal

    def on_platform(self):
        """The line's category on the platform, once the provisioning jobs
        queued so far have run (as the job runner does after the commit)."""
        self.run_jobs()
        return self.server.lines[self.terminal]["category"]

    def test_archived_line_is_shown_on_its_contract(self):
        self.assertEqual(self.contract.sip_line_ids, self.line)
        self.assertEqual(self.contract.sip_line_count, 1)

    def test_archived_line_is_blocked_and_released_with_its_contract(self):
        invoice = self.make_invoice(self.contract, due="2026-03-01")
        with freeze_time("2026-03-20"):
            self.evaluate()
        self.assertEqual(self.contract.service_status, "partial_block")
        self.assertEqual(self.on_platform(), "BLP")
        with freeze_time("2026-04-01"):
            self.evaluate()
        self.assertEqual(self.on_platform(), "BLQ")
        with freeze_time("2026-04-02"):
            self.pay(invoice)
            self.evaluate()
        self.assertEqual(self.contract.service_status, "active")
        self.assertEqual(self.on_platform(), "DEF")
        manager_contract = self.contract.with_user(self.manager)
        manager_contract.action_service_block()
        self.assertEqual(self.on_platform(), "BLQ")
        manager_contract.action_service_unblock()
        self.assertEqual(self.on_platform(), "DEF")

    def test_daily_run_repairs_archived_line_out_of_step(self):
        self.contract.with_user(self.manager).action_service_block()
        # The platform's category drifted on a line archived meanwhile.
        self.line.with_context(tracking_disable=True).write(
            {"category_id": self.cat["DEF"].id}
        )
        self.assertEqual(self.on_platform(), "DEF")
        self.evaluate()
        self.assertEqual(self.on_platform(), "BLQ")

    def test_archived_line_is_cancelled_with_a_terminated_contract(self):
        number = self.line.caller_id_number_id
        with freeze_time("2026-03-10"):
            self.contract._terminate_contract(
                self.reason, False, fields.Date.to_date("2026-03-10")
            )
        self.assertEqual(self.contract.service_status, "cancelled")
        self.run_jobs()
        deletes = [r.path for r in self.server.requests if r.method == "DELETE"]
        self.assertEqual(deletes, [f"/api/v1/lines/{self.terminal}"])
        self.assertNotIn(self.terminal, self.server.lines)
        self.assertEqual(self.line.state, "cancelled")
        self.assertEqual(number.state, "quarantine")
