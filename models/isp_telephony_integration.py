# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Integration: a connection to one VoIP platform, its settings and secrets."""

import logging
import secrets

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import config

from odoo.addons.base.models.res_partner import _tz_get

from ..gateways import base as gateway_base
from ..tools import cdr_folder, phone
from .owned_fields import CHANGED, SET, OwnedFields

_logger = logging.getLogger(__name__)


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
# A new integration may carry the defaults (SET); a write only what it
# changes (CHANGED: saving the form sends the folder back as it was).
ADMIN_GROUP = "base.group_system"
CDR_FOLDER_OWNED = OwnedFields(
    fields=frozenset(
        {"cdr_directory", "cdr_delete_after_import", "cdr_filename_pattern"}
    ),
    group=ADMIN_GROUP,
    on_create=SET,
    on_write=CHANGED,
    refusal_message=lambda records, labels: records.env._(
        "Only administrators change the CDR directory, its file pattern "
        "and whether imported files are deleted (%s).",
        labels,
    ),
)
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
    _inherit = [
        "isp.telephony.owned.fields.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
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

    def _owned_fields(self):
        return super()._owned_fields() + [CDR_FOLDER_OWNED]

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

    # Numbers ----------------------------------------------------------------
    def _country_code(self):
        if self.country_id:
            return self.country_id.code.upper()
        return (self.company_id or self.env.company)._telephony_country_code()

    def _normalise_number(self, raw):
        """E.164 of ``raw`` as this platform writes it, or '' if it has none."""
        self.ensure_one()
        return phone.to_e164(raw, self._country_code(), self.area_code) or ""
