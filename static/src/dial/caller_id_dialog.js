/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { Component } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";

/** The agent has several caller IDs (seed 001): which one to call from. */
export class CallerIdDialog extends Component {
    static template = "isp_telephony.CallerIdDialog";
    static components = { Dialog };
    static props = ["options", "number", "onChoose", "close"];

    choose(option) {
        this.props.close();
        this.props.onChoose(option.id);
    }
}
