"""The hash-chained audit log's logic, over any database: appending, verifying, failing closed.

Every trust verdict, approval, rejection and execution is appended as one entry::

    hash = sha256_hex(canonical_json({"seq", "at", "kind", "run_id", "payload", "prev_hash"}))

with ``prev_hash`` the previous entry's hash (``GENESIS_HASH`` for the first). A separate
one-row head records the last ``seq`` and ``hash``, so removing the newest entries is detected
too. :meth:`AuditChain.verify` reports edited, reordered and removed entries. The chain is
tamper-evident, not tamper-proof: someone who can rewrite the whole database can rebuild it.
Copy ``head()`` somewhere else (a ticket, a log shipper) to anchor it.

An adapter supplies three primitives: append rows after the head in one serialised
transaction (:meth:`AuditChain._append_rows`), read the head and the rows from a ``seq`` in one
consistent snapshot (:meth:`AuditChain._snapshot`), and :meth:`AuditChain.entries`.

**Fail closed.** :meth:`AuditChain.check` tells whether the chain may be trusted: the first call
(per object, i.e. per engine) verifies the whole chain, later calls only the entries appended
since (by any process) and that the entry verified last is unchanged. A chain found broken stays
broken for that object: the trust node denies every mutation with :meth:`AuditChain.refusal` as
the reason (reads still run), and nothing more is appended to it, until someone investigates
(``openclaw audit verify``) and restarts.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from typing import Any

from openclaw.approvals.digest import canonical_json, iso_utc
from openclaw.errors import StoreError
from openclaw.storage.records import GENESIS_HASH, AuditEntry

log = logging.getLogger("openclaw.audit")

Row = tuple[Any, ...]
"""``(seq, at, kind, run_id, payload_json, prev_hash, hash)``."""
Prepared = tuple[str, str | None, dict[str, Any], str]
"""``(kind, run_id, payload, payload_json)`` of an entry about to be appended."""


class AuditChain:
    """The audit log's behaviour; subclasses store the rows."""

    where = "the audit log"
    """Where the chain lives, for messages (a file path, a database URL without its password)."""
    verify_command = "openclaw audit verify"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._verified: tuple[int, str] | None = None
        """(seq, hash) of the last entry this object has verified, with everything before it; None: not yet."""
        self._broken: tuple[str, ...] = ()
        """The problems found; once set, the chain is treated as broken until a new object is made."""

    # --- what an adapter supplies --------------------------------------------------------------

    def _append_rows(self, prepared: list[Prepared], stamp: str) -> tuple[tuple[int, str], list[AuditEntry]]:
        """In one transaction serialised against every other appender: read the head, insert the entries
        after it, move the head. Returns the head before, and the entries as written."""
        raise NotImplementedError

    def _snapshot(self, from_seq: int) -> tuple[Row | None, list[Row]]:
        """The head record ``(seq, hash)`` (None when there is none) and the entries with ``seq >= from_seq``
        in ``seq`` order, read in one consistent snapshot."""
        raise NotImplementedError

    def entries(self, run_id: str | None = None) -> list[AuditEntry]:
        """All entries in ``seq`` order, or only those of ``run_id``."""
        raise NotImplementedError

    def head(self) -> tuple[int, str]:
        """(last seq, last hash) as recorded in the head; (0, GENESIS_HASH) when empty."""
        head, _ = self._snapshot(1 << 62)
        return (head[0], head[1]) if head else (0, GENESIS_HASH)

    # --- appending -----------------------------------------------------------------------------

    def append(self, kind: str, run_id: str | None, payload: dict[str, Any], *,
               at: datetime | None = None) -> AuditEntry | None:
        """Append one entry and move the head; returns it (None: not appended, the chain is broken).
        ``payload`` must be JSON (no NaN)."""
        appended = self.append_many([(kind, run_id, payload)], at=at)
        return appended[0] if appended else None

    def append_many(
        self, items: list[tuple[str, str | None, dict[str, Any]]], *, at: datetime | None = None
    ) -> list[AuditEntry]:
        """Append several ``(kind, run_id, payload)`` entries in one transaction.

        Nothing is appended to a chain :meth:`check` finds broken: the entries are dropped (logged) and
        ``[]`` is returned; the run record still says what happened."""
        if not items:
            return []
        if self.check():
            log.warning("audit log %s is broken: %d entr%s not appended (%s); run `%s`",
                        self.where, len(items), "y" if len(items) == 1 else "ies",
                        ", ".join(sorted({kind for kind, _, _ in items})), self.verify_command)
            return []
        prepared: list[Prepared] = []
        for kind, run_id, payload in items:
            if not kind or not isinstance(kind, str):
                raise ValueError("audit entry kind must be a non-empty string")
            encoded = canonical_json(payload)
            prepared.append((kind, run_id, json.loads(encoded), encoded.decode("utf-8")))
        start, out = self._append_rows(prepared, iso_utc(at or datetime.now(UTC)))
        with self._lock:
            if self._verified == start and out:  # our own entries extend the verified chain
                self._verified = (out[-1].seq, out[-1].hash)
        return out

    # --- verifying -----------------------------------------------------------------------------

    def verify(self) -> list[str]:
        """One line per problem found in the chain; an empty list means intact."""
        head, rows = self._snapshot(0)
        return self._problems(rows, head)

    def check(self) -> tuple[str, ...]:
        """The chain's problems, ``()`` while it is intact; cheap after the first call.

        The first call verifies every entry. Later calls verify the entry verified last (unchanged?),
        the entries appended since by any process, and the head record. Edits further back are found
        by the next engine's first check and by ``openclaw audit verify``. A broken chain stays broken
        for this object."""
        with self._lock:
            if self._broken:
                return self._broken
            verified = self._verified
        problems, mark = self._verify_from(*(verified or (0, GENESIS_HASH)))
        with self._lock:
            if problems:
                if not self._broken:
                    log.error("audit log %s is broken: %s; mutations are refused", self.where, problems[0])
                self._broken = tuple(problems)
                return self._broken
            if self._verified == verified:
                self._verified = mark
            return ()

    def refusal(self) -> str | None:
        """Why mutations are refused (one line naming the first problem and how to investigate), or None."""
        problems = self.check()
        if not problems:
            return None
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return (f"the audit log is broken: {problems[0]}{more}; mutations are refused until it is investigated "
                f"(run `{self.verify_command}`, then restore the log and restart)")

    def _verify_from(self, seq: int, digest: str) -> tuple[list[str], tuple[int, str]]:
        """Problems in the entries after ``(seq, digest)`` (already verified), and the new verified mark."""
        head, rows = self._snapshot(seq)
        problems: list[str] = []
        if seq:
            anchor, rows = (rows[0], rows[1:]) if rows and rows[0][0] == seq else (None, rows)
            if anchor is None or anchor[6] != digest:
                problems.append(f"entry {seq}: changed or removed since it was verified")
            else:
                try:
                    if self._entry(anchor).expected_hash() != digest:
                        problems.append(f"entry {seq} ({anchor[2]}): content does not match its hash: it was edited")
                except StoreError as exc:
                    problems.append(str(exc))
        problems += self._problems(rows, head, first_seq=seq + 1, prev=digest)
        last = (rows[-1][0], rows[-1][6]) if rows else (seq, digest)
        return problems, last

    def _problems(self, rows: list[Row], head: Row | None, *, first_seq: int = 1,
                  prev: str = GENESIS_HASH) -> list[str]:
        """What is wrong with ``rows`` (entries from ``first_seq`` on, the one before hashing to ``prev``)
        and the head record."""
        problems: list[str] = []
        expected_seq = first_seq
        for row in rows:
            try:
                entry = self._entry(row)
            except StoreError as exc:
                problems.append(str(exc))
                expected_seq, prev = row[0] + 1, row[6]
                continue
            if entry.seq != expected_seq:
                missing = f"{expected_seq}" if entry.seq == expected_seq + 1 else f"{expected_seq}-{entry.seq - 1}"
                problems.append(
                    f"entry {missing} removed: the log jumps from seq {expected_seq - 1} to {entry.seq}"
                    if entry.seq > expected_seq
                    else f"entry {entry.seq}: out of order after seq {expected_seq - 1}"
                )
            if entry.prev_hash != prev:
                problems.append(
                    f"entry {entry.seq}: prev_hash {entry.prev_hash[:12]}... does not match the hash of the entry "
                    f"before it ({prev[:12]}...): entries were removed, inserted or reordered"
                )
            if entry.hash != entry.expected_hash():
                problems.append(f"entry {entry.seq} ({entry.kind}): content does not match its hash: it was edited")
            expected_seq, prev = entry.seq + 1, entry.hash
        last_seq = rows[-1][0] if rows else first_seq - 1
        if head is None:
            if last_seq > 0:
                problems.append(f"head record is missing but the log has {last_seq} entries: it was removed")
        elif head[0] != last_seq or head[1] != prev:
            if head[0] > last_seq:
                problems.append(
                    f"head record says the log ends at seq {head[0]} but the last entry is seq {last_seq}: "
                    "the newest entries were removed"
                )
            else:
                problems.append(
                    f"head record (seq {head[0]}, {head[1][:12]}...) does not match the last entry "
                    f"(seq {last_seq}, {prev[:12]}...): the end of the log was changed"
                )
        return problems

    @staticmethod
    def _entry(row: Row) -> AuditEntry:
        seq, at, kind, run_id, payload, prev_hash, digest = row
        try:
            data = json.loads(payload) if isinstance(payload, str) else payload
        except (TypeError, ValueError) as exc:
            raise StoreError(f"entry {seq}: payload is not JSON: it was edited") from exc
        return AuditEntry(seq, at, kind, run_id, data, prev_hash, digest)
