"""A server whose every training slot is taken, as when a class fills it."""

import contextlib

from serving.slots import SLOTS


@contextlib.contextmanager
def every_slot_taken():
    """Hold every slot of the server's shared set (classmates training) inside the block."""
    with contextlib.ExitStack() as stack:
        for _ in range(SLOTS.size):
            assert stack.enter_context(SLOTS.hold())
        yield
