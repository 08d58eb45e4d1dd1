# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Owned fields (models/owned_fields.py): the one mechanism behind every
"read-only in the UI = refused by the server" guard. The rule itself (who
passes, what a create or a write counts as written, the message), and every
model that declares owned fields reaching the check from create and write."""

from unittest.mock import patch

from odoo import models
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user

from ..models.owned_fields import (
    ALWAYS,
    CHANGED,
    COMPUTED_OWNED,
    MANAGER_GROUP,
    NEVER,
    SET,
    OwnedFields,
)

MIXIN = "isp.telephony.owned.fields.mixin"


class Reached(Exception):
    """Raised by the patched check: create/write reached it."""


def _reached(self, vals, creating=False):
    raise Reached


def owning_models(env):
    """Every model that declares owned fields."""
    mixin = type(env[MIXIN])
    return sorted(
        name
        for name, cls in env.registry.items()
        if issubclass(cls, mixin) and not cls._abstract and env[name]._owned_fields()
    )


def unchecked(model):
    """Which of ``create`` and ``write`` of ``model`` never reach the owned
    fields' check (returns without ``super()``, calls past the mixin)."""
    missing = []
    calls = {
        "create": lambda: model.create([{}]),
        "write": lambda: model.browse().write({}),
    }
    with patch.object(type(model), "_check_owned_fields", _reached):
        for method, call in calls.items():
            try:
                with model.env.cr.savepoint():
                    call()
                reached = False
            except Reached:
                reached = True
            except Exception:  # noqa: BLE001 - failed before the check
                reached = False
            if not reached:
                missing.append(method)
    return missing


def _message(records, labels):
    return f"Refused: {labels}."


class TestOwnedFieldsRule(TransactionCase):
    """The rule on a plain model (contacts), whatever declares it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="owned_user",
            groups="base.group_user,base.group_partner_manager,"
            "isp_telephony.group_telephony_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="owned_manager",
            groups="base.group_user,base.group_partner_manager,"
            "isp_telephony.group_telephony_manager",
        )
        cls.partner = cls.env["res.partner"].create(
            {"name": "Cliente", "comment": "antes"}
        )

    def rules(self, *rules):
        return patch.object(
            type(self.env["res.partner"]), "_owned_fields", lambda self: list(rules)
        )

    def test_owner_group_and_superuser_pass_anyone_else_is_refused(self):
        rule = OwnedFields(
            fields=frozenset({"comment", "ref"}),
            group=MANAGER_GROUP,
            refusal_message=_message,
        )
        with self.rules(rule):
            with self.assertRaisesRegex(AccessError, "Refused: Notes, Reference."):
                self.partner.with_user(self.user).write({"ref": "X", "comment": "Y"})
            self.partner.with_user(self.user).write({"name": "Cliente 2"})
            self.partner.with_user(self.manager).write({"comment": "gerente"})
            self.partner.with_user(self.user).sudo().write({"ref": "sistema"})
            with self.assertRaises(AccessError):
                self.env["res.partner"].with_user(self.user).create(
                    {"name": "Novo", "ref": "X"}
                )
        self.assertIn("gerente", self.partner.comment)
        self.assertEqual(self.partner.ref, "sistema")

    def test_set_lets_a_create_carry_empty_values_and_defaults(self):
        rule = OwnedFields(
            fields=frozenset({"comment", "active"}),
            on_create=SET,
            on_write=NEVER,
            refusal_message=_message,
        )
        partners = self.env["res.partner"].with_user(self.user)
        with self.rules(rule):
            partners.create({"name": "Vazio", "comment": False, "active": True})
            with self.assertRaisesRegex(AccessError, "Refused: Notes."):
                partners.create({"name": "Forjado", "comment": "x"})
            # NEVER: writes are not this rule's.
            self.partner.with_user(self.user).write({"comment": "depois"})

    def test_changed_lets_a_write_send_back_what_is_there(self):
        rule = OwnedFields(
            fields=frozenset({"ref"}), on_write=CHANGED, refusal_message=_message
        )
        self.partner.ref = "R1"
        with self.rules(rule):
            self.partner.with_user(self.user).write({"ref": "R1", "name": "Igual"})
            with self.assertRaises(AccessError):
                self.partner.with_user(self.user).write({"ref": "R2"})

    def test_all_but_is_an_allow_list_and_always_owns_the_record(self):
        allow = OwnedFields(
            fields=frozenset({"comment"}),
            all_but=True,
            on_create=NEVER,
            refusal_message=_message,
        )
        with self.rules(allow):
            self.partner.with_user(self.user).write({"comment": "nota"})
            with self.assertRaisesRegex(AccessError, "Refused: Reference."):
                self.partner.with_user(self.user).write({"comment": "y", "ref": "Z"})
        whole = OwnedFields(on_create=NEVER, on_write=ALWAYS, refusal_message=_message)
        with self.rules(whole), self.assertRaises(AccessError):
            self.partner.with_user(self.manager).write({})

    def test_computed_fields_are_the_orm_s(self):
        with self.rules(COMPUTED_OWNED):
            with self.assertRaisesRegex(AccessError, "Phone \\(E.164\\)"):
                self.partner.with_user(self.manager).write(
                    {"telephony_phone_e164": "+5511999990000"}
                )
            self.partner.with_user(self.manager).write({"phone": "+5511999990000"})
        self.assertEqual(self.partner.telephony_phone_e164, "+5511999990000")


class TestOwnedFieldsReached(TransactionCase):
    """No model that declares owned fields lets a create or write past
    the check."""

    def test_every_owning_model_checks_create_and_write(self):
        names = owning_models(self.env)
        # The guards of issue 11 and after, in one place.
        for expected in (
            "contract.contract",
            "isp.call.log",
            "isp.phone.number",
            "isp.sip.line",
            "isp.sip.line.did",
            "isp.telephony.integration",
            "isp.telephony.notice",
            "res.partner",
        ):
            self.assertIn(expected, names)
        for name in names:
            with self.subTest(model=name):
                self.assertEqual(unchecked(self.env[name]), [])

    def test_a_write_that_skips_the_mixin_is_found(self):
        notices = self.env["isp.telephony.notice"]
        with patch.object(
            type(notices),
            "write",
            lambda self, vals: models.BaseModel.write(self, vals),
        ):
            self.assertEqual(unchecked(notices), ["write"])
