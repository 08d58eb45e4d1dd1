# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The contract's SIP lines following its service status: each moved to the
category the status calls for (cancelled with a terminated contract), one
line's failure recorded on it and the others going on, and the note of the
lines that keep consuming (partitions without blocking).
"""

from odoo import api, fields, models

from ..tools import blocking
from .contract_contract_service_status import error_text, run_isolated


class ContractContractServiceLines(models.Model):
    _inherit = "contract.contract"

    service_lines_note = fields.Char(
        string="Lines Not Following",
        compute="_compute_service_lines_note",
        help="SIP lines that do not follow the contract's block: their "
        "partition has no blocking, or no partial-block category.",
    )

    def _apply_service_status_to_lines(self):
        """Move the contracts' SIP lines to the category their status calls
        for (isp.sip.line.expected_category_id), only where it really
        changes, through the lines' one entry point for category changes: a
        provisioning job per line pushes it to the platform once this
        transaction has committed (retried on failure, shown on the line
        until it succeeds). Lines of cancelled contracts are then cancelled on the
        platform and their numbers quarantined. Partitions without blocking
        change nothing on the platform."""
        lines = self.sip_line_ids.filtered(
            lambda line: (
                line.state != "cancelled" and line.partition_id.blocking_enabled
            )
        )
        if not lines:
            return True
        by_category = {}
        for line in lines:
            expected = line.expected_category_id
            if expected and expected != line.category_id:
                by_category.setdefault(expected, []).append(line.id)
        Line = self.env["isp.sip.line"]
        # One line refused (e.g. a category its partition does not allow)
        # is recorded on it; the other lines and contracts go on.
        for category, line_ids in by_category.items():
            self._isolated_lines(
                Line.browse(line_ids),
                lambda batch, c=category: batch._provision_category_change(c),
            )
        self._isolated_lines(
            lines.filtered(
                lambda line: line.contract_id.service_status == blocking.CANCELLED
            ),
            lambda batch: batch.action_cancel(),
        )
        return True

    def _isolated_lines(self, lines, action):
        return run_isolated(
            lines, action, lambda line, error: self._record_line_failure(line, error)
        )

    @api.model
    def _record_line_failure(self, line, error):
        """A line did not follow its contract: the reason on the line (its
        platform message, shown on the line and the contract's line list)
        and in the contract's chatter."""
        text = error_text(error)
        line.sudo().write(
            {
                "platform_error": self.env._(
                    "The line did not follow its contract's service status: %s",
                    text,
                )
            }
        )
        line.contract_id.sudo().message_post(
            body=self.env._(
                "Line %(line)s did not follow the service status: %(error)s",
                line=line.display_name,
                error=text,
            )
        )

    @api.depends(
        "service_status",
        "sip_line_ids.blocking_note",
        "sip_line_ids.state",
    )
    def _compute_service_lines_note(self):
        for contract in self:
            lines = contract.sip_line_ids.filtered(
                lambda line: line.state != "cancelled" and line.blocking_note
            )
            if not lines:
                contract.service_lines_note = False
                continue
            contract.service_lines_note = self.env._(
                "%(count)s line(s) keep consuming normally: %(lines)s.",
                count=len(lines),
                lines="; ".join(
                    f"{line.display_name} ({line.blocking_note})" for line in lines
                ),
            )
