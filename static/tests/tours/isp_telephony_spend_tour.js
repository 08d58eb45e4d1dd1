/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// A telephony manager finds a line held by its credit limit among the
// blocked lines, reads why, and lifts the block (tests/test_spend_tour.py).

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("isp_telephony_spend_lift", {
    steps: () => [
        {
            content: "Blocked lines are grouped by the reason in force",
            trigger: ".o_group_name:contains(Partially Blocked (credit limit))",
            run: "click",
        },
        {
            content: "Open the line at its limit",
            trigger: ".o_data_row:contains(Tour spend line) td[name=display_name]",
            run: "click",
        },
        {
            content: "The form says why, since when and from where",
            trigger: ".o_form_view .alert-danger:contains(credit limit):contains(Tour import)",
        },
        {
            content: "The spend against the limit is on the line",
            trigger: ".o_form_view .o_field_widget[name=credit_state]:contains(At Limit)",
        },
        {
            content: "Lift the credit block",
            trigger: ".o_form_view button[name=action_lift_credit_block]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The line is no longer held: the button and the alert are gone",
            trigger:
                ".o_form_view:not(:has(button[name=action_lift_credit_block])):not(:has(.alert-danger:contains(credit limit)))",
        },
    ],
});
