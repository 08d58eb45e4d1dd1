# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plan part: what rates and buckets of a plan share."""

from odoo import api, models


class IspTelephonyPlanPartMixin(models.AbstractModel):
    """A part of a telephony plan (a rate, a franchise bucket): creating,
    changing or deleting one re-rates the unbilled calls of its plan."""

    _name = "isp.telephony.plan.part.mixin"
    _description = "Telephony Plan Part"

    @api.model_create_multi
    def create(self, vals_list):
        parts = super().create(vals_list)
        parts.plan_id._rerate()
        return parts

    def write(self, vals):
        plans = self.plan_id
        res = super().write(vals)
        (plans | self.plan_id)._rerate()
        return res

    def unlink(self):
        plans = self.plan_id
        res = super().unlink()
        plans.exists()._rerate()
        return res
