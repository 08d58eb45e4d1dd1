# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Owned fields: what only one process (or one group) may write.

The rule of the house is "read-only in the UI = refused by the server". A
model states once which of its fields belong to which writer, as a list of
``OwnedFields`` returned by ``_owned_fields()``; the mixin's ``create`` and
``write`` check every rule before anything is stored, in one place
(``_check_owned_fields``). The superuser (the owning code, after its own
checks) always passes; a rule's ``group`` may let its members through too.

    class IspSipLineSpend(models.Model):
        _inherit = "isp.sip.line"

        def _owned_fields(self):
            return super()._owned_fields() + [SPEND_OWNED]

A model whose own ``create``/``write`` does not reach the mixin's (it returns
without ``super()``, or calls the base class past it) is caught by
``tests/test_owned_fields.py``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from odoo import api, models
from odoo.exceptions import AccessError

# When a create or a write counts an owned field as written:
ANY = "any"  # the field is in the values
SET = "set"  # a value other than empty or the field's default (a new record
# from the web client carries the defaults of its form)
CHANGED = "changed"  # a value other than what one of the records holds
ALWAYS = "always"  # the record itself is owned: refused whatever the values
NEVER = None  # not checked

MANAGER_GROUP = "isp_telephony.group_telephony_manager"

# Fields of the chatter a reader may change on a record whatever it owns
# (followers, activities, attachments).
CHATTER_PREFIXES = ("message_", "activity_")


@dataclass(frozen=True)
class OwnedFields:
    """One rule: ``fields`` are written only by the superuser (the code that
    owns them) and the members of ``group``; anyone else is refused with
    ``refusal_message(records, labels)`` (translated text; ``labels`` are the
    refused fields' labels, comma-separated).

    ``all_but``: the rule owns every field but ``fields`` (and the chatter's
    own): an allow-list. ``computed``: the rule owns the model's read-only
    computed fields (the ORM keeps them up to date). ``on_create`` and
    ``on_write``: ANY, SET, CHANGED (write only), ALWAYS or NEVER."""

    refusal_message: Callable
    fields: frozenset = frozenset()
    group: str | None = None
    all_but: bool = False
    computed: bool = False
    on_create: str | None = ANY
    on_write: str | None = ANY

    def owns(self, records, name):
        if self.computed:
            field = records._fields.get(name)
            return bool(field and field.compute and field.readonly)
        if self.all_but:
            return name not in self.fields and not name.startswith(CHATTER_PREFIXES)
        return name in self.fields

    def written(self, records, vals, creating):
        """The owned fields ``vals`` write (sorted), or None when the rule
        does not refuse them."""
        mode = self.on_create if creating else self.on_write
        if mode is NEVER:
            return None
        if mode == ALWAYS:
            return sorted(vals)
        names = sorted(name for name in vals if self.owns(records, name))
        if mode == SET:
            names = [
                name
                for name in names
                if vals[name] and vals[name] != _default(records, name)
            ]
        elif mode == CHANGED:
            names = [
                name
                for name in names
                if any(record[name] != vals[name] for record in records)
            ]
        return names or None


# Computed fields shown read-only (a stored copy of another record's field
# such as the caller ID's E.164 or the contract's status, the category
# blocking expects): the ORM keeps them up to date; a write would redirect
# call matching or unblock a line on the next run.
COMPUTED_OWNED = OwnedFields(
    computed=True,
    refusal_message=lambda records, labels: records.env._(
        "These fields are computed and cannot be written: %s.", labels
    ),
)


def _default(records, name):
    field = records._fields.get(name)
    default = field and field.default
    return default(records) if default else False


class IspTelephonyOwnedFieldsMixin(models.AbstractModel):
    """Checks the owned fields of a model in its create and write."""

    _name = "isp.telephony.owned.fields.mixin"
    _description = "Telephony Owned Fields"

    def _owned_fields(self):
        """The model's rules (a list of OwnedFields), checked in order:
        each extension adds its own to ``super()``'s."""
        return []

    def _check_owned_fields(self, vals, creating=False):
        """Refuse ``vals`` when they write a field its rule keeps from the
        current user: raises AccessError in plain words."""
        if self.env.su:
            return
        for rule in self._owned_fields():
            written = rule.written(self, vals, creating)
            if written is None:
                continue
            if rule.group and self.env.user.has_group(rule.group):
                continue
            labels = ", ".join(
                sorted(
                    # In the reader's language, as the form shows them.
                    self._fields[name]._description_string(self.env)
                    if name in self._fields
                    else name
                    for name in written
                )
            )
            raise AccessError(rule.refusal_message(self, labels))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_owned_fields(vals, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._check_owned_fields(vals)
        return super().write(vals)
