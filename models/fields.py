# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Many2one for fact tables written in bulk (``isp.cdr``).

A database foreign key is checked by a trigger run for every inserted row
(and every updated row whose key changes), even when the value is NULL.
Measured on ``isp_cdr`` (PostgreSQL 15, 200,000 rows): the 14 foreign keys
Odoo would create cost 70 µs of the 97 µs an inserted call took; without
them the insert takes 28 µs. The writers of ``isp_cdr`` (the CDR importer,
rating, billing) only ever store ids they have just read in the same
transaction, so the check adds nothing but time.

What the foreign key also did, its ``ondelete`` rule, is kept: one
statement-level trigger per referenced table (see :func:`delete_guard_sql`)
applies the rule to every row of the fact table that refers to the deleted
rows, whether they were deleted by the ORM, by a cascade or by SQL.

A guard runs one statement per column (:func:`guard_statements`), once per
``DELETE`` statement on the referenced table, whatever the number of rows
deleted. Without an index on the column that statement reads the whole
fact table: about 0.3-0.6 s at 1,000,000 calls. Which columns are indexed
for their guard, and why the others are not, is said next to the fields
(``models/isp_cdr.py``) and in docs/architecture.md ("Calls and the
tables they refer to").
"""

import logging

from odoo import fields
from odoo.tools import SQL, sql

_logger = logging.getLogger(__name__)


class UncheckedMany2one(fields.Many2one):
    """A Many2one without a database foreign key (see the module's doc).

    Its ``ondelete`` (``set null``, ``restrict`` or ``cascade``) is applied
    by the triggers that :func:`delete_guard_sql` builds; the model installs
    them in its ``init()``. A foreign key left by an earlier version of the
    field is dropped when the module is updated."""

    def update_db_foreign_key(self, model, column):
        cr = model.env.cr
        cr.execute(
            """
            SELECT c.conname FROM pg_constraint c
              JOIN pg_attribute a ON a.attrelid = c.conrelid
                                 AND a.attnum = ANY(c.conkey)
             WHERE c.contype = 'f' AND c.conrelid = %s::regclass
               AND a.attname = %s
            """,
            (model._table, self.name),
        )
        for (name,) in cr.fetchall():
            sql.drop_constraint(cr, model._table, name)
            cr.execute(
                "DELETE FROM ir_model_constraint WHERE name = %s AND type = 'f'",
                (name,),
            )
            _logger.info("dropped foreign key %s (unchecked Many2one)", name)


def unchecked_references(model):
    """``{comodel table: [(column, ondelete)]}`` of ``model``'s unchecked
    Many2one fields."""
    refs = {}
    for field in model._fields.values():
        if isinstance(field, UncheckedMany2one) and field.store:
            table = model.env[field.comodel_name]._table
            refs.setdefault(table, []).append(
                (field.name, field.ondelete or "set null")
            )
    return refs


def _guard_name(table, parent):
    return f"{table}_ref_{parent}"


def guard_statements(table, parent, columns):
    """``[(column, ondelete, statement)]``: the statement the delete guard
    of ``parent`` runs for each ``(column, ondelete)`` of ``table``, over
    the deleted rows as ``isp_deleted`` (the trigger's transition table).
    For ``restrict`` it is the query whose first row refuses the delete;
    for ``cascade`` the ``DELETE``, for ``set null`` the ``UPDATE``. Tests
    and measurements EXPLAIN these very statements."""
    statements = []
    for column, ondelete in columns:
        match = f"{table}.{column} IN (SELECT id FROM isp_deleted)"
        if ondelete == "restrict":
            statement = f"SELECT 1 FROM {table} WHERE {match}"
        elif ondelete == "cascade":
            statement = f"DELETE FROM {table} WHERE {match}"
        else:
            statement = f"UPDATE {table} SET {column} = NULL WHERE {match}"
        statements.append((column, ondelete, statement))
    return statements


def delete_guard_sql(table, parent, columns):
    """SQL creating (or replacing) the AFTER DELETE statement trigger on
    ``parent`` that applies each ``(column, ondelete)`` of ``table``: NULL
    for ``set null``, the rows deleted for ``cascade``, an error like a
    foreign key's for ``restrict`` (SQLSTATE 23503, so Odoo shows its
    "another model requires the record being deleted" message).

    Each statement is run by ``EXECUTE``, so it is planned for the rows
    this ``DELETE`` removed. A static statement would keep the plan of the
    first delete of the session: measured at 1,000,000 calls, after one
    delete of 100,000 partners (rightly one read of the table, 0.9 s) each
    later single delete still read the whole table (220 ms); planned each
    time, 0.3-2 ms through the index."""
    name = _guard_name(table, parent)
    body = []
    for column, ondelete, statement in guard_statements(table, parent, columns):
        if ondelete == "restrict":
            body.append(
                f"""
    EXECUTE $sql$SELECT EXISTS ({statement})$sql$ INTO referred;
    IF referred THEN
        RAISE EXCEPTION 'rows of {table} refer to the deleted rows of {parent}'
              USING ERRCODE = 'foreign_key_violation', TABLE = '{table}',
                    COLUMN = '{column}', CONSTRAINT = '{table}_{column}_fkey';
    END IF;"""
            )
        else:
            body.append(f"\n    EXECUTE $sql${statement}$sql$;")
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $guard$
DECLARE
    referred boolean;
BEGIN{"".join(body)}
    RETURN NULL;
END
$guard$;
DROP TRIGGER IF EXISTS {name} ON {parent};
CREATE TRIGGER {name} AFTER DELETE ON {parent}
    REFERENCING OLD TABLE AS isp_deleted
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


def install_delete_guards(model):
    """Create the delete triggers of ``model``'s unchecked Many2one fields
    (from its ``init()``); triggers of references that are gone are dropped."""
    cr = model.env.cr
    refs = unchecked_references(model)
    for parent, columns in refs.items():
        cr.execute(delete_guard_sql(model._table, parent, columns))
    wanted = {_guard_name(model._table, parent) for parent in refs}
    for name, parent in _installed_guards(cr, model._table):
        if name not in wanted:
            _drop_guard(cr, name, parent)


def drop_delete_guards(cr, table):
    """Remove every delete trigger made for ``table`` (uninstall)."""
    for name, parent in _installed_guards(cr, table):
        _drop_guard(cr, name, parent)


def _drop_guard(cr, name, parent):
    cr.execute(
        SQL(
            "DROP TRIGGER IF EXISTS %s ON %s",
            SQL.identifier(name),
            SQL.identifier(parent),
        )
    )
    cr.execute(SQL("DROP FUNCTION IF EXISTS %s()", SQL.identifier(name)))


def _installed_guards(cr, table):
    cr.execute(
        """
        SELECT t.tgname, c.relname FROM pg_trigger t
          JOIN pg_class c ON c.oid = t.tgrelid
         WHERE NOT t.tgisinternal AND t.tgname LIKE %s
        """,
        (f"{table}\\_ref\\_%",),
    )
    return cr.fetchall()
