/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// Browser tours run by tests/test_tours.py.

import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

// Shared with tests/test_tours.py.
const TOUR_SECRET = "tour-secret-123";
const TOUR_INTEGRATION = "Tour CallMyWay";

registry.category("web_tour.tours").add("isp_telephony_click_to_dial", {
    steps: () => [
        {
            content: "The contact's phone is shown",
            trigger: ".o_form_view .o_field_phone input",
        },
        {
            // Odoo shows a phone field's links on hover only (CSS :hover,
            // which synthetic pointer events do not set): click the button.
            content: "Dial the contact's phone through the platform",
            trigger: ".o_form_view .o_field_phone .o_isp_dial_button:not(:visible)",
            run() {
                this.anchor.click();
            },
        },
        {
            content: "The platform queued the call",
            trigger: ".o_notification:contains(your phone rings first)",
        },
    ],
});

registry.category("web_tour.tours").add("isp_telephony_call_panel", {
    steps: () => [
        {
            content: "CallMyWay reports an incoming call, then the page reloads",
            trigger: ".o_main_navbar",
            expectUnloadPage: true,
            async run() {
                const [integration] = await rpc("/web/dataset/call_kw", {
                    model: "isp.telephony.integration",
                    method: "search_read",
                    args: [[["name", "=", TOUR_INTEGRATION]], ["id"]],
                    kwargs: {},
                });
                const now = new Date().toISOString().slice(0, 19).replace("T", " ");
                const response = await fetch(
                    `/isp_telephony/webhook/${integration.id}?token=${TOUR_SECRET}`,
                    {
                        method: "POST",
                        headers: { "Content-Type": "application/json" },
                        body: JSON.stringify({
                            action: "callStart",
                            data: {
                                callid: "tour-call-1",
                                account_id: "77",
                                endpoint_id: "8000001",
                                ani: "553135001000",
                                dnis: "8000001",
                                detect_time: now,
                                connect_time: "1970-01-01 00:00:00",
                                disconnect_time: "",
                                duration: "0",
                                type: "in",
                                cost: "0",
                            },
                        }),
                    }
                );
                const answer = await response.json();
                if (answer.ack !== "ok") {
                    throw new Error(`webhook answered ${JSON.stringify(answer)}`);
                }
                window.location.reload();
            },
        },
        {
            content: "The call panel shows the caller",
            trigger: ".o_isp_call_panel .o_isp_call_partner:contains(Cliente Único)",
        },
        {
            content: "Choose the outcome",
            trigger: ".o_isp_call_panel .o_isp_call_outcome",
            run: "selectByLabel Resolved",
        },
        {
            content: "Write notes",
            trigger: ".o_isp_call_panel .o_isp_call_notes",
            run: "edit Asked about the invoice",
        },
        {
            content: "Save",
            trigger: ".o_isp_call_panel .o_isp_call_save",
            run: "click",
        },
        {
            content: "The panel closes once saved",
            trigger: ".o_notification:contains(Call saved)",
        },
        {
            trigger: "body:not(:has(.o_isp_call_panel))",
        },
    ],
});

registry.category("web_tour.tours").add("isp_telephony_cdr_today", {
    steps: () => [
        {
            content: "Remove the default This Month filter",
            trigger: ".o_searchview_facet:contains(This Month) .o_facet_remove",
            run: "click",
        },
        {
            content: "The calls list shows both calls",
            trigger: ".o_list_view .o_data_row:contains(+5531999000222)",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter on today's calls",
            trigger: ".o_filter_menu .o-dropdown-item:contains(Today)",
            run: "click",
        },
        {
            content: "The Today filter is applied",
            trigger: ".o_facet_values:contains(Today)",
        },
        {
            content: "Today's call is listed, the call of 22:30 yesterday (local time) is not",
            trigger: ".o_list_view .o_data_row:contains(+5531999000111)",
            run() {
                const rows = [...document.querySelectorAll(".o_list_view .o_data_row")];
                if (rows.some((row) => row.textContent.includes("+5531999000222"))) {
                    throw new Error("Today lists a call of yesterday, local time");
                }
            },
        },
    ],
});

// Numbers tests/test_sip_line_tour.py leaves available (E.164 digits
// without +55, which only they match).
const TOUR_LINE_DIGITS = "3135000041";
const TOUR_DID_DIGITS = "3135000042";

function pickMany2one(fieldSelector, text, label, content) {
    return [
        {
            content,
            trigger: `${fieldSelector} input`,
            run: `edit ${text}`,
        },
        {
            content: `${content}: pick ${label}`,
            trigger: `.o-autocomplete--dropdown-item a:contains(${label})`,
            run: "click",
        },
    ];
}

// From an open line dialog: Activate, add a DID, save the dialog, save the
// contract, and check the line still shows its DID.
function activateThenAddDidSteps() {
    return [
        {
            content: "Activate the line from the dialog",
            trigger: ".modal .o_form_view button[name=action_activate]",
            run: "click",
        },
        {
            content: "The platform answered: the line is active with its terminal",
            trigger: ".modal .o_field_widget[name=terminal]:contains(SBX-)",
        },
        {
            content: "Open the DIDs tab of the dialog",
            trigger: ".modal .nav-link:contains(DIDs)",
            run: "click",
        },
        {
            content: "Add a DID",
            trigger: ".modal .o_field_widget[name=did_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        ...pickMany2one(
            ".modal .o_field_widget[name=did_ids] .o_data_row .o_field_widget[name=number_id]",
            TOUR_DID_DIGITS,
            "3500-0042",
            "Type the DID's digits"
        ),
        {
            content: "Route it to the main line (port 1)",
            trigger: ".modal .o_field_widget[name=did_ids] .o_data_row .o_field_widget[name=port] input",
            run: "edit 1",
        },
        {
            content: "Save the dialog",
            trigger: ".modal .modal-footer .o_form_button_save",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Save the contract",
            trigger: ".o_form_view .o_form_status_indicator .o_form_button_save",
            run: "click",
        },
        {
            content: "The contract is saved",
            trigger: ".o_form_view .o_form_status_indicator_buttons.invisible:not(:visible)",
        },
        {
            content: "The line still shows its DID",
            trigger: ".o_field_widget[name=sip_line_ids] .o_data_row:contains(Tour line) td[name=did_count]:contains(1)",
        },
    ];
}

registry.category("web_tour.tours").add("isp_telephony_did_after_activate", {
    steps: () => [
        {
            content: "Open the contract's SIP Lines tab",
            trigger: ".o_notebook a.nav-link:contains(SIP Lines):visible",
            run: "click",
        },
        {
            content: "Open the draft line in its dialog",
            trigger: ".o_field_widget[name=sip_line_ids] .o_data_row td:contains(Tour line)",
            run: "click",
        },
        ...activateThenAddDidSteps(),
    ],
});

registry.category("web_tour.tours").add("isp_telephony_new_line_did_after_activate", {
    steps: () => [
        {
            content: "Open the contract's SIP Lines tab",
            trigger: ".o_notebook a.nav-link:contains(SIP Lines):visible",
            run: "click",
        },
        {
            content: "Add a line: its dialog opens",
            trigger: ".o_field_widget[name=sip_line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        ...pickMany2one(
            ".modal .o_field_widget[name=caller_id_number_id]",
            TOUR_LINE_DIGITS,
            "3500-0041",
            "Type the line's number"
        ),
        ...pickMany2one(
            ".modal .o_field_widget[name=integration_id]",
            "Tour sandbox",
            "Tour sandbox",
            "Choose the platform"
        ),
        {
            content: "Describe the line",
            trigger: ".modal .o_field_widget[name=description] input",
            run: "edit Tour line",
        },
        {
            content: "An unsaved line cannot be activated yet: the dialog says to save",
            trigger: ".modal .o_isp_line_save_to_activate",
            run() {
                if (document.querySelector(".modal button[name=action_activate]")) {
                    throw new Error("Activate is offered on an unsaved line");
                }
            },
        },
        {
            content: "Save the dialog",
            trigger: ".modal .modal-footer .o_form_button_save",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Save the contract",
            trigger: ".o_form_view .o_form_status_indicator .o_form_button_save",
            run: "click",
        },
        {
            content: "The contract is saved",
            trigger: ".o_form_view .o_form_status_indicator_buttons.invisible:not(:visible)",
        },
        {
            content: "Open the saved line in its dialog",
            trigger: ".o_field_widget[name=sip_line_ids] .o_data_row td:contains(Tour line)",
            run: "click",
        },
        ...activateThenAddDidSteps(),
    ],
});
