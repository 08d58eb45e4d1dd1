# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Manager actions on a contract's telephony service: Block and Unblock by
hand, with the checks made before writing as superuser (the manager group,
read access, the request's companies).
"""

from odoo import fields, models
from odoo.exceptions import AccessError

from ..tools import blocking


class ContractContractServiceActions(models.Model):
    _inherit = "contract.contract"

    # Manager actions ----------------------------------------------------
    def action_service_block(self):
        """Block the contracts by hand: no payment lifts this block."""
        self._check_service_manager()
        # Telephony managers need no accounting rights to block: status and
        # lines are written as superuser (the chatter author stays the user),
        # once the contracts are known to be theirs to see.
        todo = (
            self._check_service_access()
            .sudo()
            .filtered(
                lambda c: (
                    c.service_status
                    not in (blocking.BLOCKED_MANUAL, blocking.CANCELLED)
                )
            )
        )
        todo._set_service_status(
            blocking.BLOCKED_MANUAL,
            self.env._("Blocked manually by %(user)s", user=self.env.user.name),
        )
        return True

    def action_service_unblock(self):
        """Lift a manual block: the contracts go back to what their invoices
        say (Active, or a partial/automatic block while still overdue)."""
        self._check_service_manager()
        todo = (
            self._check_service_access()
            .sudo()
            .filtered(lambda c: c.service_status == blocking.BLOCKED_MANUAL)
        )
        todo.write(
            {
                "service_status": blocking.ACTIVE,
                "service_status_reason": self.env._(
                    "Unblocked by %(user)s", user=self.env.user.name
                ),
                "service_status_date": fields.Datetime.now(),
            }
        )
        changed = todo._evaluate_service_status()
        (todo - changed)._apply_service_status_to_lines()
        (todo - changed).filtered(
            lambda c: c.service_status == blocking.ACTIVE
        )._notify_service_status(blocking.ACTIVE, todo)
        return True

    def _check_service_access(self):
        """Before any sudo(): the user reads these contracts (record rules)
        and each belongs to one of the companies of the request. Returns
        ``self``."""
        self.check_access("read")
        foreign = self.filtered(
            lambda c: c.company_id and c.company_id not in self.env.companies
        )
        if foreign:
            raise AccessError(
                self.env._(
                    "These contracts belong to a company you are not working in: %s.",
                    ", ".join(foreign.mapped("display_name")),
                )
            )
        return self

    def _check_service_manager(self):
        if not self.env.user.has_group("isp_telephony.group_telephony_manager"):
            raise AccessError(
                self.env._("Only telephony managers can block or unblock contracts.")
            )
