/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// Telephony > Reporting > Overview: this month's figures and what needs
// attention, each card opening the records it counts
// (isp.telephony.overview.get_overview).

import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

export class TelephonyOverview extends Component {
    static template = "isp_telephony.TelephonyOverview";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ cards: [] });
        onWillStart(() => this.load());
    }

    async load() {
        const overview = await this.orm.call("isp.telephony.overview", "get_overview", []);
        this.state.cards = overview.cards;
    }

    open(card) {
        this.action.doAction(card.action);
    }
}

registry.category("actions").add("isp_telephony.overview", TelephonyOverview);
