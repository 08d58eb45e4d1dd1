# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One adapter per VoIP platform; importing registers it."""

from . import base, asterisk, callmyway, sandbox, summit
