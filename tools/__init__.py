"""Plain-Python core of the addon: no Odoo import here."""
