/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// A newcomer's path on the demo data (tests/test_billing_tour.py): close
// the previous month, open the charges, create a contract's invoice with
// its telephony charge, print the call statement.

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("isp_telephony_billing_newcomer", {
    steps: () => [
        {
            content: "Preview the month the closing page proposes",
            trigger: ".o_form_view button[name=action_preview]",
            run: "click",
        },
        {
            content: "The preview lists the demo customers' calls, in full width",
            trigger: ".o_form_view .o_field_one2many[name=line_ids] .o_data_row:contains(To charge)",
        },
        {
            content: "No 'Add a line' in a read-only preview",
            trigger: ".o_form_view .o_field_one2many[name=line_ids]:not(:has(.o_field_x2many_list_row_add))",
        },
        {
            content: "Close the month",
            trigger: ".o_form_view button[name=action_generate]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The charges are recorded and the preview says so",
            trigger: ".o_form_view .alert-success:contains(charges) ~ .o_field_one2many .o_data_row:contains(Charged)",
        },
        {
            content: "Open the charges",
            trigger: ".o_form_view button[name=action_view_charges]",
            run: "click",
        },
        {
            content: "Open a charge to invoice",
            trigger: ".o_view_controller.o_list_view .o_data_row:contains(To Invoice) td[name=contract_id]",
            run: "click",
        },
        {
            content: "The charge waits for the contract's invoice",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(To Invoice)",
        },
        {
            content: "Go to the contract",
            trigger: ".o_form_view .o_field_widget[name=contract_id] a",
            run: "click",
        },
        {
            content: "Open the contract's Telephony tab",
            trigger: ".o_form_view .o_notebook a.nav-link:contains(Telephony)",
            run: "click",
        },
        {
            content: "The tab lists the month's charge",
            trigger: ".o_form_view .o_field_one2many[name=telephony_charge_ids] .o_data_row:contains(To Invoice)",
        },
        {
            content: "Create the contract's invoice",
            trigger: ".o_form_view button[name=action_telephony_create_invoice]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "One invoice: internet and telephony together",
            trigger: ".o_form_view div[name=invoice_line_ids] .o_data_row:contains(Telefonia)",
        },
        {
            content: "The invoice shows its calls",
            trigger: ".o_form_view button[name=action_view_telephony_cdrs]",
        },
        {
            content: "Print the call statement (HTML rendering of the same report)",
            trigger: ".o_form_view .o_breadcrumb",
            async run() {
                const id = window.location.pathname.split("/").pop();
                const response = await fetch(
                    `/report/html/isp_telephony.report_call_statement/${id}`
                );
                const html = await response.text();
                // The statement speaks the customer's language: the demo's
                // customers read Portuguese (Brazil).
                const printed = ["Call statement", "Extrato de chamadas"].some((title) =>
                    html.includes(title)
                );
                if (!response.ok || !printed) {
                    throw new Error(`statement of invoice ${id} not printed`);
                }
            },
        },
    ],
});
