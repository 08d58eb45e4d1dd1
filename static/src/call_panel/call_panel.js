/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The call panel (seed 001 §2): who is calling, which contact, and the
// agent's documentation of the call.

import { Component, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { isLive } from "./call_panel_state";

export class CallPanel extends Component {
    static template = "isp_telephony.CallPanel";
    static props = ["call", "outcomes", "onClose"];

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.action = useService("action");
        this.ui = useState({ saving: false });
    }

    get live() {
        return isLive(this.props.call);
    }

    // Live calls open, ended calls collapsed, unless the agent chose.
    get folded() {
        const folded = this.props.call.folded;
        return folded === null || folded === undefined ? !this.live : folded;
    }

    get foldTitle() {
        return this.folded ? _t("Open") : _t("Fold");
    }

    toggleFold() {
        this.props.call.folded = !this.folded;
    }

    get data() {
        return this.props.call.data;
    }

    get form() {
        return this.props.call.form;
    }

    get title() {
        return this.data.direction === "in" ? _t("Incoming call") : _t("Outgoing call");
    }

    get stateLabel() {
        return (
            {
                ringing: _t("ringing"),
                answered: _t("in conversation"),
                ended: _t("ended"),
                missed: _t("not answered"),
            }[this.data.state] || this.data.state
        );
    }

    get selectedOutcome() {
        const id = parseInt(this.form.outcome_id);
        return this.props.outcomes.find((o) => o.id === id);
    }

    get canCharge() {
        const outcome = this.selectedOutcome;
        return Boolean(outcome && outcome.charge_product_id && this.form.contract_id);
    }

    async call(method, ...args) {
        const payload = await this.orm.call("isp.call.log", method, [[this.data.id], ...args]);
        if (payload && payload.id) {
            this.props.call.data = payload;
            if (payload.contract && !this.form.contract_id) {
                this.form.contract_id = payload.contract.id;
            }
        }
        return payload;
    }

    onOutcomeChange(ev) {
        this.form.outcome_id = ev.target.value;
        const outcome = this.selectedOutcome;
        this.form.add_charge = Boolean(outcome && outcome.charge_by_default);
    }

    async choose(partner) {
        await this.call("action_panel_link", partner.id);
        this.form.results = [];
    }

    async search() {
        this.form.results = await this.orm.call("isp.call.log", "panel_search", [
            this.form.search,
        ]);
        if (!this.form.results.length) {
            this.notification.add(_t("No contact found."), { type: "warning" });
        }
    }

    onSearchKeydown(ev) {
        if (ev.key === "Enter") {
            this.search();
        }
    }

    async createPartner() {
        await this.call("action_panel_create_partner", this.form.new_name);
    }

    async ignore() {
        await this.call("action_panel_ignore");
        this.props.onClose(this.data.id);
    }

    async dismiss() {
        await this.call("action_panel_dismiss");
        this.props.onClose(this.data.id);
    }

    openPartner() {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "res.partner",
            res_id: this.data.partner.id,
            views: [[false, "form"]],
        });
    }

    async save() {
        if (!this.form.outcome_id) {
            this.notification.add(_t("Choose the outcome of the call."), { type: "warning" });
            return;
        }
        this.ui.saving = true;
        try {
            await this.call("action_panel_save", {
                outcome_id: parseInt(this.form.outcome_id),
                notes: this.form.notes,
                contract_id: parseInt(this.form.contract_id) || false,
                activity_summary: this.form.activity_summary,
                activity_date: this.form.activity_date || false,
                add_charge: this.canCharge && this.form.add_charge,
            });
            this.notification.add(_t("Call saved."), { type: "success" });
            this.props.onClose(this.data.id);
        } finally {
            this.ui.saving = false;
        }
    }
}

export class CallPanelContainer extends Component {
    static template = "isp_telephony.CallPanelContainer";
    static components = { CallPanel };
    static props = {};

    setup() {
        this.panels = useState(useService("isp_telephony_call_panel").state);
        this.service = useService("isp_telephony_call_panel");
        this.action = useService("action");
    }

    get liveCalls() {
        return this.panels.calls.filter(isLive);
    }

    get endedCalls() {
        return this.panels.calls.filter((call) => !isLive(call));
    }

    // Older ended calls waiting in the Call Log: counted once the server's
    // answer is in (see the service's ``synced``), never from a partial
    // replay of the bus.
    get moreEnded() {
        return this.panels.synced ? this.panels.moreEnded : 0;
    }

    get endedCount() {
        return this.endedCalls.length + this.moreEnded;
    }

    close(id) {
        this.service.remove(id);
    }

    async clearEnded() {
        await this.service.clearEnded();
    }

    openUndocumented() {
        this.action.doAction("isp_telephony.action_isp_call_log", {
            additionalContext: { search_default_my_calls: 1, search_default_undocumented: 1 },
        });
    }
}
