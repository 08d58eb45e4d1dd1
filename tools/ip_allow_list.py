# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Source-address allow-lists (the webhook's "who may call it"): a comma,
space or semicolon separated list of addresses and CIDR networks."""

import ipaddress
import re


def parse_allow_list(text):
    """Networks of a comma/space separated allow-list; ValueError names the
    entry that is not an address or a CIDR network."""
    networks = []
    for item in re.split(r"[,\s;]+", text or ""):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network") from None
    return networks


def ip_allowed(address, allow_list_text):
    """True when ``address`` is in the allow-list; an empty list allows all,
    an unreadable address is never allowed."""
    networks = parse_allow_list(allow_list_text)
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)
