# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Merging contacts: the calls of the merged customers follow them.

Odoo's merge finds what refers to a partner by its foreign keys, and the
calls (``isp_cdr.partner_id``) have none (an unchecked Many2one,
models/fields.py): without this, merging a customer into another would
delete the merged one and its delete guard would leave its calls with no
customer."""

from odoo import models

from ..models.fields import unchecked_references


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _get_fk_on(self, table):
        """The foreign keys on ``table``, and the unchecked Many2one
        columns that refer to it (moved by the merge like the others)."""
        relations = list(super()._get_fk_on(table))
        for name, model_class in self.env.registry.items():
            if model_class._abstract or not model_class._auto:
                continue
            refs = unchecked_references(self.env[name])
            relations.extend(
                (model_class._table, column) for column, _rule in refs.get(table, ())
            )
        return relations
