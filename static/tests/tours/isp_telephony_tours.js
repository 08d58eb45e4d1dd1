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
