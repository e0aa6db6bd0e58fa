"""Whether the devserver's NATS is stuck on a disk that was full and has room again.

nats-server (2.x, the wheel's) keeps a stream's failed write of its JetStream file store: once a
write of a stream's message block met a full disk («no space left on device»), every later
write to that stream fails the same way after space came back, until the server is restarted
(examiner-outage, `make run` on a filled tmpfs: four minutes of 201s with no event reaching
reporting, and the watermarks a finalisation waits for refused alike). Restarted with the same
store, it writes again and the relays publish what their outboxes held, once each.

The sign read here is that error logged while the store's file system has room: a line read
after `SETTLE_S` of room is one NATS wrote with room (the log is read every half second).
Only the devserver's own NATS is watched so: it writes its log to a file the devserver
names; a configured NATS (production's cluster) is the operators' (docs/reliability.md).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

NO_SPACE = "no space left on device"
# Room enough that a message block's write does not fail again at once.
ROOM_BYTES = 16 << 20
# A line read this long after the room was first seen was written with room.
SETTLE_S = 2.0
# At most this much of new log is read per look (NATS logs a line per refused write).
READ_AT_MOST = 1 << 20


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


class FullDiskWatch:
    """Reads the new lines of NATS's log at each look and says when it refused a write for
    lack of space while its store's file system had room."""

    def __init__(self, log_file: Path, store_dir: Path,
                 free: Callable[[Path], int] = free_bytes) -> None:
        self.log_file, self.store_dir, self.free = log_file, store_dir, free
        self.offset = 0
        self.room_since: float | None = None
        self.skip_to_end()

    def skip_to_end(self) -> None:
        """What the log holds so far is not looked at (a stopped server's last lines)."""
        try:
            self.offset = self.log_file.stat().st_size
        except OSError:
            self.offset = 0

    def _new_text(self) -> str:
        try:
            with open(self.log_file, "rb") as log:
                size = log.seek(0, 2)
                if size < self.offset:  # a log truncated or made anew
                    self.offset = 0
                log.seek(self.offset)
                text = log.read(READ_AT_MOST)
                self.offset += len(text)
        except OSError:
            return ""
        return text.decode(errors="replace")

    def stuck(self, now: float) -> bool:
        """True when NATS refused a write for lack of space though the disk had room."""
        refused = NO_SPACE in self._new_text()
        try:
            room = self.free(self.store_dir) >= ROOM_BYTES
        except OSError:
            room = False
        if not room:
            self.room_since = None
            return False
        if self.room_since is None:
            self.room_since = now  # what was read now may have been written before the room
            return False
        return refused and now - self.room_since >= SETTLE_S
