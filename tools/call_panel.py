# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The call panel's rules (seed 001 §2), in plain Python so that they are
tested without a database.

* Who the other party of a call is, given the direction and the agent's
  endpoint (CallMyWay puts the agent's endpoint in ``ani`` or ``dnis``
  depending on the direction).
* What the panel offers: a linked contact (outgoing click-to-dial, or one
  match), a choice (several contacts share the number), create/link/ignore
  (unknown number) or a search by other fields (withheld number).
* How long a call lasted, in words.

The webhook's address allow-list is in ``ip_allow_list.py``, the redaction
of its token in log lines in ``log_redaction.py``.
"""

from . import phone

# Panel modes, the vocabulary the call panel (static/src/call_panel) uses.
LINKED = "linked"
CHOOSE = "choose"
UNKNOWN = "unknown"
WITHHELD = "withheld"
MODES = (LINKED, CHOOSE, UNKNOWN, WITHHELD)


def remote_party(direction, caller, called, endpoints=()):
    """The number of the person on the other side of the agent.

    Incoming: the caller; outgoing: the called number. When the platform
    wrote the agent's own endpoint there, the other field is taken."""
    caller, called = (caller or "").strip(), (called or "").strip()
    first, second = (caller, called) if direction == "in" else (called, caller)
    own = {str(e).strip() for e in endpoints if e}
    if first in own and second and second not in own:
        return second
    return first


def is_withheld(raw, country="BR", area_code=None):
    """True when the caller hid the number (empty, ``anonymous``...)."""
    return phone.parse(raw, country, area_code).kind == phone.WITHHELD


def panel_mode(withheld, linked, match_count):
    """What the panel offers the agent.

    ``linked``: the call already has its contact (an outgoing click-to-dial
    knows whom it calls: no choice) or exactly one contact has the number;
    ``choose``: several contacts share the number; ``withheld``: search by
    name, VAT/document or contract; ``unknown``: create a contact, link an
    existing one, or ignore."""
    if linked:
        return LINKED
    if withheld:
        return WITHHELD
    if match_count == 1:
        return LINKED
    if match_count > 1:
        return CHOOSE
    return UNKNOWN


def format_duration(seconds):
    """``83`` -> ``1 min 23 s``; ``0`` -> ``0 s``."""
    seconds = max(0, int(seconds or 0))
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min {rest:02d} s"
    if minutes:
        return f"{minutes} min {rest} s"
    return f"{rest} s"
