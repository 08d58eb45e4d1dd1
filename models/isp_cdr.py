# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Call detail record: one imported call, its line and its rating."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.misc import format_datetime

from odoo.addons.queue_job.exception import RetryableJobError

from ..tools import direction as call_direction
from ..tools import locks, phone_format
from .fields import UncheckedMany2one, install_delete_guards
from .isp_telephony_destination_class import DEST_CLASSES

DIRECTIONS = [
    (call_direction.INBOUND, "Inbound"),
    (call_direction.OUTBOUND, "Outbound"),
    (call_direction.INTERNAL, "Internal"),
]
RATING_STATUSES = [
    ("unrated", "Unrated"),
    ("rated", "Rated"),
    ("free", "Free"),
    ("no_rate", "No Rate"),
]
# A re-match queued while another one (or an import) of its platform runs
# tries again after this many seconds, without counting an attempt.
REMATCH_BUSY_SECONDS = 10

DISPOSITIONS = [
    ("answered", "Answered"),
    ("no_answer", "No Answer"),
    ("busy", "Busy"),
    ("failed", "Failed"),
]


class IspCdr(models.Model):
    """A call detail record imported from a platform. Rows are written in bulk
    by the importer (COPY / INSERT ... ON CONFLICT DO NOTHING), never one ORM
    create per row; the database guarantees one row per (integration, call
    id)."""

    _name = "isp.cdr"
    _description = "Call Detail Record"
    # Newest first, unanswered calls (no connect time) in their place too.
    _order = "detect_time desc, id desc"
    _rec_name = "call_id"

    # No create_uid / write_uid / create_date / write_date: who brought a
    # call in, and when, is its import run's (import_id); a user reference
    # on every call would make each deletion of a user read the whole table
    # through its delete guard (fields.py), or cost two more indexes paid by
    # every imported call (docs/architecture.md, "Calls and the tables they
    # refer to").
    _log_access = False

    # Indexes are few on purpose: each one costs every bulk insert. The
    # unique (integration_id, call_id) index serves integration and call id
    # lookups; direction, disposition and company are too coarse to help.
    # Every Many2one is an UncheckedMany2one: no foreign key check per row
    # (70 of the 97 µs an inserted call cost), the ondelete rule kept by
    # delete triggers on the referenced tables (see fields.py).
    integration_id = UncheckedMany2one(
        "isp.telephony.integration", required=True, ondelete="restrict"
    )
    company_id = UncheckedMany2one("res.company", required=True, readonly=True)
    call_id = fields.Char(string="Platform Call ID", required=True, readonly=True)
    original_call_id = fields.Char(readonly=True, help="Groups the legs of one call.")
    direction = fields.Selection(DIRECTIONS, readonly=True)
    ani = fields.Char(string="ANI (as received)", readonly=True)
    dnis = fields.Char(string="DNIS (as received)", readonly=True)
    ani_e164 = fields.Char(string="Caller (E.164)", readonly=True)
    dnis_e164 = fields.Char(string="Called (E.164)", readonly=True)
    detect_time = fields.Datetime(string="Start", readonly=True, index=True)
    connect_time = fields.Datetime(readonly=True)
    disconnect_time = fields.Datetime(readonly=True)
    duration = fields.Integer(readonly=True, help="Seconds from detection to end.")
    billsec = fields.Integer(
        string="Billable Seconds", readonly=True, help="Seconds of conversation."
    )
    disposition = fields.Selection(DISPOSITIONS, readonly=True)
    platform_cost = fields.Float(readonly=True, digits=(16, 6))
    access_fee = fields.Float(readonly=True, digits=(16, 6))
    platform_rate = fields.Float(readonly=True, digits=(16, 6))
    route_pattern = fields.Char(readonly=True)
    route_name = fields.Char(readonly=True)
    account_code = fields.Char(readonly=True)
    terminal = fields.Char(readonly=True)
    # Indexed with the connect time (see init): a line's calls, a cycle.
    line_id = UncheckedMany2one("isp.sip.line", string="SIP Line", readonly=True)
    # The contract and customer of the line when the call was imported (or
    # re-matched): facts of the call, not its line's current ones. The
    # portal's record rule shows a customer the calls made under their
    # name, and a contract counts the calls made on it; if the contract changes hands
    # or a line moves, the calls stay with who made them. Indexed (partial,
    # NOT NULL) so that deleting a contract or a partner finds its calls by
    # the index instead of reading the table (the delete guards, fields.py).
    # The rating and the close never write them: their UPDATEs stay HOT.
    contract_id = UncheckedMany2one(
        "contract.contract", readonly=True, index="btree_not_null"
    )
    partner_id = UncheckedMany2one(
        "res.partner", string="Customer", readonly=True, index="btree_not_null"
    )
    # Rating (issue 5): written in bulk by isp.telephony.rating, frozen once
    # charged (charge_id set). NULL rating_status from SQL inserts = unrated.
    # Few indexes on purpose: each one slows the bulk rating UPDATE.
    rating_status = fields.Selection(
        RATING_STATUSES,
        default="unrated",
        readonly=True,
        help="Rated: priced (maybe 0 inside the franchise). Free: unanswered, "
        "below the minimum, emergency. No rate: no rate matches, fix the plan.",
    )
    billing_plan_id = UncheckedMany2one(
        "isp.telephony.plan", string="Rated with Plan", readonly=True
    )
    dest_class = fields.Selection(
        DEST_CLASSES, string="Destination Class", readonly=True
    )
    rate_id = UncheckedMany2one(
        "isp.telephony.rate", readonly=True, ondelete="set null"
    )
    bucket_id = UncheckedMany2one(
        "isp.telephony.plan.bucket",
        string="Franchise Bucket",
        readonly=True,
        ondelete="set null",
    )
    cycle_start = fields.Date(
        readonly=True, help="Local first day of the line's cycle."
    )
    rounded_seconds = fields.Integer(readonly=True, help="Seconds after rounding.")
    franchise_seconds = fields.Integer(
        readonly=True, help="Rounded seconds covered by the franchise."
    )
    excess_seconds = fields.Integer(readonly=True, help="Rounded seconds charged.")
    currency_id = UncheckedMany2one("res.currency", readonly=True)
    charge = fields.Monetary(readonly=True, help="Price of the call to the customer.")
    margin = fields.Float(
        readonly=True, digits=(16, 6), help="Charge minus the platform cost."
    )
    # Billing (issue 13): the month's close links each call to the telephony
    # charge that bills it; the charge's invoice line, once invoiced, is
    # copied to invoice_id / invoice_line_id.
    charge_id = UncheckedMany2one(
        "isp.telephony.charge",
        string="Telephony Charge",
        readonly=True,
        ondelete="set null",
        copy=False,
    )
    invoice_id = UncheckedMany2one(
        "account.move",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        copy=False,
    )
    invoice_line_id = UncheckedMany2one(
        "account.move.line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        copy=False,
    )
    # Display ------------------------------------------------------------------
    ani_display = fields.Char(
        string="Caller",
        compute="_compute_number_display",
        help="The calling number as people read it; search by any form of it.",
    )
    dnis_display = fields.Char(
        string="Called",
        compute="_compute_number_display",
        help="The called number as people read it; search by any form of it.",
    )

    # Import, search and matching (issue 4) --------------------------------
    import_id = UncheckedMany2one(
        "isp.cdr.import",
        string="Import Run",
        readonly=True,
        ondelete="set null",
        help="The import run that brought this call in.",
    )
    matched = fields.Boolean(
        compute="_compute_matched",
        search="_search_matched",
        help="The call was matched to one of the ISP's SIP lines.",
    )
    number_search = fields.Char(
        string="Number",
        compute="_compute_number_search",
        search="_search_number_search",
        help="Calling or called number, searched in any format a person types: "
        "(11) 3456-7890, 011 3456 7890, +55 11 3456-7890 or a part of it.",
    )

    _sql_constraints = [
        (
            "call_uniq",
            "UNIQUE(integration_id, call_id)",
            "A call can be imported only once per integration.",
        ),
    ]

    # Every index is paid by each imported call. Measured inserting 200,000
    # calls into a table of 1,000,000 (PostgreSQL 15): 30 µs per call with
    # the indexes Odoo's index=True would give (E.164 numbers, line,
    # contract, customer, run, connect time), 7 µs with the primary key and
    # the unique call id alone. Kept: connect time (the list's order, date
    # filters), (line, connect time) for a line's calls, its cycles (rating,
    # billing) and a contract's calls (through its lines), and a BRIN index
    # on the import run (a run's calls are written together, so the index
    # costs next to nothing). The contract and the customer have a partial
    # (NOT NULL) index each (the fields' index="btree_not_null"), for their
    # delete guards: without them, deleting any contract or partner read the
    # whole table (0.3-0.6 s at 1,000,000 calls); they cost each imported
    # call about 4-5 µs (docs/architecture.md "Calls and the tables they
    # refer to"). Numbers are searched by scanning. No index involves a
    # column the rating or the month's close writes (rating_status,
    # billing_plan_id, dest_class, rate_id, bucket_id, cycle_start, the
    # seconds, currency_id, charge, margin, charge_id): with no indexed
    # column changed, that write of every call is a HOT update (no index
    # entry, docs/billing.md, Speed); a charge's calls are found through
    # (line, connect time), see CHARGE_CALLS. So the delete
    # guards of plans, rates, buckets, currencies and charges read the
    # whole table, once per DELETE statement: those rows are rarely deleted
    # (a charge is cancelled, a deleted rate re-rates its plan, which costs
    # more than the scan).
    # The single-column time index is on the start (detect time) since the
    # list sorts and filters by it: unanswered calls have no connect time.
    def init(self):
        cr = self.env.cr
        cr.execute(
            "CREATE INDEX IF NOT EXISTS isp_cdr_line_connect_index"
            " ON isp_cdr (line_id, connect_time)"
        )
        cr.execute(
            "CREATE INDEX IF NOT EXISTS isp_cdr_import_brin_index"
            " ON isp_cdr USING brin (import_id)"
        )
        # Pages are filled to half when calls are imported, so that the
        # rating written right after (no indexed column changes) finds room
        # for each row's new version on its own page: a HOT update, with no
        # index entry to write, 3 to 4 times faster than moving every row
        # (docs/spend-control.md, Benchmark). The price: the table takes
        # about twice the disk space.
        cr.execute("ALTER TABLE isp_cdr SET (fillfactor = 50)")
        # After every table of the module exists (rates, buckets, ...).
        self.pool.post_init(install_delete_guards, self)

    # Display ----------------------------------------------------------------
    @api.depends("ani_e164", "dnis_e164", "ani", "dnis", "integration_id.country_id")
    def _compute_number_display(self):
        for cdr in self:
            country = cdr.integration_id._country_code()
            cdr.ani_display = phone_format.format_display(
                cdr.ani_e164, country, cdr.ani
            )
            cdr.dnis_display = phone_format.format_display(
                cdr.dnis_e164, country, cdr.dnis
            )

    @api.depends(
        "detect_time", "direction", "line_id", "ani_e164", "dnis_e164", "ani", "dnis"
    )
    def _compute_display_name(self):
        """What a person reads: when, from which line, which number."""
        for cdr in self:
            country = cdr.integration_id._country_code()
            if cdr.direction == "in":
                other = phone_format.format_display(cdr.ani_e164, country, cdr.ani)
            else:
                other = phone_format.format_display(cdr.dnis_e164, country, cdr.dnis)
            line = cdr.line_id.caller_id_e164
            parts = [
                format_datetime(self.env, cdr.detect_time, dt_format="short")
                if cdr.detect_time
                else "",
                phone_format.format_display(line, country) if line else "",
                ("← " if cdr.direction == "in" else "→ ") + other if other else "",
            ]
            cdr.display_name = " · ".join(p for p in parts if p) or cdr.call_id

    # Search -----------------------------------------------------------------
    @api.depends("line_id")
    def _compute_matched(self):
        for cdr in self:
            cdr.matched = bool(cdr.line_id)

    def _search_matched(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on 'Matched'."))
        positive = (operator == "=") == bool(value)
        return [("line_id", "!=" if positive else "=", False)]

    @api.depends("ani_e164", "dnis_e164")
    def _compute_number_search(self):
        for cdr in self:
            cdr.number_search = " / ".join(
                filter(None, (cdr.ani_e164 or cdr.ani, cdr.dnis_e164 or cdr.dnis))
            )

    def _search_number_search(self, operator, value):
        if operator not in ("ilike", "=", "=ilike", "like") or not isinstance(
            value, str
        ):
            raise UserError(self.env._("Search numbers with a text, e.g. 3456-7890."))
        value = value.strip()
        domain = expression.OR([[("ani", "ilike", value)], [("dnis", "ilike", value)]])
        for e164 in phone_format.e164_digits_candidates(
            value, self.env.company._telephony_country_code()
        ):
            domain = expression.OR(
                [domain, [("ani_e164", "=", e164)], [("dnis_e164", "=", e164)]]
            )
        digits = "".join(ch for ch in value if ch.isdigit())
        if len(digits) >= 3:
            domain = expression.OR(
                [
                    domain,
                    [("ani_e164", "like", digits)],
                    [("dnis_e164", "like", digits)],
                ]
            )
        return domain

    # Matching ---------------------------------------------------------------
    @api.model
    def _line_map_query(self, integration_ids=None, line_ids=None):
        """SQL (and params) of the line map: one row per (integration, kind,
        key) with the line a CDR carrying that key belongs to. Kinds: ``a``
        account code, ``t`` terminal, ``n`` number in E.164 (caller ID and
        DIDs). When several lines share a key, an active line wins over a
        suspended one, then any other, then the newest. With ``line_ids``,
        only the keys of those lines are kept (the winner may still be
        another line)."""
        where, params = "", []
        if integration_ids is not None:
            where = "AND l.integration_id IN %s"
            params = [tuple(integration_ids) or (0,)] * 4
        keep = ""
        if line_ids is not None:
            keep = (
                "WHERE (k.integration_id, k.kind, k.key) IN (SELECT "
                "integration_id, kind, key FROM keys WHERE line_id IN %s)"
            )
        query = f"""
            WITH keys AS (
                SELECT l.integration_id, 'a' AS kind, l.account_code AS key,
                       l.id AS line_id, l.state, l.active
                  FROM isp_sip_line l
                 WHERE l.account_code IS NOT NULL AND l.account_code != '' {where}
                UNION ALL
                SELECT l.integration_id, 't', l.terminal, l.id, l.state, l.active
                  FROM isp_sip_line l
                 WHERE l.terminal IS NOT NULL AND l.terminal != '' {where}
                UNION ALL
                SELECT l.integration_id, 'n', l.caller_id_e164, l.id, l.state,
                       l.active
                  FROM isp_sip_line l
                 WHERE l.caller_id_e164 IS NOT NULL {where}
                UNION ALL
                SELECT l.integration_id, 'n', d.e164, l.id, l.state, l.active
                  FROM isp_sip_line_did d
                  JOIN isp_sip_line l ON l.id = d.line_id
                 WHERE d.e164 IS NOT NULL {where}
            )
            SELECT DISTINCT ON (k.integration_id, k.kind, k.key)
                   k.integration_id, k.kind, k.key, k.line_id,
                   l.contract_id, l.partner_id
              FROM keys k
              JOIN isp_sip_line l ON l.id = k.line_id
              {keep}
          ORDER BY k.integration_id, k.kind, k.key,
                   (k.state = 'active' AND k.active) DESC,
                   (k.state = 'suspended') DESC, k.active DESC, k.line_id DESC
        """
        if line_ids is not None:
            params.append(tuple(line_ids) or (0,))
        return query, params

    @api.model
    def _create_line_map(self, integration_ids=None, line_ids=None):
        """Fill the temporary table ``isp_cdr_line_map`` (dropped at commit).

        The match lock of the integrations (tools/locks.py) is held shared
        until this transaction ends, so that a re-match (exclusive) waits
        for an import whose line map may be older than the lines it must
        match. A re-match already running does not stop an import: its
        line map is newer than the activations that re-match serves."""
        self.env.flush_all()
        cr = self.env.cr
        if integration_ids:
            locks.try_lock_all(cr, locks.CDR_MATCH, integration_ids, shared=True)
        query, params = self._line_map_query(integration_ids, line_ids)
        cr.execute("DROP TABLE IF EXISTS isp_cdr_line_map")
        cr.execute(
            "CREATE TEMP TABLE isp_cdr_line_map ON COMMIT DROP AS " + query, params
        )
        cr.execute(
            "CREATE UNIQUE INDEX ON isp_cdr_line_map (integration_id, kind, key)"
        )
        cr.execute("ANALYZE isp_cdr_line_map")
        # What a foreign key check does for each row, once per import: the
        # lines, contracts and customers calls may be matched to cannot be
        # deleted before this transaction ends (isp_cdr has no foreign keys,
        # see fields.py). FOR KEY SHARE does not block their updates.
        for table, column in (
            ("isp_sip_line", "line_id"),
            ("contract_contract", "contract_id"),
            ("res_partner", "partner_id"),
        ):
            cr.execute(
                SQL(
                    "SELECT 1 FROM %s WHERE id IN (SELECT %s FROM isp_cdr_line_map)"
                    " FOR KEY SHARE",
                    SQL.identifier(table),
                    SQL.identifier(column),
                )
            )

    # The matching rule, as SQL over a CDR row ``c`` and the line map: an
    # account code wins, then the terminal (an Asterisk channel
    # "SIP/peer-0000001a" is read as "peer"), then the number of the ISP's
    # side of the call: the caller (ANI) of an outgoing or internal call,
    # the called number (DNIS) of an incoming one.
    MATCH_JOINS = """
        LEFT JOIN isp_cdr_line_map ma
               ON ma.integration_id = {integration} AND ma.kind = 'a'
              AND ma.key = c.account_code
        LEFT JOIN isp_cdr_line_map mt
               ON mt.integration_id = {integration} AND mt.kind = 't'
              AND mt.key = CASE WHEN position('/' IN c.terminal) > 0
                    THEN regexp_replace(substr(c.terminal,
                         position('/' IN c.terminal) + 1), '-[^-]*$', '')
                    ELSE c.terminal END
        LEFT JOIN isp_cdr_line_map mn
               ON mn.integration_id = {integration} AND mn.kind = 'n'
              AND mn.key = CASE WHEN c.direction = 'in'
                    THEN c.dnis_e164 ELSE c.ani_e164 END
    """

    def _rematch_lines(self, lines=None):
        """Match the unmatched CDRs again (set-based), e.g. after lines were
        activated or their numbers changed. With ``lines``, only the CDRs
        whose account code, terminal or number belongs to those lines are
        looked at. Returns the number of CDRs matched.

        One re-match of a platform's calls at a time, and none while an
        import of that platform runs (the integrations' match lock, taken
        exclusively): a queue job tries again later without counting an
        attempt, a user is told in plain words."""
        integration_ids = lines.integration_id.ids if lines is not None else None
        self._lock_match(integration_ids)
        self._create_line_map(integration_ids, lines.ids if lines is not None else None)
        cr = self.env.cr
        joins = SQL(self.MATCH_JOINS.format(integration="c.integration_id"))
        query = SQL(
            """
            UPDATE isp_cdr cdr
               SET line_id = m.line_id, contract_id = m.contract_id,
                   partner_id = m.partner_id
              FROM (
                SELECT c.id, COALESCE(ma.line_id, mt.line_id, mn.line_id) AS line_id,
                       COALESCE(ma.contract_id, mt.contract_id, mn.contract_id)
                           AS contract_id,
                       COALESCE(ma.partner_id, mt.partner_id, mn.partner_id)
                           AS partner_id
                  FROM isp_cdr c
                  %s
                 WHERE c.line_id IS NULL
                   AND c.integration_id IN (SELECT integration_id FROM isp_cdr_line_map)
              ) m
             WHERE cdr.id = m.id AND m.line_id IS NOT NULL
            """,
            joins,
        )
        cr.execute(query)
        count = cr.rowcount
        cr.execute("DROP TABLE IF EXISTS isp_cdr_line_map")
        self.invalidate_model(["line_id", "contract_id", "partner_id"])
        return count

    def _lock_match(self, integration_ids):
        """Take the match lock of the integrations (all when None), or say
        that their calls are being matched right now."""
        if integration_ids is None:
            # Every platform: a handful of records.
            Integration = self.env["isp.telephony.integration"].sudo()
            everyone = Integration.with_context(active_test=False)
            integration_ids = everyone.search([]).ids  # pylint: disable=no-search-all
        if locks.try_lock_all(self.env.cr, locks.CDR_MATCH, integration_ids):
            return
        if self.env.context.get("job_uuid"):
            raise RetryableJobError(
                self._match_busy_message(),
                seconds=REMATCH_BUSY_SECONDS,
                ignore_retry=True,
            )
        raise UserError(self._match_busy_message())

    def _match_busy_message(self):
        return self.env._(
            "The calls of this platform are being imported or matched to lines "
            "right now: try again in a moment."
        )

    def action_rematch(self):
        """Button: match the unmatched CDRs against the current lines."""
        if not self.env.user.has_group("isp_telephony.group_telephony_user"):
            raise AccessError(
                self.env._("Only telephony users can re-match calls to lines.")
            )
        self.check_access("read")
        self.env["isp.sip.line"].check_access("read")
        # Only the calls of the integrations this user sees (record rules:
        # the companies of the request), never every company's.
        integrations = self.env["isp.telephony.integration"].search(
            [("company_id", "in", self.env.companies.ids)]
        )
        lines = (
            self.env["isp.sip.line"]
            .sudo()
            .with_context(active_test=False)
            .search([("integration_id", "in", integrations.ids)])
        )
        count = self.sudo()._rematch_lines(lines)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Re-match"),
                "message": self.env._("%s call(s) matched to a line.", count),
                "type": "success" if count else "info",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
