# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "ISP Telephony",
    "summary": "Sell, provision and bill VoIP lines on OCA contracts: number "
    "ranges, SIP lines, CDR import, rating, overage invoicing, blocking and "
    "click-to-dial",
    "version": "18.0.1.0.0",
    "category": "Services/Telephony",
    "license": "LGPL-3",
    "author": "isp_telephony authors",
    "depends": [
        "contract",
        "account",
        "mail",
        "phone_validation",
        # OCA termination (is_terminated) drives the Cancelled service status
        "contract_termination",
    ],
    "external_dependencies": {"python": ["phonenumbers", "requests", "panoramisk"]},
    "data": [
        "security/isp_telephony_security.xml",
        "security/ir.model.access.csv",
        "security/isp_telephony_rules.xml",
        "data/ir_cron.xml",
        "views/isp_telephony_integration_views.xml",
        "views/isp_number_range_views.xml",
        "views/isp_phone_number_views.xml",
        "views/isp_summit_partition_views.xml",
        "views/isp_summit_category_views.xml",
        "views/isp_summit_licence_views.xml",
        "views/isp_summit_cost_center_views.xml",
        "views/isp_summit_plan_views.xml",
        "views/res_config_settings_views.xml",
        "views/isp_sip_line_views.xml",
        "views/isp_sip_line_did_views.xml",
        "views/isp_provisioning_job_views.xml",
        "views/isp_provisioning_batch_views.xml",
        "views/isp_number_assignment_views.xml",
        "views/contract_contract_views.xml",
        "data/isp_call_outcome_data.xml",
        "views/isp_telephony_agent_views.xml",
        "views/isp_call_outcome_views.xml",
        "views/isp_call_log_views.xml",
        "security/isp_telephony_blocking_security.xml",
        "data/isp_telephony_blocking_cron.xml",
        "views/contract_contract_blocking_views.xml",
        "views/isp_telephony_menus.xml",
    ],
    "demo": [
        "demo/isp_telephony_demo.xml",
        "demo/isp_sip_line_demo.xml",
        "demo/isp_telephony_blocking_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "isp_telephony/static/src/dial/*",
            "isp_telephony/static/src/call_panel/*",
        ],
        "web.assets_tests": [
            "isp_telephony/static/tests/tours/*.js",
        ],
    },
    "application": True,
}
