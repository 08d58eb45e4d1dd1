# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A manager reveals a line's SIP credential to hand it to the customer:
the chatter says who and when, never the credential itself."""

from odoo.exceptions import AccessError

from .provisioning_common import SummitLoopbackCase


class TestRevealCredential(SummitLoopbackCase):
    def test_manager_reveals_and_the_chatter_keeps_who(self):
        line = self.make_line("+553135000075")
        line.action_activate()
        self.run_jobs()
        credential = line.sudo().credential
        self.assertTrue(credential)
        self.assertTrue(line.with_user(self.user).has_credential)
        with self.assertRaises(AccessError):
            line.with_user(self.user).action_reveal_credential()
        action = line.with_user(self.manager).action_reveal_credential()
        self.assertIn(credential, action["params"]["message"])
        self.assertTrue(action["params"]["sticky"])
        notes = line.message_ids.filtered(lambda m: "revealed" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertIn(self.manager.name, notes.body)
        self.assertEqual(notes.author_id, self.manager.partner_id)
        self.assertNotIn(credential, " ".join(line.message_ids.mapped("body")))
