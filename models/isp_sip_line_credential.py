# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Revealing a SIP line's credential to hand it to the customer: managers
only, one line at a time, and logged in the line's chatter (who, when);
the value itself is never written to the chatter nor to the log."""

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

MANAGER_GROUP = "isp_telephony.group_telephony_manager"


class IspSipLineCredential(models.Model):
    _inherit = "isp.sip.line"

    has_credential = fields.Boolean(
        compute="_compute_has_credential",
        help="The platform returned a credential (reveal it to read it).",
    )

    def _compute_has_credential(self):
        for line in self:
            line.has_credential = bool(line.sudo().credential)

    def action_reveal_credential(self):
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only telephony managers can reveal a SIP credential.")
            )
        self.check_access("read")
        credential = self.sudo().credential
        if not credential:
            raise UserError(
                self.env._(
                    "The platform has not returned a credential for this line yet."
                )
            )
        self.message_post(
            body=self.env._(
                "SIP credential revealed by %s.", self.env.user.display_name
            ),
            subtype_xmlid="mail.mt_note",
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("SIP credential of %s", self.display_name),
                "message": self.env._(
                    "Terminal %(terminal)s, credential %(credential)s",
                    terminal=self.terminal or "-",
                    credential=credential,
                ),
                "type": "warning",
                "sticky": True,
            },
        }
