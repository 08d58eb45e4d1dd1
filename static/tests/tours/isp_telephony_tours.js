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
            trigger: ".o_list_view .o_data_row:contains(99900-0222)",
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
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains(99900-0222))) .o_data_row:contains(99900-0111)",
        },
    ],
});

// The agent's panel under a burst (issue 15). tests/test_tours.py posts
// BURST_CALLS calls (start and end: two webhook events each) and then the
// customer's call before the agent opens Odoo.
const BURST_CALLS = 250;
// Bus notifications pushed straight into the panel in one go, as a flood of
// websocket messages would deliver them.
const BUS_FLOOD = 500;

function panelsInOrder() {
    return [...document.querySelectorAll(".o_isp_call_panels .o_isp_call_panel")];
}

function checkCalm(maxEnded = 5) {
    const panels = panelsInOrder();
    const first = panels[0];
    if (!first || first.dataset.state !== "ringing") {
        throw new Error("the ringing call is not the first panel");
    }
    const rect = first.getBoundingClientRect();
    if (rect.top < 0 || rect.bottom > window.innerHeight) {
        throw new Error("the ringing call is not visible");
    }
    const ended = document.querySelectorAll(".o_isp_call_panel_ended").length;
    if (ended > maxEnded) {
        throw new Error(`${ended} ended panels shown`);
    }
    if (document.querySelectorAll(".o_isp_call_panel_ended .card-body").length) {
        throw new Error("an ended call is not collapsed");
    }
}

registry.category("web_tour.tours").add("isp_telephony_call_panel_burst", {
    steps: () => [
        {
            content: "The ringing call is on top, open and visible; ended calls are few and collapsed",
            // Waits for the server's answer (o_isp_call_synced), not only for
            // the ringing call: the bus replays only the notifications of the
            // last 50 s, so under load the panel may show the ringing call
            // from the bus before it knows every older ended call.
            trigger:
                ".o_isp_call_panels.o_isp_call_synced .o_isp_call_panel_live[data-state=ringing] .o_isp_call_partner:contains(Cliente Único)",
            run() {
                checkCalm();
                const more = document.querySelector(".o_isp_call_more");
                const counted = more && parseInt(more.textContent.trim(), 10);
                if (counted !== BURST_CALLS - 5) {
                    throw new Error(
                        `the older ended calls are not counted: ${more ? more.textContent.trim() : "no count"}`
                    );
                }
            },
        },
        {
            content: "A flood of bus notifications does not freeze the page",
            trigger: ".o_isp_call_panel_live[data-state=ringing]",
            async run() {
                const panel = odoo.__WOWL_DEBUG__.root.env.services.isp_telephony_call_panel;
                const started = performance.now();
                for (let i = 0; i < BUS_FLOOD; i++) {
                    panel.upsert({
                        id: 1000000 + i,
                        action: "update",
                        direction: "in",
                        state: i % 2 ? "ended" : "missed",
                        number: `3135${i}`,
                        number_display: `(31) 3500-${String(i).padStart(4, "0")}`,
                        withheld: false,
                        mode: "unknown",
                        partner: false,
                        contract: false,
                        candidates: [],
                        duration: 0,
                        documented: false,
                        outcome_id: false,
                        integration: TOUR_INTEGRATION,
                    });
                }
                const queued = performance.now() - started;
                // The page answers: a timer set now fires soon after the batch.
                await new Promise((resolve) => setTimeout(resolve, 400));
                const elapsed = performance.now() - started;
                console.info(`${BUS_FLOOD} notifications: queued in ${queued.toFixed(0)} ms, page free after ${elapsed.toFixed(0)} ms`);
                if (elapsed > 3000) {
                    throw new Error(`the page froze for ${elapsed.toFixed(0)} ms`);
                }
            },
        },
        {
            content: "Still calm: the live call first, at most five ended calls, all counted",
            trigger: ".o_isp_call_ended_count",
            run() {
                checkCalm();
                const count = document.querySelector(".o_isp_call_ended_count").textContent;
                if (count.trim() !== String(BURST_CALLS + BUS_FLOOD)) {
                    throw new Error(`${count} ended calls counted`);
                }
            },
        },
        {
            content: "Clear all the ended calls at once",
            trigger: ".o_isp_call_clear_ended",
            run: "click",
        },
        {
            content: "Only the live call remains",
            trigger: ".o_isp_call_panels:not(:has(.o_isp_call_ended)) .o_isp_call_panel_live",
        },
        {
            content: "The agent answers the customer and documents the call",
            trigger: ".o_isp_call_panel_live .o_isp_call_outcome",
            run: "selectByLabel Resolved",
        },
        {
            trigger: ".o_isp_call_panel_live .o_isp_call_notes",
            run: "edit Called during the storm",
        },
        {
            trigger: ".o_isp_call_panel_live .o_isp_call_save",
            run: "click",
        },
        {
            content: "Saved, and the panel is gone",
            trigger: ".o_notification:contains(Call saved)",
        },
        {
            trigger: "body:not(:has(.o_isp_call_panel))",
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
            content: "The saved line's dialog is titled with its number, not Create",
            trigger: ".modal .modal-title:contains(SIP Line (31) 3500-0041):not(:contains(Create))",
        },
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
            content: "The dialog of the activated line reads like an edit: its title names the line",
            trigger: ".modal .modal-title:contains(SIP Line (31) 3500-0041)",
            run() {
                const title = document.querySelector(".modal .modal-title").textContent;
                if (/Create|New/.test(title)) {
                    throw new Error(`The activated line's dialog is titled "${title}"`);
                }
                if (document.querySelector(".modal .modal-footer .o_form_button_save_new")) {
                    throw new Error("The activated line's dialog offers Save & New");
                }
            },
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
            content: "The dialog of a line not saved yet is titled New SIP Line",
            trigger: ".modal .modal-title:contains(New SIP Line)",
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
