# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Closing the month and invoicing as OCA queue_job jobs: the scheduled
close and the close of a whole company queue one job per chunk of
contracts (identity key per company, month and chunk); chunks run side by
side, a failed chunk is rolled back alone, visible on the close and
requeued alone; the contracts' invoicing runs as contract_queue_job jobs."""

from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command

from odoo.addons.queue_job.exception import RetryableJobError

from ..tools import locks
from .billing_common import LOCAL, MARCH
from .jobs_common import JobsMixin, trap_jobs
from .test_billing import BillingFlowCase


class TestCloseJobs(JobsMixin, BillingFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.make_contract(cls.env["res.partner"].create({"name": "Two"}))
        cls.other_line = cls.make_line(cls.other, "+553135000009")
        cls.env["ir.config_parameter"].sudo().set_param(
            "isp_telephony.close_chunk_contracts", "1"
        )
        cls.service = cls.env["isp.telephony.billing"]
        # The demo's lines have plans too: this company's close is these two
        # contracts' (the chunk counts below are theirs).
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE isp_sip_line SET billing_plan_id = NULL"
            " WHERE contract_id IS NULL OR contract_id NOT IN %s",
            [tuple((cls.contract | cls.other).ids)],
        )
        cls.env.invalidate_all()

    def _two_contracts_with_calls(self):
        self._calls()
        self.cdr(LOCAL, 400, 60, line=self.other_line)

    def test_the_scheduled_close_queues_one_job_per_chunk(self):
        self._two_contracts_with_calls()
        with trap_jobs() as trap, freeze_time("2026-03-26"):
            self.service._cron_monthly_billing()
            trap.assert_jobs_count(2, only=self.service._job_close_chunk)
            for contract in self.contract | self.other:
                trap.assert_enqueued_job(
                    self.service._job_close_chunk,
                    args=(date(2026, 3, 1), [contract.id], self.company.id),
                    properties={
                        "channel": "root.telephony_close",
                        "identity_key": (
                            f"isp.telephony.billing.close({self.company.id},"
                            f"2026-03-01,{contract.id}-{contract.id}:1)"
                        ),
                    },
                )
            # Nothing is charged before the jobs run (after the commit).
            self.assertFalse(self.charge_of() | self.charge_of(self.other))
            trap.perform_enqueued_jobs()
        self.assertAlmostEqual(self.charge_of().amount, 2.68)
        self.assertEqual(self.charge_of(self.other).calls, 1)

    def test_a_chunk_waiting_is_queued_once(self):
        self._two_contracts_with_calls()
        self.service._enqueue_close(MARCH, self.company)
        self.service._enqueue_close(date(2026, 3, 17), self.company)
        jobs = self.created_jobs(method="_job_close_chunk")
        self.assertEqual(len(jobs), 2)
        self.assertEqual(
            set(jobs.mapped("telephony_billing_month")), {date(2026, 3, 1)}
        )
        self.assertEqual(jobs.company_id, self.company)
        self.assertEqual(self.run_jobs(), 2)
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        self.assertIn("1 calls charged", jobs[-1].result)
        # Closing again queues the chunks again, and they charge nothing more.
        self.service._enqueue_close(MARCH, self.company)
        self.run_jobs()
        self.assertEqual(len(self.charge_of() | self.charge_of(self.other)), 2)

    def test_a_failed_chunk_is_rolled_back_alone_and_requeued_alone(self):
        self._two_contracts_with_calls()
        # A failure of the chunk as a whole (one contract's failure inside a
        # chunk is recorded on it and the chunk goes on: test_billing_isolation).
        close_isolated = type(self.service)._close_isolated
        other_id = self.other.id

        def broken(service, month, contract_ids, company, *args, **kw):
            result = close_isolated(service, month, contract_ids, company, *args, **kw)
            if other_id in contract_ids:
                raise ValueError("disk full")
            return result

        wizard = self.env["isp.telephony.billing.wizard"].create(
            {"billing_month": MARCH}
        )
        wizard.action_preview()
        with patch.object(type(self.service), "_close_isolated", broken):
            wizard.action_generate()
            self.assertEqual(wizard.state, "queued")
            self.assertIn("2 jobs", wizard.result)
            self.assertEqual(len(wizard.job_ids), 2)
            self.run_jobs()
        wizard.invalidate_recordset()
        failed = wizard.job_ids.filtered(lambda j: j.state == "failed")
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed.exc_message, "disk full")
        self.assertEqual(wizard.job_failed_count, 1)
        # The other chunk is closed; the failed one left nothing behind.
        self.assertAlmostEqual(self.charge_of().amount, 2.68)
        self.assertFalse(self.charge_of(self.other))
        wizard.action_refresh_jobs()
        self.assertEqual(wizard.state, "done")
        wizard.action_requeue_failed()
        self.assertEqual(wizard.state, "queued")
        self.assertEqual(self.run_jobs(), 1)
        self.assertEqual(self.charge_of(self.other).calls, 1)
        wizard.invalidate_recordset()
        self.assertEqual(set(wizard.job_ids.mapped("state")), {"done"})
        self.assertEqual(
            wizard.action_view_jobs()["domain"], [("id", "in", wizard.job_ids.ids)]
        )

    def test_a_small_close_still_answers_at_once(self):
        self._calls()
        wizard = self.env["isp.telephony.billing.wizard"].create(
            {"billing_month": MARCH, "contract_ids": [Command.set(self.contract.ids)]}
        )
        wizard.action_preview()
        wizard.action_generate()
        self.assertEqual(wizard.state, "done")
        self.assertFalse(self.created_jobs(method="_job_close_chunk"))
        self.assertAlmostEqual(self.charge_of().amount, 2.68)

    def test_chunks_run_side_by_side_but_never_on_the_same_contracts(self):
        """A chunk job shares its company's close lock with the other chunks
        and locks its own contracts: another transaction closing this
        contract makes the job wait (not an attempt); other contracts go on;
        a close of the whole company excludes chunks."""
        self._two_contracts_with_calls()
        with self.registry.cursor() as other_cr:
            # A close of the whole company is running: chunks wait.
            self.assertTrue(
                locks.try_lock(other_cr, locks.CLOSE_COMPANY, self.company.id)
            )
            with self.assertRaises(RetryableJobError) as busy:
                self.service._job_close_chunk(
                    MARCH, [self.contract.id], self.company.id
                )
            self.assertTrue(busy.exception.ignore_retry)
            other_cr.rollback()
            # Another chunk holding this contract: only this contract waits.
            self.assertTrue(
                locks.try_lock(
                    other_cr, locks.CLOSE_COMPANY, self.company.id, shared=True
                )
            )
            self.assertTrue(
                locks.try_lock(other_cr, locks.CLOSE_CONTRACT, self.contract.id)
            )
            with self.assertRaises(RetryableJobError):
                self.service._job_close_chunk(
                    MARCH, [self.contract.id], self.company.id
                )
            self.service._job_close_chunk(MARCH, [self.other.id], self.company.id)
            self.assertEqual(self.charge_of(self.other).calls, 1)
            other_cr.rollback()
        self.service._job_close_chunk(MARCH, [self.contract.id], self.company.id)
        self.assertAlmostEqual(self.charge_of().amount, 2.68)

    def test_telephony_managers_follow_their_companys_close(self):
        """A telephony manager (no Job Queue rights) closes a whole company
        in jobs and reads its jobs on the close; another company's close
        jobs stay hidden."""
        self._two_contracts_with_calls()
        elsewhere = self.env["res.company"].create({"name": "Elsewhere"})
        foreign = (
            self.service.with_company(elsewhere)
            .with_delay()
            ._job_close_chunk(date(2026, 3, 1), [self.contract.id], elsewhere.id)
            .db_record()
        )
        self.assertEqual(foreign.company_id, elsewhere)
        self.manager.company_ids |= elsewhere
        wizard = (
            self.env["isp.telephony.billing.wizard"]
            .with_user(self.manager)
            .create({"billing_month": MARCH})
        )
        wizard.action_preview()
        wizard.action_generate()
        self.assertEqual(wizard.state, "queued")
        self.assertEqual(len(wizard.job_ids), 2)
        self.assertNotIn(foreign, wizard.job_ids)
        Job = self.env["queue.job"].with_user(self.manager)
        self.assertEqual(
            Job.with_context(allowed_company_ids=[self.company.id])
            .search([("telephony_billing_month", "!=", False)])
            .company_id,
            self.company,
        )
        foreign.sudo().unlink()
        self.run_jobs()
        wizard.action_refresh_jobs()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(len(self.charge_of() | self.charge_of(self.other)), 2)


class TestInvoicingJobs(BillingFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.make_contract(cls.env["res.partner"].create({"name": "Two"}))
        cls.other_line = cls.make_line(cls.other, "+553135000009")
        cls.env["ir.config_parameter"].sudo().set_param("contract.queue.job", "True")

    def _charges(self):
        self._calls()
        self.cdr(LOCAL, 400, 60, line=self.other_line)
        charges = self.close(contracts=self.contract | self.other)["charges"]
        self.assertEqual(len(charges), 2)
        return charges

    def test_the_contract_invoicing_runs_in_chunk_jobs(self):
        """With OCA contract_queue_job on (system parameter
        contract.queue.job), the invoicing cron queues a job per chunk of
        contracts on CONTRACT_INVOICE; each invoice carries its charge."""
        charges = self._charges()
        Contract = self.env["contract.contract"]
        contracts = (self.contract | self.other).sorted("id")
        with trap_jobs() as trap:
            Contract.cron_recurring_create_invoice(date(2026, 3, 5))
            trap.assert_jobs_count(1)
            trap.assert_enqueued_job(
                contracts.with_company(self.company)._job_invoice_chunk,
                kwargs={"date_ref": date(2026, 3, 5)},
                properties={"channel": "root.CONTRACT_INVOICE"},
            )
            self.assertEqual(set(charges.mapped("state")), {"to_invoice"})
            trap.perform_enqueued_jobs()
        self.assertEqual(set(charges.mapped("state")), {"invoiced"})
        for charge in charges:
            self.assertEqual(charge.invoice_id.invoice_origin, charge.contract_id.name)
            self.assertEqual(
                self.telephony_lines(charge.invoice_id).telephony_charge_id, charge
            )

    def test_one_job_per_contract_as_contract_queue_job_does(self):
        """Chunks of one contract: contract_queue_job's own job per
        contract, on its channel."""
        self.env["ir.config_parameter"].sudo().set_param(
            "isp_telephony.invoice_chunk_contracts", "1"
        )
        charges = self._charges()
        with trap_jobs() as trap:
            self.env["contract.contract"].cron_recurring_create_invoice(
                date(2026, 3, 5)
            )
            trap.assert_jobs_count(2)
            for contract in self.contract | self.other:
                trap.assert_enqueued_job(
                    contract.with_company(self.company)._recurring_create_invoice,
                    kwargs={"date_ref": date(2026, 3, 5)},
                )
            trap.perform_enqueued_jobs()
        self.assertEqual(set(charges.mapped("state")), {"invoiced"})
        function = self.env["queue.job.function"].search(
            [
                ("model_id.model", "=", "contract.contract"),
                ("method", "=", "_recurring_create_invoice"),
            ]
        )
        self.assertEqual(function.channel, "root.CONTRACT_INVOICE")

    def test_a_contract_that_fails_is_queued_again_alone(self):
        charges = self._charges()
        contracts = (self.contract | self.other).sorted("id")
        Contract = type(self.contract)
        invoice = Contract._recurring_create_invoice
        other_id = self.other.id

        def broken(contract, date_ref=False):
            if other_id in contract.ids:
                raise ValueError("no sales journal")
            return invoice(contract, date_ref=date_ref)

        with (
            trap_jobs() as trap,
            patch.object(Contract, "_recurring_create_invoice", broken),
        ):
            result = contracts._job_invoice_chunk(date_ref=date(2026, 3, 5))
            self.assertIn("1 contracts failed", result)
            trap.assert_enqueued_job(
                self.other._recurring_create_invoice,
                kwargs={"date_ref": date(2026, 3, 5)},
                properties={
                    "channel": "root.CONTRACT_INVOICE",
                    "identity_key": (
                        f"contract.contract({other_id}).invoice(2026-03-05)"
                    ),
                },
            )
        self.assertEqual(self.charge_of().state, "invoiced")
        self.assertEqual(self.charge_of(self.other).state, "to_invoice")
        self.assertIn("no sales journal", self.other.message_ids[0].body)
        self.assertEqual(len(charges), 2)
