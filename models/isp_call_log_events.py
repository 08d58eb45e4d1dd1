# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The platform's call events into call logs: a start (ringing) finds the
call's click-to-dial or creates the log, matched to a contact; the answer
and the end complete it; each tells the agent's call panel. Idempotent per
call id and action (a replayed event changes nothing)."""

import dataclasses
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import mute_logger

from ..gateways import base as gateway_base
from ..tools import call_panel, safe_text
from ..tools.call_events import ANSWER, END, START
from .isp_call_log import NOLOG

# A webhook start of an outgoing call matches a click-to-dial this recent.
REQUEST_MATCH_WINDOW = timedelta(minutes=10)


class IspCallLogEvents(models.Model):
    _inherit = "isp.call.log"

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
        e164 = "" if withheld else integration._normalise_number(remote)
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
