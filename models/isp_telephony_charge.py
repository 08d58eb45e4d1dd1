# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Telephony charge: the additional telephony service of a contract for one
billing month (seed 002 §5), made by closing the month and carried by the
contract's own recurring invoice.

Rows are written set-based by ``isp.telephony.billing._close_month``; the
database keeps one row per (contract, month, plan, sequence), which with the
close's lock makes double billing impossible."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import billing

CHARGE_STATES = [
    ("to_invoice", "To Invoice"),
    ("included", "Within Franchise"),
    ("invoiced", "Invoiced"),
    ("cancelled", "Cancelled"),
]
# States a close may still add late calls to (an invoiced charge never
# changes: late calls make a new charge).
OPEN_STATES = ("to_invoice", "included")
# The ids of the calls of the charges ``%s``, found through what isp_cdr
# indexes: the (line, connect time) index over the charge's contract's lines
# and cycle span (local dates, widened by the UTC offset), then filtered on
# charge_id. charge_id has no index so that the close's write of it is a HOT
# update (docs/billing.md, Speed).
CHARGE_CALLS = """
SELECT c.id
  FROM isp_telephony_charge ch
  JOIN isp_sip_line l ON l.contract_id = ch.contract_id
  JOIN isp_cdr c ON c.line_id = l.id
       AND c.connect_time >= ch.cycle_start - 1
       AND c.connect_time < ch.cycle_end + 2
       AND c.charge_id = ch.id
 WHERE ch.id = ANY(%s)
"""

# Frees charges whose invoice line is gone or cancelled: back to invoice.
_FREE_CHARGES = """
UPDATE isp_telephony_charge
   SET state = 'to_invoice', invoice_id = NULL, invoice_line_id = NULL,
       write_date = now() AT TIME ZONE 'UTC'
 WHERE {where} AND state = 'invoiced'
RETURNING id
"""
_FREE_LEGACY_CDRS = """
UPDATE isp_cdr SET invoice_id = NULL, invoice_line_id = NULL
 WHERE invoice_id = ANY(%s) AND charge_id IS NULL
"""
_FREE_CDRS = (
    """
UPDATE isp_cdr SET invoice_id = NULL, invoice_line_id = NULL
 WHERE invoice_id IS NOT NULL AND id IN ("""
    + CHARGE_CALLS
    + ")"
)


class IspTelephonyCharge(models.Model):
    _name = "isp.telephony.charge"
    _description = "Telephony Charge"
    _inherit = ["mail.thread"]
    _order = "billing_month desc, contract_id, billing_plan_id, sequence"
    _check_company_auto = True

    contract_id = fields.Many2one(
        "contract.contract",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    billing_month = fields.Date(
        required=True,
        readonly=True,
        index=True,
        help="First day of the billing month whose close made this charge.",
    )
    billing_plan_id = fields.Many2one(
        "isp.telephony.plan",
        required=True,
        readonly=True,
        ondelete="restrict",
    )
    sequence = fields.Integer(
        readonly=True,
        help="0 for the month's close; 1, 2... for calls imported late into "
        "the month's cycles after the earlier charge was invoiced.",
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    cycle_start = fields.Date(readonly=True, help="Local first day of the cycle.")
    cycle_end = fields.Date(readonly=True, help="Local last day of the cycle.")
    line_count = fields.Integer(
        string="Lines", readonly=True, help="SIP lines whose calls it bills."
    )
    calls = fields.Integer(readonly=True)
    billsec = fields.Integer(string="Seconds Talked", readonly=True)
    franchise_seconds = fields.Integer(readonly=True)
    excess_seconds = fields.Integer(readonly=True)
    minutes = fields.Float(
        compute="_compute_minutes", digits=(16, 2), help="Minutes talked."
    )
    excess_minutes = fields.Float(
        compute="_compute_minutes",
        digits=(16, 2),
        help="Rounded minutes beyond the franchise.",
    )
    franchise_detail = fields.Char(
        string="Franchise Used",
        readonly=True,
        help="Used / included minutes, per franchise bucket.",
    )
    amount = fields.Monetary(readonly=True, help="Sum of the calls' charges.")
    state = fields.Selection(
        CHARGE_STATES,
        required=True,
        readonly=True,
        default="to_invoice",
        index=True,
        tracking=True,
    )
    invoice_line_id = fields.Many2one(
        "account.move.line", readonly=True, ondelete="set null", copy=False
    )
    invoice_id = fields.Many2one(
        "account.move", readonly=True, index="btree_not_null", copy=False
    )
    invoice_state = fields.Selection(
        related="invoice_id.state", string="Invoice Status"
    )
    cdr_ids = fields.One2many("isp.cdr", "charge_id", string="Charged Calls")
    cycle_label = fields.Char(string="Cycle", compute="_compute_minutes")

    _sql_constraints = [
        (
            "charge_uniq",
            "UNIQUE(contract_id, billing_month, billing_plan_id, sequence)",
            (
                "This contract's month is already charged: another close ran at "
                "the same time. Nothing was billed twice; open the charges to "
                "check."
            ),
        ),
    ]

    @api.depends(
        "billsec", "excess_seconds", "cycle_start", "cycle_end", "partner_id.lang"
    )
    def _compute_minutes(self):
        for charge in self:
            charge.minutes = billing.minutes(charge.billsec)
            charge.excess_minutes = billing.minutes(charge.excess_seconds)
            charge.cycle_label = billing.period_label(
                charge.cycle_start, charge.cycle_end, charge._date_format()
            )

    @api.depends("contract_id", "billing_month", "billing_plan_id")
    def _compute_display_name(self):
        for charge in self:
            month = charge.billing_month
            charge.display_name = " - ".join(
                (
                    charge.contract_id.display_name or "",
                    month.strftime("%m/%Y") if month else "",
                    charge.billing_plan_id.name or "",
                )
            )

    # ------------------------------------------------------------------
    # Invoice lines

    def _date_format(self):
        """The customer's date format: the invoice line and the call
        statement print the cycle alike."""
        self.ensure_one()
        lang = self.partner_id.lang or self.company_id.partner_id.lang or "en_US"
        return self.env["res.lang"]._get_data(code=lang).date_format or "%d/%m/%Y"

    def _invoice_label(self):
        self.ensure_one()
        # Formatted before the call: an f-string inside _() makes babel drop
        # every string of this file from the export (tests/test_i18n.py).
        minutes = f"{billing.minutes(self.billsec):.2f}"
        excess = f"{billing.minutes(self.excess_seconds):.2f}"
        return self.env._(
            "Telephony - %(plan)s - cycle %(cycle)s: %(calls)s calls, "
            "%(minutes)s min talked, %(excess)s min beyond the franchise",
            plan=self.billing_plan_id.name,
            cycle=billing.period_label(
                self.cycle_start, self.cycle_end, self._date_format()
            ),
            calls=self.calls,
            minutes=minutes,
            excess=excess,
        )

    def _invoice_line_vals(self):
        """One invoice line per charge: the plan's overage product, the whole
        amount, the label of the statement's cycle. The line is linked to
        the contract's first line, as OCA contract links its own invoice
        lines, so the invoice is the contract's wherever OCA looks
        (Invoices button, origin message, followers, overdue blocking)."""
        vals = []
        for charge in self:
            contract_line = charge.contract_id.contract_line_ids.filtered(
                lambda line: not line.display_type
            )[:1]
            vals.append(
                {
                    "product_id": charge.billing_plan_id.product_id.id,
                    "name": charge._invoice_label(),
                    "quantity": 1,
                    "price_unit": float(charge.amount),
                    "telephony_charge_id": charge.id,
                    "telephony_billing_plan_id": charge.billing_plan_id.id,
                    "contract_line_id": contract_line.id or False,
                }
            )
        return vals

    @api.model
    def _to_invoice_by_contract(self, contracts, currency=None):
        """``{contract_id: charges}`` of the charges still to invoice."""
        domain = [
            ("contract_id", "in", contracts.ids),
            ("state", "=", "to_invoice"),
            ("amount", ">", 0),
        ]
        found = {}
        for charge in self.sudo().search(domain, order="billing_month, id"):
            if not charge.billing_plan_id.product_id:
                continue
            found.setdefault(charge.contract_id.id, self.browse())
            found[charge.contract_id.id] |= charge
        return found

    def _mark_invoiced(self, lines):
        """``lines`` (new invoice lines with a charge) now carry their charges:
        one UPDATE guarded by the state, so a charge goes on one invoice only;
        its calls get the invoice and the line."""
        pairs = [
            (line.telephony_charge_id.id, line.id, line.move_id.id) for line in lines
        ]
        if not pairs:
            return
        self.flush_model()
        cr = self.env.cr
        cr.execute(
            """
            UPDATE isp_telephony_charge ch
               SET state = 'invoiced', invoice_line_id = v.line_id,
                   invoice_id = v.move_id,
                   write_date = now() AT TIME ZONE 'UTC'
              FROM unnest(%s::int[], %s::int[], %s::int[]) AS v(id, line_id, move_id)
             WHERE ch.id = v.id AND ch.state = 'to_invoice'
            RETURNING ch.id
            """,
            [[p[0] for p in pairs], [p[1] for p in pairs], [p[2] for p in pairs]],
        )
        done = {row[0] for row in cr.fetchall()}
        refused = [p[0] for p in pairs if p[0] not in done]
        if refused:
            raise UserError(
                self.env._(
                    "These telephony charges are not to invoice any more (already "
                    "invoiced or cancelled): %s",
                    ", ".join(self.browse(refused).mapped("display_name")),
                )
            )
        cr.execute(
            """
            UPDATE isp_cdr c SET invoice_id = v.move_id, invoice_line_id = v.line_id
              FROM unnest(%s::int[], %s::int[], %s::int[]) AS v(id, line_id, move_id)
              JOIN isp_telephony_charge ch ON ch.id = v.id
              JOIN isp_sip_line l ON l.contract_id = ch.contract_id
             WHERE c.line_id = l.id
               AND c.connect_time >= ch.cycle_start - 1
               AND c.connect_time < ch.cycle_end + 2
               AND c.charge_id = v.id
            """,
            [[p[0] for p in pairs], [p[1] for p in pairs], [p[2] for p in pairs]],
        )
        self._invalidate_billing()

    @api.model
    def _free(self, move_ids=None, line_ids=None):
        """Invoices cancelled or deleted, or telephony lines deleted: their
        charges go back to *to invoice* (the next invoice carries them once)."""
        if not move_ids and not line_ids:
            return self.browse()
        self.env.flush_all()
        cr = self.env.cr
        if move_ids:
            cr.execute(
                _FREE_CHARGES.format(where="invoice_id = ANY(%s)"), [list(move_ids)]
            )
        else:
            cr.execute(
                _FREE_CHARGES.format(where="invoice_line_id = ANY(%s)"),
                [list(line_ids)],
            )
        ids = [row[0] for row in cr.fetchall()]
        if ids:
            cr.execute(_FREE_CDRS, [ids])
        if move_ids:
            # Calls invoiced directly, before charges existed (issue 5).
            cr.execute(_FREE_LEGACY_CDRS, [list(move_ids)])
        self._invalidate_billing()
        return self.browse(ids)

    def _invalidate_billing(self):
        self.env["isp.telephony.charge"].invalidate_model(
            ["state", "invoice_id", "invoice_line_id"]
        )
        self.env["isp.cdr"].invalidate_model(["invoice_id", "invoice_line_id"])
        self.env["account.move"].invalidate_model(["telephony_cdr_ids"])
        self.env["account.move.line"].invalidate_model(["telephony_cdr_ids"])

    # ------------------------------------------------------------------
    # Separate invoices

    def _separate_reason(self, today=None):
        """Why this charge cannot wait for the contract's next invoice, or
        an empty string."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        contract = self.contract_id
        company = contract.company_id
        next_date = contract.recurring_next_date
        if company.telephony_separate_invoice:
            return self.env._("The company bills telephony on its own invoice.")
        if contract.is_terminated:
            return self.env._("The contract is terminated.")
        recurring = contract.contract_line_ids.filtered(
            lambda line: not line.display_type and not line.is_canceled
        )
        if (
            not recurring
            or not next_date
            or (contract.date_end and next_date > contract.date_end)
        ):
            return self.env._("The contract has no next recurring invoice.")
        limit = company.telephony_invoice_wait_days
        if limit and (next_date - today).days > limit:
            return self.env._(
                "The contract's next invoice (%(date)s) is more than %(days)s "
                "days away.",
                date=next_date,
                days=limit,
            )
        return ""

    def _invoice_separately_where_needed(self):
        """Invoice at once the charges that cannot wait (see
        :meth:`_separate_reason`). Returns the invoices."""
        todo = self.filtered(lambda c: c.state == "to_invoice" and c._separate_reason())
        return todo._create_separate_invoices()

    def _create_separate_invoices(self):
        """One invoice per contract for these charges, made with the
        contract's own invoice preparation, with OCA's origin message and
        followers."""
        todo = self.filtered(lambda c: c.state == "to_invoice" and c.amount > 0)
        missing = todo.filtered(lambda c: not c.billing_plan_id.product_id)
        if missing:
            raise UserError(
                self.env._(
                    "Plan %s has no overage product: set one, then invoice again.",
                    missing[0].billing_plan_id.display_name,
                )
            )
        if not todo:
            return self.env["account.move"]
        today = fields.Date.context_today(self)
        vals_list = []
        for contract in todo.contract_id:
            charges = todo.filtered(lambda c, k=contract: c.contract_id == k)
            charges._check_currency(contract.currency_id)
            vals = contract._prepare_invoice(today)
            vals["invoice_line_ids"] = [
                fields.Command.create(v) for v in charges._invoice_line_vals()
            ]
            vals["telephony_contract_id"] = contract.id
            vals["telephony_billing_month"] = min(charges.mapped("billing_month"))
            vals_list.append(vals)
        moves = self.env["account.move"].create(vals_list)
        todo.contract_id._add_contract_origin(moves)
        todo.contract_id._invoice_followers(moves)
        return moves

    def _check_currency(self, currency):
        wrong = self.filtered(lambda c: c.currency_id != currency)
        if wrong:
            raise UserError(
                self.env._(
                    "The plan's currency %(plan)s differs from the invoice "
                    "currency %(invoice)s.",
                    plan=wrong[0].currency_id.name,
                    invoice=currency.name,
                )
            )

    # ------------------------------------------------------------------
    # Actions

    def _check_manager(self):
        if not self.env.user.has_group("isp_telephony.group_telephony_manager"):
            raise UserError(
                self.env._("Only telephony managers can invoice or cancel charges.")
            )

    def action_invoice_now(self):
        """A manager's *Invoice now*: a separate invoice for these charges."""
        self._check_manager()
        self.check_access("read")
        moves = self.sudo()._create_separate_invoices()
        if not moves:
            raise UserError(self.env._("No charge here is to invoice."))
        return self._open_invoices(moves)

    def action_cancel(self):
        """Cancel charges not invoiced (a goodwill gesture): their calls stay
        on the charge and are never billed."""
        self._check_manager()
        self.check_access("read")
        if self.filtered(lambda c: c.state == "invoiced"):
            raise UserError(
                self.env._(
                    "Cancel the invoice first: an invoiced charge never changes."
                )
            )
        self.sudo().write({"state": "cancelled"})
        return True

    def action_reset_to_invoice(self):
        self._check_manager()
        self.check_access("read")
        for charge in self.sudo().filtered(lambda c: c.state == "cancelled"):
            charge.state = "to_invoice" if charge.amount > 0 else "included"
        return True

    def action_view_calls(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Calls of %s", self.display_name),
            "res_model": "isp.cdr",
            "view_mode": "list,form",
            "domain": self._calls_domain(),
        }

    def _calls_domain(self):
        """Domain of the charge's calls that the (line, connect time) index
        answers (charge_id alone is not indexed, see CHARGE_CALLS)."""
        self.ensure_one()
        lines = (
            self.env["isp.sip.line"]
            .with_context(active_test=False)
            .search([("contract_id", "=", self.contract_id.id)])
        )
        start = fields.Datetime.to_datetime(self.cycle_start) - timedelta(days=1)
        end = fields.Datetime.to_datetime(self.cycle_end) + timedelta(days=2)
        return [
            ("line_id", "in", lines.ids),
            ("connect_time", ">=", start),
            ("connect_time", "<", end),
            ("charge_id", "=", self.id),
        ]

    def action_print_statement(self):
        return self.env.ref(
            "isp_telephony.action_report_call_statement_charge"
        ).report_action(self)

    def _open_invoices(self, moves):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", moves.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        if len(moves) == 1:
            action["views"] = [(False, "form")]
            action["res_id"] = moves.id
        return action
