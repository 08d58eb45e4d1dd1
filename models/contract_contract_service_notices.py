# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Customer notices of the contract's service status (partial block, full
block, service restored), and the contract's notice fields only the notice
queue writes.
"""

from odoo import models

from ..tools import blocking
from .owned_fields import SET, OwnedFields

# Fields the notices own (written as superuser by the notice queue). The
# web client sends the empty defaults of a new contract (SET).
NOTICE_OWNED = OwnedFields(
    fields=frozenset({"telephony_notice_no_email", "telephony_notice_no_email_date"}),
    on_create=SET,
    refusal_message=lambda records, labels: records.env._(
        "Whether a notice was emailed is recorded by the notices only (%s).",
        labels,
    ),
)


class ContractContractServiceNotices(models.Model):
    _name = "contract.contract"
    _inherit = ["contract.contract", "isp.telephony.owned.fields.mixin"]

    def _owned_fields(self):
        return super()._owned_fields() + [NOTICE_OWNED]

    def _notify_service_status(self, status, previously_blocked=None):
        """The customer notice of a status change (partial block, full
        block, service restored)."""
        templates = {
            blocking.PARTIAL: "isp_telephony.mail_template_partial_block",
            blocking.BLOCKED_AUTO: "isp_telephony.mail_template_full_block",
            blocking.BLOCKED_MANUAL: "isp_telephony.mail_template_full_block",
        }
        if status in templates:
            self._telephony_notify(templates[status], self)
        elif status == blocking.ACTIVE and previously_blocked:
            self._telephony_notify(
                "isp_telephony.mail_template_service_restored",
                previously_blocked & self,
            )
