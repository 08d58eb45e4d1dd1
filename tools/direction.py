# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Call direction: one vocabulary for CDRs, call events and rating."""

INBOUND = "in"
OUTBOUND = "out"
# A call to another line of the company (rated as an outbound call).
INTERNAL = "internal"
DIRECTIONS = (INBOUND, OUTBOUND, INTERNAL)
