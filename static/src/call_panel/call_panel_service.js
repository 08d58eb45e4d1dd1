/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// Keeps the agent's calls for the call panel: pushed by the server on the
// bus ("isp_telephony/call", see isp.call.log._notify_agent) and, after a
// page load or a bus reconnection, fetched again (get_my_panels) so that a
// panel is never lost.
//
// Calm under load: events are applied in batches (one render per batch, not
// one per event); live calls come first; only the latest ended calls are
// kept (collapsed), the others wait in the Call Log as Not Documented.

import { reactive } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { CallPanelContainer } from "./call_panel";
import { BATCH_DELAY, isLive, mergeCalls } from "./call_panel_state";

export const BUS_TYPE = "isp_telephony/call";
export const callPanelService = {
    dependencies: ["bus_service", "orm"],
    start(env, { bus_service, orm }) {
        // synced: the server's answer (get_my_panels) has been applied since
        // the page loaded. Until then the bus may have replayed only part of
        // the recent notifications (bus.bus keeps 50 s of them), so the
        // count of older ended calls is not shown before it.
        const state = reactive({
            calls: [],
            outcomes: [],
            enabled: false,
            moreEnded: 0,
            synced: false,
        });
        // Panels the agent saved or closed in this tab: a late refresh or a
        // repeated notification does not bring them back.
        const closed = new Set();
        // Ended calls not shown, waiting in the Call Log: pushed out of the
        // panel by newer ones, or counted by the server (get_my_panels). Kept
        // by id, so that a call is counted once however it reaches the tab
        // (the bus may deliver, after a page load, the notifications of
        // calls the server already counted). state.moreEnded is its size.
        const dropped = new Set();
        let pending = new Map();
        let timer = null;

        function apply(payloads) {
            const skip = new Set([...closed, ...dropped]);
            const result = mergeCalls(state.calls, payloads, { skip });
            result.dropped.forEach((id) => dropped.add(id));
            state.moreEnded = dropped.size;
            state.calls = result.calls;
        }

        function flush() {
            timer = null;
            const payloads = [...pending.values()];
            pending = new Map();
            apply(payloads);
        }

        function upsert(payload) {
            // The latest event of a call wins; a burst is one render.
            pending.set(payload.id, payload);
            if (!timer) {
                timer = setTimeout(flush, BATCH_DELAY);
            }
        }

        function remove(id) {
            closed.add(id);
            pending.delete(id);
            state.calls = state.calls.filter((c) => c.data.id !== id);
        }

        async function clearEnded() {
            const ended = state.calls.filter((call) => !isLive(call));
            ended.forEach((call) => closed.add(call.data.id));
            state.calls = state.calls.filter(isLive);
            dropped.forEach((id) => closed.add(id));
            dropped.clear();
            state.moreEnded = 0;
            return orm.call("isp.call.log", "action_panel_clear_ended", []);
        }

        async function refresh() {
            if (!state.enabled) {
                return;
            }
            const panels = await orm.call("isp.call.log", "get_my_panels", []);
            // The server's answer is the truth at this moment: the older
            // ended calls it names are counted once, and not shown.
            const shown = new Set(panels.calls.map((call) => call.id));
            for (const id of panels.more_ended_ids) {
                if (!closed.has(id) && !shown.has(id)) {
                    dropped.add(id);
                }
            }
            shown.forEach((id) => dropped.delete(id));
            state.calls = state.calls.filter((call) => !dropped.has(call.data.id));
            apply(panels.calls);
            state.synced = true;
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
        return { state, upsert, remove, refresh, clearEnded, flush };
    },
};

registry.category("services").add("isp_telephony_call_panel", callPanelService);
