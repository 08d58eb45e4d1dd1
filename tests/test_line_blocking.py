# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SIP lines follow their contract's service status on the loopback Summit
platform: the category it receives for each transition, partitions without
a partial category or without blocking, cancellation, failures and retry."""

from freezegun import freeze_time

from odoo import fields

from .blocking_common import BlockingCase, BlockingLoopbackCase


class TestLineBlocking(BlockingLoopbackCase):
    """Platform changes run as provisioning jobs once the transaction that
    asked for them commits: each step below runs the jobs it queued, as the
    job runner does after the commit."""

    def setUp(self):
        super().setUp()
        self.contract = self.make_contract("Linha")

    def make_line(
        self, number="+553136000001", partition=None, contract=None, expect="DEF"
    ):
        line = self.active_line(contract or self.contract, number, partition or self.sp)
        self.assertEqual(line.platform_category_id, self.cat[expect])
        return line

    def evaluate(self):
        result = super().evaluate()
        self.run_jobs()
        return result

    def pay(self, invoice, amount=None, date=None):
        result = super().pay(invoice, amount=amount, date=date)
        self.run_jobs()
        return result

    def patches(self):
        """Categories the platform received, in order."""
        return [
            r.json["category"]
            for r in self.server.requests
            if r.method == "PATCH" and "category" in (r.json or {})
        ]

    def on_platform(self, line):
        return self.server.lines[line.terminal]["category"]

    def overdue(self, due="2026-03-01"):
        return self.make_invoice(self.contract, due=due)

    # Transitions --------------------------------------------------------
    def test_overdue_partial_then_full_then_paid(self):
        line = self.make_line()
        invoice = self.overdue()
        with freeze_time("2026-03-15"):
            self.evaluate()
        self.assertEqual(self.patches(), [])
        with freeze_time("2026-03-16"):
            self.evaluate()
        self.assertEqual(self.contract.service_status, "partial_block")
        self.assertEqual(self.patches(), ["BLP"])
        self.assertEqual(self.on_platform(line), "BLP")
        self.assertEqual(line.platform_category_id, self.cat["BLP"])
        self.assertEqual(line.expected_category_id, self.cat["BLP"])
        with freeze_time("2026-03-31"):
            self.evaluate()
            # The daily run again: nothing changes, nothing is sent.
            self.evaluate()
        self.assertEqual(self.patches(), ["BLP", "BLQ"])
        self.assertEqual(self.on_platform(line), "BLQ")
        with freeze_time("2026-04-02"):
            self.pay(invoice)
        self.assertEqual(self.contract.service_status, "active")
        self.assertEqual(self.patches(), ["BLP", "BLQ", "DEF"])
        self.assertEqual(self.on_platform(line), "DEF")
        self.assertEqual(line.platform_category_id, self.cat["DEF"])
        self.assertFalse(line.category_pending)

    def test_manual_block_survives_payment(self):
        line = self.make_line()
        invoice = self.overdue()
        contract = self.contract.with_user(self.manager)
        with freeze_time("2026-03-05"):
            contract.action_service_block()
            self.run_jobs()
            self.assertEqual(self.on_platform(line), "BLQ")
            self.pay(invoice)
            self.evaluate()
        self.assertEqual(self.contract.service_status, "blocked_manual")
        self.assertEqual(self.patches(), ["BLQ"])
        contract.action_service_unblock()
        self.run_jobs()
        self.assertEqual(self.patches(), ["BLQ", "DEF"])
        self.assertEqual(self.on_platform(line), "DEF")

    def test_partition_without_partial_category_keeps_consuming(self):
        line = self.make_line(partition=self.cps)
        self.overdue()
        with freeze_time("2026-03-20"):
            self.evaluate()
        self.assertEqual(self.contract.service_status, "partial_block")
        self.assertEqual(self.patches(), [])
        self.assertEqual(self.on_platform(line), "DEF")
        self.assertEqual(line.expected_category_id, self.cat["DEF"])
        self.assertTrue(line.blocking_note)
        self.assertIn(line.display_name, self.contract.service_lines_note)
        # The full block still applies to it.
        with freeze_time("2026-04-01"):
            self.evaluate()
        self.assertEqual(self.on_platform(line), "BLQ")
        self.assertFalse(line.blocking_note)

    def test_blocking_note_is_read_in_the_readers_language(self):
        """The note is stored as a code: whoever triggered the evaluation
        (a Portuguese-speaking user here), each reader gets the sentence in
        their own language."""
        self.env["res.lang"]._activate_lang("pt_BR")
        line = self.make_line(partition=self.cps)
        self.overdue()
        with freeze_time("2026-03-20"):
            self.Contract.with_context(lang="pt_BR")._cron_evaluate_service_status()
            self.run_jobs()
        self.assertEqual(line.blocking_note_code, "no_partial_category")
        self.assertEqual(
            line.with_context(lang="en_US").blocking_note,
            "No partial-block category in the partition: the line keeps "
            "consuming normally.",
        )
        self.assertIn(
            line,
            self.env["isp.sip.line"].search([("blocking_note", "!=", False)]),
        )

    def test_partition_without_blocking_changes_nothing(self):
        self.sp.blocking_enabled = False
        line = self.make_line()
        activation = len(self.server.requests)
        self.overdue()
        with freeze_time("2026-04-01"):
            self.evaluate()
        self.contract.with_user(self.manager).action_service_block()
        self.run_jobs()
        self.assertEqual(self.contract.service_status, "blocked_manual")
        self.assertEqual([r.method for r in self.server.requests[activation:]], [])
        self.assertEqual(self.on_platform(line), "DEF")
        self.assertEqual(line.category_id, self.cat["DEF"])
        self.assertEqual(line.expected_category_id, self.cat["DEF"])
        self.assertIn("without blocking", self.contract.service_lines_note)

    def test_cancellation_quarantines_numbers(self):
        line = self.make_line()
        number = line.caller_id_number_id
        terminal = line.terminal
        with freeze_time("2026-03-10"):
            self.contract._terminate_contract(
                self.reason, False, fields.Date.to_date("2026-03-10")
            )
            self.run_jobs()
        self.assertEqual(self.contract.service_status, "cancelled")
        self.assertEqual(self.patches(), ["CAN"])
        deletes = [r.path for r in self.server.requests if r.method == "DELETE"]
        self.assertEqual(deletes, [f"/api/v1/lines/{terminal}"])
        self.assertNotIn(terminal, self.server.lines)
        self.assertEqual(line.state, "cancelled")
        self.assertEqual(line.category_id, self.cat["CAN"])
        self.assertEqual(number.state, "quarantine")

    def test_several_lines_one_patch_each_only_when_changed(self):
        first = self.make_line("+553136000001")
        second = self.make_line("+553136000002")
        second.category_id = self.cat["BLQ"]  # already blocked by hand
        self.run_jobs()
        before = len(self.patches())
        self.contract.with_user(self.manager).action_service_block()
        self.run_jobs()
        self.assertEqual(len(self.patches()) - before, 1)
        self.assertEqual(self.on_platform(first), "BLQ")
        self.assertEqual(self.on_platform(second), "BLQ")

    def test_line_added_to_blocked_contract_starts_blocked(self):
        self.contract.with_user(self.manager).action_service_block()
        self.run_jobs()
        line = self.make_line(expect="BLQ")
        posts = [r.json for r in self.server.requests if r.method == "POST"]
        self.assertEqual([p["category"] for p in posts], ["BLQ"])
        self.assertEqual(self.on_platform(line), "BLQ")

    def test_daily_run_repairs_lines_out_of_step(self):
        self.cps.blocking_enabled = False
        line = self.make_line(partition=self.cps)
        self.contract.with_user(self.manager).action_service_block()
        self.run_jobs()
        self.assertEqual(self.patches(), [])
        # Blocking is enabled afterwards: the next daily run moves the line.
        self.cps.blocking_enabled = True
        self.evaluate()
        self.assertEqual(self.patches(), ["BLQ"])
        self.assertEqual(self.on_platform(line), "BLQ")

    def test_platform_is_called_only_after_the_run_or_payment_commits(self):
        """Issue 11 point 12: neither the daily run nor a payment calls the
        platform inside its own transaction; they queue jobs, which run
        after the commit."""
        line = self.make_line()
        invoice = self.overdue()
        before = len(self.server.requests)
        with freeze_time("2026-04-01"):
            self.Contract._cron_evaluate_service_status()
        self.assertEqual(self.contract.service_status, "blocked_auto")
        self.assertEqual(len(self.server.requests), before)
        waiting = self.created_jobs(["pending"], "_provision_update")
        self.assertIn(line, waiting.telephony_sip_line_id)
        self.run_jobs()
        self.assertEqual(self.on_platform(line), "BLQ")
        before = len(self.server.requests)
        with freeze_time("2026-04-02"):
            BlockingCase.pay(self, invoice)  # the reconciliation, jobs not run
        self.assertEqual(self.contract.service_status, "active")
        self.assertEqual(len(self.server.requests), before)
        self.run_jobs()
        self.assertEqual(self.on_platform(line), "DEF")

    # Failures -----------------------------------------------------------
    def test_rejected_block_is_a_line_error_until_retried(self):
        line = self.make_line()
        self.server.fail_next(422, method="PATCH")
        self.contract.with_user(self.manager).action_service_block()
        self.run_jobs()
        self.assertEqual(self.contract.service_status, "blocked_manual")
        self.assertEqual(line.state, "error")
        self.assertIn("Injected failure 422", line.platform_error)
        self.assertEqual(line.category_id, self.cat["BLQ"])
        self.assertEqual(line.platform_category_id, self.cat["DEF"])
        self.assertTrue(line.category_pending)
        self.assertEqual(self.on_platform(line), "DEF")
        line.with_user(self.manager).action_retry()
        self.run_jobs()
        self.assertEqual(line.state, "active")
        self.assertFalse(line.platform_error)
        self.assertEqual(line.platform_category_id, self.cat["BLQ"])
        self.assertFalse(line.category_pending)
        self.assertEqual(self.on_platform(line), "BLQ")

    def test_unreachable_platform_retries_then_succeeds(self):
        line = self.make_line()
        # Every quick retry of the gateway fails: the job is rescheduled.
        self.server.fail_next(503, method="PATCH", times=3)
        self.contract.with_user(self.manager).action_service_block()
        self.run_jobs()
        self.assertIn("next attempt at", line.platform_retry_note)
        self.assertEqual(line.state, "active")
        self.assertTrue(line.category_pending)
        self.assertEqual(self.on_platform(line), "DEF")
        job = line.job_ids.filtered(lambda j: j.state == "pending")
        self.assertEqual((len(job), job.retry), (1, 1))
        self.run_jobs(later=True)  # the retry time has come
        self.assertEqual(job.state, "done")
        self.assertFalse(line.platform_error)
        self.assertFalse(line.platform_retry_note)
        self.assertEqual(line.platform_category_id, self.cat["BLQ"])
        self.assertEqual(self.on_platform(line), "BLQ")
