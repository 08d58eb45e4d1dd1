# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Set-up shared by the spend-control tests: the loopback Summit platform
with blocking categories, a plan with prices that make sums easy (3.00 per
minute abroad, 1.80 to mobiles, per whole minute), a line of a customer
contract (due day 10, São Paulo) and CDR imports through the real importer
(an uploaded Asterisk Master.csv)."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from odoo import Command

from .blocking_common import BlockingCase
from .cdr_common import master_row
from .jobs_common import JobsMixin
from .loopback.summit_server import SummitServer

ABROAD = "0012025550123"  # +1 202 555 0123: international
MOBILE = "31987654321"  # local mobile for DDD 31
# The frozen "now" of most tests: in the cycle that began on 2026-03-10.
NOW = "2026-03-20 15:00:00"
ZONE = ZoneInfo("America/Sao_Paulo")


class SpendCase(JobsMixin, BlockingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "telephony_timezone": "America/Sao_Paulo",
                "telephony_credit_warning_percent": 80.0,
                "email": "contato@isp.example.com",
                "phone": "+55 31 3000-0000",
            }
        )
        cls.server = SummitServer(username="isp", password="s3cret-pass").start()
        cls.addClassCleanup(cls.server.stop)
        port = int(cls.server.base_url.rsplit(":", 1)[1])
        cls.integration.write(
            {
                "summit_api_port": port,
                "api_timeout": 5.0,
                "area_code": "31",
                "timezone": "America/Sao_Paulo",
            }
        )
        cls.integration.action_sync_catalogs()
        cls.cost_center = cls.env["isp.summit.cost.center"].create(
            {"code": "Default", "integration_id": cls.integration.id}
        )
        cls.make_range(first="36000000", last="36000049", area="31")
        cls.sp = cls.catalog("isp.summit.partition", "SP01")
        cls.sp.blocking_enabled = True
        cls.cat = {
            code: cls.catalog("isp.summit.category", code)
            for code in ("DEF", "BLQ", "BLP", "CAN")
        }
        classes = {
            c.code: c for c in cls.env["isp.telephony.destination.class"].search([])
        }
        cls.plan = cls.env["isp.telephony.plan"].create(
            {
                "name": "Residencial controlado",
                "product_id": cls.product.id,
                "credit_limit": 10.0,
                "fraud_class_ids": [Command.set(classes["international"].ids)],
                "rate_ids": [
                    Command.create(
                        {
                            "dest_class": "international",
                            "price_per_minute": 3.00,
                            "initial_block": 60,
                            "increment": 60,
                        }
                    ),
                    Command.create(
                        {
                            "dest_class": "local_mobile",
                            "price_per_minute": 1.80,
                            "initial_block": 60,
                            "increment": 60,
                        }
                    ),
                ],
            }
        )
        cls.layout = cls.env.ref("isp_telephony.cdr_layout_asterisk_master_csv")

    @classmethod
    def catalog(cls, model, code):
        key = "code"
        return cls.env[model].search(
            [("integration_id", "=", cls.integration.id), (key, "=", code)]
        )

    def setUp(self):
        super().setUp()
        self.server.reset()
        self.partner = self.env["res.partner"].create(
            {"name": "Padaria Pão Quente", "email": "padaria@example.com"}
        )
        self.contract = self.make_contract("Padaria", partner=self.partner)
        self.contract.user_id = self.user
        self._seq = 0

    def make_line(self, number="+553136000001", contract=None, plan=None):
        line = self.env["isp.sip.line"].create(
            {
                "contract_id": (contract or self.contract).id,
                "integration_id": self.integration.id,
                "caller_id_number_id": self.number(number).id,
                "partition_id": self.sp.id,
                "category_id": self.cat["DEF"].id,
                "platform_plan_id": self.catalog("isp.summit.plan", "RES100").id,
                "licence_id": self.catalog("isp.summit.licence", "RES").id,
                "cost_center_id": self.cost_center.id,
                "billing_plan_id": (plan or self.plan).id,
                "due_day": 10,
            }
        )
        line.action_activate()
        self.run_jobs()
        self.assertEqual(line.state, "active", line.platform_error)
        return line

    def row(self, line, dialled, minutes, at, seconds=None):
        """A Master.csv row: ``line`` calls ``dialled`` for ``minutes`` whole
        minutes, connecting at ``at`` (naive UTC datetime)."""
        self._seq += 1
        talk = seconds if seconds is not None else int(minutes * 60)
        start = at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZONE)
        start = start.replace(tzinfo=None)
        end = start + timedelta(seconds=talk)
        return master_row(
            line.caller_id_e164.replace("+55", ""),
            dialled,
            str(start),
            str(end),
            talk,
            billsec=talk,
            answer=str(start),
            uniqueid=f"spend.{self.id()}.{self._seq}",
        )

    def import_rows(self, *rows, integration=None):
        self._seq += 1
        data = "".join(rows).encode()
        run = self.env["isp.cdr.import"]._import_upload(
            integration or self.integration,
            self.layout,
            io.BytesIO(data),
            f"spend-{self._seq}.csv",
        )
        self.assertEqual(run.state, "done", run.message)
        # The provisioning jobs the spend check queued, as the job runner
        # runs them once the import has committed.
        self.run_jobs()
        return run

    def evaluate(self):
        """The daily blocking run, then the provisioning jobs it queued (as
        the job runner runs them once the run has committed)."""
        result = super().evaluate()
        self.run_jobs()
        return result

    @staticmethod
    def at(text):
        return datetime.fromisoformat(text)

    def patches(self):
        """Categories the platform received, in order, once the
        provisioning jobs queued so far have run (as the job runner does
        after the commit)."""
        self.run_jobs()
        return [
            r.json["category"]
            for r in self.server.requests
            if r.method == "PATCH" and "category" in (r.json or {})
        ]

    def on_platform(self, line):
        """The line's category on the platform, once the queued provisioning
        jobs have run."""
        self.run_jobs()
        return self.server.lines[line.terminal]["category"]

    def send_notices(self):
        """What the notice cron does within minutes of a notice."""
        return self.env["isp.telephony.notice"]._cron_send_pending()

    def notices(self, contract=None):
        """Subjects of the customer notices emailed from the contract (the
        queue sent first)."""
        self.send_notices()
        contract = contract or self.contract
        messages = contract.message_ids.filtered(
            lambda m: m.message_type == "comment" and m.subject
        )
        return [m.subject for m in messages.sorted("id")]
