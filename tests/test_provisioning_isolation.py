# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Provisioning isolates one line's failure: a line whose request cannot
even be built fails alone (its job failed with the reason, the line in error
with it); the other lines' jobs go on and activate them."""

from contextlib import closing
from unittest.mock import patch

from odoo import sql_db

from odoo.addons.queue_job.exception import RetryableJobError

from ..tools import locks
from .provisioning_common import SummitLoopbackCase


class TestProvisioningIsolation(SummitLoopbackCase):
    def test_one_unbuildable_request_does_not_stop_the_run(self):
        lines = self.env["isp.sip.line"]
        for i in range(3):
            contract = self.make_contract(self.partner, name=f"Contract {i}")
            lines |= self.make_line(f"+5531350001{50 + i:02d}", contract=contract)
        lines.action_activate()
        broken = lines[1]
        Line = type(lines)
        original = Line._platform_spec

        def platform_spec(line):
            if line == broken:
                raise ValueError("account code column holds garbage")
            return original(line)

        with patch.object(Line, "_platform_spec", platform_spec):
            self.run_jobs()
        self.assertEqual((lines - broken).mapped("state"), ["active", "active"])
        self.assertEqual(len(self.server.lines), 2)
        self.assertEqual(broken.state, "error")
        self.assertIn("garbage", broken.platform_error)
        job = broken.job_ids.filtered(lambda j: j.method_name == "_provision_activate")
        self.assertEqual(job.state, "failed")
        self.assertEqual(job.exc_name, "ValueError")
        self.assertIn("garbage", job.exc_message)

    def test_a_line_busy_with_another_operation_waits_without_an_attempt(self):
        """One platform operation per line at a time: while another
        transaction holds the line's platform lock, its job sends nothing
        and asks to run again later without counting an attempt."""
        contract = self.make_contract(self.partner, name="Busy line")
        line = self.make_line("+553135000190", contract=contract)
        line.action_activate()
        with closing(sql_db.db_connect(self.cr.dbname).cursor()) as other:
            self.assertTrue(locks.try_lock(other, locks.LINE_PLATFORM, line.id))
            with self.assertRaises(RetryableJobError) as busy:
                line._provision_activate()
            self.assertTrue(busy.exception.ignore_retry)
            self.assertFalse(self.server.lines)
            other.rollback()
        self.run_jobs()
        self.assertEqual(line.state, "active")
        self.assertEqual(len(self.server.lines), 1)
