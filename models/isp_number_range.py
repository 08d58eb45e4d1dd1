# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Number range: a block of numbers handed out by the carrier."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# A carrier hands out blocks of 100 to 10,000 numbers; one million is far
# beyond any real block and keeps a typo from creating a billion rows.
RANGE_MAX_SIZE = 1_000_000

# How many offending numbers an error message names before "and N more".
MAX_NAMED = 10


def _name_numbers(env, numbers):
    names = numbers[:MAX_NAMED]
    text = ", ".join(names)
    if len(numbers) > MAX_NAMED:
        text += env._(" and %s more", len(numbers) - MAX_NAMED)
    return text


class IspNumberRange(models.Model):
    """A block of numbers (DDI + DDD + first..last) handed out by the carrier.

    Every number of the range exists as an ``isp.phone.number``; they are
    created, added and removed with set-based SQL, never one ORM create per
    number."""

    _name = "isp.number.range"
    _description = "Number Range"
    _inherit = ["mail.thread"]
    _order = "country_code, area_code, first_number"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    country_code = fields.Char(
        string="Country Code (DDI)",
        required=True,
        default="55",
        tracking=True,
        help="International dialling code of the numbers, without + (55 for Brazil).",
    )
    area_code = fields.Char(
        string="Area Code (DDD)",
        tracking=True,
        help="Area code of the numbers (11 for São Paulo).",
    )
    first_number = fields.Char(
        required=True,
        tracking=True,
        help="First subscriber number of the block, without area code.",
    )
    last_number = fields.Char(
        required=True,
        tracking=True,
        help="Last subscriber number of the block, same length as the first.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    integration_id = fields.Many2one(
        "isp.telephony.integration",
        domain="[('company_id', '=', company_id)]",
        help="Platform on which these numbers are routed (optional).",
    )
    size = fields.Integer(compute="_compute_size", string="Range Size")
    number_ids = fields.One2many("isp.phone.number", "range_id", string="Numbers")
    count_available = fields.Integer(compute="_compute_counts", string="Available")
    count_reserved = fields.Integer(compute="_compute_counts", string="Reserved")
    count_in_use = fields.Integer(compute="_compute_counts", string="In Use")
    count_quarantine = fields.Integer(compute="_compute_counts", string="Quarantined")
    note = fields.Text()

    @api.depends("first_number", "last_number")
    def _compute_size(self):
        for record in self:
            if (record.first_number or "").isdigit() and (
                record.last_number or ""
            ).isdigit():
                record.size = max(
                    0, int(record.last_number) - int(record.first_number) + 1
                )
            else:
                record.size = 0

    def _compute_counts(self):
        counts = {}
        if self.ids:
            groups = self.env["isp.phone.number"]._read_group(
                [("range_id", "in", self.ids)], ["range_id", "state"], ["__count"]
            )
            for range_, state, count in groups:
                counts[(range_.id, state)] = count
        for record in self:
            record.count_available = counts.get((record.id, "available"), 0)
            record.count_reserved = counts.get((record.id, "reserved"), 0)
            record.count_in_use = counts.get((record.id, "in_use"), 0)
            record.count_quarantine = counts.get((record.id, "quarantine"), 0)

    # Validation -------------------------------------------------------------
    @api.constrains("country_code", "area_code", "first_number", "last_number")
    def _check_numbers(self):
        for record in self:
            for label, value in (
                (self.env._("country code"), record.country_code),
                (self.env._("first number"), record.first_number),
                (self.env._("last number"), record.last_number),
            ):
                if not (value or "").isdigit():
                    raise ValidationError(
                        self.env._(
                            "The %(label)s of range %(range)s must contain digits "
                            "only.",
                            label=label,
                            range=record.name,
                        )
                    )
            if record.area_code and not record.area_code.isdigit():
                raise ValidationError(
                    self.env._(
                        "The area code of range %s must contain digits only.",
                        record.name,
                    )
                )
            if len(record.first_number) != len(record.last_number):
                raise ValidationError(
                    self.env._(
                        "The first and last numbers of range %s must have the "
                        "same number of digits.",
                        record.name,
                    )
                )
            if int(record.first_number) > int(record.last_number):
                raise ValidationError(
                    self.env._(
                        "The first number of range %s must not be greater than "
                        "the last.",
                        record.name,
                    )
                )
            if record.size > RANGE_MAX_SIZE:
                raise ValidationError(
                    self.env._(
                        "Range %(range)s would hold %(size)s numbers; the maximum "
                        "is %(max)s.",
                        range=record.name,
                        size=record.size,
                        max=RANGE_MAX_SIZE,
                    )
                )
            total = len(
                record.country_code + (record.area_code or "") + record.first_number
            )
            if total > 15:
                raise ValidationError(
                    self.env._(
                        "Numbers of range %s would have more than the 15 digits "
                        "E.164 allows.",
                        record.name,
                    )
                )
        self._check_overlap()

    def _check_overlap(self):
        self.flush_model()
        for record in self:
            self.env.cr.execute(
                """
                SELECT name FROM isp_number_range
                 WHERE id != %(id)s
                   AND company_id = %(company)s
                   AND country_code = %(cc)s
                   AND COALESCE(area_code, '') = %(ac)s
                   AND length(first_number) = %(len)s
                   AND first_number::numeric <= %(last)s
                   AND last_number::numeric >= %(first)s
                 LIMIT 1
                """,
                {
                    "id": record.id,
                    "company": record.company_id.id,
                    "cc": record.country_code,
                    "ac": record.area_code or "",
                    "len": len(record.first_number),
                    "first": int(record.first_number),
                    "last": int(record.last_number),
                },
            )
            row = self.env.cr.fetchone()
            if row:
                raise ValidationError(
                    self.env._(
                        "Range %(range)s overlaps range %(other)s of the same company.",
                        range=record.name,
                        other=row[0],
                    )
                )

    # Set-based number generation -----------------------------------------
    def _sync_numbers(self):
        """Make the range's numbers match first..last: insert the missing ones
        and delete those now outside the range (refused when any is in use)."""
        self.flush_recordset()
        cr = self.env.cr
        for record in self:
            first, last = int(record.first_number), int(record.last_number)
            width = len(record.first_number)
            blocking = self.env["isp.phone.number"].search_fetch(
                [
                    ("range_id", "=", record.id),
                    ("state", "in", ("in_use", "reserved")),
                    "|",
                    ("sequence_number", "<", first),
                    ("sequence_number", ">", last),
                ],
                ["e164"],
                order="e164",
            )
            if blocking:
                raise UserError(
                    self.env._(
                        "Range %(range)s cannot lose numbers that are in use or "
                        "reserved: %(numbers)s.",
                        range=record.name,
                        numbers=_name_numbers(self.env, blocking.mapped("e164")),
                    )
                )
            cr.execute(
                """DELETE FROM isp_phone_number
                    WHERE range_id = %s
                      AND (sequence_number < %s OR sequence_number > %s)""",
                (record.id, first, last),
            )
            prefix = record.country_code + (record.area_code or "")
            national_prefix = f"({record.area_code}) " if record.area_code else ""
            cr.execute(
                """
                INSERT INTO isp_phone_number
                    (range_id, company_id, sequence_number, e164, name, state,
                     create_uid, create_date, write_uid, write_date)
                SELECT %(range)s, %(company)s, n,
                       '+' || %(prefix)s || lpad(n::text, %(width)s, '0'),
                       %(nprefix)s
                         || left(lpad(n::text, %(width)s, '0'), %(width)s - 4)
                         || '-' || right(lpad(n::text, %(width)s, '0'), 4),
                       'available', %(uid)s, now() at time zone 'UTC',
                       %(uid)s, now() at time zone 'UTC'
                  FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n
                ON CONFLICT (company_id, e164) DO NOTHING
                """,
                {
                    "range": record.id,
                    "company": record.company_id.id,
                    "prefix": prefix,
                    "width": width,
                    "nprefix": national_prefix,
                    "uid": self.env.uid,
                    "first": first,
                    "last": last,
                },
            )
        self.env["isp.phone.number"].invalidate_model()
        self.invalidate_recordset(["number_ids"])

    @api.model_create_multi
    def create(self, vals_list):
        ranges = super().create(vals_list)
        ranges._sync_numbers()
        return ranges

    def write(self, vals):
        if "company_id" in vals and self.number_ids.filtered(
            lambda n: n.state != "available"
        ):
            raise UserError(
                self.env._(
                    "A range whose numbers are used cannot move to another company."
                )
            )
        result = super().write(vals)
        if {
            "country_code",
            "area_code",
            "first_number",
            "last_number",
            "company_id",
        } & set(vals):
            if {"country_code", "area_code", "company_id"} & set(vals):
                self._rewrite_prefix()
            self._sync_numbers()
        return result

    def _rewrite_prefix(self):
        """A changed DDI/DDD renames the existing numbers in place."""
        self.flush_recordset()
        for record in self:
            used = record.number_ids.filtered(lambda n: n.state != "available")
            if used:
                raise UserError(
                    self.env._(
                        "The country or area code of range %(range)s cannot change "
                        "while numbers are not available: %(numbers)s.",
                        range=record.name,
                        numbers=_name_numbers(self.env, used.mapped("e164")),
                    )
                )
            self.env.cr.execute(
                "DELETE FROM isp_phone_number WHERE range_id = %s", (record.id,)
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_numbers_in_use(self):
        numbers = self.env["isp.phone.number"].search_fetch(
            [("range_id", "in", self.ids), ("state", "in", ("in_use", "reserved"))],
            ["e164"],
            order="e164",
        )
        if numbers:
            raise UserError(
                self.env._(
                    "These numbers are in use or reserved, so their range cannot be "
                    "deleted: %s.",
                    _name_numbers(self.env, numbers.mapped("e164")),
                )
            )

    # Smart buttons ------------------------------------------------------------
    def _action_numbers(self, state=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_phone_number"
        )
        action["domain"] = [("range_id", "=", self.id)]
        action["context"] = {"default_range_id": self.id}
        if state:
            action["context"][f"search_default_{state}"] = 1
        return action

    def action_view_numbers(self):
        return self._action_numbers()

    def action_view_available(self):
        return self._action_numbers("available")

    def action_view_reserved(self):
        return self._action_numbers("reserved")

    def action_view_in_use(self):
        return self._action_numbers("in_use")

    def action_view_quarantine(self):
        return self._action_numbers("quarantine")
