# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Contact: its phone numbers in E.164, the key calls are matched on."""

from odoo import api, fields, models

from ..tools import phone
from .owned_fields import NEVER, OwnedFields

# The keys incoming calls are matched on follow the phone and mobile:
# written directly, they would pop the wrong contact up.
E164_OWNED = OwnedFields(
    fields=frozenset({"telephony_phone_e164", "telephony_mobile_e164"}),
    on_create=NEVER,
    refusal_message=lambda records, labels: records.env._(
        "The E.164 phone and mobile follow the Phone and Mobile fields."
    ),
)


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "isp.telephony.owned.fields.mixin"]

    telephony_phone_e164 = fields.Char(
        string="Phone (E.164)",
        compute="_compute_telephony_e164",
        store=True,
        index=True,
        help="The phone in E.164, the key incoming calls are matched on.",
    )
    telephony_mobile_e164 = fields.Char(
        string="Mobile (E.164)",
        compute="_compute_telephony_e164",
        store=True,
        index=True,
        help="The mobile in E.164, the key incoming calls are matched on.",
    )

    @api.depends("phone", "mobile", "country_id")
    def _compute_telephony_e164(self):
        default = self.env.company._telephony_country_code()
        for partner in self:
            country = (partner.country_id.code or default).upper()
            partner.telephony_phone_e164 = (
                phone.to_e164(partner.phone, country) or False
            )
            partner.telephony_mobile_e164 = (
                phone.to_e164(partner.mobile, country) or False
            )

    def _owned_fields(self):
        return super()._owned_fields() + [E164_OWNED]

    @api.model
    def _telephony_match_domain(self, e164):
        return [
            "|",
            ("telephony_phone_e164", "=", e164),
            ("telephony_mobile_e164", "=", e164),
        ]
