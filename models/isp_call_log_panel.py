# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The call panel: the contact a call matches, what the agent sees and saves."""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import call_panel, phone, phone_format
from .isp_call_log import (
    BUS_TYPE,
    IN_PROGRESS,
    MANAGER_GROUP,
    MAX_CANDIDATES,
    PANEL_MAX_AGE,
    PANEL_MAX_ENDED,
    PANEL_MAX_LIVE,
)


class IspCallLogPanel(models.Model):
    _inherit = "isp.call.log"

    # Contacts ------------------------------------------------------------------
    @api.model
    def _match_values(self, integration, e164, withheld):
        """Values linking a new call to the contact that has its number
        (E.164), or holding the candidates when several have it."""
        if withheld or not e164:
            return {}
        Partner = self.env["res.partner"]
        partners = Partner.search(
            Partner._telephony_match_domain(e164)
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
            return phone_format.format_display(
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
            domain = ["|"] + domain + Partner._telephony_match_domain(e164)
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
            vals["phone"] = phone_format.format_international(self.number_e164)
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
        """Charge the call's outcome on its contract (once per call)."""
        self.ensure_one()
        product = self.outcome_id.charge_product_id
        if not product:
            raise UserError(
                self.env._(
                    "The outcome %s carries no collection charge.", self.outcome_id.name
                )
            )
        if not self.contract_id:
            raise UserError(
                self.env._("Choose the contract that the collection charge goes on.")
            )
        if self.charge_line_id:
            raise UserError(self.env._("This call was already charged."))
        call_date = fields.Datetime.context_timestamp(
            self, self.start_time or fields.Datetime.now()
        ).date()
        line = self.contract_id._add_collection_charge(
            product, self.outcome_id._charge_price(), call_date
        )
        self.sudo().charge_line_id = line
        return line
