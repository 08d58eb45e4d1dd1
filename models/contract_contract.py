# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ContractContract(models.Model):
    _inherit = "contract.contract"

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
