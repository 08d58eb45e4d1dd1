# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import dataclasses
import logging
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from ..gateways import base as gateway_base
from ..gateways.base import DialRequest, GatewayError
from ..tools import call_panel, phone, safe_text
from ..tools.call_events import ANSWER, END, START

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
# A webhook start of an outgoing call matches a click-to-dial this recent.
REQUEST_MATCH_WINDOW = timedelta(minutes=10)
MAX_CANDIDATES = 20
NOLOG = {"mail_create_nolog": True, "mail_create_nosubscribe": True}
# What an agent documents on their own calls (the form and the panel); every
# other field is the platform's or the panel methods', written as superuser
# once the caller's access was checked. Managers may correct anything.
AGENT_FIELDS = frozenset({"partner_id", "contract_id", "outcome_id", "notes"})

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
    _inherit = ["mail.thread", "mail.activity.mixin"]
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

    @api.model_create_multi
    def create(self, vals_list):
        """Call logs are created by the platform's events and click-to-dial
        (as superuser, after their checks) or by a manager: never forged."""
        if not self._is_log_manager():
            raise AccessError(
                self.env._(
                    "Call logs are created by the platform's call events and by "
                    "click-to-dial, not by hand."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self._is_log_manager():
            forged = {
                name
                for name in set(vals) - AGENT_FIELDS
                # the chatter's own fields (followers, activities, attachment)
                if not name.startswith(("message_", "activity_"))
            }
            if forged:
                raise AccessError(
                    self.env._(
                        "These call log fields are set by the platform and the "
                        "call panel only: %s.",
                        ", ".join(
                            self._fields[name].string
                            for name in sorted(forged)
                            if name in self._fields
                        ),
                    )
                )
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
                log.number_display = phone.format_display(
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

    # Platform events ----------------------------------------------------------
    @api.model
    def _handle_call_event(self, integration, event):
        """Store one :class:`~..tools.call_events.CallEvent` of
        ``integration`` and tell the agent; idempotent per call id and action
        (a replayed event changes nothing and notifies nobody). Returns the
        call log."""
        integration.ensure_one()
        # Platform events are not the agent's edits: no tracking messages
        # (they would cost more than the rest of the event).
        logs = self.with_context(tracking_disable=True)
        if event.action == START:
            return logs._on_start(integration, event)
        if event.action == ANSWER:
            return logs._on_answer(integration, event)
        if event.action == END:
            return logs._on_end(integration, event)
        raise ValueError(f"unknown call event action {event.action!r}")

    def _find_call(self, integration, call_id):
        return self.search(
            [("integration_id", "=", integration.id), ("call_id", "=", call_id)],
            limit=1,
        )

    def _requested_call(self, integration, agent, event, e164):
        """The click-to-dial this outgoing call start belongs to: named by
        the AMI channel variable, else the agent's latest request of the
        same number."""
        variables = event.raw.get("variables")
        log_id = (
            variables.get("ISP_CALL_LOG_ID") if isinstance(variables, dict) else None
        )
        if log_id and str(log_id).isdigit() and len(str(log_id)) < 10:
            log = self.browse(int(log_id)).exists()
            # Only a pending click-to-dial of this integration placed from
            # this very endpoint: a sender naming another agent's request id
            # does not take over that agent's call.
            if (
                log
                and log.integration_id == integration
                and not log.call_id
                and log.state == "requested"
                and agent
                and log.agent_id == agent
            ):
                return log
        if not agent or event.direction != "out":
            return self.browse()
        domain = [
            ("agent_id", "=", agent.id),
            ("state", "=", "requested"),
            ("call_id", "=", False),
            ("request_time", ">=", fields.Datetime.now() - REQUEST_MATCH_WINDOW),
        ]
        if e164:
            domain.append(("number_e164", "=", e164))
        return self.search(domain, limit=1)

    def _event_source(self, integration):
        listens = integration.call_event_source == gateway_base.EVENTS_LISTENER
        return "ami" if listens else "webhook"

    def _on_start(self, integration, event, notify=True):
        log = self._find_call(integration, event.call_id)
        if log and log.start_time:
            return log
        # The caller chooses their caller ID: what cannot be part of a number
        # is dropped (a formula would run in the users' exports).
        event = dataclasses.replace(
            event,
            caller=safe_text.neutralise_number(event.caller),
            called=safe_text.neutralise_number(event.called),
        )
        agent = self.env["isp.telephony.agent"]._for_endpoint(
            integration, event.endpoint
        )
        endpoints = agent._endpoints() if agent else {event.endpoint}
        remote = call_panel.remote_party(
            event.direction, event.caller, event.called, endpoints
        )
        country = integration._country_code()
        withheld = call_panel.is_withheld(remote, country, integration.area_code)
        e164 = "" if withheld else integration._normalize_number(remote)
        if not log:
            log = self._requested_call(integration, agent, event, e164)
        vals = {
            "call_id": event.call_id,
            "state": "ringing",
            "start_time": event.timestamp or fields.Datetime.now(),
            "caller_number": event.caller,
            "called_number": event.called,
            "endpoint": event.endpoint,
        }
        if log:
            log.write(vals)
        else:
            vals.update(
                {
                    "integration_id": integration.id,
                    "agent_id": agent.id,
                    "user_id": agent.user_id.id,
                    "direction": event.direction,
                    "source": self._event_source(integration),
                    "number": remote,
                    "number_e164": e164 or False,
                    "withheld": withheld,
                }
            )
            vals.update(self._match_values(integration, e164, withheld))
            log, created = self._create_unique(integration, vals)
            if not created:
                return log  # a concurrent delivery of the same start won
        if notify:
            log._notify_agent(START)
        return log

    def _create_unique(self, integration, vals):
        """Create, or return the log a concurrent request just created for
        the same call id."""
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                log = self.with_context(**NOLOG).create(vals)
                log.flush_recordset()
                return log, True
        except pg_errors.UniqueViolation:
            return self._find_call(integration, vals["call_id"]), False

    def _on_answer(self, integration, event):
        log = self._find_call(integration, event.call_id)
        if not log:
            log = self._on_start(integration, dataclasses.replace(event, action=START))
        if log.answer_time or log.end_time:
            return log
        log.write({"answer_time": event.timestamp, "state": "answered"})
        log._notify_agent(ANSWER)
        return log

    def _on_end(self, integration, event):
        log = self._find_call(integration, event.call_id)
        if not log:
            log = self._on_start(
                integration, dataclasses.replace(event, action=START), notify=False
            )
        if log.end_time:
            return log
        end = event.timestamp or fields.Datetime.now()
        answer = log.answer_time
        if event.duration and not answer:
            answer = end - timedelta(seconds=event.duration)
        vals = {
            "end_time": end,
            "duration": event.duration,
            "answer_time": answer,
            "state": "ended" if (event.duration or log.answer_time) else "missed",
        }
        log.write(vals)
        log._post_call_summary()
        log._notify_agent(END)
        return log

    # Contacts ------------------------------------------------------------------
    @api.model
    def _match_values(self, integration, e164, withheld):
        """Values linking a new call to the contact that has its number
        (E.164), or holding the candidates when several have it."""
        if withheld or not e164:
            return {}
        Partner = self.env["res.partner"]
        partners = Partner.search(
            Partner._isp_match_domain(e164)
            + [
                "|",
                ("company_id", "=", False),
                ("company_id", "=", integration.company_id.id),
            ],
            limit=MAX_CANDIDATES,
        )
        if len(partners) == 1:
            contract = self._only_contract(partners, integration.company_id)
            return {"partner_id": partners.id, "contract_id": contract.id}
        if partners:
            return {"candidate_partner_ids": [fields.Command.set(partners.ids)]}
        return {}

    @api.model
    def _only_contract(self, partner, company):
        """The contact's contract when it has exactly one."""
        contracts = self.env["contract.contract"].search(
            [
                ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", company.id),
            ],
            limit=2,
        )
        return contracts if len(contracts) == 1 else contracts.browse()

    def _set_partner(self, partner, contract=None):
        self.ensure_one()
        if contract is None:
            contract = self._only_contract(partner, self.company_id)
        self.write({"partner_id": partner.id, "contract_id": contract.id})

    def _post_call_summary(self):
        """Register the call on the contact (seed 003): a logged note."""
        for log in self.filtered("partner_id"):
            log.partner_id._message_log(body=log._summary_html())

    def _summary_html(self):
        self.ensure_one()
        labels = dict(self._fields["state"]._description_selection(self.env))
        if self.direction == "in":
            what = self.env._("Incoming call from %s", self._number_display())
        else:
            what = self.env._("Outgoing call to %s", self._number_display())
        parts = [what, labels.get(self.state, "")]
        if self.duration:
            parts.append(call_panel.format_duration(self.duration))
        if self.user_id:
            parts.append(self.env._("agent %s", self.user_id.name))
        body = Markup("<p>{}</p>").format(" · ".join(p for p in parts if p))
        if self.outcome_id:
            body += Markup("<p>{}: {}</p>").format(
                self.env._("Outcome"), self.outcome_id.name
            )
        if self.notes:
            body += Markup("<p>{}</p>").format(self.notes)
        return body

    def _number_display(self):
        self.ensure_one()
        if self.withheld:
            return self.env._("a withheld number")
        if self.number_e164:
            return phone.format_display(
                self.number_e164, self.integration_id._country_code()
            )
        return self.number or "?"

    # Call panel -----------------------------------------------------------------
    def _panel_mode(self):
        self.ensure_one()
        return call_panel.panel_mode(
            self.withheld, bool(self.partner_id), len(self.candidate_partner_ids)
        )

    @api.model
    def _partner_card(self, partner, company=None):
        """What the panel shows of a contact: with ``company`` (the call's),
        only that company's contracts; the payload travels over the bus, and
        platform events are handled as superuser."""
        domain = [("commercial_partner_id", "=", partner.commercial_partner_id.id)]
        if company is not None:
            domain.append(("company_id", "in", [company.id, False]))
        contracts = self.env["contract.contract"].search(domain, limit=10)
        return {
            "id": partner.id,
            "name": partner.display_name,
            "vat": partner.vat or "",
            "city": partner.city or "",
            "email": partner.email or "",
            "phone": partner.phone or partner.mobile or "",
            "contracts": [{"id": c.id, "name": c.display_name} for c in contracts],
        }

    def _panel_payload(self, action="update"):
        self.ensure_one()
        return {
            "id": self.id,
            "action": action,
            "direction": self.direction,
            "state": self.state,
            "number": self.number or "",
            "number_display": self._number_display(),
            "withheld": self.withheld,
            "mode": self._panel_mode(),
            "partner": self._partner_card(self.partner_id, self.company_id)
            if self.partner_id
            else False,
            "contract": (
                {"id": self.contract_id.id, "name": self.contract_id.display_name}
                if self.contract_id
                else False
            ),
            "candidates": [
                self._partner_card(p, self.company_id)
                for p in self.candidate_partner_ids
            ],
            "duration": self.duration,
            "documented": self.documented,
            "outcome_id": self.outcome_id.id,
            "integration": self.integration_id.name,
        }

    def _notify_agent(self, action):
        for log in self.filtered("user_id"):
            self.env["bus.bus"]._sendone(
                log.user_id.partner_id, BUS_TYPE, log._panel_payload(action)
            )

    def _check_panel_access(self):
        """Only the call's agent (or a telephony manager) works its panel."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        for log in self:
            if log.user_id != self.env.user:
                raise AccessError(self.env._("This call belongs to another agent."))

    def _my_panels_domain(self):
        return [
            ("user_id", "=", self.env.uid),
            ("panel_closed", "=", False),
            ("state", "in", ("ringing", "answered", "ended", "missed")),
            ("start_time", ">=", fields.Datetime.now() - PANEL_MAX_AGE),
        ]

    @api.model
    def get_my_panels(self):
        """What the call panel shows after a page load: the agent's live
        calls first, then the latest ended calls not yet documented nor
        dismissed, and how many older ended ones wait in the Call Log."""
        domain = self._my_panels_domain()
        live = self.search(
            domain + [("state", "in", IN_PROGRESS)], limit=PANEL_MAX_LIVE
        )
        ended_domain = domain + [("state", "not in", IN_PROGRESS)]
        ended = self.search(ended_domain, limit=PANEL_MAX_ENDED)
        # Which calls are counted, not only how many: the bus may still
        # deliver their notifications after this answer, and the panel must
        # not count them a second time.
        more = self.search(ended_domain, offset=PANEL_MAX_ENDED).ids
        return {
            "calls": [log._panel_payload() for log in live + ended],
            "more_ended": len(more),
            "more_ended_ids": more,
        }

    @api.model
    def get_my_active_calls(self):
        """Panels to show after a page load (see get_my_panels)."""
        return self.get_my_panels()["calls"]

    @api.model
    def action_panel_clear_ended(self):
        """One action clears the panel: every ended call of the agent not
        documented is dismissed (it stays in the Call Log, Not Documented).
        Returns how many were dismissed."""
        logs = self.search(
            [
                ("user_id", "=", self.env.uid),
                ("panel_closed", "=", False),
                ("state", "not in", IN_PROGRESS),
            ]
        )
        # The agent's own calls only (searched above): the panel's own field.
        logs.sudo().write({"panel_closed": True})
        return len(logs)

    @api.model
    def panel_search(self, term):
        """Contacts for a withheld or unknown number: by name, VAT/document,
        reference, phone, or a contract's name or code."""
        term = (term or "").strip()
        if len(term) < 2:
            return []
        Partner = self.env["res.partner"]
        domain = [
            "|",
            "|",
            "|",
            ("name", "ilike", term),
            ("vat", "ilike", term),
            ("ref", "=ilike", term),
            ("email", "=ilike", term),
        ]
        e164 = phone.to_e164(term, self.env.company._telephony_country_code())
        if e164:
            domain = ["|"] + domain + Partner._isp_match_domain(e164)
        partners = Partner.search(domain, limit=10)
        contracts = self.env["contract.contract"].search(
            ["|", ("name", "ilike", term), ("code", "=ilike", term)], limit=10
        )
        partners |= contracts.partner_id
        return [self._partner_card(p) for p in partners[:10]]

    def action_panel_link(self, partner_id, contract_id=False):
        """The agent chose (or searched) the contact of this call."""
        self.ensure_one()
        self._check_panel_access()
        partner = self.env["res.partner"].browse(int(partner_id)).exists()
        if not partner:
            raise UserError(self.env._("This contact no longer exists."))
        partner.check_access("read")
        contract = None
        if contract_id:
            contract = self._own_contract(partner, contract_id)
        self._set_partner(partner, contract)
        self.sudo().ignored = False
        return self._panel_payload()

    def action_panel_create_partner(self, name):
        """Unknown number: create the contact with this number and link it."""
        self.ensure_one()
        self._check_panel_access()
        name = (name or "").strip()
        if not name:
            raise UserError(self.env._("Give the new contact a name."))
        vals = {"name": name}
        if self.number_e164:
            vals["phone"] = phone.format_international(self.number_e164)
        partner = self.env["res.partner"].create(vals)
        self._set_partner(partner)
        return self._panel_payload()

    def action_panel_ignore(self):
        """Unknown number: the agent does not link the call to anybody."""
        self._check_panel_access()
        self.sudo().write({"ignored": True, "panel_closed": True})
        return True

    def action_panel_dismiss(self):
        self._check_panel_access()
        self.sudo().panel_closed = True
        return True

    def _own_contract(self, partner, contract_id):
        """The contract the agent chose: the contact's, of the call's
        company, and one the agent may read (a collection charge is then
        added to it as superuser)."""
        contract = self.env["contract.contract"].browse(int(contract_id)).exists()
        if contract:
            contract.check_access("read")
        if (
            not contract
            or contract.partner_id.commercial_partner_id
            != partner.commercial_partner_id
            or (contract.company_id and contract.company_id != self.company_id)
        ):
            raise UserError(
                self.env._("The contract must belong to the call's contact.")
            )
        return contract

    def action_panel_save(self, values):
        """The agent documents the call: outcome, notes, an optional
        follow-up activity and an optional collection charge."""
        self.ensure_one()
        self._check_panel_access()
        values = dict(values or {})
        outcome = self.env["isp.call.outcome"].browse(
            int(values.get("outcome_id") or 0)
        )
        if not outcome.exists():
            raise UserError(self.env._("Choose the outcome of the call."))
        partner = self.partner_id
        if values.get("partner_id"):
            partner = self.env["res.partner"].browse(int(values["partner_id"])).exists()
            partner.check_access("read")
        contract = self.contract_id
        if values.get("contract_id"):
            contract = self._own_contract(partner, values["contract_id"])
        self.sudo().write(
            {
                "outcome_id": outcome.id,
                "notes": (values.get("notes") or "").strip() or False,
                "partner_id": partner.id,
                "contract_id": contract.id,
                "documented": True,
                "panel_closed": True,
            }
        )
        summary = (values.get("activity_summary") or "").strip()
        if summary or values.get("activity_date"):
            if not partner:
                raise UserError(
                    self.env._("Link the call to a contact to plan a follow-up.")
                )
            activity = partner.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=values.get("activity_date")
                or fields.Date.context_today(self),
                summary=summary or self.env._("Call back"),
                note=self.notes or "",
                user_id=self.env.uid,
            )
            # The panel's own fields, after the checks above (sudo like
            # the outcome's write).
            self.sudo().write(
                {
                    "followup_activity_id": activity.id,
                    "followup_summary": activity.summary,
                    "followup_date": activity.date_deadline,
                    "followup_user_id": activity.user_id.id,
                }
            )
        if values.get("add_charge"):
            self._add_collection_charge()
        if partner:
            partner.message_post(
                body=self._summary_html(), subtype_xmlid="mail.mt_note"
            )
        return self._panel_payload()

    def _add_collection_charge(self):
        """A one-off contract line invoiced with the contract's next invoice:
        start = end = that invoice date, so that OCA contract bills it once."""
        self.ensure_one()
        product = self.outcome_id.charge_product_id
        if not product:
            raise UserError(
                self.env._(
                    "The outcome %s carries no collection charge.", self.outcome_id.name
                )
            )
        contract = self.contract_id
        if not contract:
            raise UserError(
                self.env._("Choose the contract that the collection charge goes on.")
            )
        if self.charge_line_id:
            raise UserError(self.env._("This call was already charged."))
        today = fields.Date.context_today(self)
        date = contract.recurring_next_date
        if not date or date < today:
            date = today
        if contract.date_end and contract.date_end < date:
            raise UserError(
                self.env._(
                    "The contract %s ends before its next invoice: no charge can "
                    "be added.",
                    contract.display_name,
                )
            )
        line = (
            self.env["contract.line"]
            .sudo()
            .create(
                {
                    "contract_id": contract.id,
                    "product_id": product.id,
                    "name": self.env._(
                        "%(product)s - call of %(date)s",
                        product=product.display_name,
                        date=fields.Date.to_string(
                            fields.Datetime.context_timestamp(
                                self, self.start_time or fields.Datetime.now()
                            ).date()
                        ),
                    ),
                    "quantity": 1,
                    "uom_id": product.uom_id.id,
                    "price_unit": self.outcome_id._charge_price(),
                    "date_start": date,
                    "date_end": date,
                    "recurring_rule_type": "monthly",
                    "recurring_interval": 1,
                    "recurring_invoicing_type": "pre-paid",
                    "recurring_invoicing_offset": 0,
                }
            )
        )
        self.sudo().charge_line_id = line
        contract.sudo().message_post(
            body=Markup("<p>{}</p>").format(
                self.env._(
                    "Collection charge %(product)s added by %(agent)s after a call.",
                    product=product.display_name,
                    agent=self.env.user.name,
                )
            ),
            subtype_xmlid="mail.mt_note",
        )
        return line

    # Click-to-dial --------------------------------------------------------------
    @api.model
    def action_click_to_dial(
        self, number, res_model=False, res_id=False, caller_id=False
    ):
        """Called by the dial button of phone fields. Returns
        ``{"choose_caller_id": [...]}`` when the agent must choose the
        identity to call from, else ``{"ok", "message", "log_id"}``. The call
        log is committed before the platform is asked, so that a refused
        call is recorded, never lost (seed 003), and a second click while a
        call is in progress is refused (seed 001)."""
        if not self.env.user.has_group(USER_GROUP):
            raise AccessError(self.env._("Only telephony users can place calls."))
        agent = self.env["isp.telephony.agent"]._for_user()
        integration = agent.integration_id
        if not integration._gateway_can(gateway_base.CLICK_TO_DIAL):
            raise UserError(
                self.env._(
                    "The platform %s does not offer click-to-dial.", integration.name
                )
            )
        caller = agent._caller_id(caller_id)
        if caller is None:
            return {"choose_caller_id": agent._caller_id_options(), "number": number}
        e164 = integration._normalize_number(number)
        if not e164:
            raise UserError(
                self.env._("%s is not a phone number that can be dialled.", number)
            )
        partner, contract = self._dial_target(res_model, res_id, e164)
        self.env.flush_all()
        log_id = self._commit_dial_request(
            agent, number, e164, partner, contract, caller
        )
        error = False
        try:
            self._place_call(agent, caller, e164, log_id)
        except GatewayError as exc:
            error = exc.message
        except UserError as exc:
            error = exc.args[0]
        self._commit_dial_result(log_id, error)
        shown = phone.format_international(e164) or e164
        if error:
            _logger.warning(
                "Click-to-dial %s by %s failed: %s", log_id, self.env.user.login, error
            )
            return {
                "ok": False,
                "log_id": log_id,
                "message": self.env._(
                    "The call to %(number)s failed: %(error)s",
                    number=shown,
                    error=error,
                ),
            }
        return {
            "ok": True,
            "log_id": log_id,
            "message": self.env._("Calling %s: your phone rings first.", shown),
        }

    @api.model
    def _dial_target(self, res_model, res_id, e164):
        """The contact (and contract) the dialled record stands for."""
        Partner = self.env["res.partner"]
        Contract = self.env["contract.contract"]
        record = None
        if res_model and res_id and res_model in self.env:
            record = self.env[res_model].browse(int(res_id)).exists()
            if record:
                record.check_access("read")
        if record and res_model == "contract.contract":
            return record.partner_id, record
        if record and res_model == "res.partner":
            return record, Contract
        if record and "partner_id" in record._fields:
            partner = record.partner_id
            if partner._name == "res.partner" and len(partner) == 1:
                return partner, Contract
        partners = Partner.search(Partner._isp_match_domain(e164), limit=2)
        return (partners if len(partners) == 1 else Partner), Contract

    def _commit_dial_request(self, agent, number, e164, partner, contract, caller):
        """Create the Requested call log in its own committed transaction,
        with the agent's row locked so that two clicks cannot both pass the
        one-call-at-a-time check."""
        with self.env.registry.cursor() as cr:
            env = self.env(cr=cr)
            try:
                with mute_logger("odoo.sql_db"):
                    cr.execute(
                        "SELECT id FROM isp_telephony_agent WHERE id = %s "
                        "FOR UPDATE NOWAIT",
                        [agent.id],
                    )
            except pg_errors.LockNotAvailable:
                raise UserError(
                    self.env._("A call is already being placed from your phone.")
                ) from None
            # Created as superuser: agents create no call log by hand.
            Log = env["isp.call.log"].sudo()
            busy = Log.search(self._busy_domain(agent), limit=1)
            if busy:
                raise UserError(
                    self.env._(
                        "You already have a call in progress (%s). Finish it "
                        "before placing another one.",
                        busy._number_display(),
                    )
                )
            now = fields.Datetime.now()
            log = Log.with_context(**NOLOG).create(
                {
                    "integration_id": agent.integration_id.id,
                    "agent_id": agent.id,
                    "user_id": agent.user_id.id,
                    "direction": "out",
                    "state": "requested",
                    "source": "click_to_dial",
                    "number": number,
                    "number_e164": e164,
                    "partner_id": partner.id,
                    "contract_id": contract.id,
                    "caller_id_used": caller.name if caller else False,
                    "endpoint": caller.value if caller else agent.endpoint,
                    "request_time": now,
                }
            )
            return log.id

    @api.model
    def _busy_domain(self, agent):
        now = fields.Datetime.now()
        timeout = timedelta(seconds=agent.integration_id.originate_timeout or 30)
        return [
            ("agent_id", "=", agent.id),
            "|",
            "&",
            ("state", "=", "requested"),
            ("request_time", ">=", now - timeout - REQUEST_GRACE),
            "&",
            ("state", "in", ("ringing", "answered")),
            ("start_time", ">=", now - STALE_CALL),
        ]

    def _commit_dial_result(self, log_id, error):
        with self.env.registry.cursor() as cr:
            log = self.env(cr=cr)["isp.call.log"].sudo().browse(log_id)
            if error:
                log.write(
                    {
                        "state": "failed",
                        "error": error,
                        "end_time": fields.Datetime.now(),
                    }
                )
                log.message_post(body=error, subtype_xmlid="mail.mt_note")

    @api.model
    def _place_call(self, agent, caller, e164, log_id):
        """Ask the platform to ring the agent, then ``e164``."""
        integration = agent.integration_id
        request = DialRequest(
            endpoint=agent.endpoint,
            number=e164,
            caller_id=(caller.value if caller else "") or "",
            country=integration._country_code(),
            area_code=integration.area_code or "",
            dial_prefix=integration.dial_prefix or "",
            context=agent.context or integration.ami_context or "",
            timeout=integration.originate_timeout or 30,
            variables={"ISP_CALL_LOG_ID": log_id},
        )
        with integration._get_gateway() as gateway:
            gateway.place_call(request)
