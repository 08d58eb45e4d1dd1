# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Scheduled actions: the one way a telephony cron commits its progress."""

from odoo import api, models, modules
from odoo.tools import config


class IrCron(models.Model):
    _inherit = "ir.cron"

    @api.model
    def _telephony_can_commit(self):
        """Whether a cron may commit a unit of its work: never inside tests,
        whose transaction is rolled back at the end (as account's
        ``_can_commit()``), nor while the registry loads (a module installed
        or updated: its demo data runs crons inside Odoo's own savepoints)."""
        return (
            not config["test_enable"]
            and not modules.module.current_test
            and self.pool.ready
        )

    @api.model
    def _telephony_commit(self):
        """Commit one unit of a cron's work (a file, a chunk of contracts, a
        batch of notices), so that a long run never holds one transaction;
        nothing inside a test."""
        if self._telephony_can_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit
