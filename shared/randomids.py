"""Random (version 4) UUIDs, drawn from the operating system's generator a block at a time.

`uuid.uuid4()` asks the kernel for 16 bytes at every call (`os.urandom`: a getrandom call
made with the GIL let go). A consumer applies its batch in a worker thread beside the event
loop that parses the next messages, and a live indicators batch makes an event id and a
correlation id for every status it announces: after each of those calls the worker waited to
take the GIL back from the loop (measured in the catch-up after an outage: 5,148 calls, 0.84 s
of a batch's wall time, for 10,000 events). Here one call draws the bytes of 256 ids: the same
source, the same randomness, a 256th of the calls.

Each thread draws its own block (no lock). A process made by fork() starts from a new block:
otherwise parent and child would hand out the same ids from the block they shared.
"""

from __future__ import annotations

import os
import threading
from uuid import UUID, SafeUUID

_BLOCK_BYTES = 16 * 256

_local = threading.local()
# Bumped in a forked child: a block drawn before the fork is not used after it.
_forks = 0


def _forked() -> None:
    global _forks
    _forks += 1


os.register_at_fork(after_in_child=_forked)


# The bits `UUID(bytes=..., version=4)` sets and clears: the variant (RFC 4122) and version 4.
_KEEP = ~((0xC000 << 48) | (0xF000 << 64))
_SET = (0x8000 << 48) | (4 << 76)


def random_uuid() -> UUID:
    """A new random UUID (version 4), as `uuid.uuid4()` makes.

    Built as `UUID.__init__` builds it (the same int, variant and version bits, is_safe
    unknown) without its argument checks, a third of an event's envelope: every command
    makes one per event."""
    local = _local
    try:
        state = local.state
    except AttributeError:
        state = local.state = [b"", 0, -1]
    block, at, forks = state
    if at >= len(block) or forks != _forks:
        block, at = os.urandom(_BLOCK_BYTES), 0
        state[0], state[2] = block, _forks
    state[1] = at + 16
    made = object.__new__(UUID)
    object.__setattr__(made, "int", int.from_bytes(block[at:at + 16], "big") & _KEEP | _SET)
    object.__setattr__(made, "is_safe", SafeUUID.unknown)
    return made
