# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""DID: an extra inbound number routed to a SIP line."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .isp_phone_number import check_free, numbers_in, release_numbers, take_numbers
from .isp_sip_line import platform_owned
from .owned_fields import COMPUTED_OWNED

# DID fields the platform holds: changing one pushes the line's DID list.
PUSHED_FIELDS = ("number_id", "priority", "port")
# Fields only the platform (through the provisioning jobs) fills; a telephony
# manager may correct them by hand, a user may not.
PLATFORM_OWNED = platform_owned({"terminal", "credential"})


class IspSipLineDid(models.Model):
    """An extra inbound number routed to a line through a port."""

    _name = "isp.sip.line.did"
    _inherit = ["isp.telephony.owned.fields.mixin"]
    _description = "SIP Line DID"
    _order = "line_id, priority, id"
    _rec_name = "number_id"

    line_id = fields.Many2one(
        "isp.sip.line", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="line_id.company_id", store=True, index=True)
    number_id = fields.Many2one(
        "isp.phone.number",
        required=True,
        ondelete="restrict",
        domain="[('company_id', '=', company_id), "
        "('state', 'in', ('available', 'reserved'))]",
        help="Número de binagem routed to the line, from the company's "
        "available numbers.",
    )
    e164 = fields.Char(related="number_id.e164", store=True, index=True)
    priority = fields.Integer(default=1, help="Order in which DIDs are hunted.")
    port = fields.Integer(
        default=1,
        help="1 = the main line; another value = a separate port created on the "
        "platform; empty = this DID receives no calls.",
    )
    routing = fields.Char(
        compute="_compute_routing",
        help="Where the platform sends this DID's calls, from the port.",
    )
    terminal = fields.Char(
        readonly=True, copy=False, help="Terminal the platform gave this DID's port."
    )
    credential = fields.Char(
        readonly=True,
        copy=False,
        groups="isp_telephony.group_telephony_manager",
        help="Credential of this DID's port (managers only).",
    )
    city = fields.Char(
        related="line_id.contract_id.partner_id.city",
        help="City of the contract's customer.",
    )

    _sql_constraints = [
        ("port_positive", "CHECK(port >= 0)", "A DID's port cannot be negative."),
    ]

    @api.depends("port")
    def _compute_routing(self):
        for did in self:
            if not did.port:
                did.routing = self.env._("Receives no calls (no port)")
            elif did.port == 1:
                did.routing = self.env._("Main line")
            else:
                did.routing = self.env._("Own port %s", did.port)

    @api.constrains("number_id", "line_id")
    def _check_company(self):
        for did in self:
            if did.number_id.company_id != did.line_id.company_id:
                raise ValidationError(
                    self.env._(
                        "Number %s belongs to another company.", did.number_id.name
                    )
                )

    def _live(self):
        return self.filtered(lambda d: d.line_id.state != "cancelled")

    def _push(self, lines):
        lines._push_changes({line: {"dids"} for line in lines})

    def _owned_fields(self):
        return super()._owned_fields() + [COMPUTED_OWNED, PLATFORM_OWNED]

    @api.model_create_multi
    def create(self, vals_list):
        check_free(numbers_in(vals_list, "number_id", self.env))
        dids = super().create(vals_list)
        take_numbers(dids._live().number_id)
        self._push(dids.line_id)
        return dids

    def write(self, vals):
        if ("number_id" in vals or "line_id" in vals) and self.filtered(
            lambda d: d.line_id.state == "cancelled"
        ):
            raise UserError(self.env._("The DIDs of a cancelled line are released."))
        if vals.get("number_id"):
            new = self.env["isp.phone.number"].browse(vals["number_id"])
            if self.filtered(lambda d: d.number_id != new):
                check_free(new)
        old_numbers = self.number_id if "number_id" in vals else None
        old_lines = self.line_id
        pushed = any(name in vals for name in PUSHED_FIELDS + ("line_id",))
        result = super().write(vals)
        if old_numbers is not None:
            new = self.number_id
            release_numbers(old_numbers - new)
            take_numbers(new - old_numbers)
        if pushed:
            self._push(old_lines | self.line_id)
        return result

    def unlink(self):
        numbers = self._live().number_id
        lines = self.line_id
        result = super().unlink()
        release_numbers(numbers)
        self._push(lines.exists())
        return result
