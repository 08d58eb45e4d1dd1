# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class IspProvisioningBatch(models.Model):
    """A set of provisioning jobs started together (e.g. activating the
    lines of 1,000 contracts from a list), with its progress."""

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
    job_ids = fields.One2many("isp.provisioning.job", "batch_id", readonly=True)
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

    @api.depends("job_ids.state")
    def _compute_progress(self):
        groups = self.env["isp.provisioning.job"]._read_group(
            [("batch_id", "in", self.ids)], ["batch_id", "state"], ["__count"]
        )
        counts = {}
        for batch, state, count in groups:
            counts.setdefault(batch.id, {})[state] = count
        for batch in self:
            mine = counts.get(batch.id, {})
            total = sum(mine.values())
            waiting = mine.get("pending", 0) + mine.get("running", 0)
            batch.job_count = total
            batch.pending_count = waiting
            batch.done_count = mine.get("done", 0)
            batch.failed_count = mine.get("failed", 0)
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

    def action_open_jobs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_provisioning_job"
        )
        action["domain"] = [("batch_id", "=", self.id)]
        action["context"] = {"search_default_group_state": 1}
        return action

    def action_retry_failed(self):
        return self.job_ids.filtered(lambda j: j.state == "failed").action_retry()
