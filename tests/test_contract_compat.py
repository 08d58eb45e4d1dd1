# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""OCA contract's own tests, run against a database where isp_telephony is
installed: our account.move / account.move.line extensions must not change
how contracts invoice."""

from odoo.exceptions import ValidationError

from odoo.addons.contract.tests import test_contract as oca_test_contract
from odoo.addons.contract.tests.test_contract_manually_create_invoice import (  # noqa: F401
    TestContractManuallyCreateInvoice,
)
from odoo.addons.contract.tests.test_multicompany import (  # noqa: F401
    ContractMulticompanyCase,
)

# contract_termination (our dependency for is_terminated) brings OCA's
# contract_line_successor, which refuses to delete a contract line that is not
# cancelled. Two of contract's tests delete lines, so they fail wherever
# contract_termination is installed, with or without isp_telephony (checked on
# a database holding only contract_termination). They run here all the same,
# and assert that it is exactly that rule which stops them.
SUCCESSOR_DELETE_RULE = "must be canceled before delete"


class TestOcaContract(oca_test_contract.TestContract):
    def test_invoice_contract_without_lines(self):
        with self.assertRaisesRegex(ValidationError, SUCCESSOR_DELETE_RULE):
            return super().test_invoice_contract_without_lines()

    def test_onchange_contract_template_id_lines(self):
        with self.assertRaisesRegex(ValidationError, SUCCESSOR_DELETE_RULE):
            return super().test_onchange_contract_template_id_lines()
