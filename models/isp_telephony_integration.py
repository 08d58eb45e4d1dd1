# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import secrets

from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.base.models.res_partner import _tz_get

from ..gateways import base as gateway_base
from ..tools import phone

# Fields that hold a secret: readable by telephony managers only (field
# groups), never tracked, never logged.
SECRET_FIELDS = ("api_password", "webhook_secret")

MANAGER_GROUP = "isp_telephony.group_telephony_manager"


def _new_webhook_secret():
    return secrets.token_urlsafe(32)


class IspTelephonyIntegration(models.Model):
    """A connection to one VoIP platform (seed 002 "Cadastro da Integração")."""

    _name = "isp.telephony.integration"
    _description = "VoIP Platform Integration"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"

    name = fields.Char(
        string="Description",
        required=True,
        tracking=True,
        help="A short name that identifies this platform connection.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(
        default=True,
        tracking=True,
        help="Inactive integrations are not imported from nor provisioned on.",
    )
    gateway = fields.Selection(
        selection=[
            ("summit", "Summit Networks"),
            ("callmyway", "CallMyWay"),
            ("asterisk", "Asterisk"),
            ("sandbox", "Sandbox (no platform)"),
        ],
        required=True,
        default="summit",
        tracking=True,
        help="The platform this integration talks to. Other modules extend this "
        "list with selection_add. Sandbox behaves like a platform inside Odoo, "
        "for demos and training.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        tracking=True,
    )
    cdr_import_period = fields.Selection(
        [("daily", "Daily"), ("monthly", "Monthly")],
        string="CDR Import Period",
        required=True,
        default="daily",
        tracking=True,
        help="How often the call records of this platform are imported.",
    )
    api_user = fields.Char(
        string="Access User",
        tracking=True,
        help="User name the platform gave for its API (or the AMI user for Asterisk).",
    )
    access_host = fields.Char(
        string="Access URL/IP",
        tracking=True,
        help="URL or IP address through which the platform reaches this system, "
        "or through which Odoo reaches the platform (CallMyWay base URL, "
        "Asterisk AMI host).",
    )
    api_password = fields.Char(
        string="Access Password",
        groups=MANAGER_GROUP,
        copy=False,
        help="API password (AMI secret for Asterisk). Readable by telephony "
        "managers only.",
    )
    access_port = fields.Integer(
        tracking=True,
        help="Port of the access URL/IP (AMI port for Asterisk, usually 5038).",
    )
    summit_api_host = fields.Char(
        string="Summit API IP",
        tracking=True,
        help="Address of the Summit Networks API server.",
    )
    summit_api_port = fields.Integer(
        string="Summit API Port",
        tracking=True,
        help="Port of the Summit Networks API server.",
    )
    api_use_tls = fields.Boolean(
        string="Use HTTPS/TLS",
        default=True,
        tracking=True,
        help="Talk to the platform over TLS. Certificates are always verified.",
    )
    api_timeout = fields.Float(
        string="Timeout (s)",
        default=10.0,
        help="Seconds to wait for the platform before a call is retried.",
    )
    cdr_directory = fields.Char(
        string="CDR Source Directory",
        tracking=True,
        help="Directory on the Odoo server where the platform drops its CDR files.",
    )
    cdr_delete_after_import = fields.Boolean(
        string="Delete CDR Files",
        tracking=True,
        help="Delete each CDR file once its import has been committed. "
        "Otherwise it is moved to an 'imported' subdirectory.",
    )
    timezone = fields.Selection(
        _tz_get,
        string="Platform Time Zone",
        required=True,
        default="America/Sao_Paulo",
        tracking=True,
        help="Time zone in which the platform writes call timestamps. Times are "
        "stored in UTC.",
    )
    country_id = fields.Many2one(
        "res.country",
        default=lambda self: self.env.ref("base.br", raise_if_not_found=False),
        help="Country used to read numbers written without country code.",
    )
    area_code = fields.Char(
        string="Default Area Code (DDD)",
        help="Area code used to read local numbers written without one.",
    )
    webhook_secret = fields.Char(
        groups=MANAGER_GROUP,
        copy=False,
        default=lambda self: _new_webhook_secret(),
        help="Shared secret the platform sends with its call events. Readable by "
        "telephony managers only.",
    )
    has_webhook_secret = fields.Boolean(compute="_compute_has_webhook_secret")
    catalogs_from_platform = fields.Boolean(
        string="Catalogs from Platform (Beta)",
        tracking=True,
        help="Seed 002 Beta mode: partitions, categories, plans and licences "
        "come from the platform (Sync Catalogs), and a line offers only the "
        "categories its partition allows.",
    )
    sandbox_failure = fields.Selection(
        [
            ("none", "None"),
            ("transient", "Platform unavailable (retried, then Error)"),
            ("rejected", "Request rejected (Error at once)"),
        ],
        string="Sandbox Failure Mode",
        default="none",
        required=True,
        tracking=True,
        help="Sandbox gateway only: make every platform call fail, to train "
        "users on the Error and Retry flow.",
    )

    _sql_constraints = [
        (
            "access_port_range",
            "CHECK(access_port IS NULL OR (access_port >= 0 AND access_port < 65536))",
            "The access port must be between 0 and 65535.",
        ),
        (
            "summit_port_range",
            (
                "CHECK(summit_api_port IS NULL OR "
                "(summit_api_port >= 0 AND summit_api_port < 65536))"
            ),
            "The Summit API port must be between 0 and 65535.",
        ),
    ]

    def _compute_has_webhook_secret(self):
        for record in self:
            record.has_webhook_secret = bool(record.sudo().webhook_secret)

    # Secrets --------------------------------------------------------------
    def action_regenerate_webhook_secret(self):
        self.check_access("write")
        for record in self:
            record.sudo().webhook_secret = _new_webhook_secret()
            record.message_post(body=self.env._("A new webhook secret was generated."))

    def _get_secret(self, field_name):
        """Read a secret for server-side use (platform calls). The value is
        never returned to the client nor logged."""
        self.ensure_one()
        if field_name not in SECRET_FIELDS:
            raise ValueError(field_name)
        return self.sudo()[field_name] or ""

    # Numbers ----------------------------------------------------------------
    def _country_code(self):
        return (self.country_id.code or "BR").upper()

    def _normalize_number(self, raw):
        """E.164 of ``raw`` as this platform writes it, or '' if it has none."""
        self.ensure_one()
        return phone.to_e164(raw, self._country_code(), self.area_code) or ""

    # Gateway ----------------------------------------------------------------
    def _api_base_url(self):
        self.ensure_one()
        host = (self.summit_api_host or self.access_host or "").strip().rstrip("/")
        port = self.summit_api_port or self.access_port
        if not host:
            return ""
        if "://" not in host:
            host = f"{'https' if self.api_use_tls else 'http'}://{host}"
        if port and host.count(":") < 2:
            host = f"{host}:{port}"
        return host

    def _gateway_config(self):
        self.ensure_one()
        return gateway_base.GatewayConfig(
            base_url=self._api_base_url(),
            username=self.api_user or "",
            password=self._get_secret("api_password"),
            timeout=self.api_timeout or 10.0,
            verify_tls=True,
            extra={
                "integration_id": self.id,
                "store_key": f"{self.env.cr.dbname}",
                "fail": "" if self.sandbox_failure == "none" else self.sandbox_failure,
            },
        )

    def _get_gateway(self):
        """A gateway instance for one job; use it as a context manager."""
        self.ensure_one()
        if not self.active:
            raise UserError(self.env._("The integration %s is archived.", self.name))
        try:
            cls = gateway_base.gateway_class(self.gateway)
        except gateway_base.GatewayError as error:
            raise UserError(error.message) from None
        return cls(self._gateway_config())

    # Catalog sync (partitions, categories, plans, licences) -----------------
    def action_sync_catalogs(self):
        """Fetch the catalogs from the platform and update ours: create what
        is new, rename what changed, reactivate what came back, archive what
        disappeared unless a line still uses it. Never deletes, never
        duplicates (matched on code)."""
        self.ensure_one()
        self.check_access("write")
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
            "isp.summit.category", "acronym", catalogs.categories, summary
        )
        self._sync_catalog("isp.summit.licence", "acronym", catalogs.licences, summary)
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
            code = entry.acronym if key == "acronym" else entry.code
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
