# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Closing a telephony billing month: rate the cycle each line closes in
the month, then record per contract (and plan) a telephony charge linked
to every call it bills. The contract's next recurring invoice carries the
charge (see contract_contract.py); some charges get a separate invoice.

Set-based: one SQL aggregate for every contract, the charges inserted by
one INSERT ... SELECT, the calls linked by one UPDATE, the totals by one
UPDATE. A lock per company and a unique key per (contract, month, plan,
sequence) make double billing impossible.

This file is the close itself (the lock, the steps, the one write of each
call); isp_telephony_billing_cycles.py rates and sums the cycles,
isp_telephony_billing_charges.py records the charges and their totals,
isp_telephony_billing_jobs.py runs the close (cron, chunk jobs)."""

import logging
import time

from odoo import api, models
from odoo.exceptions import UserError

from ..tools import billing, locks
from .isp_telephony_rating import RATING_SET

_logger = logging.getLogger(__name__)

# The one write of each call: its rating (when it changed) and its charge
# (when its contract is charged), so a call is rewritten once per close. The
# rating is the result the rater kept in isp_cdr_rating_result (see
# isp_telephony_billing_cycles.py).
_WRITE = f"""
UPDATE isp_cdr c
   SET {RATING_SET},
       charge_id = v.target_id
  FROM (SELECT v.*, b.target_id
          FROM isp_cdr_rating_result v
          JOIN isp_billing_cycle b ON b.line_id = v.ln
         WHERE v.ch OR b.target_id IS NOT NULL
         ORDER BY v.id) v
 WHERE c.id = v.id AND c.charge_id IS NULL AND c.invoice_id IS NULL
"""
# Planner settings for _WRITE: index probes in a nested loop only (the
# disabled paths' huge costs would also trigger JIT compiling), then back.
_PROBE_PLAN = """
SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;
SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;
SET LOCAL jit = off;
"""
_DEFAULT_PLAN = """
RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_hashjoin;
RESET enable_mergejoin; RESET jit;
"""


class CloseBusyError(UserError):
    """Another close of the same company or contracts is running."""


class IspTelephonyBilling(models.AbstractModel):
    _name = "isp.telephony.billing"
    _description = "Telephony Billing Service"

    def _lock_close(self, company_ids):
        """Take the close lock of each company (tools/locks.py
        CLOSE_COMPANY), or refuse: two closes of one company never run at
        once. A chunk job (context ``isp_close_chunk``: its contract ids)
        shares the company lock with the other chunks and locks its
        contracts (CLOSE_CONTRACT) exclusively."""
        cr = self.env.cr
        chunk = self.env.context.get("isp_close_chunk")
        for company_id in sorted(company_ids):
            locked = locks.try_lock(
                cr, locks.CLOSE_COMPANY, company_id, shared=bool(chunk)
            )
            if locked and chunk:
                locked = locks.try_lock_all(cr, locks.CLOSE_CONTRACT, chunk)
            if not locked:
                company = self.env["res.company"].sudo().browse(company_id)
                raise CloseBusyError(
                    self.env._(
                        "Another telephony close of %s is running: try again when "
                        "it has finished.",
                        company.name,
                    )
                )

    @api.model
    def _close_month(
        self, billing_month, contract_ids=None, company=None, separate=True
    ):
        """Close the month for these contracts (all with a plan when None):
        rate their cycles, record the charges and link the calls; invoice
        at once the charges that cannot wait (``separate``). Any chunk of
        contracts can be closed on its own. Returns a dict: charges
        (touched), skipped ({contract_id: reason}), cdrs (count), invoices
        (separate ones), timings (seconds per phase)."""
        month = billing.month_start(billing_month)
        clock = time.perf_counter()
        cycles = self._line_cycles(month, contract_ids, company)
        Charge = self.env["isp.telephony.charge"]
        result = {
            "charges": Charge,
            "skipped": {},
            "cdrs": 0,
            "invoices": self.env["account.move"],
            "timings": {},
        }
        if not cycles:
            return result
        self._lock_close({c[7] for c in cycles.values()})
        timings = result["timings"]
        summaries = self._rate_for_close(cycles, timings)
        timings["rate_and_sum"] = round(time.perf_counter() - clock, 2)
        if not summaries:
            return result
        clock = time.perf_counter()
        skipped = result["skipped"]
        plans = self.env["isp.telephony.plan"].sudo().with_context(active_test=False)
        to_charge = set()
        for contract_id, summary in summaries.items():
            reason = self._blocking_reason(summary)
            for plan_id, (_calls, amount) in summary["plans"].items():
                plan = plans.browse(plan_id)
                if not reason and amount > 0 and not plan.product_id:
                    reason = self.env._(
                        "Plan %s has no overage product.", plan.display_name
                    )
            if reason:
                skipped[contract_id] = reason
            elif summary["calls"]:
                to_charge.add(contract_id)
        charge_ids, new_ids, targets = self._make_charges(
            month, cycles, summaries, to_charge
        )
        timings["charges"] = round(time.perf_counter() - clock, 2)
        clock = time.perf_counter()
        cr = self.env.cr
        # One write per call: the rating (when it changed) and the charge.
        self._load_cycles(cycles, targets)
        # A chunk's calls are a few percent of isp_cdr: each is found by its
        # primary key, in id order. The planner, left alone, scans the whole
        # table for every chunk (measured: 2.4 of the 7 s a chunk's write
        # took over 1,000,000 calls, twenty times over).
        cr.execute(_PROBE_PLAN)
        cr.execute(_WRITE)
        cr.execute(_DEFAULT_PLAN)
        cr.execute(
            "SELECT count(*) FROM isp_cdr_rating_result v"
            " JOIN isp_billing_cycle b ON b.line_id = v.ln"
            " WHERE b.target_id IS NOT NULL"
        )
        result["cdrs"] = cr.fetchone()[0]
        if charge_ids:
            self._update_totals(charge_ids, new_ids, cycles)
        cr.execute("TRUNCATE isp_cdr_rating_result")
        self.env["isp.cdr"].invalidate_model()
        Charge.invalidate_model()
        charges = Charge.browse(charge_ids)
        result["charges"] = charges
        timings["link_and_totals"] = round(time.perf_counter() - clock, 2)
        if not charges:
            return result
        if separate:
            clock = time.perf_counter()
            result["invoices"] = charges._invoice_separately_where_needed()
            timings["separate_invoices"] = round(time.perf_counter() - clock, 2)
        _logger.info(
            "telephony close %s: %d charges, %d calls, %d separate invoices, "
            "%d contracts skipped",
            month,
            len(charges),
            result["cdrs"],
            len(result["invoices"]),
            len(skipped),
        )
        return result

    @api.model
    def _check_month(self, billing_month):
        if not billing_month:
            raise UserError(self.env._("Choose the billing month."))
        return billing.month_start(billing_month)
