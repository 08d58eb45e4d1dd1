# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Set-up shared by the CDR import tests: an Asterisk integration reading a
temporary directory, customers with SIP lines on area code 31, and a
Master.csv row builder."""

import os
import shutil
import tempfile
import time
from unittest.mock import patch

from odoo.tools import config

from ..tools import cdr_folder
from .common import TelephonyCase


def master_row(
    src,
    dst,
    start,
    end,
    duration,
    billsec=0,
    answer="",
    status="ANSWERED",
    context="from-internal",
    channel="SIP/other-00000001",
    accountcode="",
    uniqueid="",
):
    """One Asterisk cdr_csv Master.csv line (local times)."""
    cells = [
        accountcode,
        src,
        dst,
        context,
        f'""Customer"" <{src}>',
        channel,
        "SIP/carrier-00000002",
        "Dial",
        f"SIP/carrier/{dst},60",
        start,
        answer,
        end,
    ]
    quoted = ",".join(f'"{cell}"' for cell in cells)
    return f'{quoted},{duration},{billsec},"{status}","DOCUMENTATION","{uniqueid}",""\n'


class CdrCase(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The CDR root of the server's configuration: a temporary folder,
        # with the integration's directory inside it.
        cls.cdr_root = tempfile.mkdtemp(prefix="isp_cdr_root_")
        cls.addClassCleanup(shutil.rmtree, cls.cdr_root, True)
        cls.startClassPatcher(
            patch.dict(config.options, {cdr_folder.ROOT_OPTION: cls.cdr_root})
        )
        cls.directory = tempfile.mkdtemp(prefix="isp_cdr_test_", dir=cls.cdr_root)
        cls.pbx = cls.env["isp.telephony.integration"].create(
            {
                "name": "Asterisk BH",
                "gateway": "asterisk",
                "area_code": "31",
                "timezone": "America/Sao_Paulo",
                "cdr_directory": cls.directory,
                "cdr_filename_pattern": "*.csv",
            }
        )
        cls.master_layout = cls.env.ref("isp_telephony.cdr_layout_asterisk_master_csv")
        cls.make_range(first="35000000", last="35000099", area="31")
        cls.partner_a = cls.env["res.partner"].create({"name": "Padaria Central"})
        cls.partner_b = cls.env["res.partner"].create({"name": "Clínica Bem"})
        cls.contract_a = cls.env["contract.contract"].create(
            {"name": "Padaria telefone", "partner_id": cls.partner_a.id}
        )
        cls.contract_b = cls.env["contract.contract"].create(
            {"name": "Clínica telefone", "partner_id": cls.partner_b.id}
        )
        # Line A: caller ID 3500-0001. Line B: caller ID 3500-0002, DID
        # 3500-0050, account code 123456. Line C: terminal "peer7".
        cls.line_a = cls.make_line(cls.contract_a, "+553135000001")
        cls.line_b = cls.make_line(
            cls.contract_b, "+553135000002", account_code="123456"
        )
        cls.env["isp.sip.line.did"].create(
            {
                "line_id": cls.line_b.id,
                "number_id": cls.find_number("+553135000050").id,
                "port": 1,
            }
        )
        cls.line_c = cls.make_line(cls.contract_b, "+553135000003", terminal="peer7")

    @classmethod
    def find_number(cls, e164):
        return cls.env["isp.phone.number"].search(
            [("e164", "=", e164), ("company_id", "=", cls.company.id)]
        )

    @classmethod
    def make_line(cls, contract, e164, integration=None, **values):
        vals = {
            "contract_id": contract.id,
            "integration_id": (integration or cls.pbx).id,
            "caller_id_number_id": cls.find_number(e164).id,
        }
        vals.update(values)
        line = cls.env["isp.sip.line"].create(vals)
        line.write({"state": "active"})
        return line

    def write_file(self, name, content, age=120):
        """A file in the CDR directory, last changed ``age`` seconds ago."""
        path = os.path.join(self.directory, name)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(path, mode) as stream:
            stream.write(content)
        stamp = time.time() - age
        os.utime(path, (stamp, stamp))
        self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))
        return path

    def cdrs(self, run=None, integration=None):
        domain = [("integration_id", "=", (integration or self.pbx).id)]
        if run is not None:
            domain.append(("import_id", "=", run.id))
        return self.env["isp.cdr"].search(domain)
