"""A server whose every training slot is taken, as when a class fills it."""

import contextlib

from core import limits


@contextlib.contextmanager
def every_slot_taken():
    """Hold every slot of the server's shared set (classmates training) inside the block."""
    with contextlib.ExitStack() as stack:
        for _ in range(limits.SLOTS.size):
            assert stack.enter_context(limits.SLOTS.hold())
        yield
