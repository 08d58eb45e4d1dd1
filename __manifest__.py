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
    "depends": ["contract", "account", "mail", "phone_validation"],
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
        "data/isp_telephony_destination_class_data.xml",
        "views/isp_telephony_plan_views.xml",
        "views/isp_telephony_rate_views.xml",
        "views/isp_telephony_destination_class_views.xml",
        "views/account_move_views.xml",
        "wizards/isp_telephony_billing_wizard.xml",
        "report/call_statement_report.xml",
        "views/isp_telephony_menus.xml",
    ],
    "demo": [
        "demo/isp_telephony_demo.xml",
    ],
    "application": True,
}
