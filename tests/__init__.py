# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every test module, so that Odoo's own runner (--test-enable) finds them;
scripts/test.sh fails when a tests/test_*.py is missing here."""

from . import test_ami
from . import test_ami_worker
from . import test_billing
from . import test_billing_tools
from . import test_blocking_core
from . import test_call_events
from . import test_call_log
from . import test_call_panel_core
from . import test_callmyway
from . import test_catalog
from . import test_catalog_sync
from . import test_cdr_callmyway_import
from . import test_cdr_copy
from . import test_cdr_import
from . import test_cdr_matching
from . import test_cdr_parser
from . import test_cdr_references
from . import test_click_to_dial
from . import test_contract_blocking
from . import test_contract_compat
from . import test_destination
from . import test_gateway_sandbox
from . import test_gateway_summit
from . import test_job_runner
from . import test_line_blocking
from . import test_multicompany
from . import test_number_assignment
from . import test_number_range
from . import test_phone
from . import test_rating
from . import test_rating_core
from . import test_security
from . import test_sip_line_access
from . import test_sip_line_provisioning
from . import test_tours
from . import test_webhook
