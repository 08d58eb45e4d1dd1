# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Set-up shared by the agents' telephony tests: a CallMyWay integration,
two agents, contacts on area code 31 (demo data uses 11 and 19)."""

import json

from odoo.tests import new_test_user

from odoo.addons.bus.models.bus import channel_with_db, json_dump

from ..tools.call_events import CallEvent

WEBHOOK_SECRET = "whs-Ä9x-test-secret-0123456789"


def cmw_body(action="callStart", **data):
    """A CallMyWay webhook body; ``data`` overrides the call's fields (None
    leaves a field out)."""
    values = {
        "callid": "cmw-1",
        "account_id": "77",
        "endpoint_id": "8000001",
        "ani": "553135001000",
        "dnis": "8000001",
        "detect_time": "2024-05-02 10:00:00",
        "connect_time": "1970-01-01 00:00:00",
        "disconnect_time": "",
        "duration": "0",
        "type": "in",
        "cost": "0",
    }
    values.update(data)
    values = {k: v for k, v in values.items() if v is not None}
    return json.dumps({"action": action, "data": values}).encode()


class CallSetupMixin:
    @classmethod
    def setup_calls(cls, env, gateway="callmyway", **integration_vals):
        vals = {
            "name": f"{gateway} test",
            "gateway": gateway,
            "api_user": "8000001",
            "api_password": "s3cret",
            "access_host": "http://127.0.0.1:9",
            "api_use_tls": False,
            "area_code": "31",
            "timezone": "UTC",
            "webhook_secret": WEBHOOK_SECRET,
        }
        vals.update(integration_vals)
        cls.calls_integration = env["isp.telephony.integration"].create(vals)
        cls.agent_user = new_test_user(
            env,
            login=f"agent_{gateway}",
            groups="base.group_user,base.group_partner_manager,"
            "isp_telephony.group_telephony_user",
            name="Agent Ana",
        )
        cls.other_user = new_test_user(
            env,
            login=f"agent2_{gateway}",
            groups="base.group_user,isp_telephony.group_telephony_user",
            name="Agent Bruno",
        )
        Agent = env["isp.telephony.agent"]
        endpoint = "PJSIP/1001" if gateway == "asterisk" else "8000001"
        other = "PJSIP/1002" if gateway == "asterisk" else "8000002"
        cls.agent = Agent.create(
            {
                "user_id": cls.agent_user.id,
                "integration_id": cls.calls_integration.id,
                "endpoint": endpoint,
            }
        )
        cls.other_agent = Agent.create(
            {
                "user_id": cls.other_user.id,
                "integration_id": cls.calls_integration.id,
                "endpoint": other,
            }
        )
        br = env.ref("base.br")
        Partner = env["res.partner"]
        cls.partner_one = Partner.create(
            {
                "name": "Cliente Único",
                "phone": "(31) 3500-1000",
                "country_id": br.id,
                "vat": "11.222.333/0001-81",
            }
        )
        cls.partner_twin_a = Partner.create(
            {"name": "Twin A", "phone": "+55 31 3500-2000", "country_id": br.id}
        )
        cls.partner_twin_b = Partner.create(
            {"name": "Twin B", "mobile": "031 3500 2000", "country_id": br.id}
        )
        cls.contract = env["contract.contract"].create(
            {"name": "Contrato Cliente Único", "partner_id": cls.partner_one.id}
        )

    def event(self, action="start", **values):
        data = {
            "action": action,
            "call_id": "c-1",
            "direction": "in",
            "caller": "3135001000",
            "called": "8000001",
            "endpoint": "8000001",
        }
        data.update(values)
        return CallEvent(**data)

    def bus_messages(self, partner=None):
        """Call-panel notifications sent (to ``partner`` when given)."""
        # bus.bus rows are written by a pre-commit hook: run it.
        self.env.cr.precommit.run()
        domain = []
        if partner is not None:
            domain = [
                (
                    "channel",
                    "=",
                    json_dump(channel_with_db(self.env.cr.dbname, partner)),
                )
            ]
        messages = self.env["bus.bus"].sudo().search(domain, order="id")
        out = []
        for message in messages:
            body = json.loads(message.message)
            if body.get("type") == "isp_telephony/call":
                out.append(body["payload"])
        return out
