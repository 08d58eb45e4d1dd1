# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Destination class: a class of the rating core, as a record."""

from odoo import fields, models

from ..tools import destination as dest

# The classes of tools/destination.py with their labels: the selection stored
# on CDRs, rates and invoice lines.
DEST_CLASSES = [
    (dest.LOCAL_FIXED, "Local fixed"),
    (dest.NATIONAL_FIXED, "National fixed"),
    (dest.LOCAL_MOBILE, "Local mobile"),
    (dest.NATIONAL_MOBILE, "National mobile"),
    (dest.INTERNATIONAL, "International"),
    (dest.TOLL_FREE, "Toll-free (0800)"),
    (dest.NON_GEOGRAPHIC, "Non-geographic (0300/0500/0900)"),
    (dest.EMERGENCY, "Emergency and utility codes"),
    (dest.ON_NET, "On-net"),
    (dest.INBOUND, "Inbound"),
    (dest.UNKNOWN, "Unknown"),
]


class IspTelephonyDestinationClass(models.Model):
    """A destination class of the rating core, as a record so that franchise
    buckets can cover several classes. The records are data: one per class."""

    _name = "isp.telephony.destination.class"
    _description = "Telephony Destination Class"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(
        DEST_CLASSES,
        required=True,
        help="Class computed by the rating core from the line's area code and "
        "the dialled number.",
    )
    sequence = fields.Integer(default=10)

    _sql_constraints = [
        ("code_uniq", "UNIQUE(code)", "Each destination class exists once."),
    ]
