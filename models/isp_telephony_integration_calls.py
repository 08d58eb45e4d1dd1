# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Live calls of an integration: webhook address and allow-list, AMI settings,
dial prefix.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..gateways import asterisk
from ..gateways.ami_events import INCOMING_CONTEXTS
from ..tools import ip_allow_list
from .isp_telephony_integration import MANAGER_GROUP


class IspTelephonyIntegrationCalls(models.Model):
    _inherit = "isp.telephony.integration"

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

    @api.constrains("webhook_allowed_ips")
    def _check_webhook_allowed_ips(self):
        for record in self:
            try:
                ip_allow_list.parse_allow_list(record.webhook_allowed_ips)
            except ValueError as exc:
                raise ValidationError(
                    self.env._("Webhook IP allow-list: %s.", exc)
                ) from None

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
