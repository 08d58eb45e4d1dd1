# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Collection charge: a one-off line an agent adds to a contract after a
collection call, billed once with the contract's next invoice.
"""

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError


class ContractContract(models.Model):
    _inherit = "contract.contract"

    def _add_collection_charge(self, product, price, call_date):
        """A one-off contract line invoiced with the contract's next invoice:
        start = end = that invoice date, so that OCA contract bills it once.
        ``call_date`` (a date) names the call in the line's description."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        date = self.recurring_next_date
        if not date or date < today:
            date = today
        if self.date_end and self.date_end < date:
            raise UserError(
                self.env._(
                    "The contract %s ends before its next invoice: no charge can "
                    "be added.",
                    self.display_name,
                )
            )
        line = (
            self.env["contract.line"]
            .sudo()
            .create(
                {
                    "contract_id": self.id,
                    "product_id": product.id,
                    "name": self.env._(
                        "%(product)s - call of %(date)s",
                        product=product.display_name,
                        date=fields.Date.to_string(call_date),
                    ),
                    "quantity": 1,
                    "uom_id": product.uom_id.id,
                    "price_unit": price,
                    "date_start": date,
                    "date_end": date,
                    "recurring_rule_type": "monthly",
                    "recurring_interval": 1,
                    "recurring_invoicing_type": "pre-paid",
                    "recurring_invoicing_offset": 0,
                }
            )
        )
        self.sudo().message_post(
            body=Markup("<p>{}</p>").format(
                self.env._(
                    "Collection charge %(product)s added by %(agent)s after a call.",
                    product=product.display_name,
                    agent=self.env.user.name,
                )
            ),
            subtype_xmlid="mail.mt_note",
        )
        return line
