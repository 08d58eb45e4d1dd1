# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""OCA contract's invoicing as queue jobs, in chunks of contracts.

With OCA ``contract_queue_job`` switched on (system parameter
``contract.queue.job``), the invoicing cron queues one job per contract: on
thousands of contracts the job machinery (a dispatch and three transactions
per job) costs more than the invoice itself. Here the cron queues one job
per chunk of contracts instead, on contract_queue_job's channel
(root.CONTRACT_INVOICE); each contract is invoiced in a savepoint of its
own, and a contract whose invoicing fails is rolled back alone, noted in its
chatter and queued again as contract_queue_job's job of its own, which
retries alone and shows its error in the Jobs list."""

import logging

from odoo import models
from odoo.tools.misc import str2bool

_logger = logging.getLogger(__name__)

# Contracts per invoicing job when the system parameter
# isp_telephony.invoice_chunk_contracts is not set.
DEFAULT_INVOICE_CHUNK = 50


class ContractContract(models.Model):
    _inherit = "contract.contract"

    def _invoice_chunk_size(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("isp_telephony.invoice_chunk_contracts")
        )
        try:
            return max(1, int(value)) if value else DEFAULT_INVOICE_CHUNK
        except ValueError:
            return DEFAULT_INVOICE_CHUNK

    def _recurring_create_invoice(self, date_ref=False):
        if self.env.context.get("isp_invoice_chunk"):
            # Inside a chunk job: one contract at a time (contract_queue_job
            # invoices a single contract at once).
            return super()._recurring_create_invoice(date_ref=date_ref)
        as_job = str2bool(
            self.env["ir.config_parameter"].sudo().get_param("contract.queue.job")
        )
        size = self._invoice_chunk_size()
        if not as_job or len(self) <= 1 or size <= 1:
            return super()._recurring_create_invoice(date_ref=date_ref)
        contracts = self.sorted("id")
        for start in range(0, len(contracts), size):
            chunk = contracts[start : start + size]
            chunk.with_delay(
                channel="root.CONTRACT_INVOICE",
                identity_key=(
                    f"contract.contract({chunk[0].id}-{chunk[-1].id}:{len(chunk)})"
                    f".invoice({date_ref or ''})"
                ),
                description=self.env._(
                    "Invoice %(count)s contracts (%(first)s to %(last)s)",
                    count=len(chunk),
                    first=chunk[0].display_name,
                    last=chunk[-1].display_name,
                ),
            )._job_invoice_chunk(date_ref=date_ref)
        return self.env["account.move"]

    def _job_invoice_chunk(self, date_ref=False):
        """Queue job: invoice a chunk of contracts, each in a savepoint; a
        contract that fails is rolled back alone and queued again as a job
        of its own (retried alone, its error in the Jobs list)."""
        moves = self.env["account.move"]
        failed = self.browse()
        for contract in self.with_context(isp_invoice_chunk=True):
            try:
                with self.env.cr.savepoint():
                    moves |= contract._recurring_create_invoice(date_ref=date_ref)
            except Exception as error:  # noqa: BLE001 - recorded on the contract
                self.env.invalidate_all()
                _logger.warning(
                    "invoicing of contract %s failed: %s", contract.id, error
                )
                failed |= contract
                contract.message_post(
                    body=self.env._(
                        "The recurring invoice could not be created: %s. It is "
                        "tried again as a job of its own (Job Queue > Jobs).",
                        str(error),
                    )
                )
        for contract in failed:
            key = f"contract.contract({contract.id}).invoice({date_ref or ''})"
            contract.with_delay(
                channel="root.CONTRACT_INVOICE", identity_key=key
            )._recurring_create_invoice(date_ref=date_ref)
        return self.env._(
            "%(invoices)s invoices created, %(failed)s contracts failed (queued "
            "again alone).",
            invoices=len(moves),
            failed=len(failed),
        )
