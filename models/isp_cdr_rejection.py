# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rejected CDR row: a row that could not be imported, and why."""

from odoo import fields, models


class IspCdrRejection(models.Model):
    """A row of a CDR source that could not be imported, with its text and
    the reason, so that nothing is lost silently. Written in bulk by the
    importer (COPY)."""

    _name = "isp.cdr.rejection"
    _description = "Rejected CDR Row"
    _order = "import_id desc, line_no, id"
    _rec_name = "reason"

    import_id = fields.Many2one(
        "isp.cdr.import",
        string="Import Run",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    integration_id = fields.Many2one(
        related="import_id.integration_id", string="Integration"
    )
    file_name = fields.Char(related="import_id.file_name")
    line_no = fields.Integer(
        string="Line", readonly=True, help="Physical line of the file (1-based)."
    )
    # The raw text of a row can hold anything the file held: telephony
    # managers only.
    raw = fields.Text(
        string="Raw Text",
        readonly=True,
        groups="isp_telephony.group_telephony_manager",
        help="The row as the file had it (first 2,000 characters); readable by "
        "telephony managers only.",
    )
    reason = fields.Char(readonly=True)
