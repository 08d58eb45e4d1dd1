# Copyright 2026 isp_telephony authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""tools/locks.py, the one way the addon locks: namespaces never collide,
keys are ids or texts, a busy lock answers at once (never waits), and every
lock is gone when its transaction ends."""

from contextlib import closing

from odoo.tests import BaseCase, TransactionCase

from ..tools import locks


class _FakeCursor:
    def execute(self, query, params=None):
        raise AssertionError("no query may run")


class TestLockKeysAndNamespaces(BaseCase):
    def test_every_namespace_has_its_own_code_and_name(self):
        spaces = list(locks.REGISTRY.values())
        self.assertEqual(len({s.code for s in spaces}), len(spaces))
        self.assertEqual(len({s.name for s in spaces}), len(spaces))
        for space in spaces:
            self.assertTrue(space.protects)
            self.assertIs(locks.REGISTRY[space.code], space)

    def test_a_namespace_used_twice_is_refused(self):
        before = dict(locks.REGISTRY)
        with self.assertRaisesRegex(ValueError, "collides"):
            locks.namespace(locks.CDR_FILE.code, "another_file_lock", "x")
        with self.assertRaisesRegex(ValueError, "collides"):
            locks.namespace(0x15B100FF, locks.CDR_FILE.name, "x")
        with self.assertRaisesRegex(ValueError, "32-bit"):
            locks.namespace(2**31, "too_big", "x")
        self.assertEqual(locks.REGISTRY, before)

    def test_keys_are_ids_or_texts_hashed_the_same_everywhere(self):
        self.assertEqual(locks.key_of(42), 42)
        self.assertEqual(locks.key_of("7:/srv/cdr/a.csv"), 412369298)
        self.assertEqual(locks.key_of("abc"), 891568578)
        self.assertEqual(locks.key_of("x"), -1931733373)
        for text in ("", "x", "1:/a" * 100, "ção"):
            self.assertTrue(locks.INT4_MIN <= locks.key_of(text) <= locks.INT4_MAX)
        self.assertNotEqual(locks.key_of("1:a.csv"), locks.key_of("1:b.csv"))

    def test_bad_keys_and_unknown_namespaces_are_refused_before_any_query(self):
        cr = _FakeCursor()
        for key, error in ((True, TypeError), (1.5, TypeError), (2**31, ValueError)):
            with self.assertRaises(error):
                locks.try_lock(cr, locks.CDR_FILE, key)
        stranger = locks.Namespace(locks.CDR_FILE.code, "cdr_file", "copy")
        with self.assertRaisesRegex(ValueError, "not a registered"):
            locks.try_lock(cr, stranger, 1)
        with self.assertRaisesRegex(ValueError, "not a registered"):
            locks.try_lock_all(cr, 4701, [1])
        self.assertTrue(locks.try_lock_all(cr, locks.CDR_FILE, []))
        self.assertEqual(locks.try_lock_each(cr, locks.CDR_FILE, []), set())


class TestLocksBetweenTransactions(TransactionCase):
    """Two real connections: what one holds, the other is refused at once."""

    def cursors(self):
        registry = self.env.registry
        return closing(registry.cursor()), closing(registry.cursor())

    def test_a_held_lock_is_refused_at_once_and_freed_by_the_transaction_end(self):
        first, second = self.cursors()
        with first as a, second as b:
            a.execute("SET LOCAL lock_timeout = '1ms'")
            b.execute("SET LOCAL lock_timeout = '1ms'")
            self.assertTrue(locks.try_lock(a, locks.CDR_MATCH, 5))
            # The same transaction takes it again; another one is refused.
            self.assertTrue(locks.try_lock(a, locks.CDR_MATCH, 5))
            self.assertFalse(locks.try_lock(b, locks.CDR_MATCH, 5))
            # Another key or another namespace is another lock.
            self.assertTrue(locks.try_lock(b, locks.CDR_MATCH, 6))
            self.assertTrue(locks.try_lock(b, locks.LINE_PLATFORM, 5))
            a.rollback()
            self.assertTrue(locks.try_lock(b, locks.CDR_MATCH, 5))
            self.assertFalse(locks.try_lock(a, locks.CDR_MATCH, 5))
            b.commit()
            self.assertTrue(locks.try_lock(a, locks.CDR_MATCH, 5))
            a.rollback()

    def test_text_keys(self):
        first, second = self.cursors()
        with first as a, second as b:
            self.assertTrue(locks.try_lock(a, locks.CDR_FILE, "3:/srv/cdr/a.csv"))
            self.assertFalse(locks.try_lock(b, locks.CDR_FILE, "3:/srv/cdr/a.csv"))
            self.assertTrue(locks.try_lock(b, locks.CDR_FILE, "3:/srv/cdr/b.csv"))
            a.rollback()
            b.rollback()

    def test_shared_locks_go_together_and_an_exclusive_one_excludes_them(self):
        first, second = self.cursors()
        with first as a, second as b:
            space = locks.CLOSE_COMPANY
            self.assertTrue(locks.try_lock(a, space, 1, shared=True))
            self.assertTrue(locks.try_lock(b, space, 1, shared=True))
            self.assertFalse(locks.try_lock_all(b, space, [1]))
            a.rollback()
            b.rollback()
            self.assertTrue(locks.try_lock(a, space, 1))
            self.assertFalse(locks.try_lock(b, space, 1, shared=True))
            a.rollback()
            b.rollback()

    def test_all_or_each(self):
        first, second = self.cursors()
        with first as a, second as b:
            space = locks.LINE_RATING
            self.assertTrue(locks.try_lock_all(a, space, [3, 1, 2, 2]))
            self.assertFalse(locks.try_lock_all(b, space, [2, 4]))
            self.assertEqual(locks.try_lock_each(b, space, [1, 5, 6, 3]), {5, 6})
            a.rollback()
            self.assertEqual(locks.try_lock_each(a, space, [1, 4, 5]), {1})
            a.rollback()
            b.rollback()
