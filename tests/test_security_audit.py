# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11 point 2, second audit of every sudo() (docs/security.md): the
holes it found, each refused over the ORM as the user who tried (a
customer of the portal reading their own lines)."""

import ast
import re
from collections import Counter
from pathlib import Path

from odoo.exceptions import AccessError
from odoo.tests import BaseCase, new_test_user

from .billing_common import LOCAL, MARCH, BillingCase

ADDON = Path(__file__).resolve().parent.parent
AUDITED = ("models", "controllers", "wizards", "report")
TABLE_HEADING = "### Audit of every `sudo()`"


def sudo_sites(root=ADDON):
    """``{(file, function): call sites}`` of every ``.sudo(...)`` call of the
    audited folders, read from the sources (not imported): a method, or a
    function of the module, with the calls in its body (lambdas included)."""
    sites = Counter()
    for folder in AUDITED:
        for path in sorted((root / folder).rglob("*.py")):
            relative = str(path.relative_to(root))
            tree = ast.parse(path.read_text())
            functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    functions += [
                        item for item in node.body if isinstance(item, ast.FunctionDef)
                    ]
            for function in functions:
                for node in ast.walk(function):
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "sudo"
                    ):
                        sites[relative, function.name] += 1
    return dict(sites)


def table_sites(text):
    """``{(file, function): call sites}`` as the audit table of
    docs/security.md lists them: rows ``| `file` | `method` (n), ... |``."""
    section = text.split(TABLE_HEADING, 1)[1].split("\n## ", 1)[0]
    listed = Counter()
    for row in section.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) < 2:
            continue
        path = re.fullmatch(r"`([\w/]+\.py)`", cells[0])
        if not path:
            continue
        for name, count in re.findall(r"`(\w+)` \((\d+)\)", cells[1]):
            listed[path.group(1), name] += int(count)
    return dict(listed)


def table_findings(code, listed):
    """What the table gets wrong: methods missing, gone or miscounted."""
    findings = []
    for key in sorted(set(code) | set(listed)):
        if code.get(key) != listed.get(key):
            findings.append(
                f"{key[0]} {key[1]}: {code.get(key, 0)} sudo() in the code, "
                f"{listed.get(key, 0)} in docs/security.md"
            )
    return findings


class TestSudoAudit(BillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(
            cls.env,
            login="audit_portal",
            groups="base.group_portal",
            partner_id=cls.partner.id,
        )
        # More lines than BATCH_FROM: activating them makes a batch record.
        cls.lines = cls.line | cls.env["isp.sip.line"].concat(
            *(cls.make_line(cls.contract, f"+55313500001{n}") for n in range(6))
        )

    def test_portal_customer_cannot_activate_lines_in_a_batch(self):
        as_portal = self.lines.with_user(self.portal)
        # The customer reads their lines (portal) ...
        self.assertEqual(as_portal.search([]), self.lines)
        self.assertEqual(set(as_portal.mapped("state")), {"draft"})
        # ... but activating them is refused before the batch is made.
        with self.assertRaises(AccessError):
            as_portal.action_activate()
        self.assertFalse(self.env["isp.provisioning.batch"].search([]))
        self.assertEqual(set(self.lines.mapped("state")), {"draft"})

    def test_portal_customer_cannot_run_the_spend_check(self):
        with self.assertRaises(AccessError):
            self.line.with_user(self.portal).action_check_spend()
        # A telephony user may.
        self.assertTrue(self.line.with_user(self.user).action_check_spend())

    def test_portal_customer_cannot_rematch_calls(self):
        with self.assertRaises(AccessError):
            self.env["isp.cdr"].with_user(self.portal).action_rematch()

    def test_portal_customer_learns_nothing_of_a_number_by_creating_a_line(self):
        """A line's create checks that its number is free (as superuser)
        before the ORM checks create access: the user must read the number
        first, or a customer would learn its state and name."""
        taken = self.line.caller_id_number_id
        self.assertEqual(taken.state, "in_use")
        with self.assertRaises(AccessError):
            self.env["isp.sip.line"].with_user(self.portal).create(
                {
                    "contract_id": self.contract.id,
                    "integration_id": self.integration.id,
                    "caller_id_number_id": taken.id,
                }
            )
        with self.assertRaises(AccessError):
            self.env["isp.sip.line.did"].with_user(self.portal).create(
                {"line_id": self.line.id, "number_id": taken.id}
            )

    def test_manager_cannot_close_another_companys_month(self):
        """The close runs SQL without record rules: the wizard refuses a
        company the manager does not work in, and contracts of another
        company."""
        other = self.env["res.company"].create({"name": "Outra Telecom"})
        self.cdr(LOCAL, 400, 60)
        Wizard = self.env["isp.telephony.billing.wizard"].with_user(self.manager)
        wizard = Wizard.create({"billing_month": MARCH, "company_id": other.id})
        with self.assertRaises(AccessError):
            wizard.action_preview()
        with self.assertRaises(AccessError):
            wizard.action_generate()
        Charge = self.env["isp.telephony.charge"]
        mine = [("contract_id", "=", self.contract.id)]
        self.assertFalse(Charge.search(mine))
        # Their own company's month closes.
        wizard = Wizard.create({"billing_month": MARCH})
        wizard.action_preview()
        wizard.action_generate()
        self.assertEqual(Charge.search(mine).contract_id, self.contract)


class TestSudoAuditTable(BaseCase):
    """docs/security.md lists every sudo() under its file and method, with
    what is checked first: the table cannot go stale."""

    def test_the_table_lists_every_sudo_of_the_code(self):
        code = sudo_sites()
        self.assertGreater(sum(code.values()), 90)
        listed = table_sites((ADDON / "docs" / "security.md").read_text())
        self.assertEqual(table_findings(code, listed), [])

    def test_the_check_finds_a_stale_table(self):
        code = {("models/a.py", "action_x"): 2, ("models/a.py", "_y"): 1}
        text = (
            f"{TABLE_HEADING}\n\n| file | methods | why | checked |\n"
            "|---|---|---|---|\n"
            "| `models/a.py` | `action_x` (1), `_gone` (1) | w | c |\n\n## Next\n"
            "| `models/a.py` | `_y` (1) | w | c |\n"
        )
        self.assertEqual(
            table_findings(code, table_sites(text)),
            [
                "models/a.py _gone: 0 sudo() in the code, 1 in docs/security.md",
                "models/a.py _y: 1 sudo() in the code, 0 in docs/security.md",
                "models/a.py action_x: 2 sudo() in the code, 1 in docs/security.md",
            ],
        )
