"""SQLite whose write transactions queue up across processes instead of racing.

SQLite lets one writer in at a time. A connection that finds the write lock taken
polls it, sleeping up to 100 ms between tries, and gives up with "database is
locked" after the busy timeout. Under sustained writing (web processes and the
worker together on a loaded machine) a waiter can lose every poll for the whole
timeout while nobody holds the lock for long: measured, a writer starved for 20 s
while no transaction held the lock over 2 s.

So before `BEGIN IMMEDIATE` (every atomic block; settings make all of them
write transactions) each connection takes an exclusive `flock` on a file next to
the database, and releases it at commit or rollback. A waiter tries it every
millisecond, a hundred times as often as SQLite's own polling, so the lock
passes from writer to writer without idle gaps. A waiter also holds a shared lock
on a second file while it waits; a writer that releases the queue while someone
waits steps aside for a few milliseconds before its next transaction, so a
process writing in a tight loop cannot take the lock straight back every time.
A write outside any transaction (a lone INSERT, UPDATE or DELETE in autocommit
mode) queues the same way for its one statement, or the queued writers, passing
the lock without gaps, would starve it instead. The timeout is the database's:
past it, the same "database is locked" error as before. An in-memory database
has nobody to queue with and skips all this.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

POLL_SECONDS = 0.001
#: How long a writer that just left the queue, with others waiting, steps aside.
STEP_ASIDE_SECONDS = 0.005


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class QueuedCursor(base.SQLiteCursorWrapper):
    """Queues a write statement run outside a transaction."""

    database: DatabaseWrapper

    def execute(self, query, params=None):
        with self.database.queued_statement(query):
            return super().execute(query, params)

    def executemany(self, query, param_list):
        with self.database.queued_statement(query):
            return super().executemany(query, param_list)


class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd: int | None = None
    _waiting_fd: int | None = None
    _queued = False
    _step_aside_until = 0.0

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        self._close_queue()
        if not self.is_in_memory_db():
            name = self.settings_dict["NAME"]
            flags = os.O_RDWR | os.O_CREAT
            self._queue_fd = os.open(f"{name}.writers", flags, 0o600)
            self._waiting_fd = os.open(f"{name}.waiting", flags, 0o600)
        return connection

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=QueuedCursor)
        cursor.database = self
        return cursor

    @contextmanager
    def queued_statement(self, query: str) -> Iterator[None]:
        alone = (
            self._queue_fd is not None
            and not self._queued
            and not self.in_atomic_block
            and query.lstrip()[:7].upper().startswith(WRITES)
        )
        if not alone:
            yield
            return
        self._join_queue()
        try:
            yield
        finally:
            self._leave_queue()

    def _start_transaction_under_autocommit(self):
        self._join_queue()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._leave_queue()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._close_queue()

    def _join_queue(self) -> None:
        if self._queue_fd is None or self._queued:
            return
        pause = self._step_aside_until - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + timeout
        waiting = False
        try:
            while True:
                try:
                    fcntl.flock(self._queue_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise OperationalError("database is locked") from None
                    if not waiting and self._waiting_fd is not None:
                        fcntl.flock(self._waiting_fd, fcntl.LOCK_SH)
                        waiting = True
                    time.sleep(POLL_SECONDS)
                else:
                    self._queued = True
                    return
        finally:
            if waiting and self._waiting_fd is not None:
                fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)

    def _leave_queue(self) -> None:
        if self._queued and self._queue_fd is not None:
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
            if self._others_wait():
                self._step_aside_until = time.monotonic() + STEP_ASIDE_SECONDS
        self._queued = False

    def _others_wait(self) -> bool:
        """True if another connection is waiting for the queue right now."""
        if self._waiting_fd is None:
            return False
        try:
            fcntl.flock(self._waiting_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)
        return False

    def _close_queue(self) -> None:
        self._leave_queue()
        for fd in (self._queue_fd, self._waiting_fd):
            if fd is not None:
                os.close(fd)
        self._queue_fd = self._waiting_fd = None
