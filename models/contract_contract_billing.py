# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The contract's side of telephony billing (issue 13): its charges, and
OCA contract's recurring invoice carrying the charges still to invoice.

Kept beside contract_contract_service_status.py (blocking) so that each
file reads as one concern of the same model."""

import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import billing
from .owned_fields import SET, OwnedFields

_logger = logging.getLogger(__name__)

# The close's record of a contract it could not bill: shown read-only,
# written by the close only (as superuser, after its own checks). The web
# client sends the empty defaults of a new contract (SET).
BILLING_ERROR_OWNED = OwnedFields(
    fields=frozenset({"telephony_billing_error", "telephony_billing_error_date"}),
    on_create=SET,
    refusal_message=lambda records, labels: records.env._(
        "The telephony billing failure is recorded by the telephony "
        "close only: fix its cause and close the month again."
    ),
)


class ContractContract(models.Model):
    _name = "contract.contract"
    _inherit = ["contract.contract", "isp.telephony.owned.fields.mixin"]

    telephony_charge_ids = fields.One2many(
        "isp.telephony.charge", "contract_id", string="Telephony Charges"
    )
    telephony_charge_count = fields.Integer(compute="_compute_telephony_charge_count")
    telephony_billing_error = fields.Text(
        string="Telephony Billing Failure",
        readonly=True,
        copy=False,
        help="Why the last telephony close could not charge this contract's calls "
        "(the rest of the run went on). Fix the cause, then close the month "
        "again: the failure is cleared when the contract is billed.",
    )
    telephony_billing_error_date = fields.Datetime(
        string="Telephony Billing Failed On", readonly=True, copy=False
    )

    @api.depends("telephony_charge_ids")
    def _compute_telephony_charge_count(self):
        counts = dict(
            self.env["isp.telephony.charge"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.telephony_charge_count = counts.get(contract._origin, 0)

    def _owned_fields(self):
        return super()._owned_fields() + [BILLING_ERROR_OWNED]

    def _record_billing_errors(self, errors, billed=()):
        """The close's outcome per contract: ``errors`` ({contract_id:
        reason}) are recorded on their contracts (a message in the chatter
        when the reason is new), the ``billed`` contracts' old failures are
        cleared. Set-based: one read, one write per distinct reason."""
        contracts = self.sudo().with_context(active_test=False)
        failing = contracts.browse(list(errors)).exists()
        now = fields.Datetime.now()
        for contract in failing:
            reason = errors[contract.id]
            if contract.telephony_billing_error == reason:
                continue
            contract.write(
                {"telephony_billing_error": reason, "telephony_billing_error_date": now}
            )
            contract.message_post(
                body=Markup("<p>%s</p><p>%s</p>")
                % (
                    self.env._("The telephony close could not bill this contract:"),
                    reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        cleared = contracts.search(
            [
                ("id", "in", [cid for cid in billed if cid not in errors]),
                ("telephony_billing_error", "!=", False),
            ]
        )
        if cleared:
            cleared.write(
                {
                    "telephony_billing_error": False,
                    "telephony_billing_error_date": False,
                }
            )
            for contract in cleared:
                contract.message_post(
                    body=self.env._("The telephony close billed this contract again."),
                    subtype_xmlid="mail.mt_note",
                )

    def _prepare_recurring_invoices_values(self, date_ref=False):
        """OCA contract's invoice preparation (its cron and its *Create
        Invoices* button): each contract's invoice also carries its
        telephony charges still to invoice, one line per charge. Charges in
        another currency than the invoice wait for a separate invoice."""
        charges = self.env["isp.telephony.charge"]._to_invoice_by_contract(
            self.filtered(lambda c: c.contract_type == "sale")
        )
        if not charges:
            return super()._prepare_recurring_invoices_values(date_ref)
        values = []
        for contract in self:
            vals_list = super(
                ContractContract, contract
            )._prepare_recurring_invoices_values(date_ref)
            mine = charges.get(contract.id)
            if vals_list and mine:
                currency = vals_list[0].get("currency_id")
                mine = mine.filtered(lambda c, cur=currency: c.currency_id.id == cur)
                vals_list[0]["invoice_line_ids"] += [
                    fields.Command.create(vals) for vals in mine._invoice_line_vals()
                ]
            values += vals_list
        return values

    def _recurring_create_invoice(self, date_ref=False):
        """OCA's invoicing of many contracts at once (its cron): one contract
        whose invoice cannot be made (a telephony charge that breaks it, a
        misconfigured line) no longer stops every other contract's. All are
        invoiced at once inside a savepoint; only when that fails is each
        contract invoiced in its own savepoint, and the failing ones are
        recorded on their contract (*Billing Failed*). A single contract
        (the *Create Invoices* button) still shows its error."""
        if len(self) <= 1:
            return super()._recurring_create_invoice(date_ref)
        try:
            with self.env.cr.savepoint():
                return super()._recurring_create_invoice(date_ref)
        except Exception:  # pylint: disable=broad-except
            self.env.invalidate_all()
            _logger.warning(
                "invoicing %s contracts at once failed: each is invoiced alone",
                len(self),
                exc_info=True,
            )
        moves = self.env["account.move"]
        errors = {}
        billing = self.env["isp.telephony.billing"]
        for contract in self:
            try:
                with self.env.cr.savepoint():
                    moves |= super(
                        ContractContract, contract
                    )._recurring_create_invoice(date_ref)
            except Exception as error:  # pylint: disable=broad-except
                self.env.invalidate_all()
                _logger.exception("invoice of contract %s failed", contract.id)
                errors[contract.id] = self.env._(
                    "The contract's invoice could not be made: %s",
                    billing._failure_reason(error),
                )
        self._record_billing_errors(errors)
        return moves

    def _get_related_invoices(self):
        """OCA's Invoices button: also the invoices of the contract's
        telephony charges (a contract without lines of its own)."""
        invoices = super()._get_related_invoices()
        # One indexed SQL probe: OCA calls this per contract and per invoice
        # it creates (origin message, followers), so an ORM search here was
        # a visible share of the contract invoicing.
        self.env["isp.telephony.charge"].flush_model(["contract_id", "invoice_id"])
        self.env.cr.execute(
            "SELECT DISTINCT invoice_id FROM isp_telephony_charge"
            " WHERE contract_id = %s AND invoice_id IS NOT NULL",
            [self.id],
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        return invoices | invoices.browse(ids)

    def action_view_telephony_charges(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_telephony_charge"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"default_contract_id": self.id}
        return action

    def action_telephony_create_invoice(self):
        """OCA's *Create invoices* (debug mode only in its form) from the
        Telephony tab: the contract's next invoice with its charges, opened."""
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._("Only invoicing users can create the contract's invoice.")
            )
        moves = self.recurring_create_invoice()
        if not moves:
            raise UserError(
                self.env._(
                    "The contract has nothing to invoice now: no recurring line is "
                    "due. Use Invoice Now on a charge for a separate invoice."
                )
            )
        return self.env["isp.telephony.charge"]._open_invoices(moves)

    def action_print_call_statement(self):
        """The call statement of the cycle running today ("so far")."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        due_days = self.sip_line_ids.filtered("billing_plan_id").mapped("due_day")
        due_day = min(due_days) if due_days else 1
        month = billing.month_start(today)
        if today.day >= due_day:
            month = billing.month_start(fields.Date.add(month, months=1))
        report = self.env.ref("isp_telephony.action_report_call_statement")
        return report.report_action(
            self.env["account.move"],
            data={
                "contract_id": self.id,
                "billing_month": fields.Date.to_string(month),
            },
        )
