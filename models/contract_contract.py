# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class ContractContract(models.Model):
    _inherit = "contract.contract"

    sip_line_ids = fields.One2many(
        "isp.sip.line",
        "contract_id",
        string="SIP Lines",
        help="VoIP lines and trunks sold on this contract.",
    )
    sip_line_count = fields.Integer(compute="_compute_sip_line_count")

    @api.depends("sip_line_ids")
    def _compute_sip_line_count(self):
        for contract in self:
            contract.sip_line_count = len(contract.sip_line_ids)

    def action_activate_sip_lines(self):
        """Activate the draft lines (and retry those in error) of the
        contracts: at once for a few lines, in the background otherwise."""
        lines = self.sip_line_ids.filtered(lambda r: r.state in ("draft", "error"))
        if not lines:
            raise UserError(self.env._("These contracts have no line to activate."))
        return lines.action_activate()

    def action_view_sip_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_sip_line"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {
            "default_contract_id": self.id,
            "active_test": False,
        }
        return action

    # Calls (issue 4: CDR import) ----------------------------------------------
    isp_cdr_count = fields.Integer(
        string="Calls",
        compute="_compute_isp_cdr_count",
        groups="isp_telephony.group_telephony_user",
    )

    def _compute_isp_cdr_count(self):
        counts = dict(
            self.env["isp.cdr"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.isp_cdr_count = counts.get(contract, 0)

    def action_view_isp_cdrs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_cdr"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {}
        return action
