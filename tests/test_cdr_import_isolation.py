# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The scheduled CDR import isolates failures: an unreadable file, an
unreadable directory or an unexpected error becomes a failed run with its
reason, and the other files and integrations are imported (by the jobs the
cron queues); every due integration's schedule moves on."""

import os
from datetime import timedelta
from unittest.mock import patch

from odoo import fields

from .cdr_common import CdrCase, master_row
from .jobs_common import JobsMixin

ROW_1 = master_row(
    "3135000001",
    "31999998888",
    "2024-05-02 10:00:00",
    "2024-05-02 10:01:00",
    60,
    billsec=50,
    answer="2024-05-02 10:00:10",
    uniqueid="iso.1",
)
ROW_2 = master_row(
    "3135000002",
    "31999997777",
    "2024-05-02 11:00:00",
    "2024-05-02 11:01:00",
    60,
    billsec=50,
    answer="2024-05-02 11:00:10",
    uniqueid="iso.2",
)


class TestCdrImportIsolation(JobsMixin, CdrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Integration = cls.env["isp.telephony.integration"]
        cls.Import = cls.env["isp.cdr.import"]
        # Only this test's integrations are due.
        cls.Integration.search([("id", "!=", cls.pbx.id)]).write(
            {"cdr_next_import": fields.Datetime.now() + timedelta(days=3)}
        )

    def _cron(self):
        # commit=False: the test's transaction is never committed (the
        # failure of an integration is undone by a savepoint instead).
        self.Integration._cron_import_cdrs(commit=False)
        # The import jobs it queued, as the job runner runs them.
        self.run_jobs()

    def _runs(self, integration=None):
        return self.Import.search(
            [("integration_id", "=", (integration or self.pbx).id)], order="id"
        )

    def _assert_rescheduled(self, integration):
        self.assertGreater(
            integration.cdr_next_import, fields.Datetime.now() + timedelta(hours=23)
        )

    def test_unreadable_file_is_recorded_and_the_next_file_imported(self):
        locked = self.write_file("a-locked.csv", ROW_1, age=300)
        self.write_file("b-fine.csv", ROW_2, age=200)
        original = type(self.Import)._import_file

        def import_file(model, integration, layout, path):
            if path == locked:
                raise PermissionError(13, "Permission denied", path)
            return original(model, integration, layout, path)

        with patch.object(type(self.Import), "_import_file", import_file):
            self._cron()
        failed, done = self._runs()
        self.assertEqual((failed.state, failed.file_name), ("failed", "a-locked.csv"))
        self.assertIn("Permission denied", failed.message)
        self.assertEqual((done.state, done.count_imported), ("done", 1))
        self.assertEqual(self.cdrs().original_call_id, "iso.2")
        self.assertTrue(os.path.exists(locked), "a failed file stays for a retry")
        self._assert_rescheduled(self.pbx)

    def test_unreadable_directory_does_not_stop_other_integrations(self):
        # A copy gets no folder (security): give it the same one.
        broken = self.pbx.copy(
            {"name": "Asterisk unreadable", "cdr_directory": self.pbx.cdr_directory}
        )
        self.write_file("day.csv", ROW_1)
        original = type(self.Integration)._cdr_scan

        def cdr_scan(integration):
            if integration == broken:
                raise PermissionError(13, "Permission denied", broken.cdr_directory)
            return original(integration)

        with patch.object(type(self.Integration), "_cdr_scan", cdr_scan):
            self._cron()
        failed = self._runs(broken)
        self.assertEqual(failed.state, "failed")
        self.assertIn("could not be read", failed.message)
        self.assertIn("Permission denied", failed.message)
        self.assertEqual(self._runs().state, "done")
        self.assertEqual(len(self.cdrs()), 1)
        self._assert_rescheduled(broken)
        self._assert_rescheduled(self.pbx)

    def test_unexpected_error_of_one_integration(self):
        """An error escaping an integration's import: recorded on it (failed
        run, chatter), the next integration imports, both are rescheduled."""
        broken = self.pbx.copy({"name": "Asterisk broken", "cdr_directory": ""})
        self.write_file("day.csv", ROW_1)
        original = type(self.Integration)._enqueue_cdr_imports

        def enqueue_cdr_imports(integration):
            if integration == broken:
                self.env.cr.execute("SELECT 1/0")  # aborts the transaction
            return original(integration)

        with (
            patch.object(
                type(self.Integration), "_enqueue_cdr_imports", enqueue_cdr_imports
            ),
            self.assertLogs(
                "odoo.addons.isp_telephony.models.isp_telephony_integration_cdr",
                "ERROR",
            ),
        ):
            self._cron()
        failed = self._runs(broken)
        self.assertEqual(failed.state, "failed")
        self.assertIn("division by zero", failed.message)
        self.assertIn("division by zero", broken.message_ids[:1].body)
        self.assertEqual(len(self.cdrs()), 1)
        self._assert_rescheduled(broken)
        self._assert_rescheduled(self.pbx)

    def test_api_failure_keeps_the_files(self):
        """A CallMyWay integration: its API failing is a failed API run; its
        files are imported."""
        self.pbx.write(
            {
                "gateway": "callmyway",
                "access_host": "http://127.0.0.1:9",
                "cdr_layout_id": self.master_layout.id,
            }
        )
        self.write_file("day.csv", ROW_1)
        with patch.object(
            type(self.Integration),
            "_import_callmyway_cdrs",
            side_effect=RuntimeError("API exploded"),
            autospec=True,
        ):
            self._cron()
        runs = self._runs()
        self.assertEqual(runs.mapped("source"), ["file", "api"])
        self.assertEqual(runs.mapped("state"), ["done", "failed"])
        self.assertIn("API exploded", runs[1].message)
        self._assert_rescheduled(self.pbx)
