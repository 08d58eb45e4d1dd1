# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Keeps i18n/ in step with the code, for scripts/i18n.sh and scripts/test.sh.

    i18n.py update FRESH_POT I18N_DIR   write the .pot, merge it into each .po
    i18n.py check FRESH_POT I18N_DIR    fail when the committed .pot differs
                                        from FRESH_POT or a .po has an entry
                                        missing, fuzzy or with other
                                        placeholders than its source

FRESH_POT is what Odoo's own export (--i18n-export) just wrote. The merge is
msgmerge's without fuzzy matching: a translation is kept while its source
text exists, new source texts arrive untranslated, and those that left the
code are dropped. Headers (dates, Odoo's build) are not compared.
"""

import re
import shutil
import sys
from pathlib import Path

import polib

MODULE = "isp_telephony"
# printf-style placeholders a translation must keep: %s, %d, %(name)s, %%.
PLACEHOLDER = re.compile(r"%(?:\([a-zA-Z_0-9]+\))?[-#0 +]*\d*(?:\.\d+)?[sdfrx%]")
LANGUAGE_HEADERS = {
    "pt_BR": {
        "Language": "pt_BR",
        "Plural-Forms": "nplurals=2; plural=(n > 1);",
        "Language-Team": "Portuguese (Brazil)",
    },
}


def out(text=""):
    sys.stdout.write(f"{text}\n")


def entry_key(entry):
    return (entry.msgctxt or "", entry.msgid)


def entry_signature(entry):
    """What must match between two .pot files: source, context, where it
    comes from and its comments."""
    return (
        entry.msgctxt or "",
        entry.msgid,
        entry.msgid_plural or "",
        tuple(sorted(entry.occurrences)),
        entry.comment or "",
    )


def po_entry_state(entry):
    return (entry_signature(entry), entry.msgstr, tuple(entry.flags))


def placeholders(text):
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


def pot_differences(fresh, committed):
    """Human-readable differences between two catalogs, [] when equal."""
    fresh_map = {entry_key(e): e for e in fresh}
    committed_map = {entry_key(e): e for e in committed}
    lines = []
    for key in sorted(fresh_map.keys() - committed_map.keys()):
        lines.append(f"new in the code: {key[1]!r}")
    for key in sorted(committed_map.keys() - fresh_map.keys()):
        lines.append(f"gone from the code: {key[1]!r}")
    for key in sorted(fresh_map.keys() & committed_map.keys()):
        if entry_signature(fresh_map[key]) != entry_signature(committed_map[key]):
            lines.append(f"moved or re-commented: {key[1]!r}")
    return lines


def po_problems(po, pot):
    """Entries of `po` that are missing, fuzzy, untranslated or whose
    placeholders differ from the source, [] when complete."""
    problems = []
    po_map = {entry_key(e): e for e in po if not e.obsolete}
    for source in pot:
        entry = po_map.get(entry_key(source))
        if entry is None:
            problems.append(f"missing: {source.msgid!r}")
        elif "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {source.msgid!r}")
        elif not entry.msgstr:
            problems.append(f"untranslated: {source.msgid!r}")
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            problems.append(
                f"placeholders differ: {source.msgid!r} -> {entry.msgstr!r}"
            )
    return problems


def merge(po, pot):
    """msgmerge without fuzzy matching: keep translations of texts still in
    the .pot, add new texts untranslated, drop the rest."""
    po.merge(pot)
    for entry in [e for e in po if e.obsolete]:
        po.remove(entry)
    # polib's merge keeps the old order; follow the .pot's.
    order = {entry_key(e): index for index, e in enumerate(pot)}
    po.sort(key=lambda e: order.get(entry_key(e), len(order)))
    return po


def write_header(catalog, pot, lang=None):
    catalog.metadata = dict(pot.metadata)
    if lang:
        catalog.metadata.update(LANGUAGE_HEADERS.get(lang, {"Language": lang}))
    catalog.header = pot.header


def update(fresh_path, i18n_dir):
    fresh = polib.pofile(str(fresh_path), wrapwidth=78)
    pot_path = i18n_dir / f"{MODULE}.pot"
    if pot_path.exists():
        committed = polib.pofile(str(pot_path), wrapwidth=78)
        changed = pot_differences(fresh, committed)
    else:
        changed = ["no .pot yet"]
    if changed:
        # Odoo's export as it is, so that the file reads like Odoo's own.
        shutil.copyfile(fresh_path, pot_path)
        out(f"{pot_path.name}: written ({len(fresh)} entries)")
    else:
        out(f"{pot_path.name}: unchanged ({len(fresh)} entries)")
    for po_path in sorted(i18n_dir.glob("*.po")):
        po = polib.pofile(str(po_path), wrapwidth=78)
        before = {entry_key(e) for e in po if e.translated()}
        old_entries = [po_entry_state(e) for e in po]
        merge(po, fresh)
        if [po_entry_state(e) for e in po] != old_entries or not po.metadata:
            # Only a changed catalog gets new header dates.
            write_header(po, fresh, po_path.stem)
            po.save(str(po_path))
        problems = po_problems(po, fresh)
        kept = len(before & {entry_key(e) for e in fresh})
        out(
            f"{po_path.name}: {kept} translations kept, "
            f"{len(problems)} entries to translate"
        )
        for problem in problems:
            out(f"  {problem}")
    return 0


def check(fresh_path, i18n_dir):
    fresh = polib.pofile(str(fresh_path))
    pot_path = i18n_dir / f"{MODULE}.pot"
    failures = []
    if not pot_path.exists():
        failures.append(f"{pot_path.name} is missing")
    else:
        for line in pot_differences(fresh, polib.pofile(str(pot_path))):
            failures.append(f"{pot_path.name}: {line}")
    for po_path in sorted(i18n_dir.glob("*.po")):
        for line in po_problems(polib.pofile(str(po_path)), fresh):
            failures.append(f"{po_path.name}: {line}")
    if failures:
        out("\n".join(failures))
        out(
            f"{len(failures)} translation problem(s): run scripts/i18n.sh, "
            "translate what it lists in i18n/*.po and commit i18n/."
        )
        return 1
    out(f"translations complete and current ({len(fresh)} entries)")
    return 0


def main(argv):
    if len(argv) != 4 or argv[1] not in ("update", "check"):
        out(__doc__)
        return 2
    command, fresh_path, i18n_dir = argv[1], Path(argv[2]), Path(argv[3])
    return (update if command == "update" else check)(fresh_path, i18n_dir)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
