# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Beta-mode partition cannot be saved with a blocking category it does
not allow; and when a line still refuses its block (a partition saved before
this check), the daily blocking run records it on that line and its
contract and blocks every other contract."""

from freezegun import freeze_time

from odoo.exceptions import ValidationError

from .blocking_common import BlockingLoopbackCase


class TestBlockingIsolation(BlockingLoopbackCase):
    # SP01 allows DEF, BLQ, BLP, CAN; CPS01 only DEF, BLQ, CAN.
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integration.catalogs_from_platform = True

    def make_line(self, contract, number, partition):
        return self.active_line(contract, number, partition)

    def on_platform(self, line):
        """The line's category on the platform, once the provisioning jobs
        queued so far have run (as the job runner does after the commit)."""
        self.run_jobs()
        return self.server.lines[line.terminal]["category"]

    # Saving the partition --------------------------------------------------
    def test_block_category_outside_allowed_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "not among its allowed"):
            self.cps.block_category_id = self.cat["BLP"]
        with self.assertRaisesRegex(ValidationError, "not among its allowed"):
            self.sp.allowed_category_ids = self.cat["DEF"] | self.cat["BLP"]

    def test_beta_mode_checks_the_partitions(self):
        self.integration.catalogs_from_platform = False
        # Stable mode: every category of the integration may be used.
        self.cps.partial_block_category_id = self.cat["BLP"]
        with self.assertRaisesRegex(ValidationError, "Partial Block|allowed"):
            self.integration.catalogs_from_platform = True

    # The daily run ----------------------------------------------------------
    def test_one_refused_block_does_not_stop_the_others(self):
        bad_contract = self.make_contract("Campinas")
        good_contract = self.make_contract("São Paulo")
        bad = self.make_line(bad_contract, "+553136000001", self.cps)
        good = self.make_line(good_contract, "+553136000002", self.sp)
        # A partition saved before the check: its block category is one its
        # lines may not take.
        self.env.cr.execute(
            "UPDATE isp_summit_partition SET block_category_id = %s WHERE id = %s",
            (self.cat["BLP"].id, self.cps.id),
        )
        self.cps.invalidate_recordset()
        bad.invalidate_recordset()
        self.make_invoice(bad_contract, due="2026-03-01")
        self.make_invoice(good_contract, due="2026-03-01")
        with freeze_time("2026-04-01"):
            self.evaluate()
        self.assertEqual(good_contract.service_status, "blocked_auto")
        self.assertEqual(self.on_platform(good), "BLQ")
        self.assertEqual(bad_contract.service_status, "blocked_auto")
        self.assertEqual(self.on_platform(bad), "DEF")
        self.assertEqual(bad.category_id, self.cat["DEF"])
        self.assertIn("not allowed in partition", bad.platform_error)
        self.assertIn("not allowed in partition", bad_contract.message_ids[0].body)
        # The manual Block does not raise either.
        bad_contract.with_user(self.manager).action_service_block()
        self.assertEqual(bad_contract.service_status, "blocked_manual")
        self.assertEqual(self.on_platform(bad), "DEF")
