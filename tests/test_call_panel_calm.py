# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The server side of a calm call panel (issue 15): after a burst the live
call comes first and the ended ones are capped and counted, one call clears
them; the follow-up an agent plans is visible on the call log."""

from datetime import datetime, timedelta

from odoo.tests import TransactionCase, tagged

from ..models.isp_call_log_panel import PANEL_MAX_ENDED
from .call_common import CallSetupMixin


@tagged("post_install", "-at_install")
class TestCalmPanel(CallSetupMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_calls(cls.env)
        cls.Log = cls.env["isp.call.log"].sudo()
        cls.outcome = cls.env["isp.call.outcome"].create({"name": "Solved"})

    def handle(self, event):
        return self.Log._handle_call_event(self.calls_integration, event)

    def test_burst_live_call_first_ended_capped_and_cleared(self):
        now = datetime.now().replace(microsecond=0)
        for i in range(30):
            self.handle(
                self.event(call_id=f"b-{i}", caller=f"31350{20000 + i}", timestamp=now)
            )
            self.handle(self.event("end", call_id=f"b-{i}", duration=5, timestamp=now))
        live = self.handle(self.event(call_id="live", timestamp=now))
        Log = self.env["isp.call.log"].with_user(self.agent_user)
        panels = Log.get_my_panels()
        ids = [call["id"] for call in panels["calls"]]
        self.assertEqual(ids[0], live.id)
        self.assertEqual(len(ids), 1 + PANEL_MAX_ENDED)
        self.assertEqual(panels["more_ended"], 30 - PANEL_MAX_ENDED)
        # The older ended calls are named, none of them shown: a late bus
        # notification of one of them is not counted again by the panel.
        more = set(panels["more_ended_ids"])
        self.assertEqual(len(more), 30 - PANEL_MAX_ENDED)
        self.assertFalse(more & set(ids))
        self.assertEqual(
            more,
            set(
                self.Log.search([("call_id", "=like", "b-%")], order="id")[
                    : 30 - PANEL_MAX_ENDED
                ].ids
            ),
        )
        # Another agent's clear-all leaves this agent's panels alone.
        self.assertEqual(
            self.env["isp.call.log"]
            .with_user(self.other_user)
            .action_panel_clear_ended(),
            0,
        )
        self.assertEqual(Log.action_panel_clear_ended(), 30)
        panels = Log.get_my_panels()
        self.assertEqual([call["id"] for call in panels["calls"]], [live.id])
        self.assertEqual(panels["more_ended"], 0)
        undocumented = self.Log.search(
            [("call_id", "=like", "b-%"), ("documented", "=", False)]
        )
        self.assertEqual(len(undocumented), 30)

    def test_follow_up_is_visible_on_the_call_log(self):
        log = self.handle(self.event(timestamp=datetime.now() - timedelta(minutes=1)))
        log.with_user(self.agent_user).action_panel_save(
            {
                "outcome_id": self.outcome.id,
                "activity_summary": "Send the second copy of the boleto",
                "activity_date": "2030-01-10",
            }
        )
        self.assertEqual(log.followup_summary, "Send the second copy of the boleto")
        self.assertEqual(str(log.followup_date), "2030-01-10")
        self.assertEqual(log.followup_user_id, self.agent_user)
        self.assertEqual(log.followup_state, "planned")
        self.assertEqual(log.followup_activity_id.res_id, self.partner_one.id)
        planned = self.Log.search([("followup_state", "=", "planned")])
        self.assertIn(log, planned)
        log.followup_activity_id.action_done()
        log.invalidate_recordset()
        self.assertEqual(log.followup_state, "done")
        self.assertIn(log, self.Log.search([("followup_state", "=", "done")]))
        self.assertNotIn(log, self.Log.search([("followup_state", "=", "planned")]))
