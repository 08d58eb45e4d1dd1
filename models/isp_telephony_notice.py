# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A customer notice of the telephony service (issue 14): overdue invoice,
partial and full suspension, restoration, credit-limit warning and block.

Notices are queued where they arise (a status evaluation, a CDR import
touching thousands of lines must not render and send hundreds of emails in
its own transaction) and sent within minutes by a cron (triggered at once):
each rendered from its editable mail template in the customer's language,
posted on the contract's chatter and emailed to the customer. A customer
without an email address gets a note on the contract instead, and the
notice stays listed as *Not emailed* for the ISP to reach them another way.
One notice's failure is kept on it; the others go on."""

import logging

from odoo import api, fields, models

from .owned_fields import ALWAYS, NEVER, OwnedFields

_logger = logging.getLogger(__name__)

STATES = [
    ("pending", "To Send"),
    ("sent", "Emailed"),
    ("no_email", "Not Emailed (no address)"),
    ("failed", "Failed"),
]
# Notices sent per committed batch by the cron.
SEND_BATCH = 200
# A notice is the notice queue's record, shown read-only: refused to any
# writer but that code (superuser) and *Retry* (which checks write access,
# then writes as superuser).
NOTICE_OWNED = OwnedFields(
    on_create=NEVER,
    on_write=ALWAYS,
    refusal_message=lambda records, labels: records.env._(
        "Telephony notices are written by the notice queue only: use "
        "Retry to send a failed notice again."
    ),
)


class IspTelephonyNotice(models.Model):
    _name = "isp.telephony.notice"
    _inherit = ["isp.telephony.owned.fields.mixin"]
    _description = "Telephony Customer Notice"
    _order = "id desc"

    name = fields.Char(string="Notice", required=True, readonly=True)
    template_id = fields.Many2one(
        "mail.template", required=True, readonly=True, ondelete="cascade"
    )
    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Document", model_field="res_model", required=True, readonly=True
    )
    contract_id = fields.Many2one(
        "contract.contract", required=True, readonly=True, index=True
    )
    line_id = fields.Many2one("isp.sip.line", string="SIP Line", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, index=True
    )
    state = fields.Selection(
        STATES, required=True, default="pending", readonly=True, index=True
    )
    date_sent = fields.Datetime(string="Sent On", readonly=True)
    error = fields.Text(readonly=True)
    activity_user_id = fields.Many2one(
        "res.users",
        string="Activity For",
        readonly=True,
        help="Also schedule an activity on the contract for this user (the "
        "contract's responsible, on credit warnings).",
    )
    activity_note = fields.Char(readonly=True)
    message_id = fields.Many2one("mail.message", readonly=True)

    @api.model
    def _enqueue(self, template_xmlid, records, activity=False):
        """Queue the notice ``template_xmlid`` for each of ``records``
        (contracts or SIP lines) and wake the sender. ``activity``: also an
        activity for the contract's responsible, ``{record id: note}``."""
        if not records:
            return self.browse()
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template:
            return self.browse()
        records = records.sudo()
        is_contract = records._name == "contract.contract"
        vals_list = []
        for record in records:
            contract = record if is_contract else record.contract_id
            vals = {
                "name": template.name,
                "template_id": template.id,
                "res_model": records._name,
                "res_id": record.id,
                "contract_id": contract.id,
                "line_id": False if is_contract else record.id,
                "partner_id": contract.partner_id.id,
            }
            if activity:
                vals["activity_user_id"] = contract.user_id.id or self.env.uid
                vals["activity_note"] = activity.get(record.id)
            vals_list.append(vals)
        notices = self.sudo().create(vals_list)
        self.env.ref("isp_telephony.ir_cron_send_telephony_notices")._trigger()
        return notices

    @api.model
    def _cron_send_pending(self, commit=False, limit=None):
        """Send the pending notices; the cron commits per batch."""
        sent = 0
        while True:
            notices = self.sudo().search(
                [("state", "=", "pending")], limit=SEND_BATCH, order="id"
            )
            if not notices:
                break
            notices._send()
            sent += len(notices)
            if commit:
                self.env["ir.cron"]._telephony_commit()
            if limit and sent >= limit:
                break
        return sent

    def _send(self):
        """Render and post the notices, grouped by template (one rendering
        call per template and language for all its documents)."""
        todo = self.filtered(lambda n: n.state == "pending")
        no_email = todo.filtered(lambda n: not n.partner_id.email)
        if no_email:
            no_email._log_no_email()
        for template in (todo - no_email).template_id:
            batch = (todo - no_email).filtered(lambda n, t=template: n.template_id == t)
            for model in set(batch.mapped("res_model")):
                of_model = batch.filtered(lambda n, m=model: n.res_model == m)
                of_model._send_batch(template.sudo(), model)

    def _send_batch(self, template, model):
        documents = self.env[model].sudo().browse(self.mapped("res_id")).exists()
        ids = documents.ids
        try:
            subjects = template._render_field("subject", ids, compute_lang=True)
            bodies = template._render_field("body_html", ids, compute_lang=True)
        except Exception as error:
            _logger.exception("Telephony notice %s could not render", template.name)
            self.write({"state": "failed", "error": str(error)})
            return
        for notice in self:
            if notice.res_id not in bodies:
                notice.write({"state": "failed", "error": "document deleted"})
                continue
            try:
                with self.env.cr.savepoint():
                    message = notice.contract_id.with_context(
                        mail_post_autofollow=False
                    ).message_post(
                        body=bodies[notice.res_id],
                        subject=subjects[notice.res_id],
                        partner_ids=notice.partner_id.ids,
                        message_type="comment",
                        subtype_xmlid="mail.mt_comment",
                        email_layout_xmlid="mail.mail_notification_light",
                    )
                    notice._schedule_activity()
                    notice.write(
                        {
                            "state": "sent",
                            "date_sent": fields.Datetime.now(),
                            "message_id": message.id,
                            "name": subjects[notice.res_id],
                        }
                    )
            except Exception as error:
                _logger.exception("Telephony notice %s failed", notice.id)
                notice.write({"state": "failed", "error": str(error)})
        contracts = self.filtered(lambda n: n.state == "sent").contract_id
        contracts.filtered("telephony_notice_no_email").write(
            {
                "telephony_notice_no_email": False,
                "telephony_notice_no_email_date": False,
            }
        )

    def _schedule_activity(self):
        self.ensure_one()
        if self.activity_user_id:
            self.contract_id.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Telephony credit warning"),
                note=self.activity_note,
                user_id=self.activity_user_id.id,
            )

    def _log_no_email(self):
        """Notes on the contracts (one batch insert) and the contracts listed
        under *Customers Without Email*."""
        now = fields.Datetime.now()
        bodies = {}
        for notice in self:
            text = self.env._(
                'Notice "%(notice)s" not emailed: %(customer)s has no email '
                "address. Reach the customer another way.",
                notice=notice.template_id.name,
                customer=notice.partner_id.display_name,
            )
            key = notice.contract_id.id
            bodies[key] = f"{bodies[key]}<br/>{text}" if key in bodies else text
        self.contract_id._message_log_batch(bodies=bodies)
        for notice in self:
            notice._schedule_activity()
        self.write({"state": "no_email", "date_sent": now})
        self.contract_id.write(
            {"telephony_notice_no_email": True, "telephony_notice_no_email_date": now}
        )

    def _owned_fields(self):
        return super()._owned_fields() + [NOTICE_OWNED]

    def action_retry(self):
        """Send failed notices again (after correcting the template or the
        customer): a manager's action, on notices they may change (company
        included)."""
        self.check_access("write")
        self.filtered(lambda n: n.state in ("failed", "no_email")).sudo().write(
            {"state": "pending", "error": False}
        )
        self.env.ref("isp_telephony.ir_cron_send_telephony_notices")._trigger()
        return True
