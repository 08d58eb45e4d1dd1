# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run the stored OCA queue_job jobs of a test the way the job runner and its
controller run them, inside the test's transaction: each job in a savepoint
(its own transaction in production), a retryable error postponing it, any
other error rolling its work back, failing it and calling its failure
hook."""

import traceback

import odoo.tests.common as odoo_tests_common
from odoo import fields

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

# queue_job's test helpers register themselves in SETATTR_SOURCES, which only
# recent Odoo 18.0 builds have; on older ones an empty registry is enough.
if not hasattr(odoo_tests_common, "SETATTR_SOURCES"):
    odoo_tests_common.SETATTR_SOURCES = {}

from odoo.addons.queue_job.tests.common import trap_jobs

__all__ = ["JobsMixin", "trap_jobs"]


class JobsMixin:
    """For TransactionCase classes: ``run_jobs()`` performs the jobs created
    by the test (jobs left by the demo data are not touched)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        last = cls.env["queue.job"].sudo().search([], order="id desc", limit=1)
        cls.job_floor = last.id or 0

    def created_jobs(self, states=None, method=None):
        domain = [("id", ">", self.job_floor)]
        if states:
            domain.append(("state", "in", list(states)))
        if method:
            domain.append(("method_name", "=", method))
        return self.env["queue.job"].sudo().search(domain, order="id")

    def run_jobs(self, later=False, limit=None):
        """Perform the due pending jobs (``later``: also those waiting for a
        retry time), again until none is left; returns how many ran."""
        ran = 0
        for _round in range(50):
            domain = [("id", ">", self.job_floor), ("state", "=", "pending")]
            if not later:
                domain += [
                    "|",
                    ("eta", "=", False),
                    ("eta", "<=", fields.Datetime.now()),
                ]
            records = (
                self.env["queue.job"]
                .sudo()
                .search(domain, order="priority, eta, id", limit=limit)
            )
            if not records:
                break
            for record in records:
                self._run_one_job(record.uuid)
                ran += 1
            if limit:
                break
            later = False
        return ran

    def _run_one_job(self, uuid):
        env = self.env
        job = Job.load(env, uuid)
        job.set_started()
        job.store()
        try:
            with env.cr.savepoint():
                job.perform()
                env.flush_all()
        except RetryableJobError as error:
            env.invalidate_all()
            job.postpone(result=str(error), seconds=error.seconds)
            job.set_pending(reset_retry=False)
            job.store()
        except Exception as error:  # noqa: BLE001 - as queue_job's controller does
            env.invalidate_all()
            vals = {
                "exc_info": traceback.format_exc(),
                "exc_name": type(error).__name__,
                "exc_message": error.args[0] if error.args else str(error),
            }
            job.set_failed(**vals)
            job.store()
            job.on_fail(vals)
        else:
            job.set_done()
            job.store()
        env.flush_all()
        env.invalidate_all()
