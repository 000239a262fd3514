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
passes from writer to writer without idle gaps and nobody starves. The timeout
is the database's: past it, the same "database is locked" error as before. An
in-memory database (the tests) has nobody to queue with and skips all this.
"""

from __future__ import annotations

import fcntl
import os
import time

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

POLL_SECONDS = 0.001


class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd: int | None = None
    _queued = False

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        self._close_queue()
        if not self.is_in_memory_db():
            self._queue_fd = os.open(
                f"{self.settings_dict['NAME']}.writers", os.O_RDWR | os.O_CREAT, 0o600
            )
        return connection

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
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self._queue_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError("database is locked") from None
                time.sleep(POLL_SECONDS)
            else:
                self._queued = True
                return

    def _leave_queue(self) -> None:
        if self._queued and self._queue_fd is not None:
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
        self._queued = False

    def _close_queue(self) -> None:
        self._leave_queue()
        if self._queue_fd is not None:
            os.close(self._queue_fd)
            self._queue_fd = None
