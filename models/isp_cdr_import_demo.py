# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo calls: an Asterisk Master.csv of random calls on the demo lines,
imported through the real importer (a run of source "demo")."""

import io
import random
from datetime import timedelta

from odoo import api, models

from ..tools import timezones


class IspCdrImportDemo(models.Model):
    _inherit = "isp.cdr.import"

    @api.model
    def _create_demo_cdrs(self, integration, count=300, seed=4, days=30):
        """Import ``count`` demo calls of the last ``days`` days for the lines that
        exist at install time (else for the integration's numbers in use),
        through the real importer (Asterisk Master.csv, source "demo")."""
        if isinstance(integration, int):
            integration = self.env["isp.telephony.integration"].browse(integration)
        rnd = random.Random(seed)
        lines = self.env["isp.sip.line"].search(
            [("integration_id", "=", integration.id), ("caller_id_e164", "!=", False)]
        )
        own = [e164 for e164 in lines.mapped("caller_id_e164") if e164]
        if not own:
            numbers = self.env["isp.phone.number"].search(
                [("company_id", "=", integration.company_id.id)], limit=5, order="id"
            )
            own = [e164 for e164 in numbers.mapped("e164") if e164]
        if not own:
            return self.browse()
        others = ["11987654321", "01133334444", "02125550000", "08007771234"]
        now = timezones.local_now(integration.timezone).replace(microsecond=0)
        rows = []
        for seq in range(count):
            mine = "0" + rnd.choice(own)[3:]
            other = rnd.choice(others)
            inbound = rnd.random() < 0.3
            src, dst = (other, mine) if inbound else (mine, other)
            start = now - timedelta(seconds=rnd.randint(600, days * 86400))
            status = rnd.choice(["ANSWERED"] * 8 + ["NO ANSWER", "BUSY"])
            talk = rnd.randint(5, 600) if status == "ANSWERED" else 0
            ring = rnd.randint(2, 20)
            answer = start + timedelta(seconds=ring) if talk else None
            end = start + timedelta(seconds=ring + talk)
            context = "from-trunk" if inbound else "from-internal"
            rows.append(
                f'"","{src}","{dst}","{context}","","SIP/demo-{seq:06d}","",'
                f'"Dial","","{start}","{answer or ""}","{end}",{ring + talk},'
                f'{talk},"{status}","DOCUMENTATION","demo.{seq}",""\n'
            )
        layout = self.env.ref("isp_telephony.cdr_layout_asterisk_master_csv")
        data = io.BytesIO("".join(rows).encode())
        return self._import_stream(
            integration, layout, data, source="demo", file_name="demo-Master.csv"
        )
