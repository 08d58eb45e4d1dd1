# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CDR file layout: how one CDR file format is read."""

import json

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.base.models.res_partner import _tz_get

from ..tools import cdr_layouts

# Layout fields stored as JSON text, and the Layout key each one fills.
JSON_FIELDS = {
    "column_map": "columns",
    "direction_map": "direction_map",
    "disposition_map": "disposition_map",
}


class IspCdrLayout(models.Model):
    """How one CDR file format is read (delimiter, header, columns, dates,
    time zone). The presets are the Asterisk ``cdr_csv`` Master.csv and the
    assumed Summit Networks CSV (docs/cdr-formats.md)."""

    _name = "isp.cdr.layout"
    _description = "CDR File Layout"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to share the layout between companies.",
    )
    preset = fields.Selection(
        [
            ("asterisk_master_csv", "Asterisk cdr_csv (Master.csv)"),
            ("summit_csv", "Summit Networks CSV (assumed)"),
            ("custom", "Custom"),
        ],
        required=True,
        default="custom",
        help="A preset fills every setting below; choose Custom to edit them.",
    )
    delimiter = fields.Char(
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        help="Character between columns. Use the word TAB for a tab.",
    )
    quotechar = fields.Char(
        string="Quote Character",
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        size=1,
        help="Character around values that contain the delimiter.",
    )
    has_header = fields.Boolean(
        string="Header Row",
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        help="The first row names the columns; the column map then uses names.",
    )
    encoding = fields.Char(
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        help="Text encoding of the file: utf-8, latin-1, cp1252...",
    )
    column_map = fields.Text(
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        help="JSON object: CDR field -> column number (0-based) or header name, "
        'e.g. {"ani_raw": 1, "dnis_raw": 2, "detect_time": 9, "duration": 12}. '
        "Fields: " + ", ".join(cdr_layouts.COLUMN_FIELDS) + ".",
    )
    optional_columns = fields.Char(
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        help="Comma-separated mapped fields that may be missing from a row or "
        "from the header.",
    )
    min_columns = fields.Integer(
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        help="Fewest columns a row may have (0: derived from the column map).",
    )
    max_columns = fields.Integer(
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        help="Most columns a row may have (0: derived from the column map).",
    )
    date_format = fields.Char(
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        help="strptime format of the times (%Y-%m-%d %H:%M:%S), or 'epoch' for "
        "Unix seconds.",
    )
    timezone = fields.Selection(
        _tz_get,
        string="Time Zone",
        help="Time zone the file's times are written in. Empty: the "
        "integration's platform time zone. Times are stored in UTC.",
    )
    direction_map = fields.Text(
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        help='JSON object: value of the direction column -> "in", "out" or '
        '"internal"; a key ending in * matches a prefix (Asterisk dcontext).',
    )
    direction_default = fields.Selection(
        [("in", "Inbound"), ("out", "Outbound"), ("internal", "Internal")],
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        help="Direction of rows whose value is not in the map. Empty: such rows "
        "are rejected.",
    )
    disposition_map = fields.Text(
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
        help='JSON object: status word -> "answered", "no_answer", "busy" or '
        '"failed". An unknown word rejects the row.',
    )
    decimal_separator = fields.Selection(
        [(".", "Point (1.50)"), (",", "Comma (1,50)")],
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        precompute=True,
    )
    note = fields.Text(help="Where this format comes from, who sends it.")

    @api.depends("preset")
    def _compute_from_preset(self):
        for layout in self:
            preset = cdr_layouts.PRESETS.get(layout.preset)
            if preset is None:
                if not layout.date_format:
                    layout._set_from(cdr_layouts.Layout())
                continue
            layout._set_from(preset)

    def _set_from(self, preset):
        data = preset.to_dict()
        self.delimiter = "TAB" if data["delimiter"] == "\t" else data["delimiter"]
        self.quotechar = data["quotechar"]
        self.has_header = data["has_header"]
        self.encoding = data["encoding"]
        self.column_map = json.dumps(data["columns"], indent=1)
        self.optional_columns = ", ".join(data["optional_columns"])
        self.min_columns = data["min_columns"]
        self.max_columns = data["max_columns"]
        self.date_format = data["date_format"]
        self.direction_map = json.dumps(data["direction_map"], indent=1)
        self.direction_default = data["direction_default"] or False
        self.disposition_map = json.dumps(data["disposition_map"], indent=1)
        self.decimal_separator = data["decimal_separator"]

    def _layout_dict(self):
        self.ensure_one()
        data = {
            "name": self.name or "custom",
            "delimiter": "\t"
            if (self.delimiter or "").upper() == "TAB"
            else (self.delimiter or ","),
            "quotechar": self.quotechar or '"',
            "has_header": self.has_header,
            "encoding": self.encoding or "utf-8",
            "optional_columns": [
                item.strip()
                for item in (self.optional_columns or "").split(",")
                if item.strip()
            ],
            "min_columns": self.min_columns or 0,
            "max_columns": self.max_columns or 0,
            "date_format": self.date_format or cdr_layouts.STANDARD_DATE_FORMAT,
            "direction_default": self.direction_default or None,
            "decimal_separator": self.decimal_separator or ".",
        }
        for field_name, key in JSON_FIELDS.items():
            text = (self[field_name] or "").strip() or "{}"
            try:
                value = json.loads(text)
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "%(field)s of layout %(layout)s is not valid JSON: %(error)s",
                        field=self._fields[field_name].string,
                        layout=self.name,
                        error=error,
                    )
                ) from None
            if not isinstance(value, dict):
                raise ValidationError(
                    self.env._(
                        "%(field)s of layout %(layout)s must be a JSON object.",
                        field=self._fields[field_name].string,
                        layout=self.name,
                    )
                )
            data[key] = value
        return data

    def _get_layout(self, integration):
        """The parser's Layout for files of ``integration`` (its country, area
        code and, unless the layout names one, its time zone)."""
        self.ensure_one()
        data = self._layout_dict()
        data["timezone"] = self.timezone or integration.timezone or "UTC"
        data["country"] = integration._country_code()
        data["area_code"] = "".join(
            ch for ch in integration.area_code or "" if ch.isdigit()
        )
        try:
            return cdr_layouts.Layout.from_dict(data)
        except (ValueError, TypeError) as error:
            raise UserError(
                self.env._(
                    "The CDR layout %(layout)s is unusable: %(error)s",
                    layout=self.name,
                    error=error,
                )
            ) from None

    @api.constrains(
        "delimiter",
        "quotechar",
        "has_header",
        "encoding",
        "column_map",
        "optional_columns",
        "min_columns",
        "max_columns",
        "date_format",
        "timezone",
        "direction_map",
        "direction_default",
        "disposition_map",
        "decimal_separator",
    )
    def _check_layout(self):
        for layout in self:
            data = layout._layout_dict()
            data["timezone"] = layout.timezone or "UTC"
            try:
                cdr_layouts.Layout.from_dict(data)
            except (ValueError, TypeError) as error:
                raise ValidationError(
                    self.env._(
                        "The CDR layout %(layout)s is unusable: %(error)s",
                        layout=layout.name,
                        error=error,
                    )
                ) from None
