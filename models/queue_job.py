# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""OCA queue_job's jobs, linked to the SIP line and the provisioning batch
they work for, so that a line shows its platform operations and a batch its
progress; a close job records the telephony month it closes."""

from odoo import fields, models


class QueueJob(models.Model):
    _inherit = "queue.job"

    telephony_sip_line_id = fields.Many2one(
        "isp.sip.line",
        string="SIP Line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The SIP line whose platform operation this job runs.",
    )
    telephony_sip_line_ids = fields.Many2many(
        "isp.sip.line",
        "queue_job_isp_sip_line_rel",
        "job_id",
        "line_id",
        string="SIP Lines",
        readonly=True,
        help="The lines a chunk job activates together (many lines sent at "
        "once); each line's own result is on the line.",
    )
    telephony_provisioning_batch_id = fields.Many2one(
        "isp.provisioning.batch",
        string="Provisioning Batch",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    telephony_billing_month = fields.Date(
        string="Telephony Month",
        readonly=True,
        index="btree_not_null",
        help="The telephony month this job closes (one job per chunk of contracts).",
    )
