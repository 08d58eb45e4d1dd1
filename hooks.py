# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .models.fields import drop_delete_guards


def uninstall_hook(env):
    """Drop the delete triggers isp.cdr put on other modules' tables
    (res_partner, account_move, ...) before its own table goes."""
    drop_delete_guards(env.cr, "isp_cdr")
