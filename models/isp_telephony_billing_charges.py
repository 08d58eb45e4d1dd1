# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The charges a month close records: per contract and plan, the month's
open charge or a new one (the next sequence), and their totals and
franchise text summed from their calls."""

from odoo import models

from ..tools import billing
from .isp_telephony_charge import CHARGE_CALLS
from .isp_telephony_rating import copy_rows

# New charges: COPYed, then inserted by one statement. The unique key
# (contract, month, plan, sequence) refuses a second close that raced this
# one past the lock with an older snapshot.
_CREATE_NEW = """
CREATE TEMP TABLE IF NOT EXISTS isp_billing_new_charge (
    contract_id int, plan_id int, seq int, company_id int, partner_id int,
    currency_id int, cycle_start date, cycle_end date
) ON COMMIT DROP;
TRUNCATE isp_billing_new_charge;
"""
_COPY_NEW = "COPY isp_billing_new_charge FROM STDIN"
_INSERT_NEW = """
INSERT INTO isp_telephony_charge (
       contract_id, billing_plan_id, sequence, company_id, partner_id, currency_id,
       cycle_start, cycle_end, billing_month, state, calls, billsec,
       franchise_seconds, excess_seconds, line_count, amount,
       create_uid, write_uid, create_date, write_date)
SELECT contract_id, plan_id, seq, company_id, partner_id, currency_id,
       cycle_start, cycle_end, %(month)s, 'included', 0, 0, 0, 0, 0, 0,
       %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
  FROM isp_billing_new_charge
RETURNING id, contract_id, billing_plan_id
"""

# A charge is the sum of its calls, by construction.
_TOTALS = (
    """
UPDATE isp_telephony_charge ch
   SET calls = s.calls, billsec = s.billsec,
       franchise_seconds = s.franchise, excess_seconds = s.excess,
       amount = s.amount, line_count = s.line_count,
       state = CASE WHEN s.amount > 0 THEN 'to_invoice' ELSE 'included' END,
       write_date = now() AT TIME ZONE 'UTC'
  FROM (SELECT charge_id, count(*) AS calls,
               COALESCE(sum(billsec), 0) AS billsec,
               COALESCE(sum(franchise_seconds), 0) AS franchise,
               COALESCE(sum(excess_seconds), 0) AS excess,
               COALESCE(sum(charge), 0) AS amount,
               count(DISTINCT line_id) AS line_count
          FROM isp_cdr WHERE id IN ("""
    + CHARGE_CALLS
    + """) GROUP BY charge_id) s
 WHERE ch.id = s.charge_id AND ch.state IN ('to_invoice', 'included')
"""
)

_CHARGE_FRANCHISE = (
    """
SELECT charge_id, bucket_id, sum(franchise_seconds)
  FROM isp_cdr WHERE bucket_id IS NOT NULL AND id IN ("""
    + CHARGE_CALLS
    + """)
 GROUP BY 1, 2
"""
)

# Totals of the charges this close created, from the same results.
_NEW_TOTALS = """
UPDATE isp_telephony_charge ch
   SET calls = s.calls, billsec = s.billsec,
       franchise_seconds = s.franchise, excess_seconds = s.excess,
       amount = s.amount, line_count = s.line_count,
       state = CASE WHEN s.amount > 0 THEN 'to_invoice' ELSE 'included' END,
       write_date = now() AT TIME ZONE 'UTC'
  FROM (SELECT b.target_id AS charge_id, count(*) AS calls,
               sum(v.bs) AS billsec, sum(v.fs) AS franchise,
               sum(v.es) AS excess,
               sum(v.cm::numeric / power(10::numeric, v.dg)) AS amount,
               count(DISTINCT v.ln) AS line_count
          FROM isp_cdr_rating_result v
          JOIN isp_billing_cycle b ON b.line_id = v.ln
         WHERE b.target_id = ANY(%s)
         GROUP BY 1) s
 WHERE ch.id = s.charge_id AND ch.state IN ('to_invoice', 'included')
"""
_NEW_FRANCHISE = """
SELECT b.target_id, v.bu, sum(v.fs)
  FROM isp_cdr_rating_result v
  JOIN isp_billing_cycle b ON b.line_id = v.ln
 WHERE b.target_id = ANY(%s) AND v.bu IS NOT NULL
 GROUP BY 1, 2
"""


class IspTelephonyBillingCharges(models.AbstractModel):
    _inherit = "isp.telephony.billing"

    def _make_charges(self, month, cycles, summaries, to_charge):
        """Find or insert the charge of each (contract, plan) with calls to
        charge: calls go to the month's open charge, else to a new one (the
        next sequence). Returns ``(charge ids, ids of the new ones,
        {line_id: charge_id})``."""
        cr = self.env.cr
        if not to_charge:
            return [], [], {}
        pairs = {
            (contract_id, plan_id)
            for contract_id in to_charge
            for plan_id, (calls, _a) in summaries[contract_id]["plans"].items()
            if calls
        }
        contract_ids = sorted(to_charge)
        cr.execute(
            """
            SELECT contract_id, billing_plan_id, max(sequence),
                   max(id) FILTER (WHERE state IN ('to_invoice', 'included'))
              FROM isp_telephony_charge
             WHERE contract_id = ANY(%s) AND billing_month = %s
             GROUP BY 1, 2
            """,
            [contract_ids, month],
        )
        existing = {(r[0], r[1]): (r[2], r[3]) for r in cr.fetchall()}
        cr.execute(
            "SELECT id, partner_id, company_id FROM contract_contract"
            " WHERE id = ANY(%s)",
            [contract_ids],
        )
        contracts = {r[0]: r[1:] for r in cr.fetchall()}
        cr.execute(
            "SELECT id, currency_id FROM isp_telephony_plan WHERE id = ANY(%s)",
            [list({p for _c, p in pairs})],
        )
        currencies = dict(cr.fetchall())
        spans = {}
        for cycle in cycles.values():
            key = (cycle[0], cycle[1])
            if key in pairs:
                first, last = spans.get(key, (cycle[5], cycle[6]))
                spans[key] = (min(first, cycle[5]), max(last, cycle[6]))
        charge_of = {}
        new_ids = []
        new_rows = []
        for key in sorted(pairs):
            max_seq, open_id = existing.get(key, (None, None))
            if open_id:
                charge_of[key] = open_id
                continue
            partner_id, company_id = contracts[key[0]]
            new_rows.append(
                (
                    key[0],
                    key[1],
                    0 if max_seq is None else max_seq + 1,
                    company_id,
                    partner_id,
                    currencies[key[1]],
                    *spans[key],
                )
            )
        if new_rows:
            self.env["isp.telephony.charge"].flush_model()
            cr.execute(_CREATE_NEW)
            copy_rows(cr, _COPY_NEW, new_rows)
            cr.execute(_INSERT_NEW, {"month": month, "uid": self.env.uid})
            for charge_id, contract_id, plan_id in cr.fetchall():
                charge_of[(contract_id, plan_id)] = charge_id
                new_ids.append(charge_id)
        targets = {
            line_id: charge_of.get((c[0], c[1])) for line_id, c in cycles.items()
        }
        return sorted(charge_of.values()), sorted(new_ids), targets

    def _update_totals(self, charge_ids, new_ids, cycles):
        """Totals of the charges from their calls; the franchise text. The
        new charges (``new_ids``) sum the close's results; an open charge
        that received late calls is summed again from all its calls."""
        cr = self.env.cr
        old_ids = sorted(set(charge_ids) - set(new_ids))
        if new_ids:
            cr.execute(_NEW_TOTALS, [new_ids])
        if old_ids:
            cr.execute(_TOTALS, [old_ids])
        cr.execute(
            "SELECT id, contract_id, billing_plan_id FROM isp_telephony_charge"
            " WHERE id = ANY(%s)",
            [charge_ids],
        )
        keys = {r[0]: (r[1], r[2]) for r in cr.fetchall()}
        allowances = self._allowances(cycles)
        used = {}
        for query, ids in ((_NEW_FRANCHISE, new_ids), (_CHARGE_FRANCHISE, old_ids)):
            if ids:
                cr.execute(query, [ids])
                for charge_id, bucket_id, seconds in cr.fetchall():
                    used[(charge_id, bucket_id)] = seconds
        ids, texts = [], []
        for charge_id, key in keys.items():
            slots = allowances.get(key, {})
            text = "; ".join(
                f"{bucket.name}: "
                f"{billing.minutes(used.get((charge_id, bucket.id), 0)):.2f}"
                f" / {billing.minutes(seconds):.2f} min"
                for bucket, seconds in sorted(slots.items(), key=lambda kv: kv[0].id)
            )
            ids.append(charge_id)
            texts.append(text or None)
        cr.execute(
            """
            UPDATE isp_telephony_charge ch SET franchise_detail = v.t
              FROM unnest(%s::int[], %s::varchar[]) AS v(id, t)
             WHERE ch.id = v.id AND ch.franchise_detail IS DISTINCT FROM v.t
            """,
            [ids, texts],
        )
