# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A set of provisioning jobs started together, with its progress."""

from odoo import fields, models

# queue_job states, as a batch counts them.
WAITING = ("wait_dependencies", "pending", "enqueued", "started")


class IspProvisioningBatch(models.Model):
    """A set of provisioning jobs (OCA queue_job) started together, e.g.
    activating the lines of 1,000 contracts from a list, with its progress."""

    _name = "isp.provisioning.batch"
    _description = "Provisioning Batch"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Started By", readonly=True, default=lambda s: s.env.user
    )
    job_count = fields.Integer(compute="_compute_progress", string="Jobs")
    pending_count = fields.Integer(compute="_compute_progress", string="Waiting")
    done_count = fields.Integer(compute="_compute_progress", string="Done")
    failed_count = fields.Integer(compute="_compute_progress", string="Failed")
    progress = fields.Float(
        compute="_compute_progress", help="Share of the jobs that have finished."
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Done with Errors")],
        compute="_compute_progress",
    )

    def _jobs(self):
        return (
            self.env["queue.job"]
            .sudo()
            .search([("telephony_provisioning_batch_id", "in", self.ids)])
        )

    def _compute_progress(self):
        groups = (
            self.env["queue.job"]
            .sudo()
            ._read_group(
                [("telephony_provisioning_batch_id", "in", self.ids)],
                ["telephony_provisioning_batch_id", "state"],
                ["__count"],
            )
        )
        counts = {}
        for batch, state, count in groups:
            counts.setdefault(batch.id, {})[state] = count
        for batch in self:
            mine = counts.get(batch.id, {})
            total = sum(mine.values())
            waiting = sum(mine.get(state, 0) for state in WAITING)
            batch.job_count = total
            batch.pending_count = waiting
            batch.done_count = mine.get("done", 0)
            # Chunk jobs record a line's failure on the line (Error).
            in_error = batch._jobs().telephony_sip_line_ids.filtered(
                lambda line: line.state == "error"
            )
            batch.failed_count = mine.get("failed", 0) + len(in_error)
            batch.progress = 100.0 * (total - waiting) / total if total else 100.0
            if waiting:
                batch.state = "running"
            else:
                batch.state = "failed" if batch.failed_count else "done"

    def action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "isp.provisioning.batch",
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_open_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_sip_line"
        )
        jobs = self._jobs()
        lines = jobs.telephony_sip_line_id | jobs.telephony_sip_line_ids
        action["domain"] = [("id", "in", lines.ids)]
        action["context"] = {"active_test": False}
        return action

    def action_open_jobs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_provisioning_queue_job"
        )
        action["domain"] = [("telephony_provisioning_batch_id", "=", self.id)]
        action["context"] = {"search_default_group_by_state": 1}
        return action

    def action_retry_failed(self):
        """Run the failed jobs again (their lines in error go back to
        Provisioning or are pushed again)."""
        jobs = self._jobs()
        lines = jobs.filtered(lambda j: j.state == "failed").telephony_sip_line_id
        # Lines of chunk jobs record their own failure (Error).
        lines |= jobs.telephony_sip_line_ids.filtered(
            lambda line: line.state == "error"
        )
        lines = self.env["isp.sip.line"].browse(lines.ids)
        lines.filtered(lambda line: line.state == "error").action_retry()
        return True
