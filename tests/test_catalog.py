# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tools import mute_logger

from .common import TelephonyCase


class TestCatalogs(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["isp.summit.category"]
        cls.cat_default = Category.create(
            {"name": "Padrão", "code": "DEF", "integration_id": cls.integration.id}
        )
        cls.cat_block = Category.create(
            {"name": "Bloqueio", "code": "BLQ", "integration_id": cls.integration.id}
        )
        cls.cat_cancel = Category.create(
            {
                "name": "Cancelado",
                "code": "CAN",
                "integration_id": cls.integration.id,
            }
        )
        cls.other = cls.env["isp.telephony.integration"].create({"name": "Other"})
        cls.cat_other = Category.create(
            {"name": "Outra", "code": "DEF", "integration_id": cls.other.id}
        )

    def test_partition_uses_only_its_integration_categories(self):
        with self.assertRaisesRegex(ValidationError, "only use categories of its"):
            self.env["isp.summit.partition"].create(
                {
                    "code": "SP01",
                    "name": "SP",
                    "integration_id": self.integration.id,
                    "default_category_id": self.cat_other.id,
                }
            )

    def test_blocking_needs_its_categories(self):
        with self.assertRaisesRegex(ValidationError, "blocking enabled and needs"):
            self.env["isp.summit.partition"].create(
                {
                    "code": "SP01",
                    "name": "SP",
                    "integration_id": self.integration.id,
                    "blocking_enabled": True,
                    "default_category_id": self.cat_default.id,
                }
            )
        partition = self.env["isp.summit.partition"].create(
            {
                "code": "SP02",
                "name": "SP",
                "integration_id": self.integration.id,
                "blocking_enabled": True,
                "default_category_id": self.cat_default.id,
                "block_category_id": self.cat_block.id,
                "cancel_category_id": self.cat_cancel.id,
            }
        )
        self.assertFalse(partition.partial_block_category_id)
        self.assertEqual(partition.display_name, "[SP02] SP")

    def test_codes_unique_per_integration(self):
        # Same code on another integration is fine (set up above).
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env["isp.summit.category"].create(
                {
                    "name": "Dup",
                    "code": "DEF",
                    "integration_id": self.integration.id,
                }
            )

    def test_cost_centre_defaults_to_default(self):
        centre = self.env["isp.summit.cost.center"].create(
            {"integration_id": self.integration.id}
        )
        self.assertEqual(centre.code, "Default")
