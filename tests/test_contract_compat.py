# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""OCA contract's own tests, run against a database where isp_telephony is
installed: our account.move / account.move.line extensions must not change
how contracts invoice."""

from odoo.addons.contract.tests.test_contract import TestContract  # noqa: F401
from odoo.addons.contract.tests.test_contract_manually_create_invoice import (  # noqa: F401
    TestContractManuallyCreateInvoice,
)
from odoo.addons.contract.tests.test_multicompany import (  # noqa: F401
    ContractMulticompanyCase,
)
