# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import logging
import os
import secrets
import time
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, modules
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import config
from odoo.tools.translate import code_translations

from odoo.addons.base.models.res_partner import _tz_get

from ..gateways import asterisk
from ..gateways import base as gateway_base
from ..gateways.asterisk import INCOMING_CONTEXTS
from ..tools import cdr as cdr_core
from ..tools import cdr_folder, ip_allow_list, phone, timezones
from .isp_cdr_import import LOCK_CLASS_API

_logger = logging.getLogger(__name__)

# CDR files younger than this (seconds since last change) may still be being
# written by the platform: they wait for the next run.
CDR_FILE_SETTLE_SECONDS = 30

# Fields that hold a secret: readable by telephony managers only (field
# groups), never tracked, never logged.
SECRET_FIELDS = ("api_password", "webhook_secret")

MANAGER_GROUP = "isp_telephony.group_telephony_manager"
# queue_job channels (data/queue_job_data.xml); each integration has its own
# subchannel under them, so its capacity bounds the load on one platform.
PROVISIONING_CHANNEL = "root.telephony_provisioning"
CDR_IMPORT_CHANNEL = "root.telephony_cdr_import"
# Settings that decide which files of the server's disk Odoo reads, moves or
# deletes: writable by administrators only (the folder must also lie under
# the CDR root of the server's configuration, see tools/cdr_folder.py).
CDR_FOLDER_FIELDS = ("cdr_directory", "cdr_delete_after_import", "cdr_filename_pattern")
ADMIN_GROUP = "base.group_system"
# Bounds of the platform timeout: 0 would wait for ever (a worker hung on a
# dead platform), hours would hold a worker and its transaction as long.
MIN_API_TIMEOUT = 1.0
MAX_API_TIMEOUT = 120.0


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
        selection="_selection_gateway",
        required=True,
        default="summit",
        tracking=True,
        help="The platform this integration talks to: every platform adapter "
        "of gateways/ is offered. Sandbox behaves like a platform inside Odoo, "
        "for demos and training.",
    )
    # What the platform offers, as its adapter declares it (the form shows
    # and hides its parts by these, never by the platform's name).
    can_provision = fields.Boolean(
        string="Provisions Lines",
        compute="_compute_capabilities",
        help="Lines are created, changed and cancelled on this platform from Odoo.",
    )
    can_sync_catalogs = fields.Boolean(
        string="Has Catalogs", compute="_compute_capabilities"
    )
    can_click_to_dial = fields.Boolean(
        string="Click-to-dial", compute="_compute_capabilities"
    )
    can_fetch_cdrs = fields.Boolean(
        string="CDRs over the API", compute="_compute_capabilities"
    )
    call_event_source = fields.Selection(
        [
            (gateway_base.EVENTS_WEBHOOK, "Webhook"),
            (gateway_base.EVENTS_LISTENER, "Listened to by Odoo"),
        ],
        string="Live Calls",
        compute="_compute_capabilities",
        help="How the platform reports calls as they happen: it posts them to "
        "the webhook, or Odoo's AMI command listens. Empty: it does not.",
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
        tracking=True,
        help="Seconds to wait for the platform before a call is retried "
        "(between 1 and 120).",
    )
    cdr_directory = fields.Char(
        string="CDR Source Directory",
        tracking=True,
        copy=False,
        help="Directory on the Odoo server where the platform drops its CDR "
        "files. It must lie under the CDR root set in the server's "
        "configuration (isp_telephony_cdr_root); a relative path is read from "
        "that root. Only administrators change it.",
    )
    cdr_delete_after_import = fields.Boolean(
        string="Delete CDR Files",
        tracking=True,
        help="Delete each CDR file once its import has been committed. "
        "Otherwise it is moved to an 'imported' subdirectory. Only "
        "administrators change it.",
    )
    cdr_root = fields.Char(
        string="CDR Root (server)",
        compute="_compute_cdr_root",
        help="The folder set in the server's configuration "
        "(isp_telephony_cdr_root) under which every CDR directory must lie. "
        "Empty: importing CDR files from a directory is off.",
    )
    can_edit_cdr_folder = fields.Boolean(compute="_compute_cdr_root")
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
    # Agents' telephony: click-to-dial and live call events ------------------
    dial_prefix = fields.Char(
        string="Outside Line Prefix",
        help="Digits the PBX needs in front of an outside number (e.g. 0), "
        "added by click-to-dial through Asterisk.",
    )
    ami_context = fields.Char(
        string="Dial Context",
        default="from-internal",
        help="Asterisk dialplan context in which click-to-dial dials the "
        "customer's number, unless the agent has one of their own.",
    )
    originate_timeout = fields.Integer(
        string="Ring Timeout (s)",
        default=30,
        help="Seconds the agent's phone rings for a click-to-dial before "
        "Asterisk gives up.",
    )
    ami_incoming_contexts = fields.Char(
        string="Incoming Contexts",
        help="Comma-separated Asterisk contexts where calls from the outside "
        "world start (trunks). Empty: the usual ones (from-trunk, from-pstn, "
        "from-external, from-did...).",
    )
    webhook_allowed_ips = fields.Char(
        string="Webhook IP Allow-list",
        help="Comma-separated addresses or networks (CIDR) allowed to post "
        "call events, e.g. the platform's servers. Empty allows any source; "
        "the secret is checked in every case.",
    )
    webhook_path = fields.Char(
        compute="_compute_webhook_path",
        help="Path of this integration's call-event webhook on this server; "
        "the platform adds ?token=<webhook secret>.",
    )
    webhook_url = fields.Char(
        string="Webhook URL",
        compute="_compute_webhook_url",
        help="The address to give the platform for call events, this "
        "server's host included; the platform adds ?token=<webhook secret>.",
    )
    webhook_url_with_token = fields.Char(
        string="Webhook URL with Secret",
        compute="_compute_webhook_url_with_token",
        groups=MANAGER_GROUP,
        help="The webhook URL with the secret as its token: what CallMyWay's "
        "webhook setting takes. Managers only.",
    )
    connection_state = fields.Selection(
        [("ok", "Connected"), ("failed", "Failed")],
        readonly=True,
        copy=False,
        help="Result of the last Test Connection.",
    )
    connection_message = fields.Char(readonly=True, copy=False)
    connection_checked = fields.Datetime(
        string="Connection Tested On", readonly=True, copy=False
    )
    agent_ids = fields.One2many(
        "isp.telephony.agent",
        "integration_id",
        string="Agents",
        help="Users and the endpoints they call from on this platform.",
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

    def _compute_webhook_path(self):
        for record in self:
            record.webhook_path = (
                f"/isp_telephony/webhook/{record.id}" if record.id else False
            )

    def _compute_webhook_url(self):
        for record in self:
            record.webhook_url = (
                f"{record.get_base_url().rstrip('/')}/isp_telephony/webhook/{record.id}"
                if record.id
                else False
            )

    @api.depends("webhook_secret")
    def _compute_webhook_url_with_token(self):
        # The field is readable by managers only (groups): never computed
        # for anybody else.
        for record in self:
            secret = record.sudo().webhook_secret
            record.webhook_url_with_token = (
                f"{record.webhook_url}?token={secret}"
                if record.webhook_url and secret
                else False
            )

    @api.constrains("api_timeout")
    def _check_api_timeout(self):
        for record in self:
            if not MIN_API_TIMEOUT <= record.api_timeout <= MAX_API_TIMEOUT:
                raise ValidationError(
                    self.env._(
                        "The platform timeout must be between %(min)s and %(max)s "
                        "seconds.",
                        min=int(MIN_API_TIMEOUT),
                        max=int(MAX_API_TIMEOUT),
                    )
                )

    def _api_timeout(self):
        """The timeout within its bounds (records saved before the check)."""
        self.ensure_one()
        timeout = self.api_timeout or 10.0
        return min(max(timeout, MIN_API_TIMEOUT), MAX_API_TIMEOUT)

    @api.constrains("webhook_allowed_ips")
    def _check_webhook_allowed_ips(self):
        for record in self:
            try:
                ip_allow_list.parse_allow_list(record.webhook_allowed_ips)
            except ValueError as exc:
                raise ValidationError(
                    self.env._("Webhook IP allow-list: %s.", exc)
                ) from None

    def _compute_cdr_root(self):
        root = config.get(cdr_folder.ROOT_OPTION) or ""
        admin = self.env.su or self.env.user.has_group(ADMIN_GROUP)
        for record in self:
            record.cdr_root = root
            record.can_edit_cdr_folder = admin

    @api.constrains("cdr_directory")
    def _check_cdr_directory(self):
        for record in self.filtered("cdr_directory"):
            record._cdr_folder()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_cdr_folder_access(
                {
                    name: value
                    for name, value in vals.items()
                    if name in CDR_FOLDER_FIELDS
                    and value
                    and value != self._default_of(name)
                }
            )
        return super().create(vals_list)

    def write(self, vals):
        self._check_cdr_folder_access(
            {
                name: value
                for name, value in vals.items()
                if name in CDR_FOLDER_FIELDS
                and any(record[name] != value for record in self)
            }
        )
        return super().write(vals)

    def _default_of(self, name):
        default = self._fields[name].default
        return default(self) if default else False

    def _check_cdr_folder_access(self, vals):
        """The CDR folder settings decide which files of the server Odoo
        reads, moves and deletes: administrators only."""
        if not vals or self.env.su or self.env.user.has_group(ADMIN_GROUP):
            return
        raise AccessError(
            self.env._(
                "Only administrators change the CDR directory, its file pattern "
                "and whether imported files are deleted (%s).",
                ", ".join(self._fields[name].string for name in sorted(vals)),
            )
        )

    def _cdr_folder(self):
        """The real path of the integration's CDR directory, checked to lie
        under the CDR root of the server's configuration."""
        self.ensure_one()
        try:
            return cdr_folder.resolve_folder(
                config.get(cdr_folder.ROOT_OPTION), self.cdr_directory
            )
        except cdr_folder.CdrFolderError as error:
            raise ValidationError(self._cdr_folder_message(error)) from None

    def _cdr_folder_message(self, error):
        """A plain-words message for a CdrFolderError."""
        code = error.code
        if code == cdr_folder.NO_ROOT:
            return self.env._(
                "Importing CDR files from a directory is off on this server: its "
                "configuration sets no CDR root. An administrator of the server "
                "adds isp_telephony_cdr_root = <folder> to odoo.conf, and every "
                "CDR directory must lie under that folder (%s).",
                self.name,
            )
        if code == cdr_folder.ROOT_MISSING:
            return self.env._(
                "The CDR root %s set in the server's configuration is not a directory.",
                error.path,
            )
        if code == cdr_folder.OUTSIDE_ROOT:
            return self.env._(
                "The CDR directory %(dir)s of %(name)s is outside the CDR root "
                "%(root)s of the server's configuration: choose a folder under it.",
                dir=self.cdr_directory,
                name=self.name,
                root=config.get(cdr_folder.ROOT_OPTION),
            )
        if code == cdr_folder.NOT_A_DIRECTORY:
            return self.env._(
                "The CDR directory %(dir)s of %(name)s does not exist or is "
                "not a directory.",
                dir=self.cdr_directory,
                name=self.name,
            )
        return str(error)

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

    # Platform adapter ---------------------------------------------------------
    @api.model
    def _selection_gateway(self):
        """Every registered platform adapter, its label translated."""
        translations = code_translations.get_python_translations(
            "isp_telephony", self.env.lang or "en_US"
        )
        return [
            (code, translations.get(label, label))
            for code, label in gateway_base.choices()
        ]

    @api.depends("gateway")
    def _compute_capabilities(self):
        for record in self:
            cls = gateway_base.GATEWAYS.get(record.gateway) or gateway_base.Gateway
            record.can_provision = cls.can(gateway_base.PROVISIONING)
            record.can_sync_catalogs = cls.can(gateway_base.CATALOGS)
            record.can_click_to_dial = cls.can(gateway_base.CLICK_TO_DIAL)
            record.can_fetch_cdrs = cls.can(gateway_base.CDR_FETCH)
            record.call_event_source = (
                cls.event_source if cls.can(gateway_base.CALL_EVENTS) else False
            )

    def _gateway_adapter(self):
        """The adapter class of this integration's platform."""
        self.ensure_one()
        try:
            return gateway_base.gateway_class(self.gateway)
        except gateway_base.GatewayError:
            raise UserError(
                self.env._("No platform adapter for gateway %s.", self.gateway)
            ) from None

    def _gateway_can(self, capability):
        """Does this integration's platform declare ``capability``?"""
        self.ensure_one()
        cls = gateway_base.GATEWAYS.get(self.gateway)
        return bool(cls and cls.can(capability))

    # Numbers ----------------------------------------------------------------
    def _country_code(self):
        if self.country_id:
            return self.country_id.code.upper()
        return (self.company_id or self.env.company)._telephony_country_code()

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
            host=self._access_host_name(),
            port=self.access_port or 0,
            use_tls=self.api_use_tls,
            username=self.api_user or "",
            password=self._get_secret("api_password"),
            timeout=self._api_timeout(),
            verify_tls=True,
            extra={
                "integration_id": self.id,
                "store_key": f"{self.env.cr.dbname}",
                "fail": "" if self.sandbox_failure == "none" else self.sandbox_failure,
                "ami_timeout": self._api_timeout() if self.api_timeout else None,
            },
        )

    def _access_host_name(self):
        """The bare host of the access URL/IP (no scheme, path or port)."""
        host = (self.access_host or "").strip()
        if "://" in host:
            host = host.split("://", 1)[1]
        host = host.split("/", 1)[0]
        if host.count(":") == 1:
            host = host.split(":", 1)[0]
        return host

    def _provisioning_channel(self):
        """queue_job channel of this integration's platform operations."""
        self.ensure_one()
        return f"{PROVISIONING_CHANNEL}.{self.gateway}_{self.id}"

    def _cdr_import_channel(self):
        """queue_job channel of this integration's CDR imports (capacity 1:
        one import of a source at a time)."""
        self.ensure_one()
        return f"{CDR_IMPORT_CHANNEL}.{self.gateway}_{self.id}"

    def _get_gateway(self, **kwargs):
        """A gateway instance for one job; use it as a context manager.
        ``kwargs`` go to the adapter (tests inject clocks)."""
        self.ensure_one()
        if not self.active:
            raise UserError(self.env._("The integration %s is archived.", self.name))
        return self._new_gateway(**kwargs)

    def _new_gateway(self, **kwargs):
        cls = self._gateway_adapter()
        config = self._gateway_config()
        if any(not getattr(config, name) for name in cls.required_settings):
            raise UserError(
                self.env._(
                    "The integration %s needs its host and user (Access tab) "
                    "before the platform can be reached.",
                    self.name,
                )
            )
        return cls(config, **kwargs)

    # Connection test -----------------------------------------------------------
    def _check_connection(self):
        """Ask the platform one harmless authenticated question; returns its
        answer in words or raises a GatewayError / UserError."""
        self.ensure_one()
        with self._get_gateway() as gateway:
            return gateway.check_connection()

    def action_test_connection(self):
        """Button: does the platform answer, and do the credentials work?
        The answer is shown in plain words, kept on the integration and
        logged in its chatter (never with a secret)."""
        self.ensure_one()
        self.check_access("write")
        started = time.monotonic()
        try:
            answer = self._check_connection()
        except gateway_base.GatewayError as error:
            state, message = "failed", error.message
        except UserError as error:
            state, message = "failed", error.args[0]
        else:
            state, message = "ok", answer
        elapsed = time.monotonic() - started
        self.write(
            {
                "connection_state": state,
                "connection_message": message,
                "connection_checked": fields.Datetime.now(),
            }
        )
        if state == "ok":
            title = self.env._("Connection works")
            body = self.env._(
                "%(answer)s (%(seconds).1f s)", answer=message, seconds=elapsed
            )
        else:
            title = self.env._("Connection failed")
            body = message
        self.message_post(
            body=self.env._("%(title)s: %(body)s", title=title, body=body)
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": body,
                "type": "success" if state == "ok" else "danger",
                "sticky": state != "ok",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

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

    # Asterisk AMI -------------------------------------------------------------
    def _ami_config(self):
        """Connection settings of this integration's AMI (Asterisk)."""
        self.ensure_one()
        if not self._access_host_name() or not self.api_user:
            raise UserError(
                self.env._(
                    "The integration %s needs its AMI host and user (Access "
                    "tab) before calls can be placed or followed.",
                    self.name,
                )
            )
        return asterisk.ami_config(self._gateway_config())

    def _ami_incoming_contexts(self):
        self.ensure_one()
        names = [c.strip() for c in (self.ami_incoming_contexts or "").split(",") if c]
        return tuple(c for c in names if c) or INCOMING_CONTEXTS

    # CDR import (issue 4) ----------------------------------------------------
    cdr_layout_id = fields.Many2one(
        "isp.cdr.layout",
        string="CDR File Layout",
        tracking=True,
        help="How the CDR files of this platform are read. Empty: the preset "
        "of the gateway (Summit CSV, Asterisk Master.csv).",
    )
    cdr_filename_pattern = fields.Char(
        string="CDR File Pattern",
        default="*.csv",
        tracking=True,
        help="Shell pattern of the CDR files to pick up in the CDR directory "
        "(e.g. *.csv, cdr_*.txt, Master.csv). Only administrators change it.",
    )
    cdr_next_import = fields.Datetime(
        string="Next CDR Import",
        copy=False,
        help="When the scheduled task imports this platform's calls next; set "
        "from the import period after each run. Empty: at the next run.",
    )
    cdr_last_import = fields.Datetime(
        string="Last CDR Import", readonly=True, copy=False
    )
    cdr_api_watermark = fields.Datetime(
        string="CDR API Watermark",
        copy=False,
        help="CallMyWay: calls were imported up to this time (UTC). The next "
        "run asks from here minus the overlap. Empty: the last 24 hours.",
    )
    cdr_api_overlap = fields.Integer(
        string="CDR API Overlap (min)",
        default=60,
        help="Minutes asked for again before the watermark, for calls the "
        "platform reports late. Calls seen twice are deduplicated.",
    )
    cdr_import_count = fields.Integer(
        string="CDR Imports", compute="_compute_cdr_import_count"
    )

    def _compute_cdr_import_count(self):
        counts = dict(
            self.env["isp.cdr.import"]._read_group(
                [("integration_id", "in", self.ids)], ["integration_id"], ["__count"]
            )
        )
        for record in self:
            record.cdr_import_count = counts.get(record, 0)

    @api.constrains("catalogs_from_platform")
    def _check_partitions_in_beta_mode(self):
        """Turning Beta mode on makes each partition's allowed categories
        binding: its blocking categories must be among them."""
        partitions = self.env["isp.summit.partition"].search(
            [("integration_id", "in", self.filtered("catalogs_from_platform").ids)]
        )
        partitions._check_categories()

    def _cdr_layout(self):
        self.ensure_one()
        if self.cdr_layout_id:
            return self.cdr_layout_id
        cls = gateway_base.GATEWAYS.get(self.gateway)
        xmlid = cls.default_cdr_layout if cls else None
        layout = self.env.ref(xmlid, raise_if_not_found=False) if xmlid else None
        if not layout:
            raise UserError(
                self.env._("Choose a CDR file layout on the integration %s.", self.name)
            )
        return layout

    def _cdr_files(self):
        """Paths of the CDR files waiting in the directory, oldest first."""
        return self._cdr_scan()[0]

    def _cdr_scan(self):
        """``(paths, refused runs)``: the regular files of the directory
        (checked under the CDR root) matching the pattern, oldest first; and
        a failed run for each symbolic link or other entry that is not a
        regular file (not read, recorded once)."""
        self.ensure_one()
        Import = self.env["isp.cdr.import"]
        if not (self.cdr_directory or "").strip():
            return [], Import
        try:
            folder = self._cdr_folder()
            files, skipped = cdr_folder.scan(
                folder,
                self.cdr_filename_pattern,
                time.time() - CDR_FILE_SETTLE_SECONDS,
            )
        except ValidationError as error:
            raise UserError(error.args[0]) from None
        except cdr_folder.CdrFolderError as error:
            raise UserError(self._cdr_folder_message(error)) from None
        refused = Import
        for entry, reason in skipped:
            refused |= Import._record_refused_entry(self, entry.path, reason)
        return [entry.path for entry in files], refused

    def _import_cdr_files(self, commit=False):
        """Import every waiting file; ``commit`` after each one (cron). A file
        that fails (unreadable, unexpected error) becomes a failed run and the
        next file is imported."""
        runs = self.env["isp.cdr.import"]
        for integration in self:
            paths, refused = integration._cdr_scan()
            runs |= refused
            if not paths:
                continue
            layout = integration._cdr_layout()
            for path in paths:
                runs |= integration._import_one_cdr_file(layout, path)
                if commit:
                    _commit(self.env)
        return runs

    def _import_one_cdr_file(self, layout, path):
        """Import one file in its own savepoint; on any error nothing of it
        is kept, a failed run says why, and the file stays where it is."""
        self.ensure_one()
        Import = self.env["isp.cdr.import"]
        try:
            with self.env.cr.savepoint():
                return Import._import_file(self, layout, path)
        except Exception as error:
            _logger.warning(
                "CDR import of %s: file %s failed", self.name, path, exc_info=True
            )
            return self._record_cdr_failure(
                "file",
                self.env._(
                    "The file could not be imported (nothing of it was kept; "
                    "it stays in the directory): %(kind)s: %(error)s",
                    kind=type(error).__name__,
                    error=error,
                ),
                file_name=os.path.basename(path),
                file_path=path,
            )

    def _record_cdr_failure(self, source, reason, **vals):
        """A failed import run of this integration, with the reason: shown in
        the import runs like any other run."""
        self.ensure_one()
        name = vals.pop("file_name", None)
        return self.env["isp.cdr.import"].create(
            dict(
                vals,
                name=name or self.env._("%s: scheduled import", self.name),
                file_name=name,
                integration_id=self.id,
                source=source,
                state="failed",
                message=reason,
                end_time=fields.Datetime.now(),
            )
        )

    @staticmethod
    def _failure_reason(error):
        if isinstance(error, UserError):
            return error.args[0]
        return f"{type(error).__name__}: {error}"

    def _import_callmyway_cdrs(self, **client_kwargs):
        """One CallMyWay API window: from the watermark (minus the overlap)
        to now, or the last 24 hours (``recent=1``) the first time. The
        watermark moves only when the run is done."""
        self.ensure_one()
        Import = self.env["isp.cdr.import"]
        if not Import._try_lock(LOCK_CLASS_API, str(self.id)):
            return Import
        tzname = self.timezone or "UTC"
        now = fields.Datetime.now()
        if self.cdr_api_watermark:
            start = self.cdr_api_watermark - timedelta(
                minutes=self.cdr_api_overlap or 0
            )
            window = {
                "start": timezones.utc_to_local(start, tzname),
                "end": timezones.utc_to_local(now, tzname),
            }
        else:
            start = now - timedelta(hours=24)
            window = {"recent": True}
        run = Import.create(
            {
                "name": self.env._(
                    "%(name)s API %(start)s - %(end)s",
                    name=self.name,
                    start=start,
                    end=now,
                ),
                "integration_id": self.id,
                "source": "api",
                "window_start": start,
                "window_end": now,
            }
        )
        try:
            with self._new_gateway(**client_kwargs) as gateway:
                items = gateway.fetch_cdrs(**window)
        except gateway_base.GatewayError as error:
            run._fail(self.env._("CallMyWay: %s", error.message))
            return run
        country = self._country_code()
        source = (
            cdr_core.from_callmyway(item, tzname, country, self.area_code)
            for item in items
        )
        run._execute(source)
        if run.state == "done":
            self.cdr_api_watermark = now
        return run

    def _import_cdrs(self, commit=False):
        """Every CDR source of these integrations: files, then the API. A
        source that fails (directory missing or unreadable, API error)
        becomes a failed run with the reason; the other sources and the
        other integrations go on."""
        runs = self.env["isp.cdr.import"]
        for integration in self:
            try:
                runs |= integration._import_cdr_files(commit=commit)
            except Exception as error:
                _logger.warning(
                    "CDR import of %s: files failed", integration.name, exc_info=True
                )
                runs |= integration._record_cdr_failure(
                    "file",
                    self.env._(
                        "The CDR directory could not be read: %s",
                        self._failure_reason(error),
                    ),
                )
            if integration._gateway_can(gateway_base.CDR_FETCH):
                try:
                    with self.env.cr.savepoint():
                        runs |= integration._import_callmyway_cdrs()
                except Exception as error:
                    _logger.warning(
                        "CDR import of %s: API failed", integration.name, exc_info=True
                    )
                    runs |= integration._record_cdr_failure(
                        "api",
                        self.env._(
                            "The platform's CDR API failed: %s",
                            self._failure_reason(error),
                        ),
                    )
                if commit:
                    _commit(self.env)
            integration.cdr_last_import = fields.Datetime.now()
        return runs

    def action_import_cdrs_now(self):
        """Button: import this platform's calls at once."""
        self.check_access("write")
        runs = self.sudo()._import_cdrs()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_cdr_import"
        )
        action["domain"] = [("id", "in", runs.ids)]
        if not runs:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.env._("Import now"),
                    "message": self.env._("No new CDR file or window to import."),
                    "type": "info",
                },
            }
        return action

    def action_view_cdr_imports(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_cdr_import"
        )
        action["domain"] = [("integration_id", "=", self.id)]
        return action

    def action_rematch_cdrs(self):
        """Button: match this platform's unmatched calls to the lines again."""
        self.check_access("read")
        lines = (
            self.env["isp.sip.line"].sudo().search([("integration_id", "in", self.ids)])
        )
        count = self.env["isp.cdr"].sudo()._rematch_lines(lines)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Re-match"),
                "message": self.env._("%s call(s) matched to a line.", count),
                "type": "success" if count else "info",
            },
        }

    def _next_cdr_import(self, after):
        self.ensure_one()
        if self.cdr_import_period == "monthly":
            return after + relativedelta(months=1)
        return after + relativedelta(days=1)

    @api.model
    def _cron_import_cdrs(self, commit=True):
        """Scheduled task "Import VoIP calls": for each active integration
        whose next import time has come (its import period), queue one import
        job per waiting CDR file and one per API window, on the integration's
        import channel (one import of a source at a time); the jobs do the
        importing. With ``commit``, each integration is committed on its
        own."""
        now = fields.Datetime.now()
        due = self.search(
            [
                "|",
                ("cdr_next_import", "=", False),
                ("cdr_next_import", "<=", now),
            ]
        )
        # Files are committed one by one in production: a failure undoes
        # only the rest of its integration (rollback); in tests, where
        # nothing is committed, a savepoint does the same.
        committing = commit and not modules.module.current_test
        for integration in due:
            try:
                with (
                    contextlib.nullcontext() if committing else self.env.cr.savepoint()
                ):
                    integration._enqueue_cdr_imports()
            except Exception as error:
                if committing:
                    self.env.cr.rollback()
                _logger.exception("CDR import of %s failed", integration.name)
                reason = self._failure_reason(error)
                integration._record_cdr_failure("file", reason)
                integration.message_post(
                    body=self.env._("The scheduled CDR import failed: %s", reason)
                )
            integration.cdr_next_import = integration._next_cdr_import(
                integration.cdr_next_import or now
            )
            while integration.cdr_next_import <= now:
                integration.cdr_next_import = integration._next_cdr_import(
                    integration.cdr_next_import
                )
            if commit:
                _commit(self.env)

    # Import jobs (OCA queue_job) -------------------------------------------
    def _enqueue_cdr_imports(self):
        """Queue the integration's CDR imports: one job per waiting file (its
        identity key is the file: queued once however often the cron looks)
        and, for CallMyWay, one job for the next API window. Returns the
        jobs."""
        self.ensure_one()
        channel = self._cdr_import_channel()
        jobs = []
        try:
            paths = self._cdr_files()
        except Exception as error:
            # An unreadable directory is a failed run with the reason; the
            # API window of the integration is queued all the same.
            _logger.warning("CDR import of %s: files failed", self.name, exc_info=True)
            self._record_cdr_failure(
                "file",
                self.env._(
                    "The CDR directory could not be read: %s",
                    self._failure_reason(error),
                ),
            )
            paths = []
        for path in paths:
            delayable = self.with_delay(
                channel=channel,
                identity_key=f"isp.telephony.integration({self.id}).cdr_file:{path}",
                description=self.env._(
                    "Import CDR file %(file)s of %(name)s",
                    file=os.path.basename(path),
                    name=self.name,
                ),
            )
            jobs.append(delayable._job_import_cdr_file(path))
        if self._gateway_can(gateway_base.CDR_FETCH):
            delayable = self.with_delay(
                channel=channel,
                identity_key=f"isp.telephony.integration({self.id}).cdr_api",
                description=self.env._("Import CallMyWay calls of %s", self.name),
            )
            jobs.append(delayable._job_import_cdr_api())
        return jobs

    def _job_import_cdr_file(self, path):
        """Import one CDR file (queue job). A file gone meanwhile (imported
        by hand, moved) is nothing to do."""
        self.ensure_one()
        integration = self.sudo()
        # The folder is checked again when the job runs: its settings (or
        # the CDR root) may have changed since the file was queued; a path
        # no longer in the integration's folder under the root is not read.
        if os.path.realpath(os.path.dirname(path)) != integration._cdr_folder():
            raise UserError(
                self.env._(
                    "The file %(file)s is not in the CDR directory of %(name)s "
                    "any more: it was not read.",
                    file=path,
                    name=integration.name,
                )
            )
        if not os.path.isfile(path):
            return self.env._("Nothing to do: the file is no longer there.")
        # A file that cannot be imported (unreadable, unexpected error) is a
        # failed run with the reason; nothing of it is kept and it stays in
        # the directory, so the next scheduled import queues it again.
        run = integration._import_one_cdr_file(integration._cdr_layout(), path)
        integration.cdr_last_import = fields.Datetime.now()
        return self.env._(
            "%(run)s: %(state)s", run=run.display_name, state=run.state or ""
        )

    def _job_rematch_cdrs(self):
        """Match the integration's unmatched calls to its active lines
        (queue job, queued after activations)."""
        self.ensure_one()
        lines = (
            self.env["isp.sip.line"]
            .sudo()
            .search([("integration_id", "=", self.id), ("state", "=", "active")])
        )
        count = self.env["isp.cdr"].sudo()._rematch_lines(lines) if lines else 0
        return self.env._("%s call(s) matched to a line.", count)

    def _job_import_cdr_api(self):
        """Import the next API window of the platform (queue job)."""
        self.ensure_one()
        integration = self.sudo()
        # A failing API is a failed API run with the reason; the watermark
        # stays, so the next window asks again from the same point.
        try:
            with self.env.cr.savepoint():
                run = integration._import_callmyway_cdrs()
        except Exception as error:
            _logger.warning(
                "CDR import of %s: API failed", integration.name, exc_info=True
            )
            run = integration._record_cdr_failure(
                "api",
                self.env._(
                    "The platform's CDR API failed: %s",
                    self._failure_reason(error),
                ),
            )
        integration.cdr_last_import = fields.Datetime.now()
        return self.env._(
            "%(run)s: %(state)s", run=run.display_name, state=run.state or ""
        )


def _commit(env):
    """Commit one unit of the scheduled import (never inside tests, whose
    transaction is rolled back at the end)."""
    if not modules.module.current_test:
        env.cr.commit()  # pylint: disable=invalid-commit
