/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// Keeps the agent's live calls: pushed by the server on the bus
// ("isp_telephony/call", see isp.call.log._notify_agent) and, after a page
// load or a bus reconnection, fetched again (get_my_active_calls) so that a
// panel is never lost.

import { reactive } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { CallPanelContainer } from "./call_panel";

export const BUS_TYPE = "isp_telephony/call";

export const callPanelService = {
    dependencies: ["bus_service", "orm"],
    start(env, { bus_service, orm }) {
        const state = reactive({ calls: [], outcomes: [], enabled: false });
        // Panels the agent saved or closed in this tab: a late refresh or a
        // repeated notification does not bring them back.
        const closed = new Set();

        function upsert(payload) {
            if (closed.has(payload.id)) {
                return;
            }
            const call = state.calls.find((c) => c.data.id === payload.id);
            if (call) {
                call.data = payload;
            } else {
                state.calls.push({ data: payload, form: newForm(payload) });
            }
        }

        function newForm(payload) {
            return {
                outcome_id: payload.outcome_id || false,
                notes: "",
                contract_id: (payload.contract && payload.contract.id) || false,
                activity_summary: "",
                activity_date: "",
                add_charge: false,
                search: "",
                results: [],
                new_name: "",
            };
        }

        function remove(id) {
            closed.add(id);
            const index = state.calls.findIndex((c) => c.data.id === id);
            if (index >= 0) {
                state.calls.splice(index, 1);
            }
        }

        async function refresh() {
            if (!state.enabled) {
                return;
            }
            const calls = await orm.call("isp.call.log", "get_my_active_calls", []);
            calls.forEach(upsert);
        }

        async function init() {
            state.enabled = await user.hasGroup("isp_telephony.group_telephony_user");
            if (!state.enabled) {
                return;
            }
            state.outcomes = await orm.searchRead(
                "isp.call.outcome",
                [],
                ["name", "charge_product_id", "charge_by_default"]
            );
            bus_service.subscribe(BUS_TYPE, (payload) => upsert(payload));
            bus_service.addEventListener("reconnect", refresh);
            bus_service.start();
            await refresh();
        }

        registry.category("main_components").add("isp_telephony.CallPanelContainer", {
            Component: CallPanelContainer,
        });
        init();
        return { state, upsert, remove, refresh };
    },
};

registry.category("services").add("isp_telephony_call_panel", callPanelService);
