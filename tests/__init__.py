# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every test module, so that Odoo's own runner (--test-enable) finds them;
scripts/test.sh fails when a tests/test_*.py is missing here."""

from odoo.http import root

# CPython 3.11 before 3.11.8 can raise "SystemError: AST constructor
# recursion depth mismatch" when two threads compile at once (gh-106905).
# The test server's first request parses every addon's manifest for the
# static paths (root.statics, computed once per process) while the browser
# fires parallel requests: computed here, in the main thread, first.
root.statics  # noqa: B018  # pylint: disable=pointless-statement
from . import test_ami
from . import test_ami_worker
from . import test_architecture
from . import test_archived_line
from . import test_benchmarks
from . import test_billing
from . import test_billing_concurrency
from . import test_billing_isolation
from . import test_billing_tools
from . import test_billing_tour
from . import test_blocking_core
from . import test_blocking_isolation
from . import test_call_events
from . import test_call_log
from . import test_call_panel_calm
from . import test_call_panel_core
from . import test_call_views
from . import test_callmyway
from . import test_catalog
from . import test_catalog_sync
from . import test_cdr_callmyway_import
from . import test_cdr_copy
from . import test_cdr_folder
from . import test_cdr_import
from . import test_cdr_import_isolation
from . import test_cdr_matching
from . import test_cdr_parser
from . import test_cdr_references
from . import test_cdr_safe_numbers
from . import test_click_to_dial
from . import test_close_jobs
from . import test_connection_check
from . import test_contract_blocking
from . import test_contract_compat
from . import test_destination
from . import test_gateway_registry
from . import test_gateway_sandbox
from . import test_gateway_summit
from . import test_i18n
from . import test_job_runner
from . import test_line_blocking
from . import test_locks
from . import test_log_redaction
from . import test_multicompany
from . import test_name_search
from . import test_number_assignment
from . import test_number_range
from . import test_owned_fields
from . import test_phone
from . import test_portal
from . import test_protection_settings
from . import test_provisioning_isolation
from . import test_pt_br_tour
from . import test_rating
from . import test_rating_core
from . import test_scripts
from . import test_security
from . import test_security_audit
from . import test_security_company
from . import test_security_fields
from . import test_sip_line_access
from . import test_sip_line_credential
from . import test_sip_line_provisioning
from . import test_sip_line_tour
from . import test_spend_control
from . import test_spend_core
from . import test_spend_notices
from . import test_spend_tour
from . import test_tours
from . import test_usage_tours
from . import test_webhook
from . import test_webhook_bounds
