# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Phone number: one number of a range and its availability."""

from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression

from ..tools import phone
from .owned_fields import NEVER, SET, OwnedFields

STATES = [
    ("available", "Available"),
    ("reserved", "Reserved"),
    ("in_use", "In Use"),
    ("quarantine", "Quarantined"),
]
# Everything but the note is the range's and the lines': a number is created
# by its range (SQL) and changes state through the methods of the number
# (SQL) or its line. A write cannot move a number In use to Available.
NUMBER_OWNED = OwnedFields(
    fields=frozenset(
        {
            "name",
            "e164",
            "sequence_number",
            "range_id",
            "company_id",
            "state",
            "state_date",
            "quarantine_until",
        }
    ),
    on_create=NEVER,
    refusal_message=lambda records, labels: records.env._(
        "A number's %s change through its range, its line and the "
        "Reserve, Make Available and Quarantine buttons only.",
        labels,
    ),
)
# A number created by hand starts Available (the state's default).
NEW_NUMBER_OWNED = OwnedFields(
    fields=frozenset({"state", "quarantine_until"}),
    on_create=SET,
    on_write=NEVER,
    refusal_message=lambda records, labels: records.env._(
        "A new number starts Available."
    ),
)


# Number states a line may take a number from.
FREE_NUMBER_STATES = ("available", "reserved")


def check_free(numbers):
    """Refuse numbers that are not Available or Reserved, with a readable
    message (the database's unique key is the final guarantee). Called
    before the line's own create/write checks its access: the user must
    read the numbers they pick (a portal customer learns nothing of them)."""
    numbers.check_access("read")
    taken = numbers.sudo().filtered(lambda n: n.state not in FREE_NUMBER_STATES)
    if taken:
        raise ValidationError(
            numbers.env._(
                "These numbers are not free (in use or quarantined): %s. "
                "Choose an available number.",
                ", ".join(taken.mapped("name")),
            )
        )


def numbers_in(vals_list, field_name, env):
    """The isp.phone.number records that ``vals_list`` assigns."""
    ids = {vals[field_name] for vals in vals_list if vals.get(field_name)}
    return env["isp.phone.number"].browse(sorted(ids))


def take_numbers(numbers):
    """Mark ``numbers`` In use (set-based) after checking that each is free."""
    numbers = numbers.exists()
    if not numbers:
        return
    check_free(numbers)
    numbers.sudo()._set_state("in_use")


def release_numbers(numbers):
    """Put numbers a line no longer uses into quarantine (set-based)."""
    numbers = numbers.exists()
    if numbers:
        numbers.sudo()._put_in_quarantine()


class IspPhoneNumber(models.Model):
    """One number of a range, with its availability.

    Rows are created by the range with set-based SQL; states change through
    the methods below (set-based as well) so that ten thousand numbers cost
    one UPDATE."""

    _name = "isp.phone.number"
    _inherit = ["isp.telephony.owned.fields.mixin"]
    _description = "Phone Number"
    _order = "e164"
    _rec_name = "name"

    name = fields.Char(
        string="Number", required=True, readonly=True, help="National display form."
    )
    e164 = fields.Char(
        string="E.164",
        required=True,
        readonly=True,
        index=True,
        help="The number in international E.164 form, the key every match uses.",
    )
    sequence_number = fields.Integer(
        readonly=True, help="Subscriber number as an integer."
    )
    # Indexed by (range_id, sequence_number) and (company_id, state) in
    # init(); company_id also leads the unique index. Fewer indexes keep a
    # 100,000-number range fast to create.
    range_id = fields.Many2one(
        "isp.number.range", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    state = fields.Selection(STATES, required=True, default="available", readonly=True)
    state_date = fields.Date(
        string="Since", readonly=True, help="Date of the last change of state."
    )
    quarantine_until = fields.Date(
        readonly=True,
        help="A quarantined number becomes available again on this date.",
    )
    note = fields.Char()

    _sql_constraints = [
        (
            "e164_company_uniq",
            "UNIQUE(company_id, e164)",
            "A number can exist only once per company.",
        ),
    ]

    def init(self):
        tools.create_index(
            self.env.cr,
            "isp_phone_number_range_sequence_index",
            self._table,
            ["range_id", "sequence_number"],
        )
        tools.create_index(
            self.env.cr,
            "isp_phone_number_company_state_index",
            self._table,
            ["company_id", "state"],
        )

    @api.model
    def _search_display_name(self, operator, value):
        domain = super()._search_display_name(operator, value)
        if isinstance(value, str) and operator in ("ilike", "=", "=ilike", "like"):
            e164 = phone.to_e164(value, self.env.company._telephony_country_code())
            if e164:
                domain = expression.OR([domain, [("e164", "=", e164)]])
            digits = "".join(c for c in value if c.isdigit())
            if digits:
                domain = expression.OR([domain, [("e164", "like", digits)]])
        return domain

    # Server-side guard -------------------------------------------------------
    def _owned_fields(self):
        return super()._owned_fields() + [NUMBER_OWNED, NEW_NUMBER_OWNED]

    # State changes (set-based) ----------------------------------------------
    def _set_state(self, state, quarantine_until=None):
        if not self:
            return
        self.flush_recordset()
        self.env.cr.execute(
            """UPDATE isp_phone_number
                  SET state = %s, quarantine_until = %s, state_date = %s,
                      write_uid = %s, write_date = now() at time zone 'UTC'
                WHERE id IN %s""",
            (
                state,
                quarantine_until,
                fields.Date.context_today(self),
                self.env.uid,
                tuple(self.ids),
            ),
        )
        self.invalidate_recordset(["state", "quarantine_until", "state_date"])

    def action_reserve(self):
        self.check_access("write")
        if self.filtered(lambda n: n.state != "available"):
            raise UserError(self.env._("Only available numbers can be reserved."))
        self._set_state("reserved")

    def action_make_available(self):
        self.check_access("write")
        if self.filtered(lambda n: n.state == "in_use"):
            raise UserError(
                self.env._("Numbers in use are released by cancelling their line.")
            )
        self._set_state("available")

    def _put_in_quarantine(self):
        by_company = {}
        for number in self:
            by_company.setdefault(number.company_id, self.browse())
            by_company[number.company_id] |= number
        today = fields.Date.context_today(self)
        for company, numbers in by_company.items():
            days = company.telephony_quarantine_days
            if days > 0:
                numbers._set_state("quarantine", today + timedelta(days=days))
            else:
                numbers._set_state("available")

    def action_quarantine(self):
        self.check_access("write")
        if self.filtered(lambda n: n.state == "in_use"):
            raise UserError(
                self.env._("Numbers in use are quarantined by cancelling their line.")
            )
        self._put_in_quarantine()

    @api.model
    def _cron_release_quarantine(self):
        """Quarantined numbers whose date has come become available again."""
        self.env.cr.execute(
            """UPDATE isp_phone_number
                  SET state = 'available', quarantine_until = NULL,
                      state_date = %s, write_date = now() at time zone 'UTC'
                WHERE state = 'quarantine' AND quarantine_until <= %s""",
            (fields.Date.context_today(self), fields.Date.context_today(self)),
        )
        released = self.env.cr.rowcount
        self.invalidate_model(["state", "quarantine_until", "state_date"])
        return released
