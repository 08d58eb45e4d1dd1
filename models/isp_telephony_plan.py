# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Billing plan: the franchise and rates a line is billed on."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import destination as dest
from ..tools import rating

# Fields of the plan whose change alters the price of calls already rated.
RATING_FIELDS = frozenset({"min_billable_seconds", "currency_id", "active"})
# Destination classes the fraud guard watches on a new plan: where a hijacked
# line makes its money.
FRAUD_DEFAULT_CLASSES = frozenset(
    {dest.INTERNATIONAL, dest.NON_GEOGRAPHIC, dest.LOCAL_MOBILE, dest.NATIONAL_MOBILE}
)


class IspTelephonyPlan(models.Model):
    """Telephony billing plan of a line: franchise and rates for usage and
    overage (Plano de Cobrança)."""

    _name = "isp.telephony.plan"
    _description = "Telephony Billing Plan"
    _inherit = ["mail.thread"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    product_id = fields.Many2one(
        "product.product",
        string="Overage Product",
        tracking=True,
        domain="[('sale_ok', '=', True)]",
        check_company=True,
        help="Product of the invoice lines that bill this plan's overage "
        "(Serviço Adicional de Telefonia): its income account and taxes apply.",
    )
    min_billable_seconds = fields.Integer(
        string="Minimum Billable Seconds",
        default=0,
        tracking=True,
        help="Answered calls shorter than this are free and consume no franchise.",
    )
    bucket_ids = fields.One2many(
        "isp.telephony.plan.bucket",
        "plan_id",
        string="Franchise",
        help="Free seconds per cycle, each bucket for one or more destination classes.",
    )
    rate_ids = fields.One2many(
        "isp.telephony.rate",
        "plan_id",
        string="Rates",
        help="Longest matching prefix first, then the class's rate, then the "
        "default rate (no prefix, no class).",
    )
    line_ids = fields.One2many("isp.sip.line", "billing_plan_id", string="Lines")
    line_count = fields.Integer(compute="_compute_line_count")
    description = fields.Text()
    # Spend control (issue 14)
    credit_limit = fields.Monetary(
        string="Credit Limit per Cycle",
        tracking=True,
        help="Default credit limit of the plan's lines: the most a line may "
        "spend on rated calls in one billing cycle before it is partially "
        "blocked (receives calls, emergency numbers still work). 0: unlimited. "
        "Changing it sets the limit of every line on the plan.",
    )
    fraud_hour_limit = fields.Monetary(
        string="Fraud Guard: Spend per Hour",
        tracking=True,
        help="The most a line may spend in any rolling hour on the costly "
        "destination classes below; beyond it the line is blocked at once and "
        "the telephony managers are alerted. 0: no hourly guard.",
    )
    fraud_class_ids = fields.Many2many(
        "isp.telephony.destination.class",
        "isp_telephony_plan_fraud_class_rel",
        "plan_id",
        "class_id",
        string="Costly Destinations",
        default=lambda self: self._default_fraud_classes(),
        help="Destination classes watched by the fraud guard.",
    )
    fraud_max_simultaneous = fields.Integer(
        string="Fraud Guard: Simultaneous Costly Calls",
        tracking=True,
        help="The most calls to costly destinations a line may have at the "
        "same moment, as seen in its CDRs; beyond it the line is blocked. "
        "0: not checked.",
    )

    _sql_constraints = [
        (
            "spend_limits_positive",
            (
                "CHECK(credit_limit >= 0 AND fraud_hour_limit >= 0 "
                "AND fraud_max_simultaneous >= 0)"
            ),
            (
                "Credit limit, fraud guard spend and simultaneous calls cannot "
                "be negative."
            ),
        ),
        (
            "min_billable_positive",
            "CHECK(min_billable_seconds >= 0)",
            "The minimum billable seconds cannot be negative.",
        ),
    ]

    @api.model
    def _default_fraud_classes(self):
        return self.env["isp.telephony.destination.class"].search(
            [("code", "in", list(FRAUD_DEFAULT_CLASSES))]
        )

    @api.depends("line_ids")
    def _compute_line_count(self):
        counts = dict(
            self.env["isp.sip.line"]._read_group(
                [("billing_plan_id", "in", self.ids)], ["billing_plan_id"], ["__count"]
            )
        )
        for plan in self:
            plan.line_count = counts.get(plan._origin, 0)

    def _core_plan(self):
        """The plan as the rating core's :class:`rating.Plan`. Rate and bucket
        ids are the records' ids. Raises ValueError on an ambiguous table."""
        self.ensure_one()
        rates = [rate._core_rate() for rate in self.rate_ids]
        buckets = [
            rating.Bucket(
                bucket.id,
                bucket.allowance_seconds,
                frozenset(bucket.dest_class_ids.mapped("code")),
            )
            for bucket in self.bucket_ids
        ]
        return rating.Plan(
            self.id,
            self.min_billable_seconds,
            buckets,
            rating.RateTable(rates),
            self.currency_id.decimal_places,
        )

    def _check_core_plan(self):
        for plan in self:
            try:
                plan._core_plan()
            except ValueError as exc:
                raise ValidationError(
                    self.env._(
                        "Plan %(plan)s cannot rate calls: %(error)s",
                        plan=plan.display_name,
                        error=exc,
                    )
                ) from exc

    @api.constrains("min_billable_seconds", "currency_id")
    def _check_plan_rates(self):
        self._check_core_plan()

    def write(self, vals):
        res = super(
            IspTelephonyPlan, self.with_context(telephony_no_rerate=True)
        ).write(vals)
        if (
            RATING_FIELDS.intersection(vals)
            or "rate_ids" in vals
            or "bucket_ids" in vals
        ):
            self._rerate()
        if "credit_limit" in vals:
            # The lines' limits follow (computed); check them against it now.
            # A line being rated by another worker (an import, the hourly
            # rating) is left to it: that worker or the next hourly run
            # checks it against the new limit; the plan is saved either way.
            lines = (
                self.env["isp.sip.line"]
                .sudo()
                .search([("billing_plan_id", "in", self.ids)])
            )
            self.env["isp.telephony.spend"]._check_spend(lines.ids, skip_busy=True)
        return res

    def _rerate(self):
        """Re-rate the unbilled calls of every line on these plans (franchise
        re-consumed in order); billed calls never change."""
        if self.env.context.get("telephony_no_rerate") or not self.ids:
            return
        lines = (
            self.env["isp.sip.line"]
            .with_context(active_test=False)
            .sudo()
            .search([("billing_plan_id", "in", self.ids)])
        )
        if lines:
            self.env["isp.telephony.rating"]._rate_lines(lines.ids)

    def action_view_lines(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Lines"),
            "res_model": "isp.sip.line",
            "view_mode": "list,form",
            "domain": [("billing_plan_id", "=", self.id)],
        }

    def action_view_cdrs(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Rated calls"),
            "res_model": "isp.cdr",
            "view_mode": "list,form",
            "domain": [("billing_plan_id", "=", self.id)],
        }
