# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Click-to-dial: an agent's call placed through the platform, logged before it
rings.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..gateways import base as gateway_base
from ..gateways.base import DialRequest, GatewayError
from ..tools import locks, phone_format
from .isp_call_log import NOLOG, REQUEST_GRACE, STALE_CALL, USER_GROUP

_logger = logging.getLogger(__name__)


class IspCallLogDial(models.Model):
    _inherit = "isp.call.log"

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
        e164 = integration._normalise_number(number)
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
        shown = phone_format.format_international(e164) or e164
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
        partners = Partner.search(Partner._telephony_match_domain(e164), limit=2)
        return (partners if len(partners) == 1 else Partner), Contract

    def _commit_dial_request(self, agent, number, e164, partner, contract, caller):
        """Create the Requested call log in its own committed transaction,
        holding the agent's dial lock (tools/locks.py) so that two clicks
        cannot both pass the one-call-at-a-time check."""
        with self.env.registry.cursor() as cr:
            env = self.env(cr=cr)
            if not locks.try_lock(cr, locks.AGENT_DIAL, agent.id):
                raise UserError(
                    self.env._("A call is already being placed from your phone.")
                )
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
