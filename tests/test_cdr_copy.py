# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The COPY text writer and the parsing thread (no Odoo, no database)."""

from datetime import datetime

from odoo.tests import BaseCase

from ..tools import copy_text
from ..tools.cdr import CdrFileError, CdrRecord, Rejection
from ..tools.cdr_copy import COPY_COLUMNS, ChunkProducer, CopyReader, copy_line


def record(call_id="c1", **values):
    data = {
        "call_id": call_id,
        "original_call_id": call_id,
        "direction": "out",
        "ani_raw": "3135000001",
        "dnis_raw": "0800 123",
        "ani_e164": "+553135000001",
        "dnis_e164": "",
        "detect_time": datetime(2024, 5, 3, 2, 30),
        "connect_time": None,
        "disconnect_time": datetime(2024, 5, 3, 2, 31),
        "duration": 60,
        "billsec": 0,
        "disposition": "no_answer",
    }
    data.update(values)
    return CdrRecord(**data)


class TestCopyLine(BaseCase):
    def test_nulls_and_values(self):
        line = copy_line(record(cost=0.15))
        self.assertTrue(line.endswith("\n"))
        cells = line[:-1].split("\t")
        self.assertEqual(len(cells), len(COPY_COLUMNS))
        values = dict(zip(COPY_COLUMNS, cells, strict=True))
        self.assertEqual(values["dnis_e164"], "\\N")  # '' -> NULL
        self.assertEqual(values["connect_epoch"], "\\N")
        # 2024-05-03 02:30:00 UTC in Unix seconds.
        self.assertEqual(values["detect_epoch"], "1714703400")
        self.assertEqual(values["platform_cost"], "0.15")
        self.assertEqual(values["access_fee"], "\\N")
        self.assertEqual(values["duration"], "60")

    def test_special_characters_are_escaped(self):
        for value, escaped in (
            ("a\tb", "a\\tb"),
            ("b\\c", "b\\\\c"),
            ("c\nd", "c\\nd"),
            ("d\re", "d\\re"),
        ):
            with self.subTest(value=value):
                line = copy_line(record(route_name=value, terminal="t"))
                self.assertEqual(line.count("\n"), 1)
                cells = line[:-1].split("\t")
                self.assertEqual(len(cells), len(COPY_COLUMNS))
                values = dict(zip(COPY_COLUMNS, cells, strict=True))
                self.assertEqual(values["route_name"], escaped)
                self.assertEqual(values["terminal"], "t")
                self.assertEqual(values["detect_epoch"], "1714703400")


class TestChunkProducer(BaseCase):
    def test_chunks_carry_rows_and_rejections(self):
        items = [record(f"c{i}") for i in range(7)]
        items.insert(3, Rejection(4, "garbage", "bad"))
        with ChunkProducer(iter(items), chunk_rows=3) as producer:
            chunks = list(producer)
        self.assertEqual([chunk.rows for chunk in chunks], [3, 3, 1])
        self.assertEqual(sum(len(chunk.rejections) for chunk in chunks), 1)
        self.assertEqual("".join(chunk.text for chunk in chunks).count("\n"), 7)

    def test_source_error_comes_after_the_rows_before_it(self):
        def source():
            yield record("a")
            yield record("b")
            raise CdrFileError("the file is truncated")

        seen = []
        with (
            ChunkProducer(source(), chunk_rows=1) as producer,
            self.assertRaises(CdrFileError),
        ):
            for chunk in producer:
                seen.append(chunk.rows)
        self.assertEqual(seen, [1, 1])

    def test_leaving_early_stops_the_thread(self):
        items = (record(f"c{i}") for i in range(100000))
        with ChunkProducer(items, chunk_rows=10, queue_chunks=2) as producer:
            next(iter(producer))
        self.assertFalse(producer.thread.is_alive())


class TestCopyReader(BaseCase):
    def test_batches_then_end(self):
        items = [record(f"c{i}") for i in range(5)]
        with ChunkProducer(iter(items), chunk_rows=2) as producer:
            reader = CopyReader(producer, max_rows=4)
            first = "".join(iter(lambda: reader.read(8192), ""))
            self.assertEqual(first.count("\n"), 4)
            self.assertFalse(reader.exhausted)
            reader.next_batch()
            second = "".join(iter(lambda: reader.read(8192), ""))
            self.assertEqual(second.count("\n"), 1)
            self.assertTrue(reader.exhausted)

    def test_error_is_kept_not_raised_into_copy(self):
        def source():
            yield record("a")
            raise CdrFileError("binary content")

        with ChunkProducer(source(), chunk_rows=1) as producer:
            reader = CopyReader(producer, max_rows=100)
            data = "".join(iter(lambda: reader.read(8192), ""))
        self.assertEqual(data.count("\n"), 1)
        self.assertIsInstance(reader.error, CdrFileError)
        self.assertTrue(reader.exhausted)


class TestCopyText(BaseCase):
    """The one COPY encoder, also used for rating and billing rows."""

    def test_rows_keep_their_columns_whatever_the_text(self):
        rows = [(1, "a\tb", None), (2, "line\nbreak\\", ""), (3, 4.5, True)]
        self.assertEqual(
            copy_text.rows_text(rows),
            "1\ta\\tb\t\\N\n2\tline\\nbreak\\\\\t\n3\t4.5\tTrue\n",
        )
        for line in copy_text.rows_text(rows).splitlines():
            self.assertEqual(line.count("\t"), 2)

    def test_cdr_text_and_rows_share_the_escapes(self):
        self.assertEqual(copy_text.field("x\ry"), "x\\ry")
        self.assertEqual(copy_text.field(None), copy_text.NULL)
