# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Monthly telephony billing: rate the cycle each line closes in the billing
month, then add the overage per destination class to the contract's invoice.

Set-based: one SQL aggregate for every contract, invoices and invoice lines
created in batches, CDRs linked to their invoice lines by two UPDATEs."""

import logging
import time
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import billing
from .isp_telephony_destination_class import DEST_CLASSES
from .isp_telephony_rating import copy_rows

_logger = logging.getLogger(__name__)

# Invoices, and invoice lines added to existing invoices, per ORM create()
# call. Measured over 10,000 six-line drafts: 78 ms per invoice by 500,
# 92 ms by 20 (on a smaller sample 20 looked better: 73 against 97 ms).
MOVES_PER_CREATE = 500
LINES_PER_CREATE = 500
# Contracts billed per committed chunk by the scheduled run.
CRON_CHUNK_CONTRACTS = 200
# Statuses a CDR must have to be billed; unrated and no_rate block the
# contract (never a silent zero).
BILLABLE = ("rated", "free")

# The month's cycle of each line, and the invoice it goes to, are COPYed
# into a temporary table and ANALYZEd: with real statistics the joins below
# hash-join it with isp_cdr (one pass), where a join with unnest(...)
# parameters could get nested loops over the whole table.
_CREATE_CYCLES = """
CREATE TEMP TABLE IF NOT EXISTS isp_billing_cycle (
    line_id int PRIMARY KEY, s timestamp, e timestamp, move_id int
) ON COMMIT DROP;
TRUNCATE isp_billing_cycle;
"""
_COPY_CYCLES = "COPY isp_billing_cycle FROM STDIN"

_AGGREGATE = """
SELECT l.contract_id, c.rating_plan_id, c.dest_class,
       count(*), COALESCE(sum(c.billsec), 0), COALESCE(sum(c.rounded_seconds), 0),
       COALESCE(sum(c.franchise_seconds), 0), COALESCE(sum(c.excess_seconds), 0),
       COALESCE(sum(c.charge), 0),
       count(*) FILTER (WHERE c.rating_status = 'no_rate'),
       count(*) FILTER (WHERE c.rating_status IS NULL
                          OR c.rating_status = 'unrated')
  FROM isp_billing_cycle b
  JOIN isp_cdr c ON c.line_id = b.line_id
       AND c.connect_time >= b.s AND c.connect_time < b.e
  JOIN isp_sip_line l ON l.id = c.line_id
 WHERE c.invoice_id IS NULL
 GROUP BY 1, 2, 3
"""

_FRANCHISE = """
SELECT l.contract_id, c.bucket_id, sum(c.franchise_seconds)
  FROM isp_billing_cycle b
  JOIN isp_cdr c ON c.line_id = b.line_id
       AND c.connect_time >= b.s AND c.connect_time < b.e
  JOIN isp_sip_line l ON l.id = c.line_id
 WHERE c.bucket_id IS NOT NULL
 GROUP BY 1, 2
"""

# The CDRs a run bills: unbilled, rated or free, in the line's cycle.
_TO_LINK = """
SELECT c.id, b.move_id, c.rating_plan_id, c.dest_class
  FROM isp_billing_cycle b
  JOIN isp_cdr c ON c.line_id = b.line_id
       AND c.connect_time >= b.s AND c.connect_time < b.e
 WHERE b.move_id IS NOT NULL
   AND c.invoice_id IS NULL AND c.rating_status IN ('rated', 'free')
"""
# Links go through a temporary table and one UPDATE joined on the id.
_CREATE_LINKS = """
CREATE TEMP TABLE IF NOT EXISTS isp_cdr_billing_link (
    id int, move_id int, aml_id int
) ON COMMIT DROP;
TRUNCATE isp_cdr_billing_link;
"""
_COPY_LINKS = "COPY isp_cdr_billing_link FROM STDIN"
_LINK = """
UPDATE isp_cdr c
   SET invoice_id = v.move_id, invoice_line_id = v.aml_id, billed = true
  FROM isp_cdr_billing_link v
 WHERE c.id = v.id AND c.invoice_id IS NULL
"""


class IspTelephonyBilling(models.AbstractModel):
    _name = "isp.telephony.billing"
    _description = "Telephony Billing Service"

    # ------------------------------------------------------------------
    # Cycles and summaries

    @api.model
    def _line_cycles(self, billing_month, contract_ids=None, company=None):
        """``{line_id: (contract_id, plan_id, start_utc, end_utc, reset)}``
        for every line with a plan: the cycle it closes in the month."""
        self.env.flush_all()
        query = """
            SELECT l.id, l.contract_id, l.billing_plan_id, l.due_day, l.company_id
              FROM isp_sip_line l
             WHERE l.billing_plan_id IS NOT NULL AND l.contract_id IS NOT NULL
        """
        params = []
        if contract_ids is not None:
            query += " AND l.contract_id = ANY(%s)"
            params.append(list(contract_ids))
        if company:
            query += " AND l.company_id = %s"
            params.append(company.id)
        self.env.cr.execute(query, params)
        rows = self.env.cr.fetchall()
        companies = self.env["res.company"].sudo().browse({r[4] for r in rows})
        zones = {c.id: c.telephony_timezone or "UTC" for c in companies}
        month = billing.month_start(billing_month)
        cache = {}
        cycles = {}
        for line_id, contract_id, plan_id, due_day, company_id in rows:
            key = (due_day, zones[company_id])
            if key not in cache:
                start, end = billing.billing_cycle(month, due_day, key[1])
                cache[key] = (start, end, billing.cycle_dates(month, due_day)[2])
            start, end, reset = cache[key]
            cycles[line_id] = (contract_id, plan_id, start, end, reset)
        return cycles

    @staticmethod
    def _arrays(cycles, ids=None):
        ids = list(cycles) if ids is None else ids
        return [ids, [cycles[i][2] for i in ids], [cycles[i][3] for i in ids]]

    def _load_cycles(self, cycles, moves_by_contract=None):
        """Fill the temporary table isp_billing_cycle (see _CREATE_CYCLES)."""
        cr = self.env.cr
        moves = moves_by_contract or {}
        cr.execute(_CREATE_CYCLES)
        copy_rows(
            cr,
            _COPY_CYCLES,
            [(line_id, c[2], c[3], moves.get(c[0])) for line_id, c in cycles.items()],
        )
        cr.execute("ANALYZE isp_billing_cycle")

    @api.model
    def _summaries(self, billing_month, contract_ids=None, company=None, rate=True):
        """Rate the month's cycles (unless ``rate`` is False) and sum the
        unbilled calls per contract. Returns ``(cycles, {contract_id: dict})``."""
        cycles = self._line_cycles(billing_month, contract_ids, company)
        if not cycles:
            return cycles, {}
        if rate:
            bounds = {line: (c[2], c[3]) for line, c in cycles.items()}
            self.env["isp.telephony.rating"]._rate_lines(list(cycles), bounds=bounds)
        cr = self.env.cr
        self._load_cycles(cycles)
        cr.execute(_AGGREGATE)
        summaries = {}
        for (
            contract_id,
            plan_id,
            dest_class,
            calls,
            billsec,
            rounded,
            franchise,
            excess,
            charge,
            no_rate,
            unrated,
        ) in cr.fetchall():
            summary = summaries.setdefault(
                contract_id,
                {
                    "contract_id": contract_id,
                    "calls": 0,
                    "billsec": 0,
                    "rounded": 0,
                    "franchise": 0,
                    "excess": 0,
                    "amount": 0.0,
                    "no_rate": 0,
                    "unrated": 0,
                    "classes": {},
                    "buckets": {},
                    "reset": date.min,
                },
            )
            summary["calls"] += calls
            summary["billsec"] += billsec
            summary["rounded"] += rounded
            summary["franchise"] += franchise
            summary["excess"] += excess
            summary["amount"] += float(charge)
            summary["no_rate"] += no_rate
            summary["unrated"] += unrated
            if charge and plan_id:
                summary["classes"][(plan_id, dest_class)] = (calls, excess, charge)
        for contract_id, _plan, _s, _e, reset in cycles.values():
            summary = summaries.get(contract_id)
            if summary and reset > summary["reset"]:
                summary["reset"] = reset
        self._add_franchise(cycles, summaries)
        return cycles, summaries

    def _add_franchise(self, cycles, summaries):
        """Per contract and bucket: [used seconds, allowance seconds]."""
        cr = self.env.cr
        buckets = self.env["isp.telephony.plan.bucket"].sudo()
        allowance = {}
        plan_ids = {c[1] for c in cycles.values()}
        for bucket in buckets.search([("plan_id", "in", list(plan_ids))]):
            allowance.setdefault(bucket.plan_id.id, []).append(bucket)
        for contract_id, plan_id, _s, _e, _r in cycles.values():
            summary = summaries.get(contract_id)
            if summary is None:
                continue
            for bucket in allowance.get(plan_id, ()):
                slot = summary["buckets"].setdefault(bucket.id, [0, 0])
                slot[1] += bucket.allowance_seconds
        cr.execute(_FRANCHISE)
        for contract_id, bucket_id, used in cr.fetchall():
            summary = summaries.get(contract_id)
            if summary is not None:
                summary["buckets"].setdefault(bucket_id, [0, 0])[0] += used

    @api.model
    def _blocking_reason(self, summary):
        if summary["no_rate"]:
            return self.env._(
                "%s calls have no rate: add a rate to the plan, then run again.",
                summary["no_rate"],
            )
        if summary["unrated"]:
            return self.env._("%s calls could not be rated.", summary["unrated"])
        return ""

    # ------------------------------------------------------------------
    # Invoices

    @api.model
    def _find_draft_invoices(self, contracts, month):
        """``{contract_id: move_id}``: the draft invoice to add overage to.
        The contract's own draft invoice dated in the month (unless the
        company wants a separate invoice), else a telephony draft of a
        previous run for the same month."""
        if not contracts:
            return {}
        first = billing.month_start(month)
        last = billing.month_start(date.fromordinal(first.toordinal() + 31))
        last = date.fromordinal(last.toordinal() - 1)
        shared = contracts.filtered(
            lambda k: not k.company_id.telephony_separate_invoice
        )
        cr = self.env.cr
        found = {}
        cr.execute(
            """
            SELECT m.telephony_contract_id, max(m.id) FROM account_move m
             WHERE m.telephony_contract_id = ANY(%s)
               AND m.telephony_billing_month = %s AND m.state = 'draft'
             GROUP BY 1
            """,
            [contracts.ids, first],
        )
        found.update(cr.fetchall())
        if shared:
            cr.execute(
                """
                SELECT DISTINCT ON (cl.contract_id) cl.contract_id, m.id
                  FROM account_move m
                  JOIN account_move_line aml ON aml.move_id = m.id
                  JOIN contract_line cl ON cl.id = aml.contract_line_id
                 WHERE cl.contract_id = ANY(%s) AND m.state = 'draft'
                   AND m.move_type = 'out_invoice'
                   AND COALESCE(m.invoice_date, m.date) BETWEEN %s AND %s
                 ORDER BY cl.contract_id, COALESCE(m.invoice_date, m.date), m.id
                """,
                [shared.ids, first, last],
            )
            found.update(cr.fetchall())
        return found

    @api.model
    def _invoice_line_vals(self, plan, dest_class, calls, excess, charge, cycle_text):
        labels = dict(DEST_CLASSES)
        name = self.env._(
            "Telephony overage - %(plan)s - %(class)s - %(cycle)s: "
            "%(calls)s calls, %(minutes)s min beyond the franchise",
            plan=plan.name,
            **{"class": labels.get(dest_class, dest_class)},
            cycle=cycle_text,
            calls=calls,
            minutes=billing.minutes(excess),
        )
        return {
            "product_id": plan.product_id.id,
            "name": name,
            "quantity": 1,
            "price_unit": float(charge),
            "telephony_plan_id": plan.id,
            "telephony_dest_class": dest_class,
        }

    @api.model
    def _generate(self, billing_month, contract_ids=None, company=None):
        """Bill the month. Returns a dict: moves (account.move), skipped
        ({contract_id: reason}), lines (count), cdrs (count), timings
        (seconds per phase)."""
        month = billing.month_start(billing_month)
        clock = time.perf_counter()
        cycles, summaries = self._summaries(month, contract_ids, company)
        timings = {"rate_and_sum": round(time.perf_counter() - clock, 1)}
        clock = time.perf_counter()
        skipped = {}
        plans = self.env["isp.telephony.plan"].with_context(active_test=False)
        to_bill = {}
        for contract_id, summary in summaries.items():
            reason = self._blocking_reason(summary)
            if not reason and summary["amount"] <= 0:
                continue
            for plan_id, _dc in summary["classes"]:
                plan = plans.browse(plan_id)
                if not reason and not plan.product_id:
                    reason = self.env._(
                        "Plan %s has no overage product.", plan.display_name
                    )
            if reason:
                skipped[contract_id] = reason
                continue
            to_bill[contract_id] = summary
        contracts = self.env["contract.contract"].browse(list(to_bill))
        existing = self._find_draft_invoices(contracts, month)
        moves_by_contract = {}
        line_vals = []
        new_moves = []
        new_contracts = []
        for contract in contracts:
            summary = to_bill[contract.id]
            move_id = existing.get(contract.id)
            cycle_text = self.env._("cycle ending %s", summary["reset"].isoformat())
            vals = [
                self._invoice_line_vals(
                    plans.browse(plan_id), dc, calls, excess, charge, cycle_text
                )
                for (plan_id, dc), (calls, excess, charge) in sorted(
                    summary["classes"].items()
                )
            ]
            currencies = {plans.browse(p).currency_id for p, _dc in summary["classes"]}
            if move_id:
                move = self.env["account.move"].browse(move_id)
                currency = move.currency_id
            else:
                currency = contract.currency_id
            if any(c != currency for c in currencies):
                skipped[contract.id] = self.env._(
                    "The plan's currency differs from the invoice currency %s.",
                    currency.name,
                )
                continue
            if move_id:
                moves_by_contract[contract.id] = move_id
                for val in vals:
                    val["move_id"] = move_id
                line_vals.extend(vals)
            else:
                invoice = contract._prepare_invoice(summary["reset"])
                invoice["invoice_line_ids"] = [fields.Command.create(v) for v in vals]
                invoice["telephony_contract_id"] = contract.id
                invoice["telephony_billing_month"] = month
                new_moves.append(invoice)
                new_contracts.append(contract.id)
        Move = self.env["account.move"]
        created = Move
        for start in range(0, len(new_moves), MOVES_PER_CREATE):
            created |= Move.create(new_moves[start : start + MOVES_PER_CREATE])
        for contract_id, move in zip(new_contracts, created, strict=True):
            moves_by_contract[contract_id] = move.id
        Line = self.env["account.move.line"]
        for start in range(0, len(line_vals), LINES_PER_CREATE):
            Line.create(line_vals[start : start + LINES_PER_CREATE])
        timings["invoices"] = round(time.perf_counter() - clock, 1)
        clock = time.perf_counter()
        cdrs = self._link_cdrs(cycles, moves_by_contract)
        timings["link"] = round(time.perf_counter() - clock, 1)
        moves = Move.browse(sorted(set(moves_by_contract.values())))
        _logger.info(
            "telephony billing %s: %d invoices, %d CDRs billed, %d contracts skipped",
            month,
            len(moves),
            cdrs,
            len(skipped),
        )
        return {
            "moves": moves,
            "skipped": skipped,
            "lines": len(line_vals)
            + sum(len(m["invoice_line_ids"]) for m in new_moves),
            "cdrs": cdrs,
            "timings": timings,
        }

    def _link_cdrs(self, cycles, moves_by_contract):
        """Bill the CDRs: each to its invoice, and to the invoice line of its
        (plan, class) when it has one (the newest: made by this run)."""
        if not moves_by_contract:
            return 0
        self.env.flush_all()
        cr = self.env.cr
        move_ids = list(set(moves_by_contract.values()))
        cr.execute(
            """
            SELECT DISTINCT ON (move_id, telephony_plan_id, telephony_dest_class)
                   move_id, telephony_plan_id, telephony_dest_class, id
              FROM account_move_line
             WHERE move_id = ANY(%s) AND telephony_plan_id IS NOT NULL
             ORDER BY move_id, telephony_plan_id, telephony_dest_class, id DESC
            """,
            [move_ids],
        )
        aml = {(move, plan, dc): line for move, plan, dc, line in cr.fetchall()}
        self._load_cycles(cycles, moves_by_contract)
        cr.execute(_TO_LINK)
        rows = [
            (cdr_id, move_id, aml.get((move_id, plan_id, dest_class)))
            for cdr_id, move_id, plan_id, dest_class in cr.fetchall()
        ]
        cr.execute(_CREATE_LINKS)
        copy_rows(cr, _COPY_LINKS, rows)
        cr.execute("ANALYZE isp_cdr_billing_link")
        cr.execute(_LINK)
        count = cr.rowcount
        cr.execute("TRUNCATE isp_cdr_billing_link")
        self.env["isp.cdr"].invalidate_model(
            ["invoice_id", "invoice_line_id", "billed"]
        )
        return count

    @api.model
    def _cron_monthly_billing(self, commit=False):
        """Bill the current month from the 26th on (every due day, 1-25, has
        passed: each cycle of the month is closed), else the previous one."""
        today = fields.Date.context_today(self)
        month = billing.month_start(today)
        if today.day < 26:
            month = billing.previous_month(today)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT DISTINCT company_id FROM isp_sip_line"
            " WHERE billing_plan_id IS NOT NULL"
        )
        company_ids = [row[0] for row in self.env.cr.fetchall()]
        for company in self.env["res.company"].browse(company_ids):
            self.with_company(company)._generate_in_chunks(month, company, commit)

    @api.model
    def _generate_in_chunks(self, month, company, commit=False):
        """Bill ``company``'s month ``CRON_CHUNK_CONTRACTS`` contracts at a
        time, committing after each chunk with ``commit`` (the scheduled
        action passes it): a run over
        thousands of contracts never holds one long transaction, and a
        failure keeps the chunks already billed; running it again bills the
        rest (a billed call is never billed twice)."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT DISTINCT contract_id FROM isp_sip_line
                WHERE billing_plan_id IS NOT NULL AND contract_id IS NOT NULL
                  AND company_id = %s ORDER BY contract_id""",
            (company.id,),
        )
        contract_ids = [row[0] for row in self.env.cr.fetchall()]
        totals = {"moves": 0, "cdrs": 0, "skipped": 0}
        for start in range(0, len(contract_ids), CRON_CHUNK_CONTRACTS):
            chunk = contract_ids[start : start + CRON_CHUNK_CONTRACTS]
            result = self._generate(month, chunk, company)
            totals["moves"] += len(result["moves"])
            totals["cdrs"] += result["cdrs"]
            totals["skipped"] += len(result["skipped"])
            for contract_id, reason in result["skipped"].items():
                _logger.warning(
                    "telephony billing %s: contract %s skipped: %s",
                    month,
                    contract_id,
                    reason,
                )
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            self.env.invalidate_all()
        return totals

    @api.model
    def _check_month(self, billing_month):
        if not billing_month:
            raise UserError(self.env._("Choose the billing month."))
        return billing.month_start(billing_month)
