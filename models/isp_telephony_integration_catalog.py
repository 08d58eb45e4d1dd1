# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Catalog sync: an integration fetches the platform's catalogs into ours."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..gateways import base as gateway_base


class IspTelephonyIntegrationCatalog(models.Model):
    _inherit = "isp.telephony.integration"

    # Catalog sync (partitions, categories, plans, licences) -----------------
    def action_sync_catalogs(self):
        """Fetch the catalogs from the platform and update ours: create what
        is new, rename what changed, reactivate what came back, archive what
        disappeared unless a line still uses it. Never deletes, never
        duplicates (matched on code)."""
        self.ensure_one()
        self.check_access("write")
        if not self._gateway_can(gateway_base.CATALOGS):
            raise UserError(
                self.env._(
                    "The platform of %s has no catalogs to synchronise.", self.name
                )
            )
        with self._get_gateway() as gateway:
            try:
                catalogs = gateway.list_catalogs()
            except gateway_base.GatewayError as error:
                raise UserError(
                    self.env._("Catalog sync failed: %s", error.message)
                ) from None
        summary = self._apply_catalogs(catalogs)
        body = self.env._(
            "Catalogs synchronised: %(created)s created, %(updated)s updated, "
            "%(archived)s archived, %(kept)s kept because lines use them.",
            **summary,
        )
        self.message_post(body=body)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": body, "type": "success", "sticky": False},
        }

    def _apply_catalogs(self, catalogs):
        self.ensure_one()
        summary = {"created": 0, "updated": 0, "archived": 0, "kept": 0}
        categories = self._sync_catalog(
            "isp.summit.category", "code", catalogs.categories, summary
        )
        self._sync_catalog("isp.summit.licence", "code", catalogs.licences, summary)
        self._sync_catalog("isp.summit.plan", "code", catalogs.plans, summary)
        partitions = self._sync_catalog(
            "isp.summit.partition", "code", catalogs.partitions, summary
        )
        by_code = categories
        blocking = {
            "default_category_id": "default_category",
            "block_category_id": "block_category",
            "partial_block_category_id": "partial_block_category",
            "cancel_category_id": "cancel_category",
        }
        for entry in catalogs.partitions:
            partition = partitions[entry.code]
            vals = {}
            allowed = [
                by_code[code].id
                for code in entry.extra.get("categories") or []
                if code in by_code
            ]
            if set(allowed) != set(partition.allowed_category_ids.ids):
                vals["allowed_category_ids"] = [fields.Command.set(allowed)]
            for field_name, key in blocking.items():
                category = by_code.get(entry.extra.get(key) or "")
                # The ISP's own choice wins: only empty fields are filled.
                if category and not partition[field_name]:
                    vals[field_name] = category.id
            if vals:
                partition.write(vals)
        return summary

    def _sync_catalog(self, model, key, entries, summary):
        """Upsert ``entries`` into ``model`` matched on ``key``; returns
        {code: record} of the entries."""
        Model = self.env[model].with_context(active_test=False)
        existing = {
            record[key]: record
            for record in Model.search([("integration_id", "=", self.id)])
        }
        seen = {}
        to_create = []
        for entry in entries:
            code = entry.code
            record = existing.get(code)
            if record is None:
                to_create.append(
                    {"integration_id": self.id, key: code, "name": entry.name}
                )
                continue
            vals = {}
            if record.name != entry.name:
                vals["name"] = entry.name
            if not record.active:
                vals["active"] = True
            if vals:
                record.write(vals)
                summary["updated"] += 1
            seen[code] = record
        for record in Model.create(to_create):
            seen[record[key]] = record
            summary["created"] += 1
        gone = Model.browse(
            [
                r.id
                for code, r in existing.items()
                if r.active and r not in seen.values()
            ]
        )
        if gone:
            field_of_model = {
                "isp.summit.category": "category_id",
                "isp.summit.licence": "licence_id",
                "isp.summit.plan": "platform_plan_id",
                "isp.summit.partition": "partition_id",
            }[model]
            used = (
                self.env["isp.sip.line"]
                .with_context(active_test=False)
                .search(
                    [(field_of_model, "in", gone.ids), ("state", "!=", "cancelled")]
                )
                .mapped(field_of_model)
            )
            (gone - used).write({"active": False})
            summary["archived"] += len(gone - used)
            summary["kept"] += len(used)
        return seen

    @api.constrains("catalogs_from_platform")
    def _check_partitions_in_beta_mode(self):
        """Turning Beta mode on makes each partition's allowed categories
        binding: its blocking categories must be among them."""
        partitions = self.env["isp.summit.partition"].search(
            [("integration_id", "in", self.filtered("catalogs_from_platform").ids)]
        )
        partitions._check_categories()
