# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Beta-mode partition cannot be saved with a blocking category it does
not allow; and when a line still refuses its block (a partition saved before
this check), the daily blocking run records it on that line and its
contract and blocks every other contract."""

from freezegun import freeze_time

from odoo.exceptions import ValidationError

from .blocking_common import BlockingCase
from .jobs_common import JobsMixin
from .loopback.summit_server import SummitServer


class TestBlockingIsolation(JobsMixin, BlockingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = SummitServer(username="isp", password="s3cret-pass").start()
        cls.addClassCleanup(cls.server.stop)
        port = int(cls.server.base_url.rsplit(":", 1)[1])
        cls.integration.write({"summit_api_port": port, "api_timeout": 5.0})
        cls.integration.action_sync_catalogs()
        cls.cost_center = cls.env["isp.summit.cost.center"].create(
            {"value": "Default", "integration_id": cls.integration.id}
        )
        cls.make_range(first="36000000", last="36000049", area="31")
        # SP01 allows DEF, BLQ, BLP, CAN; CPS01 only DEF, BLQ, CAN.
        cls.sp = cls.catalog("isp.summit.partition", "SP01")
        cls.cps = cls.catalog("isp.summit.partition", "CPS01")
        (cls.sp | cls.cps).write({"blocking_enabled": True})
        cls.cat = {
            code: cls.catalog("isp.summit.category", code)
            for code in ("DEF", "BLQ", "BLP", "CAN")
        }
        cls.integration.catalogs_from_platform = True

    @classmethod
    def catalog(cls, model, code):
        key = (
            "code"
            if model in ("isp.summit.partition", "isp.summit.plan")
            else "acronym"
        )
        return cls.env[model].search(
            [("integration_id", "=", cls.integration.id), (key, "=", code)]
        )

    def setUp(self):
        super().setUp()
        self.server.reset()

    def make_line(self, contract, number, partition):
        line = self.env["isp.sip.line"].create(
            {
                "contract_id": contract.id,
                "integration_id": self.integration.id,
                "caller_id_number_id": self.number(number).id,
                "partition_id": partition.id,
                "category_id": self.cat["DEF"].id,
                "platform_plan_id": self.catalog("isp.summit.plan", "RES100").id,
                "licence_id": self.catalog("isp.summit.licence", "RES").id,
                "cost_center_id": self.cost_center.id,
                "due_day": 10,
            }
        )
        line.action_activate()
        self.run_jobs()
        self.assertEqual(line.state, "active", line.platform_error)
        return line

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
