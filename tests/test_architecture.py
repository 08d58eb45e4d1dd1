# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The layering of docs/architecture.md holds: the plain-Python core
(``tools/``, ``gateways/``) imports no Odoo, ``tools/`` imports nothing of
the addon outside itself, ``gateways/`` only ``tools/``, and no module of
the addon imports itself back through a circle; and the addon locks one
way, through ``tools/locks.py``. Read from the source (no import is run),
so the test needs no database."""

import ast
import re
from pathlib import Path

from odoo.tests import BaseCase

ADDON = Path(__file__).resolve().parent.parent
# Folder -> folders of the addon its modules may import.
MAY_IMPORT = {
    "tools": {"tools"},
    "gateways": {"gateways", "tools"},
}
# Top-level packages the plain-Python core must not use.
FRAMEWORK = {"odoo", "openerp"}
# The one module that locks (docs/architecture.md "Locking"), and what
# locking looks like anywhere else: advisory locks, row locks taken to keep
# other workers out (FOR UPDATE, FOR NO KEY UPDATE, NOWAIT, SKIP LOCKED),
# table locks. FOR KEY SHARE is not among them: it is the foreign-key check
# (a referenced row cannot be deleted meanwhile) and blocks no worker.
LOCK_OWNER = "tools/locks.py"
LOCKING = re.compile(
    r"pg_(?:try_)?advisory|\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b|\bNOWAIT\b"
    r"|\bSKIP\s+LOCKED\b|\bLOCK\s+TABLE\b",
    re.IGNORECASE,
)
# Folders that are not the product.
NOT_PRODUCT = ("tests", "benchmarks", "scripts")


def _module_name(relative):
    parts = list(Path(relative).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(relative, source):
    """``(external top-level packages, addon modules)`` that the module at
    ``relative`` (a path inside the addon) imports in ``source``; addon
    modules as dotted names relative to the addon."""
    tree = ast.parse(source, str(relative))
    package = _module_name(relative).split(".")
    if Path(relative).name != "__init__.py":
        package = package[:-1]
    external, internal = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                external.add(alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if not node.level:
                external.add((node.module or "").split(".")[0])
                continue
            base = (
                package[: len(package) - (node.level - 1)]
                if node.level > 1
                else package
            )
            target = [*base, *(node.module.split(".") if node.module else [])]
            # "from .x import y": module x.y, or a name y of module x (the
            # import graph keeps whichever is a module).
            for alias in node.names:
                internal.add(".".join([*target, alias.name]))
    return external, internal


def core_sources():
    """``(relative path, source)`` of every module of the core."""
    for folder in MAY_IMPORT:
        for path in sorted((ADDON / folder).glob("*.py")):
            yield str(path.relative_to(ADDON)), path.read_text()


def layering_findings(sources):
    findings = []
    for relative, source in sources:
        folder = Path(relative).parts[0]
        external, internal = imports_of(relative, source)
        for name in sorted(external & FRAMEWORK):
            findings.append(f"{relative} imports {name}")
        for name in sorted(internal):
            if name.split(".")[0] not in MAY_IMPORT[folder]:
                findings.append(f"{relative} imports {name}")
    return findings


def import_graph():
    """Addon module -> addon modules it imports (every Python file outside
    tests/, benchmarks/ and scripts/)."""
    graph = {}
    for path in sorted(ADDON.rglob("*.py")):
        top = path.relative_to(ADDON).parts[0]
        if top in ("tests", "benchmarks", "scripts"):
            continue
        relative = path.relative_to(ADDON)
        graph[_module_name(relative)] = imports_of(relative, path.read_text())[1]
    # "from . import a" names a module or a name of the package: keep modules.
    return {
        module: {name if name in graph else name.rsplit(".", 1)[0] for name in names}
        & set(graph)
        for module, names in graph.items()
    }


def circles(graph):
    """Import circles of ``graph``, each as a list of modules. A package's
    __init__ importing its own modules is how packages are built, not a
    circle, so edges from a package to what it contains are left out."""
    edges = {
        module: {
            name
            for name in names
            if not (module == "" or name.startswith(module + "."))
        }
        for module, names in graph.items()
    }
    found, done, stack = [], set(), []

    def visit(module):
        if module in stack:
            found.append(stack[stack.index(module) :] + [module])
            return
        if module in done:
            return
        stack.append(module)
        for name in sorted(edges.get(module, ())):
            visit(name)
        stack.pop()
        done.add(module)

    for module in sorted(edges):
        visit(module)
    return found


def product_sources():
    """``(relative path, source)`` of every Python module of the product."""
    for path in sorted(ADDON.rglob("*.py")):
        relative = path.relative_to(ADDON)
        if relative.parts[0] not in NOT_PRODUCT:
            yield str(relative), path.read_text()


def locking_findings(sources):
    """Every place outside tools/locks.py that locks by itself."""
    findings = []
    for relative, source in sources:
        if relative == LOCK_OWNER:
            continue
        for number, line in enumerate(source.splitlines(), 1):
            for match in LOCKING.finditer(line):
                findings.append(f"{relative}:{number}: {match.group(0)}")
    return findings


class TestLayering(BaseCase):
    def test_the_core_imports_no_odoo_and_only_its_layers(self):
        self.assertEqual(layering_findings(core_sources()), [])

    def test_no_import_circles(self):
        self.assertEqual(circles(import_graph()), [])

    def test_the_checks_find_what_breaks_the_rules(self):
        source = (
            "from odoo import models\n"
            "from ..models import isp_cdr\n"
            "from . import phone\n"
        )
        self.assertEqual(
            layering_findings([("tools/_architecture_probe.py", source)]),
            [
                "tools/_architecture_probe.py imports odoo",
                "tools/_architecture_probe.py imports models.isp_cdr",
            ],
        )
        self.assertEqual(
            circles({"tools.a": {"tools.b"}, "tools.b": {"tools.a"}, "tools": set()}),
            [["tools.a", "tools.b", "tools.a"]],
        )

    def test_one_way_to_lock(self):
        self.assertEqual(locking_findings(product_sources()), [])

    def test_the_lock_check_finds_a_lock_taken_by_hand(self):
        source = (
            'cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (1, 2))\n'
            'cr.execute("SELECT id FROM isp_sip_line WHERE id = %s FOR UPDATE")\n'
            "cr.execute('SELECT 1 FROM queue_job FOR no key update skip locked')\n"
            'cr.execute("SELECT id FROM t FOR KEY SHARE")  # a foreign-key check\n'
            "# the form waits for updates of the line\n"
        )
        self.assertEqual(
            locking_findings([("models/_lock_probe.py", source), (LOCK_OWNER, source)]),
            [
                "models/_lock_probe.py:1: pg_try_advisory",
                "models/_lock_probe.py:2: FOR UPDATE",
                "models/_lock_probe.py:3: FOR no key update",
                "models/_lock_probe.py:3: skip locked",
            ],
        )
