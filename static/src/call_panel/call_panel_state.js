/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The call panel's list of calls, as plain functions: which calls are live,
// and how a batch of events changes the list (live calls first, a bounded
// number of ended calls).

// States of a call still going on (isp.call.log IN_PROGRESS).
export const LIVE_STATES = ["requested", "ringing", "answered"];
// Ended calls kept in the panel (isp.call.log PANEL_MAX_ENDED).
export const MAX_ENDED = 5;
// Events arriving within this many milliseconds are applied together.
export const BATCH_DELAY = 150;

export function isLive(call) {
    return LIVE_STATES.includes(call.data.state);
}

/**
 * The panel's calls after applying ``payloads`` (plain function, tested by
 * the burst tour): live calls first, newest on top, then at most
 * ``maxEnded`` ended calls, newest first. Returns ``{ calls, dropped }``,
 * ``dropped`` being the ids of the ended calls no longer shown.
 */
export function mergeCalls(calls, payloads, { skip = new Set(), maxEnded = MAX_ENDED } = {}) {
    const byId = new Map(calls.map((call) => [call.data.id, call]));
    for (const payload of payloads) {
        if (skip.has(payload.id)) {
            continue;
        }
        const call = byId.get(payload.id);
        if (call) {
            call.data = payload;
        } else {
            byId.set(payload.id, { data: payload, form: newForm(payload), folded: null });
        }
    }
    const newestFirst = (a, b) => b.data.id - a.data.id;
    const all = [...byId.values()];
    const live = all.filter(isLive).sort(newestFirst);
    const ended = all.filter((call) => !isLive(call)).sort(newestFirst);
    const dropped = ended.slice(maxEnded).map((call) => call.data.id);
    return { calls: [...live, ...ended.slice(0, maxEnded)], dropped };
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
