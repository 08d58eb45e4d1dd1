# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Call log: one call of an agent, built from the platform's call events
(isp_call_log_events.py): the record, who may read and change it, its
computed fields and the call detail records of the call."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import call_panel, phone_format
from .owned_fields import ALWAYS, NEVER, OwnedFields

_logger = logging.getLogger(__name__)

USER_GROUP = "isp_telephony.group_telephony_user"
MANAGER_GROUP = "isp_telephony.group_telephony_manager"
# Bus notification type the call panel (static/src/call_panel) listens to.
BUS_TYPE = "isp_telephony/call"
# A click-to-dial nobody heard of after its ring timeout plus this margin no
# longer blocks the agent's next call.
REQUEST_GRACE = timedelta(seconds=60)
# A call still "in progress" after this long lost its end event.
STALE_CALL = timedelta(hours=4)
# Panels of calls older than this are not restored on page load.
PANEL_MAX_AGE = timedelta(hours=12)
# Panels restored on page load: live calls, then ended calls (the call panel
# keeps as many, see static/src/call_panel/call_panel_service.js).
PANEL_MAX_LIVE = 10
PANEL_MAX_ENDED = 5
MAX_CANDIDATES = 20
NOLOG = {"mail_create_nolog": True, "mail_create_nosubscribe": True}
# What an agent documents on their own calls (the form and the panel); every
# other field is the platform's or the panel methods', written as superuser
# once the caller's access was checked. Managers may correct anything.
AGENT_FIELDS = frozenset({"partner_id", "contract_id", "outcome_id", "notes"})
# Call logs are created by the platform's events and click-to-dial (as
# superuser, after their checks) or by a manager: never forged.
CALL_LOG_OWNED = OwnedFields(
    group=MANAGER_GROUP,
    on_create=ALWAYS,
    on_write=NEVER,
    refusal_message=lambda records, labels: records.env._(
        "Call logs are created by the platform's call events and by "
        "click-to-dial, not by hand."
    ),
)
# Every field but the agent's and the chatter's is the platform's and the
# panel's.
CALL_FIELDS_OWNED = OwnedFields(
    fields=AGENT_FIELDS,
    all_but=True,
    group=MANAGER_GROUP,
    on_create=NEVER,
    refusal_message=lambda records, labels: records.env._(
        "These call log fields are set by the platform and the call panel only: %s.",
        labels,
    ),
)

STATES = [
    ("requested", "Requested"),
    ("ringing", "Ringing"),
    ("answered", "Answered"),
    ("ended", "Ended"),
    ("missed", "Not Answered"),
    ("failed", "Failed"),
]
IN_PROGRESS = ("requested", "ringing", "answered")


class IspCallLog(models.Model):
    """One call of an agent, incoming or outgoing (seed 001 §2-3, seed 003):
    created by a click-to-dial or by the platform's first event, completed
    by its end event and documented by the agent in the call panel."""

    _name = "isp.call.log"
    _description = "Call Log"
    _inherit = [
        "isp.telephony.owned.fields.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "id desc"
    _rec_names_search = ["partner_id", "number"]

    integration_id = fields.Many2one(
        "isp.telephony.integration",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
    )
    company_id = fields.Many2one(
        related="integration_id.company_id", store=True, index=True
    )
    agent_id = fields.Many2one(
        "isp.telephony.agent",
        string="Agent Endpoint",
        index=True,
        ondelete="set null",
        readonly=True,
        help="The endpoint the call rang or came from.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Agent",
        index=True,
        readonly=True,
        help="The agent of the call; the call panel opens on their screen.",
    )
    direction = fields.Selection(
        [("in", "Incoming"), ("out", "Outgoing")], required=True, readonly=True
    )
    state = fields.Selection(
        STATES, required=True, default="ringing", index=True, readonly=True
    )
    source = fields.Selection(
        [
            ("click_to_dial", "Click-to-dial"),
            ("webhook", "Platform webhook"),
            ("ami", "Asterisk AMI"),
        ],
        readonly=True,
        help="What created this log.",
    )
    call_id = fields.Char(
        string="Platform Call ID",
        index=True,
        readonly=True,
        copy=False,
        help="The platform's unique id of the call (CallMyWay callid, Asterisk "
        "Linkedid); the key of the matching CDR.",
    )
    endpoint = fields.Char(readonly=True, help="The agent's endpoint in the call.")
    caller_number = fields.Char(string="From", readonly=True)
    called_number = fields.Char(string="To", readonly=True)
    number = fields.Char(
        string="Customer Number",
        readonly=True,
        help="The other party's number as the platform wrote it.",
    )
    number_e164 = fields.Char(
        string="Customer Number (E.164)", index=True, readonly=True
    )
    withheld = fields.Boolean(
        string="Number Withheld",
        readonly=True,
        help="The caller hid the number: the agent links the contact by hand.",
    )
    caller_id_used = fields.Char(
        string="Called From", readonly=True, help="Caller ID chosen by the agent."
    )
    partner_id = fields.Many2one(
        "res.partner", string="Contact", index=True, tracking=True
    )
    contract_id = fields.Many2one(
        "contract.contract", index=True, tracking=True, ondelete="set null"
    )
    candidate_partner_ids = fields.Many2many(
        "res.partner",
        "isp_call_log_candidate_rel",
        "call_log_id",
        "partner_id",
        string="Matching Contacts",
        readonly=True,
        help="Contacts sharing the number, for the agent to choose from.",
    )
    request_time = fields.Datetime(readonly=True, help="Click-to-dial time.")
    start_time = fields.Datetime(readonly=True, index=True)
    answer_time = fields.Datetime(readonly=True)
    end_time = fields.Datetime(readonly=True)
    duration = fields.Integer(
        string="Duration (s)", readonly=True, help="Seconds of conversation."
    )
    duration_display = fields.Char(
        string="Duration", compute="_compute_duration_display"
    )
    outcome_id = fields.Many2one("isp.call.outcome", tracking=True, index=True)
    notes = fields.Text()
    documented = fields.Boolean(
        readonly=True, help="The agent saved the outcome in the call panel."
    )
    ignored = fields.Boolean(
        readonly=True, help="The agent chose not to link this call to a contact."
    )
    panel_closed = fields.Boolean(readonly=True)
    charge_line_id = fields.Many2one(
        "contract.line",
        string="Collection Charge",
        readonly=True,
        ondelete="set null",
        help="The contract line that bills the collection charge on the "
        "contract's next invoice.",
    )
    # The follow-up the agent planned from the panel: the activity lives on
    # the contact (where the team works), the call log keeps what was planned
    # and links the activity while it is open.
    followup_activity_id = fields.Many2one(
        "mail.activity",
        string="Follow-up Activity",
        readonly=True,
        ondelete="set null",
        copy=False,
    )
    followup_summary = fields.Char(
        string="Follow-up", readonly=True, help="The follow-up planned after the call."
    )
    followup_date = fields.Date(string="Follow-up Due", readonly=True)
    followup_user_id = fields.Many2one(
        "res.users", string="Follow-up By", readonly=True
    )
    number_display = fields.Char(
        string="Number as Read",
        compute="_compute_number_display",
        help="The other party's number the way people read it.",
    )
    followup_state = fields.Selection(
        [("none", "None"), ("planned", "Planned"), ("done", "Done")],
        compute="_compute_followup_state",
        search="_search_followup_state",
        help="Planned: the activity is still open on the contact. Done: it "
        "was marked done (or cancelled).",
    )
    error = fields.Text(readonly=True, help="Why the platform refused the call.")
    cdr_count = fields.Integer(
        string="CDRs",
        compute="_compute_cdr_count",
        help="Call detail records imported with this platform call id.",
    )

    _sql_constraints = [
        (
            "call_id_unique",
            "UNIQUE(integration_id, call_id)",
            "A call id is unique per integration.",
        ),
    ]

    # Server-side guard: what the UI shows read-only is refused over RPC ----
    def _is_log_manager(self):
        return self.env.su or self.env.user.has_group(MANAGER_GROUP)

    def _owned_fields(self):
        return super()._owned_fields() + [CALL_LOG_OWNED, CALL_FIELDS_OWNED]

    def write(self, vals):
        if not self._is_log_manager():
            self._check_panel_access()
        return super().write(vals)

    @api.depends("direction", "number", "partner_id")
    def _compute_display_name(self):
        labels = dict(self._fields["direction"]._description_selection(self.env))
        for log in self:
            who = log.partner_id.name or log.number or self.env._("withheld")
            log.display_name = f"{labels.get(log.direction, '')} {who}".strip()

    @api.depends("number", "number_e164", "withheld")
    def _compute_number_display(self):
        for log in self:
            country = log.integration_id._country_code()
            if log.withheld:
                log.number_display = self.env._("withheld")
            else:
                log.number_display = phone_format.format_display(
                    log.number_e164, country, log.number
                )

    @api.depends("followup_summary", "followup_activity_id.active")
    def _compute_followup_state(self):
        for log in self:
            if log.followup_activity_id.active:
                log.followup_state = "planned"
            elif log.followup_summary:
                log.followup_state = "done"
            else:
                log.followup_state = "none"

    def _search_followup_state(self, operator, value):
        if operator != "=" or value not in ("none", "planned", "done"):
            raise UserError(self.env._("Unsupported search on the follow-up."))
        if value == "planned":
            return [("followup_activity_id.active", "=", True)]
        if value == "done":
            return [
                ("followup_summary", "!=", False),
                "|",
                ("followup_activity_id", "=", False),
                ("followup_activity_id.active", "=", False),
            ]
        return [("followup_summary", "=", False)]

    def action_open_followup(self):
        """Open the contact the follow-up activity is planned on."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "views": [(False, "form")],
        }

    @api.depends("duration")
    def _compute_duration_display(self):
        for log in self:
            log.duration_display = call_panel.format_duration(log.duration)

    # CDRs --------------------------------------------------------------------
    def _link_cdrs(self):
        """The CDRs of these calls: same integration and platform call id.
        The link is by key, so CDRs imported before or after the call log
        find each other."""
        keyed = self.filtered("call_id")
        if not keyed:
            return self.env["isp.cdr"]
        domain = ["|"] * (len(keyed) - 1)
        for log in keyed:
            domain += [
                "&",
                ("integration_id", "=", log.integration_id.id),
                ("call_id", "=", log.call_id),
            ]
        return self.env["isp.cdr"].search(domain)

    def _compute_cdr_count(self):
        for log in self:
            log.cdr_count = len(log._link_cdrs()) if log.call_id else 0

    def action_view_cdrs(self):
        self.ensure_one()
        cdrs = self._link_cdrs()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Call Detail Records"),
            "res_model": "isp.cdr",
            "view_mode": "list,form",
            "domain": [("id", "in", cdrs.ids)],
        }
