# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Telephony overview: the calls as a read-only reporting view in minutes,
for the pivot and graph of finance (minutes, calls, charge, cost and margin
by destination class, plan, month and company)."""

from odoo import fields, models, tools

from .isp_cdr import DIRECTIONS, DISPOSITIONS, RATING_STATUSES
from .isp_telephony_destination_class import DEST_CLASSES


class IspCdrAnalysis(models.Model):
    _name = "isp.cdr.analysis"
    _description = "Telephony Calls Analysis"
    _auto = False
    _order = "detect_time desc"
    _rec_name = "detect_time"

    cdr_id = fields.Many2one("isp.cdr", string="Call", readonly=True)
    detect_time = fields.Datetime(string="Start", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    integration_id = fields.Many2one("isp.telephony.integration", readonly=True)
    line_id = fields.Many2one("isp.sip.line", string="SIP Line", readonly=True)
    contract_id = fields.Many2one("contract.contract", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    billing_plan_id = fields.Many2one(
        "isp.telephony.plan", string="Plan", readonly=True
    )
    dest_class = fields.Selection(
        DEST_CLASSES, string="Destination Class", readonly=True
    )
    direction = fields.Selection(DIRECTIONS, readonly=True)
    disposition = fields.Selection(DISPOSITIONS, readonly=True)
    rating_status = fields.Selection(RATING_STATUSES, readonly=True)
    billed = fields.Boolean(readonly=True)
    call_count = fields.Integer(string="Calls", readonly=True, aggregator="sum")
    minutes = fields.Float(
        string="Talk Minutes",
        readonly=True,
        digits=(16, 2),
        help="Minutes of conversation as the platform measured them.",
    )
    rated_minutes = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="Minutes after the plan's rounding.",
    )
    franchise_minutes = fields.Float(readonly=True, digits=(16, 2))
    excess_minutes = fields.Float(readonly=True, digits=(16, 2))
    currency_id = fields.Many2one("res.currency", readonly=True)
    charge = fields.Monetary(readonly=True)
    platform_cost = fields.Float(string="Cost", readonly=True, digits=(16, 2))
    margin = fields.Float(readonly=True, digits=(16, 2))

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT c.id, c.id AS cdr_id, c.detect_time, c.company_id,
                       c.integration_id, c.line_id, c.contract_id, c.partner_id,
                       c.billing_plan_id, c.dest_class, c.direction,
                       c.disposition,
                       COALESCE(c.rating_status, 'unrated') AS rating_status,
                       c.invoice_id IS NOT NULL AS billed,
                       1 AS call_count,
                       COALESCE(c.billsec, 0) / 60.0 AS minutes,
                       COALESCE(c.rounded_seconds, 0) / 60.0 AS rated_minutes,
                       COALESCE(c.franchise_seconds, 0) / 60.0
                           AS franchise_minutes,
                       COALESCE(c.excess_seconds, 0) / 60.0 AS excess_minutes,
                       COALESCE(c.currency_id, comp.currency_id) AS currency_id,
                       COALESCE(c.charge, 0) AS charge,
                       COALESCE(c.platform_cost, 0) AS platform_cost,
                       COALESCE(c.margin, 0) AS margin
                  FROM isp_cdr c
                  JOIN res_company comp ON comp.id = c.company_id
            )
            """
        )
