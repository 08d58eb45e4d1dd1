/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// A "Dial" action next to every phone field (list, form, kanban): the call
// goes through the agent's telephony platform (CallMyWay Click2Dial or an
// Asterisk AMI Originate); the normal tel: link stays.

import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { PhoneField } from "@web/views/fields/phone/phone_field";
import { CallerIdDialog } from "./caller_id_dialog";

export class IspDialButton extends Component {
    static template = "isp_telephony.DialButton";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.dialog = useService("dialog");
        this.title = _t("Call through the telephony platform");
        this.state = useState({ busy: false });
    }

    get number() {
        return this.props.record.data[this.props.name] || "";
    }

    async onClick() {
        if (this.state.busy) {
            return;
        }
        // As the SMS button does: a new or edited record is saved first, so
        // that the call is linked to it.
        await this.props.record.save();
        await this.dial(false);
    }

    async dial(callerId) {
        const record = this.props.record;
        this.state.busy = true;
        try {
            const result = await this.orm.call(
                "isp.call.log",
                "action_click_to_dial",
                [this.number],
                {
                    res_model: record.resModel,
                    res_id: record.resId || false,
                    caller_id: callerId || false,
                }
            );
            if (result.choose_caller_id) {
                this.dialog.add(CallerIdDialog, {
                    options: result.choose_caller_id,
                    number: this.number,
                    onChoose: (id) => this.dial(id),
                });
                return;
            }
            this.notification.add(result.message, {
                type: result.ok ? "success" : "danger",
                sticky: !result.ok,
            });
        } finally {
            this.state.busy = false;
        }
    }
}

patch(PhoneField, {
    components: { ...PhoneField.components, IspDialButton },
});

patch(PhoneField.prototype, {
    setup() {
        super.setup(...arguments);
        this.ispCanDial = false;
        onWillStart(async () => {
            this.ispCanDial = await user.hasGroup("isp_telephony.group_telephony_user");
        });
    },
});
