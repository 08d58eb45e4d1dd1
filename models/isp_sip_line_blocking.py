# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A SIP line follows its contract's service status: the category the status
calls for.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import blocking


class IspSipLineBlocking(models.Model):
    """The category a line must have for its contract's service status, and
    where that status comes from. The contract moves its lines
    (contract.contract._apply_service_status_to_lines)."""

    _inherit = "isp.sip.line"

    service_status = fields.Selection(
        related="contract_id.service_status",
        store=True,
        index=True,
        string="Contract Status",
        help="Service status of the line's contract.",
    )
    service_status_date = fields.Datetime(
        related="contract_id.service_status_date", string="Status Since"
    )
    service_status_reason = fields.Char(related="contract_id.service_status_reason")
    overdue_days = fields.Integer(related="contract_id.overdue_days")
    expected_category_id = fields.Many2one(
        "isp.summit.category",
        compute="_compute_expected_category_id",
        store=True,
        help="Category the contract's service status calls for in the line's "
        "partition. Without blocking on the partition, the line keeps its "
        "category; without a partial-block category, a partially blocked line "
        "keeps the default category and consumes normally.",
    )
    # Why the line does not follow its contract's block: a code is stored,
    # each reader sees the sentence in their own language.
    blocking_note_code = fields.Selection(
        [
            (
                "no_blocking",
                "Partition without blocking: the line keeps consuming.",
            ),
            (
                "no_partial_category",
                (
                    "No partial-block category in the partition: the line keeps "
                    "consuming normally."
                ),
            ),
        ],
        string="Not Following the Block",
        compute="_compute_expected_category_id",
        store=True,
    )
    blocking_note = fields.Char(
        compute="_compute_blocking_note",
        search="_search_blocking_note",
        help="Why the line does not follow its contract's block, when it does not.",
    )

    @api.depends(
        "contract_id.service_status",
        "credit_blocked",
        "fraud_blocked",
        "category_id",
        "partition_id.blocking_enabled",
        "partition_id.default_category_id",
        "partition_id.partial_block_category_id",
        "partition_id.block_category_id",
        "partition_id.cancel_category_id",
    )
    def _compute_expected_category_id(self):
        for line in self:
            partition = line.partition_id
            # The strictest reason in force: the contract's status and the
            # line's own (credit limit, fraud guard; spend control).
            status = blocking.line_status(
                line.contract_id.service_status or blocking.ACTIVE,
                line.credit_blocked,
                line.fraud_blocked,
            )
            line.expected_category_id = blocking.expected_category(
                status,
                partition.blocking_enabled,
                line.category_id,
                partition.default_category_id,
                partition.partial_block_category_id,
                partition.block_category_id,
                partition.cancel_category_id,
            )
            note = False
            if status != blocking.ACTIVE and not partition.blocking_enabled:
                note = "no_blocking"
            elif (
                status in blocking.PARTIALS and not partition.partial_block_category_id
            ):
                note = "no_partial_category"
            line.blocking_note_code = note

    @api.depends("blocking_note_code")
    @api.depends_context("lang")
    def _compute_blocking_note(self):
        labels = dict(
            self._fields["blocking_note_code"]._description_selection(self.env)
        )
        for line in self:
            line.blocking_note = labels.get(line.blocking_note_code, False)

    def _search_blocking_note(self, operator, value):
        if operator in ("!=", "=") and not value:
            return [("blocking_note_code", operator, False)]
        raise UserError(self.env._("Filter the block notes by whether there is one."))

    @api.model_create_multi
    def create(self, vals_list):
        """A line added to a contract that is not active starts with the
        category its status calls for (before it reaches the platform)."""
        lines = super().create(vals_list)
        following = lines.filtered(
            lambda line: (
                line.contract_id.service_status != blocking.ACTIVE
                and line.partition_id.blocking_enabled
                and line.expected_category_id
                and line.expected_category_id != line.category_id
            )
        )
        for line in following:
            line.category_id = line.expected_category_id
        return lines
