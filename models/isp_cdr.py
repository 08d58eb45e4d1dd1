# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .isp_telephony_destination_class import DEST_CLASSES

DIRECTIONS = [("in", "Inbound"), ("out", "Outbound"), ("internal", "Internal")]
RATING_STATUSES = [
    ("unrated", "Unrated"),
    ("rated", "Rated"),
    ("free", "Free"),
    ("no_rate", "No Rate"),
]
DISPOSITIONS = [
    ("answered", "Answered"),
    ("no_answer", "No Answer"),
    ("busy", "Busy"),
    ("failed", "Failed"),
]


class IspCdr(models.Model):
    """A call detail record imported from a platform. Rows are written in bulk
    by the importer (COPY / INSERT ... ON CONFLICT DO NOTHING), never one ORM
    create per row; the database guarantees one row per (integration, call
    id)."""

    _name = "isp.cdr"
    _description = "Call Detail Record"
    _order = "connect_time desc, id desc"
    _rec_name = "call_id"

    integration_id = fields.Many2one(
        "isp.telephony.integration", required=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    call_id = fields.Char(
        string="Platform Call ID", required=True, readonly=True, index=True
    )
    original_call_id = fields.Char(
        readonly=True, index=True, help="Groups the legs of one call."
    )
    direction = fields.Selection(DIRECTIONS, readonly=True, index=True)
    ani = fields.Char(string="ANI (as received)", readonly=True)
    dnis = fields.Char(string="DNIS (as received)", readonly=True)
    ani_e164 = fields.Char(string="Caller (E.164)", readonly=True, index=True)
    dnis_e164 = fields.Char(string="Called (E.164)", readonly=True, index=True)
    detect_time = fields.Datetime(readonly=True)
    connect_time = fields.Datetime(readonly=True, index=True)
    disconnect_time = fields.Datetime(readonly=True)
    duration = fields.Integer(readonly=True, help="Seconds from detection to end.")
    billsec = fields.Integer(
        string="Billable Seconds", readonly=True, help="Seconds of conversation."
    )
    disposition = fields.Selection(DISPOSITIONS, readonly=True, index=True)
    platform_cost = fields.Float(readonly=True, digits=(16, 6))
    access_fee = fields.Float(readonly=True, digits=(16, 6))
    platform_rate = fields.Float(readonly=True, digits=(16, 6))
    route_pattern = fields.Char(readonly=True)
    route_name = fields.Char(readonly=True)
    account_code = fields.Char(readonly=True)
    terminal = fields.Char(readonly=True)
    line_id = fields.Many2one(
        "isp.sip.line", string="SIP Line", readonly=True, index=True
    )
    contract_id = fields.Many2one("contract.contract", readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index=True
    )
    # Rating (issue 5): written in bulk by isp.telephony.rating, frozen once
    # billed (invoice_id set). NULL rating_status from SQL inserts = unrated.
    # Few indexes on purpose: each one slows the bulk rating UPDATE.
    rating_status = fields.Selection(
        RATING_STATUSES,
        default="unrated",
        readonly=True,
        help="Rated: priced (maybe 0 inside the franchise). Free: unanswered, "
        "below the minimum, emergency. No rate: no rate matches, fix the plan.",
    )
    rating_plan_id = fields.Many2one(
        "isp.telephony.plan", string="Rated with Plan", readonly=True
    )
    dest_class = fields.Selection(
        DEST_CLASSES, string="Destination Class", readonly=True
    )
    rate_id = fields.Many2one("isp.telephony.rate", readonly=True, ondelete="set null")
    bucket_id = fields.Many2one(
        "isp.telephony.plan.bucket",
        string="Franchise Bucket",
        readonly=True,
        ondelete="set null",
    )
    cycle_start = fields.Date(
        readonly=True, help="Local first day of the line's cycle."
    )
    rounded_seconds = fields.Integer(readonly=True, help="Seconds after rounding.")
    franchise_seconds = fields.Integer(
        readonly=True, help="Rounded seconds covered by the franchise."
    )
    excess_seconds = fields.Integer(readonly=True, help="Rounded seconds charged.")
    currency_id = fields.Many2one("res.currency", readonly=True)
    charge = fields.Monetary(readonly=True, help="Price of the call to the customer.")
    margin = fields.Float(
        readonly=True, digits=(16, 6), help="Charge minus the platform cost."
    )
    invoice_id = fields.Many2one(
        "account.move",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        copy=False,
    )
    invoice_line_id = fields.Many2one(
        "account.move.line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        copy=False,
    )
    billed = fields.Boolean(
        compute="_compute_billed",
        store=True,
        help="Billed on an invoice: its rating never changes again.",
    )

    @api.depends("invoice_id")
    def _compute_billed(self):
        for cdr in self:
            cdr.billed = bool(cdr.invoice_id)

    _sql_constraints = [
        (
            "call_uniq",
            "UNIQUE(integration_id, call_id)",
            "A call can be imported only once per integration.",
        ),
    ]
