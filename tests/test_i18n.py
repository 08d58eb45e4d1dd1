# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Portuguese (Brazil): every string a user reads reaches the translation
export, scripts/i18n.py merges and checks the catalogs, and a pt_BR
customer's call statement speaks Portuguese with Brazilian dates, numbers
and money."""

import ast
import importlib.util
import re
import shutil
import tempfile
from pathlib import Path

import polib
from babel.messages import extract

from odoo.exceptions import AccessError
from odoo.tests import BaseCase, new_test_user

from .billing_common import LOCAL, MOBILE, BillingCase

ADDON = Path(__file__).resolve().parent.parent
# Exceptions whose message a user reads.
USER_EXCEPTIONS = {
    "UserError",
    "ValidationError",
    "AccessError",
    "RedirectWarning",
    "MissingError",
}


def _is_translation(call):
    """_("..."), _lt("...") or self.env._("...")."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in ("_", "_lt")
    return isinstance(func, ast.Attribute) and func.attr == "_"


def _is_translated_text(node):
    """What a user error may carry: a translation call; a call to a
    ``*_message()`` helper (by convention it returns translated text); or
    ``error.args[0]``, another user error's message raised again as is."""
    if isinstance(node, ast.Call):
        if _is_translation(node):
            return True
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name.endswith("_message")
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "args"
        and isinstance(node.slice, ast.Constant)
        and node.slice.value == 0
    )


def python_findings(source, name="<source>"):
    """Strings that would escape Odoo's export (babel reads only a string
    literal as the first argument of _(): no f-string, concatenation,
    % or .format inside), and user errors raised with a bare string."""
    findings = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if _is_translation(node):
            first = node.args[0] if node.args else None
            arguments = node.args + [keyword.value for keyword in node.keywords]
            if not (
                isinstance(first, ast.Constant) and isinstance(first.value, str)
            ) or any(
                # babel (Python 3.11's tokenizer) evaluates the string tokens
                # of the call's own arguments: an f-string given as a value
                # fails the extraction of the whole file, every string lost.
                isinstance(argument, ast.JoinedStr)
                for argument in arguments
            ):
                findings.append(f"{name}:{node.lineno}: {ast.unparse(node)[:80]}")
        elif isinstance(node.func, ast.Name) and node.func.id in USER_EXCEPTIONS:
            first = node.args[0] if node.args else None
            if first is not None and not _is_translated_text(first):
                findings.append(f"{name}:{node.lineno}: {ast.unparse(node)[:80]}")
    return findings


# _t( followed by anything but a string literal; a literal handed to the
# notification service or a title without _t.
JS_UNTRANSLATED = re.compile(
    r"""_t\(\s*[^\s"'`]|_t\(\s*`|notification\.add\(\s*["'`]|title\s*=\s*["'`]"""
)


class TestTranslatableStrings(BaseCase):
    def test_python_strings_reach_the_export(self):
        findings = []
        for path in sorted(ADDON.rglob("*.py")):
            relative = path.relative_to(ADDON)
            if relative.parts[0] in ("tests", "benchmarks", "scripts"):
                continue
            findings += python_findings(path.read_text(), str(relative))
        self.assertEqual(findings, [])

    def test_the_check_finds_what_escapes(self):
        source = (
            'raise UserError(_(f"Line {x}"))\n'
            'raise UserError(self.env._("a " + b))\n'
            'raise ValidationError("plain")\n'
            'raise UserError(self.env._("Line %s", x))\n'
            "raise UserError(self._folder_message(error))\n"
            "raise UserError(error.args[0])\n"
            "raise UserError(message)\n"
            "raise UserError(error.args[1])\n"
            'label = self.env._("%(n)s min", n=f"{x:.2f}")\n'
        )
        self.assertEqual(len(python_findings(source)), 6)

    def test_odoo_extracts_every_file(self):
        """Odoo's export reads each Python file with babel; a file babel
        cannot read loses all its strings from the export, silently (Odoo
        logs the error and goes on)."""
        failures = []
        for path in sorted(ADDON.rglob("*.py")):
            relative = path.relative_to(ADDON)
            if relative.parts[0] in ("tests", "benchmarks", "scripts"):
                continue
            with path.open("rb") as source:
                try:
                    list(
                        extract.extract(
                            "python",
                            source,
                            keywords={"_": None, "_lt": None},
                            options={"encoding": "UTF-8"},
                        )
                    )
                except Exception as error:  # noqa: BLE001 - any failure is the finding
                    failures.append(f"{relative}: {error!r}")
        self.assertEqual(failures, [])

    def test_javascript_strings_go_through_t(self):
        findings = []
        for path in sorted((ADDON / "static" / "src").rglob("*.js")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if JS_UNTRANSLATED.search(line):
                    findings.append(f"{path.name}:{number}: {line.strip()}")
        self.assertEqual(findings, [])
        self.assertTrue(JS_UNTRANSLATED.search('this.notification.add("Saved")'))
        self.assertTrue(JS_UNTRANSLATED.search("_t(`Call ${n}`)"))
        self.assertFalse(JS_UNTRANSLATED.search('this.title = _t("Call")'))


class TestPortugueseCallStatement(BillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("pt_BR")
        cls.env["ir.module.module"]._load_module_terms(
            ["isp_telephony"], ["pt_BR"], overwrite=True
        )
        cls.partner.lang = "pt_BR"
        cls.brl = cls.env.ref("base.BRL")
        cls.brl.active = True

    def test_charge_label_and_refusals_read_in_portuguese(self):
        """The charge's texts reach the export (babel read its file) and a
        refused field is named by its label in the reader's language."""
        self.cdr(MOBILE, 600, 30)
        self.close()
        charge = self.env["isp.telephony.charge"].search(
            [("contract_id", "=", self.contract.id)]
        )
        label = charge.with_context(lang="pt_BR")._invoice_label()
        self.assertTrue(label.startswith("Telefonia - "), label)
        self.assertIn("chamadas", label)
        manager = new_test_user(
            self.env,
            login="i18n_manager",
            groups="isp_telephony.group_telephony_manager",
            lang="pt_BR",
        )
        with self.assertRaisesRegex(AccessError, r"\(Status do serviço\)"):
            # The web client sends the user's language in the context.
            self.contract.with_user(manager).with_context(lang="pt_BR").write(
                {"service_status": "active"}
            )

    def test_statement_of_a_pt_br_customer(self):
        self.cdr(LOCAL, 50, 0)
        # 41,160 s to a mobile at R$ 1,80 a minute: R$ 1.234,80.
        self.cdr(MOBILE, 41160, 30)
        self.close()
        move = self.contract.recurring_create_invoice()
        move.currency_id = self.brl
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("isp_telephony.action_report_call_statement", move.ids)[
                0
            ]
            .decode()
            .replace("\xa0", " ")
            .replace("&nbsp;", " ")
        )
        # Portuguese labels from the template and from Python.
        for text in (
            "Extrato de chamadas",
            "Cliente:",
            "Ciclo:",
            "Resumo",
            "Data e hora",
            "Móvel local",
            "Fixo local",
        ):
            self.assertIn(text, html)
        self.assertNotIn("Call statement", html)
        self.assertNotIn("Local mobile", html)
        # Brazilian formats: dd/mm/aaaa, (DDD) number, R$ 1.234,56, 686,00 min.
        self.assertIn("10/02/2026 - 09/03/2026", html)
        self.assertIn("10/02/2026 00:30:00", html)
        self.assertIn("(31) 98765-4321", html)
        self.assertIn("(31) 3333-4444", html)
        self.assertIn("R$ 1.234,80", html)
        self.assertIn("686,00", html)
        # An English-speaking customer of the same ISP gets English.
        self.partner.lang = "en_US"
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("isp_telephony.action_report_call_statement", move.ids)[
                0
            ]
            .decode()
        )
        self.assertIn("Call statement", html)
        self.assertIn("Local mobile", html)
        self.assertIn("686.00", html)


def _load_i18n_script():
    spec = importlib.util.spec_from_file_location(
        "isp_i18n_script", ADDON / "scripts" / "i18n.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestI18nMerge(BaseCase):
    """scripts/i18n.py: what scripts/i18n.sh merges and scripts/test.sh
    checks."""

    def setUp(self):
        super().setUp()
        self.script = _load_i18n_script()
        self.tmp = Path(tempfile.mkdtemp(prefix="isp_i18n_"))
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def catalog(self, path, entries):
        catalog = polib.POFile()
        catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
        for msgid, msgstr, flags in entries:
            catalog.append(
                polib.POEntry(
                    msgid=msgid,
                    msgstr=msgstr,
                    flags=list(flags),
                    occurrences=[("code:addons/isp_telephony/x.py", "0")],
                )
            )
        catalog.save(str(path))
        return path

    def test_merge_keeps_translations_adds_new_drops_gone(self):
        i18n = self.tmp / "i18n"
        i18n.mkdir()
        self.catalog(
            i18n / "pt_BR.po",
            [("Line", "Linha", ()), ("Gone", "Sumiu", ()), ("Due Day", "Dia", ())],
        )
        fresh = self.catalog(
            self.tmp / "fresh.pot",
            [("Line", "", ()), ("Due Day", "", ()), ("New %s", "", ())],
        )
        self.script.update(fresh, i18n)
        po = polib.pofile(str(i18n / "pt_BR.po"))
        self.assertEqual(
            [(e.msgid, e.msgstr) for e in po],
            [("Line", "Linha"), ("Due Day", "Dia"), ("New %s", "")],
        )
        self.assertTrue((i18n / "isp_telephony.pot").exists())
        # The check now fails on the untranslated entry, then passes.
        self.assertEqual(self.script.check(fresh, i18n), 1)
        po.find("New %s").msgstr = "Novo %s"
        po.save()
        self.assertEqual(self.script.check(fresh, i18n), 0)

    def test_check_fails_on_fuzzy_placeholders_and_a_stale_pot(self):
        i18n = self.tmp / "i18n"
        i18n.mkdir()
        fresh = self.catalog(
            self.tmp / "fresh.pot", [("Line %s", "", ()), ("Block", "", ())]
        )
        shutil.copyfile(fresh, i18n / "isp_telephony.pot")
        self.catalog(
            i18n / "pt_BR.po",
            [("Line %s", "Linha", ()), ("Block", "Bloquear", ("fuzzy",))],
        )
        problems = self.script.po_problems(
            polib.pofile(str(i18n / "pt_BR.po")), polib.pofile(str(fresh))
        )
        self.assertEqual(len(problems), 2)
        self.assertIn("placeholders differ", problems[0])
        self.assertIn("fuzzy", problems[1])
        newer = self.catalog(
            self.tmp / "newer.pot", [("Line %s", "", ()), ("Unblock", "", ())]
        )
        differences = self.script.pot_differences(
            polib.pofile(str(newer)), polib.pofile(str(fresh))
        )
        self.assertEqual(
            differences, ["new in the code: 'Unblock'", "gone from the code: 'Block'"]
        )
