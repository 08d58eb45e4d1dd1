# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Telephony agent: a user's telephone on one platform."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..gateways import base as gateway_base


def _agent_integration_domain(_records):
    """Platforms an agent's phone is on: those offering click-to-dial or
    live call events (as their adapters declare)."""
    codes = set(gateway_base.codes_with(gateway_base.CLICK_TO_DIAL))
    codes.update(gateway_base.codes_with(gateway_base.CALL_EVENTS))
    return [("gateway", "in", sorted(codes))]


class IspTelephonyAgent(models.Model):
    """A user's telephone on one platform (seed 001: agent <-> endpoint).

    CallMyWay: the endpoint id the webhook reports and Click2Dial rings
    first. Asterisk: the channel AMI ``Originate`` rings first
    (``PJSIP/1001``) and the dialplan context of the outside call."""

    _name = "isp.telephony.agent"
    _description = "Telephony Agent"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _rec_names_search = ["user_id", "endpoint"]

    sequence = fields.Integer(
        default=10,
        help="A user with endpoints on several platforms dials through the first.",
    )
    active = fields.Boolean(default=True, tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Agent",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        domain=[("share", "=", False)],
        help="The user who places and answers calls from this endpoint.",
    )
    integration_id = fields.Many2one(
        "isp.telephony.integration",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        domain=_agent_integration_domain,
        help="The platform (CallMyWay or Asterisk) of this endpoint.",
    )
    gateway = fields.Selection(related="integration_id.gateway")
    company_id = fields.Many2one(
        related="integration_id.company_id", store=True, index=True
    )
    endpoint = fields.Char(
        required=True,
        tracking=True,
        help="CallMyWay: the endpoint id (the webhook's endpoint_id, also "
        "Click2Dial's first_num). Asterisk: the agent's channel, e.g. PJSIP/1001.",
    )
    context = fields.Char(
        string="Dial Context",
        tracking=True,
        help="Asterisk only: dialplan context for this agent's outside calls. "
        "Empty: the integration's.",
    )
    caller_id_ids = fields.One2many(
        "isp.telephony.agent.caller.id",
        "agent_id",
        string="Caller IDs",
        copy=True,
        help="Endpoints/caller IDs the agent may call from (e.g. a private one). "
        "With more than one, the agent chooses at each click-to-dial.",
    )
    call_log_ids = fields.One2many("isp.call.log", "agent_id", string="Calls")

    _sql_constraints = [
        (
            "endpoint_unique",
            "UNIQUE(integration_id, endpoint)",
            "This endpoint already belongs to an agent of this integration.",
        ),
        (
            "user_unique",
            "UNIQUE(integration_id, user_id)",
            (
                "This user already has an endpoint on this integration: add "
                "more caller IDs to it instead."
            ),
        ),
    ]

    @api.depends("user_id", "endpoint", "integration_id")
    def _compute_display_name(self):
        for agent in self:
            agent.display_name = (
                f"{agent.user_id.name or ''} - {agent.endpoint or ''} "
                f"({agent.integration_id.name or ''})"
            )

    @api.constrains("endpoint", "context")
    def _check_endpoint(self):
        for agent in self:
            for value in (agent.endpoint, agent.context):
                if value and (
                    value != value.strip() or any(c in value for c in "\r\n")
                ):
                    raise ValidationError(
                        self.env._(
                            "Endpoint and context of %s must not hold spaces "
                            "around them or line breaks.",
                            agent.user_id.name,
                        )
                    )

    # Lookups -----------------------------------------------------------------
    @api.model
    def _for_user(self, user=None):
        """The agent the current user dials through (first active one of the
        current company); UserError when the user has none."""
        user = user or self.env.user
        agent = self.search(
            [
                ("user_id", "=", user.id),
                ("integration_id.active", "=", True),
                ("company_id", "in", self.env.companies.ids),
            ],
            limit=1,
        )
        if not agent:
            raise UserError(
                self.env._(
                    "You have no telephony endpoint. Ask an administrator to map "
                    "your user to your phone in Telephony > Configuration > Agents."
                )
            )
        return agent

    @api.model
    def _for_endpoint(self, integration, endpoint):
        """The agent of ``endpoint`` (main endpoint or one of its caller IDs)."""
        endpoint = (endpoint or "").strip()
        if not endpoint:
            return self.browse()
        agent = self.search(
            [("integration_id", "=", integration.id), ("endpoint", "=", endpoint)],
            limit=1,
        )
        if not agent:
            agent = (
                self.env["isp.telephony.agent.caller.id"]
                .search(
                    [
                        ("agent_id.integration_id", "=", integration.id),
                        ("agent_id.active", "=", True),
                        ("value", "=", endpoint),
                    ],
                    limit=1,
                )
                .agent_id
            )
        return agent

    def _endpoints(self):
        self.ensure_one()
        return {self.endpoint, *self.caller_id_ids.mapped("value")}

    def _caller_id_options(self):
        self.ensure_one()
        return [
            {"id": c.id, "name": c.name, "value": c.value, "private": c.private}
            for c in self.caller_id_ids
        ]

    def _caller_id(self, caller_id):
        """The chosen caller ID record (one of the agent's), the only one
        when there is one, None when the agent must choose."""
        self.ensure_one()
        if caller_id:
            chosen = self.caller_id_ids.filtered(lambda c: c.id == int(caller_id))
            if not chosen:
                raise UserError(self.env._("This caller ID is not one of yours."))
            return chosen
        if len(self.caller_id_ids) == 1:
            return self.caller_id_ids
        if not self.caller_id_ids:
            return self.caller_id_ids
        return None
