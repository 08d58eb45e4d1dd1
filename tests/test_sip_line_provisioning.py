# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError

from ..gateways.base import GatewayConfig, gateway_class
from ..models import isp_sip_line_provisioning
from .jobs_common import trap_jobs
from .provisioning_common import SummitLoopbackCase


class TestSipLineProvisioning(SummitLoopbackCase):
    def set_max_attempts(self, value):
        self.env["ir.config_parameter"].sudo().set_param(
            "isp_telephony.provisioning_max_attempts", str(value)
        )

    # Jobs ------------------------------------------------------------------
    def test_activation_is_a_job_per_line_on_its_platform_channel(self):
        line_a = self.make_line("+553135000040")
        line_b = self.make_line("+553135000041")
        channel = f"root.telephony_provisioning.summit_{self.integration.id}"
        with trap_jobs() as trap:
            (line_a | line_b).action_activate()
            self.assertFalse(self.server.requests)  # nothing inside the request
            self.assertEqual(set((line_a | line_b).mapped("state")), {"provisioning"})
            trap.assert_jobs_count(2)
            for line in line_a | line_b:
                trap.assert_enqueued_job(
                    line._provision_activate,
                    properties={
                        "channel": channel,
                        "identity_key": f"isp.sip.line({line.id}).activate",
                        "max_retries": 5,
                    },
                )
            trap.perform_enqueued_jobs()
        self.assertEqual((line_a | line_b).mapped("state"), ["active", "active"])
        self.assertEqual(len(self.server.lines), 2)

    def test_activations_queue_one_rematch_of_calls(self):
        lines = self.make_line("+553135000042") | self.make_line("+553135000043")
        lines.action_activate()
        self.run_jobs()
        rematch = self.created_jobs().filtered(
            lambda j: j.method_name == "_job_rematch_cdrs"
        )
        self.assertEqual(len(rematch), 1)  # one for the burst, a little later
        self.assertEqual(
            rematch.channel, f"root.telephony_cdr_import.summit_{self.integration.id}"
        )
        self.assertEqual(self.run_jobs(later=True), 1)
        self.assertEqual(rematch.state, "done")

    def test_changes_are_update_jobs_one_waiting_per_line(self):
        line = self.make_line()
        line.action_activate()
        self.run_jobs()
        with trap_jobs() as trap:
            line.call_limit = 4
            line.category_id = self.catalog("isp.summit.category", "BLQ")
            trap.assert_jobs_count(1)  # the second change joined the first
            trap.assert_enqueued_job(
                line._provision_update,
                properties={"identity_key": f"isp.sip.line({line.id}).update"},
            )
            self.assertFalse(self.server_requests("PATCH"))
            trap.perform_enqueued_jobs()
        self.assertEqual(
            self.server_requests("PATCH")[-1].json,
            {"call_limit": 4, "category": "BLQ"},
        )
        self.assertEqual(line.platform_category_id.code, "BLQ")
        self.assertFalse(line.platform_pending_fields)

    def test_stored_jobs_are_linked_to_their_line(self):
        line = self.make_line()
        line.action_activate()
        with self.assertRaises(UserError):  # a second click is refused
            line.action_activate()
        job = line.job_ids
        self.assertEqual(len(job), 1)
        self.assertEqual(job.method_name, "_provision_activate")
        self.assertEqual(job.state, "pending")
        self.assertEqual(
            job.channel, f"root.telephony_provisioning.summit_{self.integration.id}"
        )
        self.assertEqual(line.pending_job_count, 1)
        self.run_jobs()
        self.assertEqual((job.state, line.state), ("done", "active"))
        self.assertEqual(line.pending_job_count, 0)

    # Activation ------------------------------------------------------------
    def test_activation_stores_terminal_and_credential(self):
        line = self.make_line(
            did_ids=[
                Command.create(
                    {"number_id": self.number("+553135000002").id, "port": 1}
                ),
                Command.create(
                    {
                        "number_id": self.number("+553135000003").id,
                        "port": 2,
                        "priority": 2,
                    }
                ),
                Command.create(
                    {
                        "number_id": self.number("+553135000004").id,
                        "priority": 3,
                        "port": 0,
                    }
                ),
            ]
        )
        self.assertEqual(line.state, "draft")
        line.action_activate()
        self.assertEqual(line.state, "provisioning")
        self.run_jobs()
        self.assertEqual(line.state, "active")
        remote = self.server.line_by_external_id(line.uuid)
        self.assertTrue(remote)
        self.assertEqual(line.terminal, remote["terminal"])
        self.assertEqual(line.sudo().credential, remote["credential"])
        self.assertEqual(line.platform_category_id.code, "DEF")
        self.assertFalse(line.category_pending)
        self.assertFalse(line.platform_error)
        dids = line.did_ids.sorted("priority")
        self.assertEqual(dids[0].terminal, remote["terminal"])
        self.assertEqual(dids[1].terminal, f"{remote['terminal']}-2")
        self.assertTrue(dids[1].sudo().credential)
        self.assertFalse(dids[2].terminal)
        self.assertEqual(dids[2].routing, "Receives no calls (no port)")
        self.assertEqual(dids[0].city, "Belo Horizonte")
        post = self.server_requests("POST")
        self.assertEqual(len(post), 1)
        self.assertEqual(post[0].headers["idempotency-key"], line.uuid)
        self.assertEqual(post[0].json["caller_id"], "+553135000001")
        self.assertEqual(post[0].json["partition"], "SP01")
        self.assertEqual(post[0].json["license"], "RES")
        self.assertEqual(post[0].json["due_day"], 10)
        self.assertEqual([d["port"] for d in post[0].json["dids"]], [1, 2, None])
        job = line.job_ids
        self.assertEqual(
            (job.method_name, job.state, job.retry), ("_provision_activate", "done", 1)
        )

    def test_contract_button_activates_its_lines(self):
        line_a = self.make_line("+553135000010")
        line_b = self.make_line("+553135000011")
        self.contract.action_activate_sip_lines()
        self.run_jobs()
        self.assertEqual((line_a | line_b).mapped("state"), ["active", "active"])
        self.assertEqual(len(self.server.lines), 2)
        with self.assertRaises(UserError):
            self.contract.action_activate_sip_lines()

    # Updates ---------------------------------------------------------------
    def test_update_pushes_only_what_changed(self):
        line = self.make_line()
        line.action_activate()
        self.run_jobs()
        terminal = line.terminal
        before = len(self.server.requests)

        line.call_limit = 5
        self.run_jobs()
        patches = self.server_requests("PATCH")
        self.assertEqual(len(patches), 1)
        self.assertEqual(patches[0].path, f"/api/v1/lines/{terminal}")
        self.assertEqual(patches[0].json, {"call_limit": 5})
        self.assertEqual(self.server.lines[terminal]["call_limit"], 5)

        line.category_id = self.catalog("isp.summit.category", "BLQ")
        self.run_jobs()
        patches = self.server_requests("PATCH")
        self.assertEqual(patches[-1].json, {"category": "BLQ"})
        self.assertEqual(line.platform_category_id.code, "BLQ")

        line.write(
            {
                "platform_plan_id": self.catalog("isp.summit.plan", "PME500").id,
                "caller_id_number_id": self.number("+553135000020").id,
            }
        )
        self.run_jobs()
        self.assertEqual(
            self.server_requests("PATCH")[-1].json,
            {"caller_id": "+553135000020", "plan": "PME500"},
        )

        line.write(
            {
                "did_ids": [
                    Command.create(
                        {"number_id": self.number("+553135000021").id, "port": 3}
                    )
                ]
            }
        )
        self.run_jobs()
        last = self.server_requests("PATCH")[-1].json
        self.assertEqual(list(last), ["dids"])
        self.assertEqual(last["dids"][0]["port"], 3)
        self.assertEqual(line.did_ids.terminal, f"{terminal}-3")

        count = len(self.server.requests)
        line.call_limit = 5  # unchanged: nothing to push
        self.assertFalse(self.created_jobs(["pending"], "_provision_update"))
        self.run_jobs()
        self.assertEqual(len(self.server.requests), count)
        self.assertEqual(line.state, "active")
        self.assertGreater(len(self.server.requests), before)

    def test_update_rejected_shows_error_until_retry(self):
        line = self.make_line()
        line.action_activate()
        self.run_jobs()
        self.server.fail_next(
            422,
            {"error": {"code": "invalid", "message": "Categoria não permitida"}},
            method="PATCH",
        )
        line.category_id = self.catalog("isp.summit.category", "BLP")
        self.run_jobs()
        self.assertEqual(line.state, "error")
        self.assertIn("Categoria não permitida", line.platform_error)
        self.assertEqual(line.platform_category_id.code, "DEF")
        self.assertTrue(line.category_pending)
        self.assertEqual(line.job_ids[:1].state, "failed")
        line.action_retry()
        self.run_jobs()
        self.assertEqual(line.state, "active")
        self.assertFalse(line.platform_error)
        self.assertEqual(line.platform_category_id.code, "BLP")
        self.assertEqual(self.server_requests("PATCH")[-1].json, {"category": "BLP"})

    # Failures --------------------------------------------------------------
    def test_4xx_shows_platform_reason(self):
        line = self.make_line()
        self.server.fail_next(
            422,
            {"error": {"code": "invalid", "message": "Plano RES100 esgotado"}},
            method="POST",
        )
        line.action_activate()
        self.run_jobs(later=True)
        self.assertEqual(line.state, "error")
        self.assertIn("Plano RES100 esgotado", line.platform_error)
        self.assertIn("422", line.platform_error)
        self.assertFalse(line.terminal)
        job = line.job_ids
        self.assertEqual((job.state, job.retry), ("failed", 1))  # at once
        self.assertIn("Plano RES100 esgotado", job.exc_message)
        self.assertEqual(len(self.server_requests("POST")), 1)  # 4xx: not retried
        line.action_retry()
        self.assertEqual((line.state, job.state), ("provisioning", "pending"))
        self.run_jobs()
        self.assertEqual((line.state, job.state), ("active", "done"))
        self.assertEqual(len(self.server.lines), 1)

    def test_5xx_is_retried_with_backoff_then_error(self):
        self.set_max_attempts(2)
        line = self.make_line()
        self.server.fail_next(503, times=3, method="POST")
        line.action_activate()
        self.assertEqual(self.run_jobs(), 1)
        # The gateway tried 3 times; the job waits for its second attempt.
        self.assertEqual(len(self.server_requests("POST")), 3)
        self.assertEqual(line.state, "provisioning")
        self.assertFalse(line.platform_error)
        self.assertIn("503", line.platform_retry_note)
        self.assertIn("next attempt at", line.platform_retry_note)
        job = line.job_ids
        self.assertEqual((job.state, job.retry), ("pending", 1))
        self.assertGreater(job.eta, fields.Datetime.now())  # 1 minute later
        self.assertEqual(self.run_jobs(), 0)  # not due yet

        self.server.fail_next(503, times=3, method="POST")
        self.assertEqual(self.run_jobs(later=True), 1)
        self.assertEqual((job.state, job.retry), ("failed", 2))
        self.assertEqual(line.state, "error")
        self.assertIn("Summit error 503", line.platform_error)
        self.assertFalse(line.platform_retry_note)
        self.assertFalse(self.server.lines)

        line.action_retry()
        self.assertEqual((job.state, job.retry), ("pending", 0))
        self.run_jobs(later=True)
        self.assertEqual(line.state, "active")
        self.assertEqual(len(self.server.lines), 1)

    def test_timeout_then_retry_creates_no_second_terminal(self):
        self.set_max_attempts(1)
        self.integration.api_timeout = 1.0  # the smallest allowed
        line = self.make_line()
        # Summit creates the line but every answer comes too late.
        self.server.delay_next(2.0, times=3, method="POST")
        line.action_activate()
        self.run_jobs()
        self.assertEqual(line.state, "error")
        self.assertIn("did not answer within", line.platform_error)
        self.assertFalse(line.terminal)
        self.assertEqual(len(self.server.lines), 1)
        posts = self.server_requests("POST")
        self.assertEqual({p.headers["idempotency-key"] for p in posts}, {line.uuid})

        self.integration.api_timeout = 3.0
        line.action_retry()
        self.run_jobs()
        self.assertEqual(line.state, "active")
        self.assertEqual(len(self.server.lines), 1)
        self.assertEqual(
            line.terminal, self.server.line_by_external_id(line.uuid)["terminal"]
        )

    def test_crash_after_platform_created_line(self):
        """The platform created the line, Odoo never stored the answer (the
        worker died): running the job again finds it instead of creating a
        second one."""
        line = self.make_line()
        config = GatewayConfig(
            base_url=self.server.base_url, username="isp", password="s3cret-pass"
        )
        with gateway_class("summit")(config) as gateway:
            created = gateway.activate_line(line._platform_spec())
        posts_before = len(self.server_requests("POST"))
        line.action_activate()
        self.run_jobs()
        self.assertEqual(line.terminal, created.terminal)
        self.assertEqual(len(self.server.lines), 1)
        self.assertEqual(len(self.server_requests("POST")), posts_before)

    def test_double_click_runs_one_activation(self):
        line = self.make_line()
        line._enqueue_activation()
        line._enqueue_provisioning("activate")  # same identity key: no second job
        self.assertEqual(len(line.job_ids), 1)
        self.run_jobs()
        self.assertEqual(line.job_ids.state, "done")
        self.assertEqual(len(self.server.lines), 1)
        self.assertEqual(len(self.server_requests("POST")), 1)
        with self.assertRaises(UserError):
            line.action_activate()

    def test_malformed_answer_is_an_error(self):
        line = self.make_line()
        self.server.malformed_next(method="POST")
        line.action_activate()
        self.run_jobs()
        self.assertEqual(line.state, "error")
        self.assertIn("not JSON", line.platform_error)
        line.action_retry()  # the platform did create it: found, not duplicated
        self.run_jobs()
        self.assertEqual(line.state, "active")
        self.assertEqual(len(self.server.lines), 1)

    # Cancellation ----------------------------------------------------------
    def test_cancel_removes_line_and_quarantines_numbers(self):
        line = self.make_line(
            did_ids=[
                Command.create(
                    {"number_id": self.number("+553135000030").id, "port": 1}
                )
            ]
        )
        line.action_activate()
        self.run_jobs()
        terminal = line.terminal
        line.action_cancel()
        self.assertEqual(line.state, "active")  # until the job has run
        self.run_jobs()
        self.assertEqual(line.state, "cancelled")
        self.assertFalse(self.server.lines)
        self.assertEqual(
            self.server_requests("DELETE")[0].path, f"/api/v1/lines/{terminal}"
        )
        numbers = self.number("+553135000001") | self.number("+553135000030")
        self.assertEqual(set(numbers.mapped("state")), {"quarantine"})
        self.assertFalse(
            self.env["isp.number.assignment"].search([("line_id", "=", line.id)])
        )
        line.action_cancel()  # twice: nothing more happens
        self.run_jobs()
        self.assertEqual(len(self.server_requests("DELETE")), 1)

    def test_cancel_interface_for_other_modules(self):
        line = self.make_line()
        line.action_activate()
        self.run_jobs()
        line._cancel_on_platform()
        self.run_jobs()
        self.assertEqual(line.state, "cancelled")
        self.assertEqual(self.number("+553135000001").state, "quarantine")

    def test_cancel_draft_line_calls_nobody(self):
        line = self.make_line()
        line.action_cancel()
        self.assertEqual(line.state, "cancelled")
        self.assertFalse(self.created_jobs())
        self.assertFalse(self.server.requests)
        self.assertEqual(self.number("+553135000001").state, "quarantine")

    def test_cancel_after_lost_activation_answer(self):
        """Activation timed out (Odoo has no terminal) but the platform made
        the line: cancelling looks it up by key and removes it."""
        self.set_max_attempts(1)
        self.integration.api_timeout = 1.0  # the smallest allowed
        line = self.make_line()
        self.server.delay_next(2.0, times=3, method="POST")
        line.action_activate()
        self.run_jobs()
        self.assertEqual((line.state, line.terminal), ("error", False))
        self.integration.api_timeout = 3.0
        line.action_cancel()
        self.run_jobs()
        self.assertEqual(line.state, "cancelled")
        self.assertFalse(self.server.lines)

    def test_suspend_and_resume_push_active_flag(self):
        line = self.make_line()
        line.action_activate()
        self.run_jobs()
        line.action_suspend()
        self.run_jobs()
        self.assertEqual(line.state, "suspended")
        self.assertEqual(self.server_requests("PATCH")[-1].json, {"active": False})
        line.action_resume()
        self.run_jobs()
        self.assertEqual(line.state, "active")
        self.assertEqual(self.server_requests("PATCH")[-1].json, {"active": True})

    # Background queue ------------------------------------------------------
    def test_many_contracts_activate_in_background(self):
        contracts = self.env["contract.contract"]
        lines = self.env["isp.sip.line"]
        for i in range(8):
            contract = self.make_contract(self.partner, name=f"Contract {i}")
            contracts |= contract
            lines |= self.make_line(f"+5531350001{i:02d}", contract=contract)
        action = contracts.action_activate_sip_lines()
        self.assertEqual(action["res_model"], "isp.provisioning.batch")
        batch = self.env["isp.provisioning.batch"].browse(action["res_id"])
        self.assertEqual(set(lines.mapped("state")), {"provisioning"})
        self.assertFalse(self.server.requests)  # nothing ran in the request
        self.assertEqual(
            (batch.job_count, batch.progress, batch.state), (8, 0.0, "running")
        )

        self.assertEqual(self.run_jobs(limit=5), 5)
        batch.invalidate_recordset()
        self.assertEqual((batch.done_count, batch.progress), (5, 62.5))
        self.run_jobs()
        batch.invalidate_recordset()
        self.assertEqual((batch.state, batch.progress), ("done", 100.0))
        self.assertEqual(set(lines.mapped("state")), {"active"})
        self.assertEqual(len(self.server.lines), 8)
        domain = batch.action_open_lines()["domain"]
        self.assertEqual(sorted(domain[0][2]), sorted(lines.ids))

    def test_many_lines_activate_in_chunk_jobs(self):
        """Beyond CHUNK_FROM lines a job activates a chunk of one platform's
        lines; a rejected line goes to Error on its own, a line the platform
        could not take for a moment gets a job of its own, the rest of the
        chunk is activated."""
        self.env["ir.config_parameter"].sudo().set_param(
            "isp_telephony.provisioning_chunk_lines", "3"
        )
        contracts = self.env["contract.contract"]
        lines = self.env["isp.sip.line"]
        for i in range(7):
            contract = self.make_contract(self.partner, name=f"Contract {i}")
            contracts |= contract
            lines |= self.make_line(f"+5531350001{i:02d}", contract=contract)
        with patch.object(isp_sip_line_provisioning, "CHUNK_FROM", 5):
            action = contracts.action_activate_sip_lines()
        batch = self.env["isp.provisioning.batch"].browse(action["res_id"])
        jobs = self.created_jobs(method="_provision_activate_chunk")
        self.assertEqual([len(job.telephony_sip_line_ids) for job in jobs], [3, 3, 1])
        self.assertEqual(jobs.telephony_sip_line_ids, lines)
        self.assertEqual(
            set(jobs.mapped("channel")), {self.integration._provisioning_channel()}
        )
        self.assertEqual(batch.job_count, 3)
        self.assertEqual(lines[0].pending_job_count, 1)
        # The chunk counts as the line's waiting activation (a cancel waits
        # for it when it runs), but is never cancelled for one line.
        self.assertEqual(lines[6]._waiting_jobs(["activate"]), jobs[2])
        self.assertFalse(lines[6]._cancel_waiting_jobs(["activate"]))
        self.assertEqual(jobs[2].state, "pending")
        # The first chunk: its first line is rejected, the others go through.
        self.server.fail_next(
            422,
            {"error": {"code": "invalid", "message": "Plano RES100 esgotado"}},
            method="POST",
        )
        self.run_jobs(limit=1)
        self.assertEqual(lines[0].state, "error")
        self.assertIn("Plano RES100 esgotado", lines[0].platform_error)
        self.assertEqual(set(lines[1:3].mapped("state")), {"active"})
        self.assertIn("1 in error", jobs[0].result)
        # The second chunk: its first line meets a 503 (the gateway's three
        # quick tries): it gets a job of its own, tried again later.
        self.server.fail_next(503, times=3, method="POST")
        self.run_jobs()
        self.assertEqual(set(lines[4:].mapped("state")), {"active"})
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        retried = lines[3].job_ids
        self.assertEqual(lines[3].state, "provisioning")
        self.assertEqual((len(retried), retried.state), (1, "pending"))
        self.assertTrue(retried.eta)
        self.run_jobs(later=True)
        self.assertEqual(lines[3].state, "active")
        batch.invalidate_recordset()
        self.assertEqual((batch.failed_count, batch.state), (1, "failed"))
        batch.action_retry_failed()
        self.run_jobs()
        self.assertEqual(set(lines.mapped("state")), {"active"})
        self.assertEqual(len(self.server.lines), 7)
        self.assertEqual(
            sorted(batch.action_open_lines()["domain"][0][2]), sorted(lines.ids)
        )

    def test_cancel_while_activation_waits_calls_nobody(self):
        line = self.make_line()
        line.action_activate()
        job = line.job_ids
        line.action_cancel()
        self.assertEqual((line.state, job.state), ("cancelled", "cancelled"))
        self.assertEqual(self.number("+553135000001").state, "quarantine")
        self.run_jobs()
        self.assertFalse(self.server.requests)

    def test_rolled_back_transaction_sends_nothing(self):
        """Issue 11 point 12: a platform change asked for in a transaction
        that rolls back (a failed cron run, a serialization retry) leaves no
        job behind, so the platform never gets it; the retry that commits
        sends it once."""
        line = self.make_line()
        line.action_activate()
        self.run_jobs()
        blocked = self.catalog("isp.summit.category", "BLQ")
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            line._provision_category_change(blocked)
            self.assertTrue(self.created_jobs(["pending"], "_provision_update"))
            raise RuntimeError("serialization failure")
        self.env.invalidate_all()
        self.assertFalse(self.created_jobs(["pending"], "_provision_update"))
        self.assertEqual(line.category_id.code, "DEF")
        line._provision_category_change(blocked)  # the retried transaction
        self.assertFalse(self.server_requests("PATCH"))  # not before commit
        self.run_jobs()
        self.assertEqual(len(self.server_requests("PATCH")), 1)
        self.assertEqual(line.platform_category_id, blocked)

    # Sandbox ---------------------------------------------------------------
    def test_sandbox_gateway_end_to_end_with_failure_modes(self):
        sandbox = self.env["isp.telephony.integration"].create(
            {"name": "Training", "gateway": "sandbox"}
        )
        sandbox.action_sync_catalogs()
        sandbox.sandbox_failure = "rejected"
        self.integration = sandbox
        self.cost_center = self.env["isp.summit.cost.center"].create(
            {"code": "Default", "integration_id": sandbox.id}
        )
        line = self.make_line()
        line.action_activate()
        self.run_jobs()
        self.assertEqual(line.state, "error")
        self.assertIn("rejected by configuration", line.platform_error)
        sandbox.sandbox_failure = "none"
        line.action_retry()
        self.run_jobs()
        self.assertEqual(line.state, "active")
        self.assertTrue(line.terminal.startswith("SBX-"))
        self.assertTrue(line.sudo().credential)
        line.action_cancel()
        self.run_jobs()
        self.assertEqual(line.state, "cancelled")
