# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CDR parsing core, tools/cdr.py (no database)."""

import hashlib
import io
import json
import random
from datetime import datetime, timedelta

from odoo.tests import BaseCase

from ..benchmarks import cdr_fixtures
from ..tools import callmyway_cdr, cdr, clock, timezones
from ..tools.cdr_layouts import STANDARD_DATE_FORMAT, Layout

# Asterisk Master.csv columns, in file order.
AST_KEYS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
)
AST_NUMERIC = ("duration", "billsec")


def ast_line(columns=18, **values):
    """One Master.csv line as Asterisk writes it (numbers unquoted)."""
    row = {
        "accountcode": "",
        "src": "1130001234",
        "dst": "34567890",
        "dcontext": "from-internal",
        "clid": '"Ana" <1130001234>',
        "channel": "SIP/1130001234-00000001",
        "dstchannel": "SIP/carrier-00000002",
        "lastapp": "Dial",
        "lastdata": "SIP/carrier/34567890,60",
        "start": "2024-01-15 10:00:00",
        "answer": "2024-01-15 10:00:07",
        "end": "2024-01-15 10:02:07",
        "duration": "127",
        "billsec": "120",
        "disposition": "ANSWERED",
        "amaflags": "DOCUMENTATION",
        "uniqueid": "1705323600.1",
        "userfield": "",
    }
    row.update(values)
    cells = []
    for key in AST_KEYS[:columns]:
        value = row[key]
        if key in AST_NUMERIC:
            cells.append(value)
        else:
            cells.append('"' + value.replace('"', '""') + '"')
    return ",".join(cells)


def parse(text, layout="asterisk_master_csv", encoding="utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    return list(cdr.iter_file(io.BytesIO(data), layout))


def good_lines(count, start_seq=100):
    return [
        ast_line(uniqueid=f"1705323600.{start_seq + n}", dst=f"3456{7000 + n:04d}")
        for n in range(count)
    ]


SUMMIT_HEADER = (
    "call_id;original_call_id;direction;ani;dnis;detect_time;connect_time;"
    "disconnect_time;duration;billsec;status;cost;access_fee;rate;"
    "route_pattern;route_name;account_code;terminal"
)


class TestAsteriskPreset(BaseCase):
    def test_answered_outbound_call(self):
        (rec,) = parse(ast_line() + "\n")
        self.assertIsInstance(rec, cdr.CdrRecord)
        self.assertEqual(rec.direction, "out")
        self.assertEqual(rec.ani_raw, "1130001234")
        self.assertEqual(rec.ani_e164, "+551130001234")
        # A local 8-digit number takes the calling line's DDD (11).
        self.assertEqual(rec.dnis_e164, "+551134567890")
        # Sao Paulo is UTC-3 in January 2024.
        self.assertEqual(rec.detect_time, datetime(2024, 1, 15, 13, 0, 0))
        self.assertEqual(rec.connect_time, datetime(2024, 1, 15, 13, 0, 7))
        self.assertEqual(rec.disconnect_time, datetime(2024, 1, 15, 13, 2, 7))
        self.assertEqual((rec.duration, rec.billsec), (127, 120))
        self.assertEqual(rec.disposition, "answered")
        self.assertEqual(rec.original_call_id, "1705323600.1")
        self.assertEqual(rec.terminal, "SIP/1130001234-00000001")
        self.assertEqual(rec.line_no, 1)
        self.assertEqual(rec.raw, ast_line())
        # No id column: the row's SHA-1 headed by its end time as written.
        self.assertEqual(
            rec.call_id,
            "20240115100207-" + hashlib.sha1(ast_line().encode()).hexdigest(),
        )
        self.assertIsNone(rec.cost)

    def test_dispositions_directions_and_numbers(self):
        text = "\n".join(
            [
                ast_line(
                    dst="987654321",
                    answer="",
                    end="2024-01-15 10:00:20",
                    duration="20",
                    billsec="0",
                    disposition="NO ANSWER",
                ),
                ast_line(
                    src="021987654321",
                    dst="1130001234",
                    dcontext="from-trunk",
                    answer="",
                    end="2024-01-15 10:00:04",
                    duration="4",
                    billsec="0",
                    disposition="BUSY",
                ),
                ast_line(dcontext="ext-local", dst="2001", disposition="CONGESTION"),
                ast_line(dcontext="my-custom-context", dst="190"),
                ast_line(dcontext="from-pstn-vivo", dst="08001234567"),
                ast_line(dst="002112125550143"),
                ast_line(src="anonymous", dst="1130001234", dcontext="from-trunk"),
            ]
        )
        recs = parse(text + "\n")
        self.assertEqual(
            [(r.direction, r.disposition, r.dnis_e164) for r in recs],
            [
                ("out", "no_answer", "+5511987654321"),
                ("in", "busy", "+551130001234"),
                ("internal", "failed", ""),  # an extension has no E.164
                ("out", "answered", "190"),  # unknown context: default 'out'
                ("in", "answered", "+558001234567"),  # prefix rule from-pstn*
                ("out", "answered", "+12125550143"),  # 00 + CSP + country code
                ("in", "answered", "+551130001234"),
            ],
        )
        self.assertIsNone(recs[0].connect_time)
        self.assertEqual(recs[1].ani_e164, "+5521987654321")
        self.assertEqual(recs[6].ani_e164, "")  # withheld
        self.assertEqual([r.line_no for r in recs], [1, 2, 3, 4, 5, 6, 7])

    def test_optional_uniqueid_and_userfield(self):
        text = "\n".join(
            [ast_line(columns=16), ast_line(columns=17), ast_line(columns=18)]
        )
        recs = parse(text + "\n")
        self.assertTrue(all(isinstance(r, cdr.CdrRecord) for r in recs))
        # Without uniqueid the leg groups on its own call id.
        self.assertEqual(recs[0].original_call_id, recs[0].call_id)
        self.assertEqual(recs[1].original_call_id, "1705323600.1")
        self.assertEqual(recs[2].original_call_id, "1705323600.1")
        self.assertEqual(len({r.call_id for r in recs}), 3)

    def test_call_crossing_midnight(self):
        line = ast_line(
            start="2024-01-15 23:59:50",
            answer="2024-01-16 00:00:02",
            end="2024-01-16 00:01:02",
            duration="72",
            billsec="60",
        )
        (rec,) = parse(line + "\n")
        self.assertEqual(rec.detect_time, datetime(2024, 1, 16, 2, 59, 50))
        self.assertEqual(rec.connect_time, datetime(2024, 1, 16, 3, 0, 2))
        self.assertEqual(rec.disconnect_time, datetime(2024, 1, 16, 3, 1, 2))

    def test_crlf_blank_lines_and_no_final_newline(self):
        lines = good_lines(3)
        text = lines[0] + "\r\n\r\n" + lines[1] + "\r\n" + lines[2]
        recs = parse(text)
        self.assertEqual([r.line_no for r in recs], [1, 3, 4])
        self.assertEqual([r.raw for r in recs], lines)


class TestSummitPreset(BaseCase):
    def test_header_layout_with_decimal_comma(self):
        text = (
            f"{SUMMIT_HEADER}\n"
            "S-1001;S-1000;out;1130001234;(21) 3456-7890;2024-03-01 09:00:00;"
            "2024-03-01 09:00:05;2024-03-01 09:01:35;95;90;ANSWERED;0,15;0,00;"
            "0,10;5521;Rio de Janeiro Fixo;123456;T-77\n"
            "S-1002;;in;+5511987654321;1130001234;2024-03-01 09:10:00;;"
            "2024-03-01 09:10:30;30;0;NO_ANSWER;;;;;;;T-77"
        )
        first, second = parse(text + "\n", "summit_csv")
        self.assertEqual(first.call_id, "S-1001")
        self.assertEqual(first.original_call_id, "S-1000")
        self.assertEqual(first.dnis_e164, "+552134567890")
        self.assertEqual(first.detect_time, datetime(2024, 3, 1, 12, 0, 0))
        self.assertEqual(first.connect_time, datetime(2024, 3, 1, 12, 0, 5))
        self.assertEqual((first.cost, first.access_fee, first.rate), (0.15, 0.0, 0.1))
        self.assertEqual(first.route_pattern, "5521")
        self.assertEqual(first.route_name, "Rio de Janeiro Fixo")
        self.assertEqual(first.account_code, "123456")
        self.assertEqual(first.terminal, "T-77")
        self.assertEqual(first.line_no, 2)
        self.assertEqual(second.call_id, "S-1002")
        self.assertEqual(second.original_call_id, "S-1002")
        self.assertEqual(second.direction, "in")
        self.assertEqual(second.disposition, "no_answer")
        self.assertIsNone(second.connect_time)
        self.assertIsNone(second.cost)

    def test_header_in_other_order_without_optional_columns(self):
        text = (
            "\ufeffDNIS;ANI;Call_ID;Direction;Detect_Time;Disconnect_Time;"
            "Duration;Status\n"
            "1134567890;1130001234;X9;out;2024-03-01 09:00:00;"
            "2024-03-01 09:01:00;60;ANSWERED\n"
        )
        (rec,) = parse(text, "summit_csv")
        self.assertEqual(rec.call_id, "X9")
        self.assertEqual(rec.dnis_e164, "+551134567890")
        # Neither billsec nor an answer time: no second is known to be billable.
        self.assertEqual(rec.billsec, 0)
        self.assertEqual(rec.duration, 60)

    def test_header_missing_required_column(self):
        text = "call_id;direction;ani;detect_time;duration;status\n"
        with self.assertRaises(cdr.CdrFileError) as caught:
            parse(text, "summit_csv")
        self.assertIn("dnis", caught.exception.reason)


class TestCustomLayout(BaseCase):
    def test_column_map_epoch_and_derived_values(self):
        layout = Layout(
            delimiter="|",
            columns={
                "call_id": 0,
                "ani_raw": 1,
                "dnis_raw": 2,
                "detect_time": 3,
                "disconnect_time": 4,
                "billsec": 5,
            },
            date_format="epoch",
            area_code="11",
        )
        text = (
            "c1|1130001234|34567890|1705323600|1705323727|120\n"
            "c2|1130001234|987654321|1705323600|1705323610|0\n"
        )
        answered, missed = parse(text, layout)
        self.assertEqual(answered.detect_time, datetime(2024, 1, 15, 13, 0, 0))
        self.assertEqual(answered.disconnect_time, datetime(2024, 1, 15, 13, 2, 7))
        self.assertEqual(answered.duration, 127)
        self.assertEqual(answered.billsec, 120)
        self.assertEqual(answered.connect_time, datetime(2024, 1, 15, 13, 0, 7))
        self.assertEqual(answered.disposition, "answered")
        self.assertEqual(answered.direction, "out")
        self.assertEqual(answered.dnis_e164, "+551134567890")
        self.assertEqual(missed.disposition, "no_answer")
        self.assertIsNone(missed.connect_time)
        self.assertEqual(missed.duration, 10)
        self.assertEqual(missed.dnis_e164, "+5511987654321")

    def test_other_date_format_and_header_names(self):
        layout = Layout(
            delimiter=",",
            has_header=True,
            columns={
                "ani_raw": "origem",
                "dnis_raw": "destino",
                "detect_time": "inicio",
                "duration": "duracao",
            },
            date_format="%d/%m/%Y %H:%M:%S",
            timezone="America/Sao_Paulo",
        )
        text = (
            "origem,destino,inicio,duracao\n"
            "1130001234,1134567890,31/12/2023 22:00:00,30\n"
        )
        (rec,) = parse(text, layout)
        self.assertEqual(rec.detect_time, datetime(2024, 1, 1, 1, 0, 0))
        self.assertEqual(rec.disconnect_time, datetime(2024, 1, 1, 1, 0, 30))
        # No id column and no end column: the start as written, then a sha1.
        head, digest = rec.call_id.split("-")
        self.assertEqual((head, len(digest)), ("31122023220000", 40))

    def test_layout_round_trip_and_validation(self):
        layout = cdr.preset("asterisk_master_csv", timezone="UTC", area_code="21")
        data = json.loads(json.dumps(layout.to_dict()))
        self.assertEqual(Layout.from_dict(data), layout)
        self.assertEqual(
            cdr.PRESETS["asterisk_master_csv"].timezone, "America/Sao_Paulo"
        )
        bad = (
            {"timezone": "Mars/Olympus"},
            {"columns": {"ani_raw": 1}},
            {"direction_map": {"x": "sideways"}},
            {"delimiter": ";;"},
            {"no_such_key": 1},
            {"encoding": "klingon-8"},
        )
        for change in bad:
            with self.subTest(change=change), self.assertRaises(ValueError):
                Layout.from_dict({**layout.to_dict(), **change})
        with self.assertRaises(ValueError):
            cdr.preset("nope")


class TestTimeZones(BaseCase):
    def one(self, start, tz="America/Sao_Paulo"):
        layout = cdr.preset("asterisk_master_csv", timezone=tz)
        line = ast_line(start=start, answer="", end=start, duration="0", billsec="0")
        (rec,) = parse(line + "\n", layout)
        return rec.detect_time

    def test_sao_paulo_summer_time_2018_and_none_in_2024(self):
        self.assertEqual(self.one("2018-01-15 10:00:00"), datetime(2018, 1, 15, 12))
        self.assertEqual(self.one("2024-01-15 10:00:00"), datetime(2024, 1, 15, 13))

    def test_zone_without_dst(self):
        self.assertEqual(
            self.one("2018-01-15 10:00:00", "America/Fortaleza"),
            datetime(2018, 1, 15, 13),
        )
        self.assertEqual(
            self.one("2018-01-15 10:00:00", "UTC"), datetime(2018, 1, 15, 10)
        )

    def test_ambiguous_and_nonexistent_local_times(self):
        # 2018-02-17 23:30 happened twice (DST ended at midnight): first one.
        self.assertEqual(self.one("2018-02-17 23:30:00"), datetime(2018, 2, 18, 1, 30))
        # 2018-11-04 00:30 never happened (clocks jumped 00:00 -> 01:00):
        # read with the offset before the jump, UTC-3.
        self.assertEqual(self.one("2018-11-04 00:30:00"), datetime(2018, 11, 4, 3, 30))

    def test_cached_path_agrees_with_zoneinfo(self):
        rnd = random.Random(3)
        parse_time = clock._clock("America/Sao_Paulo").parser(STANDARD_DATE_FORMAT)
        base = datetime(2017, 10, 14)
        for _ in range(2000):
            local = base + timedelta(seconds=rnd.randint(0, 86400 * 140))
            text = local.strftime("%Y-%m-%d %H:%M:%S")
            expected = timezones.local_to_utc(local, "America/Sao_Paulo")
            self.assertEqual(parse_time(text), expected, text)
            self.assertEqual(parse_time(text), expected, text)  # cached


class TestRejections(BaseCase):
    CASES = (
        (ast_line(columns=12), "expected 16 to 18 columns, found 12"),
        (
            ast_line(start="15/01/2024 10:00"),
            "unreadable start time '15/01/2024 10:00'",
        ),
        (ast_line(start=""), "missing start time"),
        (ast_line(answer="2024-01-15 25:00:07"), "unreadable answer time"),
        (ast_line(end="yesterday"), "unreadable end time 'yesterday'"),
        (ast_line(duration="-5", billsec="0"), "negative duration: -5"),
        (ast_line(duration="abc"), "duration is not a number: 'abc'"),
        (ast_line(billsec="130"), "billsec (130) longer than duration (127)"),
        (ast_line(disposition="MAYBE"), "unknown disposition 'MAYBE'"),
        (ast_line(end="2024-01-15 09:00:00"), "the call ends before it starts"),
        (ast_line(answer="2024-01-15 11:00:00"), "answered outside the call"),
    )

    def test_each_bad_row_is_reported_and_the_file_goes_on(self):
        lines = good_lines(len(self.CASES) + 1)
        text_lines = []
        for (bad, _reason), good in zip(self.CASES, lines, strict=False):
            text_lines += [good, bad]
        text_lines.append(lines[-1])
        results = parse("\n".join(text_lines) + "\n")
        self.assertEqual(len(results), len(text_lines))
        rejections = [r for r in results if isinstance(r, cdr.Rejection)]
        self.assertEqual(len(rejections), len(self.CASES))
        for rejection, (bad, reason) in zip(rejections, self.CASES, strict=True):
            with self.subTest(reason=reason):
                self.assertIn(reason, rejection.reason)
                self.assertEqual(rejection.raw, bad)
                self.assertEqual(text_lines[rejection.line_no - 1], bad)

    def test_summit_specific_rejections(self):
        row = (
            "{id};;{direction};1130001234;1134567890;2024-03-01 09:00:00;;"
            "2024-03-01 09:01:00;60;0;NO_ANSWER;{cost};;;;;;"
        )
        good = [row.format(id=f"G{n}", direction="out", cost="") for n in range(4)]
        text = "\n".join(
            [SUMMIT_HEADER]
            + good
            + [
                row.format(id="", direction="out", cost=""),
                row.format(id="B2", direction="sideways", cost=""),
                row.format(id="B3", direction="out", cost="R$ 1"),
            ]
        )
        results = parse(text + "\n", "summit_csv")
        self.assertEqual(
            [r.reason for r in results if isinstance(r, cdr.Rejection)],
            [
                "missing call id",
                "unknown direction 'sideways'",
                "cost is not a number: 'R$ 1'",
            ],
        )
        self.assertEqual([r.line_no for r in results[4:]], [6, 7, 8])


class TestFileErrors(BaseCase):
    def test_garbled_file(self):
        text = "\n".join(f"lorem ipsum dolor {n}" for n in range(30)) + "\n"
        with self.assertRaises(cdr.CdrFileError) as caught:
            parse(text)
        self.assertIn("garbled", caught.exception.reason)

    def test_file_of_another_format(self):
        text = SUMMIT_HEADER + "\n" + "\n".join(good_lines(10)) + "\n"
        with self.assertRaises(cdr.CdrFileError):
            parse(text, "summit_csv")  # Asterisk rows under a Summit header

    def test_truncated_last_line(self):
        text = "\n".join(good_lines(5)) + "\n" + ast_line()[:60]
        with self.assertRaises(cdr.CdrFileError) as caught:
            parse(text)
        self.assertIn("truncated", caught.exception.reason)

    def test_truncated_inside_last_quoted_value(self):
        text = "\n".join(good_lines(5)) + "\n" + ast_line()[:-1]
        with self.assertRaises(cdr.CdrFileError) as caught:
            parse(text)
        self.assertIn("quoted", caught.exception.reason)

    def test_binary_content(self):
        data = ("\n".join(good_lines(3)) + "\n").encode() + b"\x00\x01\x02PK\x03\x04\n"
        with self.assertRaises(cdr.CdrFileError) as caught:
            parse(data)
        self.assertIn("binary", caught.exception.reason)

    def test_undecodable_content(self):
        data = ast_line(lastdata="São Paulo").encode("latin-1") + b"\n"
        with self.assertRaises(cdr.CdrFileError) as caught:
            parse(data)
        self.assertIn("utf-8", caught.exception.reason)

    def test_latin1_encoding(self):
        layout = cdr.preset("summit_csv", encoding="latin-1")
        text = (
            SUMMIT_HEADER + "\nL1;;out;1130001234;1134567890;2024-03-01 09:00:00;;"
            "2024-03-01 09:01:00;60;0;NO_ANSWER;;;;;São Paulo Móvel;;\n"
        )
        (rec,) = parse(text.encode("latin-1"), layout)
        self.assertEqual(rec.route_name, "São Paulo Móvel")

    def test_empty_file_and_stream_left_open(self):
        stream = io.BytesIO(b"")
        self.assertEqual(list(cdr.iter_file(stream, "asterisk_master_csv")), [])
        self.assertFalse(stream.closed)
        self.assertEqual(parse(SUMMIT_HEADER + "\n", "summit_csv"), [])


class TestDedupeKey(BaseCase):
    def test_deterministic_across_imports_and_line_endings(self):
        lines = good_lines(4)
        first = [r.call_id for r in parse("\n".join(lines) + "\n")]
        again = [r.call_id for r in parse("\r\n".join(lines) + "\r\n")]
        self.assertEqual(first, again)
        self.assertEqual(len(set(first)), 4)
        changed = parse(ast_line(uniqueid="1705323600.100", billsec="119") + "\n")
        self.assertNotIn(changed[0].call_id, first)


class TestCallMyWay(BaseCase):
    ITEM = {
        "callid": "cmw-1",
        "account_id": "8123",
        "endpoint_id": "EP-5",
        "ani": "1130001234",
        "dnis": "21987654321",
        "detect_time": "2024-01-15 10:00:00",
        "connect_time": "2024-01-15 10:00:10",
        "duration": "90",
        "cost": "0.35",
        "access_fee": "0.05",
        "rate": "0.2",
        "route_pattern": "5521",
        "route_name": "Brasil Movil Rio",
        "type": "out",
    }

    def test_answered_call(self):
        rec = callmyway_cdr.from_callmyway(self.ITEM, "America/Sao_Paulo", "BR", "11")
        self.assertEqual(rec.call_id, "cmw-1")
        self.assertEqual(rec.detect_time, datetime(2024, 1, 15, 13, 0, 0))
        self.assertEqual(rec.connect_time, datetime(2024, 1, 15, 13, 0, 10))
        self.assertEqual(rec.disconnect_time, datetime(2024, 1, 15, 13, 1, 40))
        self.assertEqual((rec.duration, rec.billsec), (100, 90))
        self.assertEqual(rec.disposition, "answered")
        self.assertEqual(
            (rec.ani_e164, rec.dnis_e164), ("+551130001234", "+5521987654321")
        )
        self.assertEqual((rec.cost, rec.access_fee, rec.rate), (0.35, 0.05, 0.2))
        self.assertEqual((rec.account_code, rec.terminal), ("8123", "EP-5"))
        self.assertEqual(json.loads(rec.raw), self.ITEM)

    def test_connect_time_1970_means_not_connected(self):
        item = dict(self.ITEM, connect_time="1970-01-01 00:00:00", duration="25")
        rec = callmyway_cdr.from_callmyway(item, "America/Sao_Paulo", "BR", "11")
        self.assertIsNone(rec.connect_time)
        self.assertEqual(rec.disposition, "no_answer")
        self.assertEqual((rec.duration, rec.billsec), (25, 0))
        self.assertEqual(rec.disconnect_time, datetime(2024, 1, 15, 13, 0, 25))

    def test_direction_without_type_and_webhook_times(self):
        item = dict(self.ITEM, dnis_user="agent1", ani="021987654321", dnis="EP-5")
        del item["type"]
        item["disconnect_time"] = "2024-01-15 10:02:00"
        rec = callmyway_cdr.from_callmyway(item, "America/Sao_Paulo", "BR", "11")
        self.assertEqual(rec.direction, "in")
        self.assertEqual(rec.ani_e164, "+5521987654321")
        self.assertEqual(rec.disconnect_time, datetime(2024, 1, 15, 13, 2, 0))
        self.assertEqual((rec.duration, rec.billsec), (120, 90))

    def test_rejections(self):
        for change, reason in (
            ({"callid": ""}, "missing callid"),
            ({"detect_time": "15/01/2024"}, "unreadable detect_time"),
            ({"duration": "-3"}, "negative duration"),
            ({"cost": "abc"}, "cost is not a number"),
        ):
            with self.subTest(reason=reason):
                result = callmyway_cdr.from_callmyway(
                    dict(self.ITEM, **change), "UTC", "BR", "11"
                )
                self.assertIsInstance(result, cdr.Rejection)
                self.assertIn(reason, result.reason)


class TestNumbersAndHelpers(BaseCase):
    def test_normalise_number(self):
        self.assertEqual(cdr.normalise_number("34567890", "BR", "11"), "+551134567890")
        self.assertEqual(cdr.normalise_number("(21) 3456-7890"), "+552134567890")
        self.assertEqual(cdr.normalise_number("192"), "192")
        self.assertEqual(cdr.normalise_number("Anonymous"), "")
        self.assertEqual(cdr.normalise_number("12"), "")

    def test_checksum(self):
        data = b"x" * 3_000_000
        self.assertEqual(
            cdr.checksum(io.BytesIO(data), chunk_size=65536),
            hashlib.sha256(data).hexdigest(),
        )

    def test_generated_master_csv_parses_cleanly(self):
        stream = io.BytesIO()
        self.assertEqual(cdr_fixtures.generate_master_csv(stream, 3000, seed=5), 3000)
        data = stream.getvalue()
        again = io.BytesIO()
        cdr_fixtures.generate_master_csv(again, 3000, seed=5)
        self.assertEqual(again.getvalue(), data)
        recs = parse(data)
        self.assertEqual(len(recs), 3000)
        self.assertTrue(all(isinstance(r, cdr.CdrRecord) for r in recs))
        self.assertEqual(
            {r.disposition for r in recs}, {"answered", "no_answer", "busy", "failed"}
        )
        self.assertEqual({r.direction for r in recs}, {"in", "out"})
        outbound = [r for r in recs if r.direction == "out"]
        self.assertTrue(all(r.ani_e164.startswith("+5511") for r in outbound))
        valid = sum(1 for r in outbound if r.dnis_e164)
        self.assertGreater(valid, 0.9 * len(outbound))
        self.assertEqual(len({r.call_id for r in recs}), 3000)

    def test_reads_lazily(self):
        stream = io.BytesIO()
        cdr_fixtures.generate_master_csv(stream, 30000, seed=2)
        size = stream.tell()
        stream.seek(0)
        records = cdr.iter_file(stream, "asterisk_master_csv")
        for _ in range(250):
            next(records)
        self.assertLess(stream.tell(), size / 2)
        records.close()
        self.assertFalse(stream.closed)
