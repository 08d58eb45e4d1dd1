# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools import billing


class IspTelephonyBillingWizard(models.TransientModel):
    """Close a telephony month: preview the month's calls per contract, then
    record the telephony charges the contracts' invoices will carry."""

    _name = "isp.telephony.billing.wizard"
    _description = "Close Telephony Month"

    billing_month = fields.Date(
        required=True,
        default=lambda self: billing.previous_month(fields.Date.context_today(self)),
        help="Any day of the month: the month bills the cycle of each line that "
        "resets (due day) in it, e.g. due day 10 and March: 10 Feb - 9 Mar.",
    )
    contract_ids = fields.Many2many(
        "contract.contract",
        string="Contracts",
        help="Leave empty to bill every contract with a telephony plan.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [
            ("draft", "Choose"),
            ("preview", "Preview"),
            ("queued", "Closing"),
            ("done", "Closed"),
        ],
        default="draft",
        required=True,
    )
    line_ids = fields.One2many(
        "isp.telephony.billing.wizard.line", "wizard_id", string="Preview"
    )
    total_amount = fields.Monetary(
        compute="_compute_totals", currency_field="currency_id"
    )
    blocked_count = fields.Integer(compute="_compute_totals")
    invoice_ids = fields.Many2many(
        "account.move", string="Separate Invoices", readonly=True
    )
    charge_ids = fields.Many2many(
        "isp.telephony.charge", string="Charges", readonly=True
    )
    result = fields.Text(readonly=True)
    job_ids = fields.Many2many(
        "queue.job",
        string="Close Jobs",
        compute="_compute_job_ids",
        help="The background jobs closing this month for the company, one per "
        "chunk of contracts: a failed chunk shows its error here and is "
        "requeued alone.",
    )
    job_failed_count = fields.Integer(compute="_compute_job_ids")
    job_waiting_count = fields.Integer(compute="_compute_job_ids")
    empty_reason = fields.Text(readonly=True, help="Why the preview lists no contract.")

    @api.depends("billing_month")
    def _compute_display_name(self):
        for wizard in self:
            month = wizard.billing_month
            wizard.display_name = self.env._(
                "Close Telephony Month %s", month.strftime("%m/%Y") if month else ""
            )

    @api.depends("line_ids.amount", "line_ids.status")
    def _compute_totals(self):
        for wizard in self:
            wizard.total_amount = sum(wizard.line_ids.mapped("amount"))
            wizard.blocked_count = len(
                wizard.line_ids.filtered(lambda line: line.status == "blocked")
            )

    @api.depends("billing_month", "company_id", "state")
    def _compute_job_ids(self):
        Job = self.env["queue.job"]
        for wizard in self:
            jobs = Job
            if wizard.state in ("queued", "done") and wizard.billing_month:
                month = billing.month_start(wizard.billing_month)
                jobs = Job.search(
                    [
                        ("telephony_billing_month", "=", month),
                        ("company_id", "=", wizard.company_id.id),
                    ],
                    order="id desc",
                )
            wizard.job_ids = jobs
            wizard.job_failed_count = len(jobs.filtered(lambda j: j.state == "failed"))
            wizard.job_waiting_count = len(
                jobs.filtered(
                    lambda j: (
                        j.state
                        in ("wait_dependencies", "pending", "enqueued", "started")
                    )
                )
            )

    def _contract_filter(self):
        return self.contract_ids.ids or None

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Close Telephony Month"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def _empty_reason(self, month):
        """Plain words for an empty preview: what is missing. Called after
        _check_company_access: it counts every line and charge of the
        company (archived ones too, whoever can read them), as the close
        does."""
        domain = [
            ("contract_id", "!=", False),
            ("company_id", "=", self.company_id.id),
        ]
        if self.contract_ids:
            domain.append(("contract_id", "in", self.contract_ids.ids))
        Line = self.env["isp.sip.line"].sudo().with_context(active_test=False)
        [(lines, with_plan)] = Line._read_group(
            domain, aggregates=["__count", "billing_plan_id:count"]
        )
        if not lines:
            return self.env._(
                "No SIP line is sold on a contract: add lines to the customers' "
                "contracts (Contract > SIP Lines)."
            )
        if not with_plan:
            return self.env._(
                "None of the %s SIP lines on contracts has a billing plan: set a "
                "plan on each line (SIP line > Billing) so its calls can be rated.",
                lines,
            )
        Charge = self.env["isp.telephony.charge"].sudo()
        if Charge.search_count(
            [("billing_month", "=", month), ("company_id", "=", self.company_id.id)],
            limit=1,
        ):
            return self.env._(
                "This month is already closed: every call of its cycles is on a "
                "charge (Telephony > Telephony Charges). Calls imported later "
                "will show here."
            )
        return self.env._(
            "No calls in the cycles this month closes (each line's cycle that "
            "ends on its due day of %s): import the platform's CDRs, or choose "
            "another month.",
            month.strftime("%m/%Y"),
        )

    def _check_company_access(self):
        """Before the close's SQL (no record rules): the company is one the
        user works in, the chosen contracts are theirs to read and of it."""
        if self.company_id not in self.env.companies:
            raise AccessError(
                self.env._(
                    "You can close the telephony month of the companies you are "
                    "working in only (%s).",
                    self.company_id.name,
                )
            )
        self.contract_ids.check_access("read")
        if self.contract_ids.filtered(lambda c: c.company_id != self.company_id):
            raise AccessError(
                self.env._("Choose contracts of %s only.", self.company_id.name)
            )

    def action_preview(self):
        self.ensure_one()
        self._check_company_access()
        service = self.env["isp.telephony.billing"].with_company(self.company_id)
        month = service._check_month(self.billing_month)
        _cycles, summaries = service._summaries(
            month, self._contract_filter(), self.company_id
        )
        buckets = self.env["isp.telephony.plan.bucket"].sudo()
        values = []
        for contract_id, summary in sorted(summaries.items()):
            reason = service._blocking_reason(summary)
            if reason:
                status = "blocked"
            elif summary["amount"] > 0:
                status = "bill"
            else:
                status = "nothing"
            franchise = "; ".join(
                f"{buckets.browse(bucket_id).name}: "
                f"{billing.minutes(used):.2f} / {billing.minutes(allowance):.2f} min"
                for bucket_id, (used, allowance) in sorted(summary["buckets"].items())
            )
            values.append(
                {
                    "wizard_id": self.id,
                    "contract_id": contract_id,
                    "calls": summary["calls"],
                    "minutes": billing.minutes(summary["billsec"]),
                    "franchise": franchise,
                    "excess_minutes": billing.minutes(summary["excess"]),
                    "amount": summary["amount"],
                    "no_rate_calls": summary["no_rate"],
                    "status": status,
                    "note": reason,
                }
            )
        self.line_ids.unlink()
        self.env["isp.telephony.billing.wizard.line"].create(values)
        self.write(
            {
                "state": "preview",
                "billing_month": month,
                "empty_reason": "" if values else self._empty_reason(month),
            }
        )
        return self._reopen()

    def action_generate(self):
        """Close the month: record the charges (and the separate invoices of
        charges that cannot wait for the contract's invoice). A close of more
        contracts than one chunk runs in the background, a job per chunk."""
        self.ensure_one()
        self._check_company_access()
        service = self.env["isp.telephony.billing"].with_company(self.company_id)
        month = service._check_month(self.billing_month)
        chunks = service._close_chunks(self.company_id, self._contract_filter())
        if len(chunks) > 1:
            return self._generate_in_jobs(service, month, chunks)
        contract_ids = chunks[0] if chunks else []
        result = service._close_isolated(month, contract_ids, self.company_id)
        charges = result["charges"]
        not_billed = {**result["skipped"], **result["failed"]}
        contracts = self.env["contract.contract"].browse(list(not_billed))
        lines = [
            self.env._(
                "%(charges)s charges (%(to_invoice)s to invoice), %(cdrs)s calls "
                "charged, %(invoices)s separate invoices.",
                charges=len(charges),
                to_invoice=len(charges.filtered(lambda c: c.state == "to_invoice")),
                cdrs=result["cdrs"],
                invoices=len(result["invoices"]),
            )
        ]
        if result["failed"]:
            lines.append(
                self.env._(
                    "%s contracts failed: see Billing Failed on the contracts; the "
                    "others were closed.",
                    len(result["failed"]),
                )
            )
        lines += [
            f"{contract.display_name}: {not_billed[contract.id]}"
            for contract in contracts
        ]
        charged = set(charges.contract_id.ids)
        for row in self.line_ids:
            if row.contract_id.id in result["failed"]:
                row.write(
                    {"status": "failed", "note": result["failed"][row.contract_id.id]}
                )
            elif row.contract_id.id in charged:
                row.status = "charged"
        self.write(
            {
                "state": "done",
                "charge_ids": [fields.Command.set(charges.ids)],
                "invoice_ids": [fields.Command.set(result["invoices"].ids)],
                "result": "\n".join(lines),
            }
        )
        return self._reopen()

    def _generate_in_jobs(self, service, month, chunks):
        jobs = service._enqueue_close(month, self.company_id, self._contract_filter())
        self.write(
            {
                "state": "queued",
                "billing_month": month,
                "result": self.env._(
                    "The close of %(contracts)s contracts runs in the background: "
                    "%(jobs)s jobs of up to %(size)s contracts each, on every "
                    "worker. Refresh to follow them; a failed chunk is rolled "
                    "back alone and can be requeued.",
                    contracts=sum(len(chunk) for chunk in chunks),
                    jobs=len(jobs),
                    size=len(chunks[0]),
                ),
            }
        )
        return self._reopen()

    def action_refresh_jobs(self):
        """Reopen the close; Closed once no job of it waits or runs."""
        self.ensure_one()
        if self.state == "queued" and not self.job_waiting_count:
            self.state = "done"
        return self._reopen()

    def action_requeue_failed(self):
        """Run the failed chunks again (each alone)."""
        self.ensure_one()
        failed = self.job_ids.filtered(lambda j: j.state == "failed")
        if failed:
            failed.sudo().requeue()
            self.state = "queued"
        return self._reopen()

    def action_view_jobs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_close_queue_job"
        )
        action["domain"] = [("id", "in", self.job_ids.ids)]
        action["context"] = {}
        return action

    def action_view_charges(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "isp_telephony.action_isp_telephony_charge"
        )
        action["domain"] = [("id", "in", self.charge_ids.ids)]
        action["context"] = {}
        return action

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.invoice_ids.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        return action
