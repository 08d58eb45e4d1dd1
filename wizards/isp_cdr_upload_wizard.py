# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import io

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class IspCdrUploadWizard(models.TransientModel):
    """Upload a CDR file by hand: choose the integration and the layout."""

    _name = "isp.cdr.upload.wizard"
    _description = "Upload a CDR File"

    integration_id = fields.Many2one(
        "isp.telephony.integration",
        required=True,
        help="The platform the calls were made on: its time zone, country and "
        "area code are used to read the file.",
    )
    layout_id = fields.Many2one(
        "isp.cdr.layout",
        compute="_compute_layout_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="How the file is read (columns, dates, time zone).",
    )
    file = fields.Binary(required=True, attachment=False)
    file_name = fields.Char()

    @api.depends("integration_id")
    def _compute_layout_id(self):
        for wizard in self:
            if wizard.integration_id and not wizard.layout_id:
                try:
                    wizard.layout_id = wizard.integration_id._cdr_layout()
                except UserError:
                    wizard.layout_id = False

    def action_import(self):
        self.ensure_one()
        self.env["isp.cdr.import"].check_access("create")
        # Before the sudo(): the integration and the layout are the user's to
        # see (record rules: the companies of the request).
        self.integration_id.check_access("read")
        self.layout_id.check_access("read")
        if self.integration_id.company_id not in self.env.companies:
            raise AccessError(
                self.env._(
                    "The integration %s belongs to a company you are not working in.",
                    self.integration_id.name,
                )
            )
        data = base64.b64decode(self.file or b"")
        if not data:
            raise UserError(self.env._("The file is empty."))
        run = (
            self.env["isp.cdr.import"]
            .sudo()
            ._import_upload(
                self.integration_id,
                self.layout_id,
                io.BytesIO(data),
                self.file_name or self.env._("uploaded file"),
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "isp.cdr.import",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
