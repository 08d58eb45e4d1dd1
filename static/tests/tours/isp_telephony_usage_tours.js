/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// Tours of finance, managers and customers (issue 15), run by
// tests/test_usage_tours.py.

import { registry } from "@web/core/registry";

// Shared with tests/test_usage_tours.py.
const TOUR_SECRET = "tour-usage-secret-42";

registry.category("web_tour.tours").add("isp_telephony_finance_no_rate_margin", {
    steps: () => [
        {
            content: "The calls of this month are listed, newest first",
            trigger: ".o_searchview_facet:contains(This Month)",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(98765-4321)",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Find the calls no rate of the plan priced",
            trigger: ".o_filter_menu .o-dropdown-item:contains(No Rate)",
            run: "click",
        },
        {
            content: "Only the No-rate call is left: the international one",
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains(98765-4321))) .o_data_row:contains(+1 202-555-0123)",
            run() {
                const rows = document.querySelectorAll(".o_list_view .o_data_row");
                if (rows.length !== 1) {
                    throw new Error(`${rows.length} No-rate rows`);
                }
            },
        },
        {
            content: "Back to every call of the month",
            trigger: ".o_searchview_facet:contains(No Rate) .o_facet_remove",
            run: "click",
        },
        {
            content: "The pivot shows the margin by destination class",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            trigger: ".o_pivot thead th:contains(Margin)",
        },
        {
            content: "Local mobile calls have their margin",
            trigger: ".o_pivot tbody th:contains(Local mobile)",
        },
    ],
});

registry.category("web_tour.tours").add("isp_telephony_manager_webhook_test", {
    steps: () => [
        {
            content: "Catch what is copied (the browser has no clipboard here)",
            trigger: ".o_form_view",
            run() {
                window.__ispCopied = [];
                Object.defineProperty(navigator, "clipboard", {
                    configurable: true,
                    value: {
                        writeText: async (text) => window.__ispCopied.push(text),
                    },
                });
            },
        },
        {
            content: "Open the Webhook tab",
            trigger: ".o_notebook .nav-link:contains(Webhook)",
            run: "click",
        },
        {
            content: "Copy the webhook URL",
            trigger: "div[name=webhook_url] button",
            run: "click",
        },
        {
            content: "Copy the secret",
            trigger: ".o_isp_copy_secret button",
            run: "click",
        },
        {
            content: "The URL has this server's host, the secret is the one CallMyWay needs",
            trigger: ".o_notebook",
            run() {
                const [url, secret] = window.__ispCopied;
                if (!/^https?:\/\/[^/]+\/isp_telephony\/webhook\/\d+$/.test(url || "")) {
                    throw new Error(`copied URL ${url}`);
                }
                if (secret !== TOUR_SECRET) {
                    throw new Error("the copied secret is not the webhook secret");
                }
            },
        },
        {
            content: "Test the connection",
            trigger: "button[name=action_test_connection]",
            run: "click",
        },
        {
            content: "CallMyWay answered and accepted the credentials",
            trigger: ".o_notification:contains(Connection works)",
        },
        {
            trigger: ".o_form_view .alert-success:contains(accepted the credentials)",
        },
    ],
});

registry.category("web_tour.tours").add("isp_telephony_portal_statement", {
    steps: () => [
        {
            content: "The customer sees their line and this cycle's use",
            trigger: ".o_isp_portal_line .o_isp_portal_number:contains(3500-0001)",
        },
        {
            trigger: ".o_isp_portal_line .o_isp_franchise_usage .o_isp_bucket_name:contains(Fixed)",
        },
        {
            content: "Download the call statement of a cycle",
            trigger: "a.o_isp_portal_statement",
            async run() {
                const response = await fetch(this.anchor.href);
                if (response.status !== 200) {
                    throw new Error(`statement answered ${response.status}`);
                }
                if (response.headers.get("Content-Type") !== "application/pdf") {
                    throw new Error("the statement is not sent as a PDF");
                }
                if (!response.headers.get("Content-Disposition").includes("attachment")) {
                    throw new Error("the statement is not a download");
                }
            },
        },
        {
            content: "Another customer's statement cannot be opened",
            trigger: "a.o_isp_portal_statement",
            async run() {
                const other = new URLSearchParams(window.location.search).get("other");
                const month = this.anchor.href.split("/").pop();
                const response = await fetch(`/my/telephony/statement/${other}/${month}`);
                if (response.status !== 404) {
                    throw new Error(`another customer's statement answered ${response.status}`);
                }
            },
        },
        {
            content: "The customer sees their past charges: month, amount and status",
            trigger: "#isp_telephony_portal_charges .o_isp_portal_charge:contains(03/2026):contains(To Invoice)",
        },
        {
            content: "Download the call statement of the charge",
            trigger: ".o_isp_portal_charge a.o_isp_portal_charge_statement",
            async run() {
                const response = await fetch(this.anchor.href);
                if (response.status !== 200) {
                    throw new Error(`the charge's statement answered ${response.status}`);
                }
                if (response.headers.get("Content-Type") !== "application/pdf") {
                    throw new Error("the charge's statement is not sent as a PDF");
                }
                if (!response.headers.get("Content-Disposition").includes("attachment")) {
                    throw new Error("the charge's statement is not a download");
                }
            },
        },
        {
            content: "Another customer's charge is not listed and its statement cannot be opened",
            trigger: ".o_isp_portal_charge a.o_isp_portal_charge_statement",
            async run() {
                const other = new URLSearchParams(window.location.search).get("other_charge");
                if (document.querySelector(`.o_isp_portal_charge[data-charge-id="${other}"]`)) {
                    throw new Error("another customer's charge is listed");
                }
                const response = await fetch(`/my/telephony/charge/${other}/statement`);
                if (response.status !== 404) {
                    throw new Error(`another customer's charge statement answered ${response.status}`);
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("isp_telephony_overview_cards", {
    steps: () => [
        {
            content: "The overview counts this month's No-rate calls",
            trigger: ".o_isp_overview_card[data-key=no_rate] .o_isp_overview_value:contains(1)",
        },
        {
            trigger: ".o_isp_overview_card[data-key=margin]",
        },
        {
            content: "The card opens the calls it counts",
            trigger: ".o_isp_overview_card[data-key=no_rate]",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(+1 202-555-0123)",
            run() {
                const rows = document.querySelectorAll(".o_list_view .o_data_row");
                if (rows.length !== 1) {
                    throw new Error(`${rows.length} rows behind the No-rate card`);
                }
            },
        },
    ],
});
