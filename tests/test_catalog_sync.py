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
            self.all_codes("isp.summit.category", "code"),
            ["BLP", "BLQ", "CAN", "DEF"],
        )
        self.assertEqual(self.all_codes("isp.summit.plan"), ["PME500", "RES100"])
        self.assertEqual(self.all_codes("isp.summit.licence", "code"), ["RES", "TRK"])
        campinas = self.catalog("isp.summit.partition", "CPS01")
        self.assertEqual(
            sorted(campinas.allowed_category_ids.mapped("code")),
            ["BLQ", "CAN", "DEF"],
        )
        self.assertEqual(campinas.block_category_id.code, "BLQ")
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


class TestLineCatalogDefaults(SummitLoopbackCase):
    """The catalog choices of a line follow its integration and partition
    the same way in the form, over RPC, in an import and through the
    contract (stored, editable computes, not onchanges)."""

    def rpc_vals(self, number, **extra):
        # What an RPC client or an import sends: no category, no cost centre.
        vals = self.line_vals(number)
        del vals["category_id"], vals["cost_center_id"]
        vals.update(extra)
        return vals

    def test_create_over_rpc_gets_the_partition_category_and_cost_centre(self):
        line = self.env["isp.sip.line"].create(self.rpc_vals("+553135000070"))
        self.assertEqual(line.category_id, self.catalog("isp.summit.category", "DEF"))
        self.assertEqual(line.cost_center_id, self.cost_center)

    def test_given_values_win(self):
        other = self.env["isp.summit.cost.center"].create(
            {"code": "Filial", "integration_id": self.integration.id}
        )
        line = self.env["isp.sip.line"].create(
            self.rpc_vals("+553135000071", cost_center_id=other.id)
        )
        self.assertEqual(line.cost_center_id, other)

    def test_contract_write_gets_the_same_values(self):
        self.contract.write({"sip_line_ids": [(0, 0, self.rpc_vals("+553135000072"))]})
        line = self.contract.sip_line_ids.filtered(
            lambda sip: sip.caller_id_number_id.e164 == "+553135000072"
        )
        self.assertEqual(line.category_id.code, "DEF")
        self.assertEqual(line.cost_center_id, self.cost_center)

    def test_partition_change_brings_its_default_category(self):
        self.integration.catalogs_from_platform = True
        line = self.make_line(
            "+553135000073",
            category_id=self.catalog("isp.summit.category", "BLP").id,
        )
        campinas = self.catalog("isp.summit.partition", "CPS01")
        line.write({"partition_id": campinas.id})
        self.assertEqual(line.category_id, campinas.default_category_id)

    def test_integration_change_clears_the_other_integration_catalogs(self):
        other = self.env["isp.telephony.integration"].create(
            {"name": "Training", "gateway": "sandbox"}
        )
        other.action_sync_catalogs()
        other_center = self.env["isp.summit.cost.center"].create(
            {"code": "Default", "integration_id": other.id}
        )
        line = self.make_line("+553135000074")
        line.write({"integration_id": other.id})
        for name in ("partition_id", "category_id", "platform_plan_id", "licence_id"):
            self.assertFalse(line[name], name)
        self.assertEqual(line.cost_center_id, other_center)
