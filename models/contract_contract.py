# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Contract: its SIP lines, its calls, its telephony spend and notices."""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import blocking

_logger = logging.getLogger(__name__)


class ContractContract(models.Model):
    _inherit = "contract.contract"

    # Archived lines included: an archived line still exists on the platform
    # and follows its contract (blocks, release, cancellation) like any other.
    sip_line_ids = fields.One2many(
        "isp.sip.line",
        "contract_id",
        string="SIP Lines",
        context={"active_test": False},
        help="VoIP lines and trunks sold on this contract, archived ones included.",
    )
    sip_line_count = fields.Integer(compute="_compute_sip_line_count")

    @api.depends("sip_line_ids")
    def _compute_sip_line_count(self):
        for contract in self:
            contract.sip_line_count = len(contract.sip_line_ids)

    def action_activate_sip_lines(self):
        """Activate the draft lines (and retry those in error) of the
        contracts: at once for a few lines, in the background otherwise."""
        lines = self.sip_line_ids.filtered(lambda r: r.state in ("draft", "error"))
        if not lines:
            raise UserError(self.env._("These contracts have no line to activate."))
        return lines.action_activate()

    def action_view_sip_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_sip_line"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {
            "default_contract_id": self.id,
            "active_test": False,
        }
        return action

    # Calls (issue 4: CDR import) ----------------------------------------------
    telephony_cdr_count = fields.Integer(
        string="Calls",
        compute="_compute_telephony_cdr_count",
        groups="isp_telephony.group_telephony_user",
    )

    def _compute_telephony_cdr_count(self):
        counts = dict(
            self.env["isp.cdr"]._read_group(
                self._telephony_cdr_domain(), ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.telephony_cdr_count = counts.get(contract, 0)

    def _telephony_cdr_domain(self):
        """The contracts' calls, through their lines (a call's contract is
        its line's; isp_cdr is indexed on the line, not the contract)."""
        lines = (
            self.env["isp.sip.line"]
            .with_context(active_test=False)
            .search([("contract_id", "in", self.ids)])
        )
        return [("line_id", "in", lines.ids), ("contract_id", "in", self.ids)]

    def action_view_telephony_cdrs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_cdr"
        )
        action["domain"] = self._telephony_cdr_domain()
        action["context"] = {}
        return action

    # Customer notices (issue 14) -------------------------------------------
    overdue_notice_date = fields.Date(
        string="Overdue Notice Sent",
        readonly=True,
        copy=False,
        help="When the customer was notified of the overdue invoice: no "
        "suspension before the company's notice period has passed since.",
    )
    suspension_partial_date = fields.Date(
        string="Partial Suspension On",
        compute="_compute_suspension_dates",
        help="When the partial suspension follows if the overdue amount stays "
        "unpaid (announced in the overdue notice).",
    )
    suspension_full_date = fields.Date(
        string="Full Suspension On",
        compute="_compute_suspension_dates",
        help="When the full suspension follows if the overdue amount stays unpaid.",
    )
    telephony_notice_no_email = fields.Boolean(
        string="Notice Not Emailed",
        readonly=True,
        copy=False,
        index=True,
        help="The last telephony notice could not be emailed: the customer has "
        "no email address. Reach them another way.",
    )
    telephony_notice_no_email_date = fields.Datetime(
        string="Notice Not Emailed On", readonly=True, copy=False
    )
    # Spend control (issue 14): the lines' figures together.
    telephony_cycle_spend = fields.Monetary(
        compute="_compute_telephony_spend",
        currency_field="overdue_currency_id",
        help="Rated calls of the contract's lines in their current cycles.",
    )
    telephony_credit_limit = fields.Monetary(
        compute="_compute_telephony_spend",
        currency_field="overdue_currency_id",
        help="Credit limits of the contract's lines together (lines without "
        "a limit count for nothing).",
    )
    telephony_spend_blocked_count = fields.Integer(
        string="Lines Held by Spend Control",
        compute="_compute_telephony_spend",
        help="Lines blocked by their credit limit or the fraud guard.",
    )

    @api.depends("overdue_date", "overdue_notice_date", "company_id")
    def _compute_suspension_dates(self):
        for contract in self:
            company = contract.company_id
            partial, full = blocking.suspension_dates(
                contract.overdue_date,
                contract.overdue_notice_date,
                company.telephony_partial_block_days,
                company.telephony_full_block_days,
                company.telephony_notice_days,
            )
            contract.suspension_partial_date = partial
            contract.suspension_full_date = full

    @api.depends(
        "sip_line_ids.cycle_spend",
        "sip_line_ids.credit_limit",
        "sip_line_ids.credit_blocked",
        "sip_line_ids.fraud_blocked",
    )
    def _compute_telephony_spend(self):
        groups = self.env["isp.sip.line"]._read_group(
            [("contract_id", "in", self.ids), ("state", "!=", "cancelled")],
            ["contract_id"],
            ["cycle_spend:sum", "credit_limit:sum"],
        )
        totals = {contract: (spend, limit) for contract, spend, limit in groups}
        held = dict(
            self.env["isp.sip.line"]._read_group(
                [
                    ("contract_id", "in", self.ids),
                    "|",
                    ("credit_blocked", "=", True),
                    ("fraud_blocked", "=", True),
                ],
                ["contract_id"],
                ["__count"],
            )
        )
        for contract in self:
            spend, limit = totals.get(contract._origin, (0.0, 0.0))
            contract.telephony_cycle_spend = spend
            contract.telephony_credit_limit = limit
            contract.telephony_spend_blocked_count = held.get(contract._origin, 0)

    @api.model
    def _telephony_notify(self, template_xmlid, records, activity=False):
        """Queue a customer notice about ``records`` (contracts or lines):
        isp.telephony.notice renders it from its editable mail template in
        the customer's language, logs it on the contract's chatter and
        emails it within minutes; customers without an email address are
        listed under *Customers Without Email*."""
        return self.env["isp.telephony.notice"]._enqueue(
            template_xmlid, records, activity=activity
        )
