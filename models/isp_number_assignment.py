# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Number assignment: which line or DID holds a number now."""

from odoo import fields, models

# The rows of this table are written by database triggers on isp_sip_line and
# isp_sip_line_did, never by the ORM: one row per number a line uses (its
# caller ID and each DID) while the line is not cancelled. UNIQUE(number_id)
# is what guarantees, whatever writes the lines (ORM, SQL, two concurrent
# transactions), that a number serves one line or one DID at a time.
_TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION isp_number_assignment_from_line() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM isp_number_assignment WHERE line_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.state <> 'cancelled' THEN
        INSERT INTO isp_number_assignment
               (number_id, line_id, did_id, company_id, create_date, write_date)
        SELECT n.id, NEW.id, NULL, n.company_id,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM isp_phone_number n
         WHERE n.id = NEW.caller_id_number_id
        UNION ALL
        SELECT n.id, NEW.id, d.id, n.company_id,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM isp_sip_line_did d
          JOIN isp_phone_number n ON n.id = d.number_id
         WHERE d.line_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION isp_number_assignment_from_did() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM isp_number_assignment WHERE did_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO isp_number_assignment
               (number_id, line_id, did_id, company_id, create_date, write_date)
        SELECT n.id, l.id, NEW.id, n.company_id,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM isp_sip_line l
          JOIN isp_phone_number n ON n.id = NEW.number_id
         WHERE l.id = NEW.line_id AND l.state <> 'cancelled';
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS isp_number_assignment_line_ins_del ON isp_sip_line;
CREATE TRIGGER isp_number_assignment_line_ins_del
    AFTER INSERT OR DELETE ON isp_sip_line
    FOR EACH ROW EXECUTE FUNCTION isp_number_assignment_from_line();
DROP TRIGGER IF EXISTS isp_number_assignment_line_upd ON isp_sip_line;
CREATE TRIGGER isp_number_assignment_line_upd
    AFTER UPDATE OF caller_id_number_id, state ON isp_sip_line
    FOR EACH ROW
    WHEN (OLD.caller_id_number_id IS DISTINCT FROM NEW.caller_id_number_id
          OR (OLD.state = 'cancelled') <> (NEW.state = 'cancelled'))
    EXECUTE FUNCTION isp_number_assignment_from_line();
DROP TRIGGER IF EXISTS isp_number_assignment_did_ins_del ON isp_sip_line_did;
CREATE TRIGGER isp_number_assignment_did_ins_del
    AFTER INSERT OR DELETE ON isp_sip_line_did
    FOR EACH ROW EXECUTE FUNCTION isp_number_assignment_from_did();
DROP TRIGGER IF EXISTS isp_number_assignment_did_upd ON isp_sip_line_did;
CREATE TRIGGER isp_number_assignment_did_upd
    AFTER UPDATE OF number_id, line_id ON isp_sip_line_did
    FOR EACH ROW
    WHEN (OLD.number_id IS DISTINCT FROM NEW.number_id
          OR OLD.line_id IS DISTINCT FROM NEW.line_id)
    EXECUTE FUNCTION isp_number_assignment_from_did();
"""


class IspNumberAssignment(models.Model):
    """Which line (as caller ID) or DID holds a number right now.

    Maintained by database triggers (see ``_TRIGGER_SQL``); read-only in the
    UI. Its unique key is the database-level guarantee that a number is used
    by at most one line or one DID at a time."""

    _name = "isp.number.assignment"
    _description = "Phone Number Assignment"
    _order = "number_id"
    _rec_name = "number_id"

    number_id = fields.Many2one(
        "isp.phone.number", required=True, readonly=True, ondelete="restrict"
    )
    e164 = fields.Char(related="number_id.e164", string="E.164")
    line_id = fields.Many2one(
        "isp.sip.line",
        string="SIP Line",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    did_id = fields.Many2one(
        "isp.sip.line.did",
        string="DID",
        readonly=True,
        index=True,
        ondelete="cascade",
        help="Empty when the number is the line's caller ID.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    contract_id = fields.Many2one(related="line_id.contract_id")

    _sql_constraints = [
        (
            "number_uniq",
            "UNIQUE(number_id)",
            "A number can be used by one SIP line (as caller ID) or one DID at a time.",
        ),
    ]

    def init(self):
        self.env.cr.execute(_TRIGGER_SQL)
