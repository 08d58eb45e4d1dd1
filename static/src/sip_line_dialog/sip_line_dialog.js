/** @odoo-module **/
// Copyright 2026 isp_telephony authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The SIP line dialog of a contract reads like an edit once the line exists.
// Odoo titles a one2many dialog "Create SIP Lines" when it opens on a new
// row and keeps that title (and its Save & New button) after the line is
// saved in the database, e.g. by Activate. Here the title follows the line:
// "New SIP Line" until it is saved, then "SIP Line" and its number.

import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { X2ManyFieldDialog } from "@web/views/fields/relational_utils";

const SIP_LINE = "isp.sip.line";

patch(X2ManyFieldDialog.prototype, {
    setup() {
        super.setup(...arguments);
        if (this.record.resModel === SIP_LINE) {
            // Save & New only while the line is not in the database yet.
            // (The setter is there for Owl, which copies the component's
            // properties into the context of a t-call.)
            Object.defineProperty(this, "canCreate", {
                get: () => !this.record.resId,
                set: () => {},
                configurable: true,
            });
        }
    },

    get dialogProps() {
        const props = super.dialogProps;
        if (this.record.resModel === SIP_LINE) {
            // A many2one value is [id, display name].
            const number = this.record.data.caller_id_number_id?.[1];
            if (!this.record.resId) {
                props.title = _t("New SIP Line");
            } else if (number) {
                props.title = _t("SIP Line %s", number);
            } else {
                props.title = _t("SIP Line");
            }
        }
        return props;
    },
});
