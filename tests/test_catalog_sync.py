# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError, ValidationError

from .provisioning_common import SummitLoopbackCase


class TestCatalogSync(SummitLoopbackCase):
    def all_codes(self, model, field="code"):
        return sorted(
            self.env[model]
            .with_context(active_test=False)
            .search([("integration_id", "=", self.integration.id)])
            .mapped(field)
        )

    def test_first_sync_builds_the_catalogs(self):
        # setUpClass synchronised once already.
        self.assertEqual(self.all_codes("isp.summit.partition"), ["CPS01", "SP01"])
        self.assertEqual(
            self.all_codes("isp.summit.category", "acronym"),
            ["BLP", "BLQ", "CAN", "DEF"],
        )
        self.assertEqual(self.all_codes("isp.summit.plan"), ["PME500", "RES100"])
        self.assertEqual(
            self.all_codes("isp.summit.licence", "acronym"), ["RES", "TRK"]
        )
        campinas = self.catalog("isp.summit.partition", "CPS01")
        self.assertEqual(
            sorted(campinas.allowed_category_ids.mapped("acronym")),
            ["BLQ", "CAN", "DEF"],
        )
        self.assertEqual(campinas.block_category_id.acronym, "BLQ")
        self.assertFalse(campinas.partial_block_category_id)

    def test_sync_is_idempotent_and_keeps_what_lines_use(self):
        summary = self.integration._apply_catalogs(
            self.integration._get_gateway().list_catalogs()
        )
        self.assertEqual(
            summary, {"created": 0, "updated": 0, "archived": 0, "kept": 0}
        )
        line = self.make_line(
            platform_plan_id=self.catalog("isp.summit.plan", "PME500").id
        )
        # The platform renames one plan, drops the other two and a licence.
        self.server.set_catalogs(
            plans=[{"code": "RES200", "name": "Residencial 200 min"}],
            licences=[{"code": "RES", "name": "Residencial (nova)"}],
        )
        self.integration.action_sync_catalogs()
        plans = (
            self.env["isp.summit.plan"]
            .with_context(active_test=False)
            .search([("integration_id", "=", self.integration.id)])
        )
        self.assertEqual(len(plans), 3)  # nothing duplicated, nothing deleted
        active = {plan.code: plan.active for plan in plans}
        self.assertEqual(active, {"RES200": True, "PME500": True, "RES100": False})
        self.assertEqual(line.platform_plan_id.code, "PME500")
        self.assertFalse(self.catalog("isp.summit.licence", "TRK"))
        self.assertEqual(
            self.catalog("isp.summit.licence", "RES").name, "Residencial (nova)"
        )
        # The dropped plan comes back: reactivated, not created again.
        self.server.reset()
        self.integration.action_sync_catalogs()
        self.assertEqual(len(self.all_codes("isp.summit.plan")), 3)
        self.assertTrue(self.catalog("isp.summit.plan", "RES100").active)

    def test_sync_failure_is_reported(self):
        self.server.fail_next(401, path="/api/v1/partitions")
        with self.assertRaisesRegex(UserError, "Catalog sync failed"):
            self.integration.action_sync_catalogs()

    def test_beta_mode_offers_only_the_partition_categories(self):
        campinas = self.catalog("isp.summit.partition", "CPS01")
        partial = self.catalog("isp.summit.category", "BLP")
        line = self.make_line(partition_id=campinas.id)
        self.assertIn(partial, line.allowed_category_ids)  # stable mode: all
        self.integration.catalogs_from_platform = True
        line.invalidate_recordset(["allowed_category_ids"])
        self.assertEqual(line.allowed_category_ids, campinas.allowed_category_ids)
        with self.assertRaisesRegex(ValidationError, "not allowed in partition"):
            line.category_id = partial

    def test_catalog_of_another_integration_is_refused(self):
        other = self.env["isp.telephony.integration"].create(
            {"name": "Other", "gateway": "sandbox"}
        )
        other.action_sync_catalogs()
        foreign = self.env["isp.summit.plan"].search(
            [("integration_id", "=", other.id)], limit=1
        )
        with self.assertRaisesRegex(ValidationError, "another integration"):
            self.make_line(platform_plan_id=foreign.id)
