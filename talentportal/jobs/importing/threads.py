"""The import's helper threads: the checks of the next batch and the sheet's reading ahead."""

from __future__ import annotations

import os
import sys
import threading

from django.conf import settings


def helper_thread() -> None:
    """A helper pool's initializer: the thread gives way (``IMPORT_HELPER_NICE``) to the job's own thread, which
    sends the rows to the database, and to the database's backend writing them. The COPYs run back to back, and
    where the cores are shared, a backend waiting for one is what makes the apply slower than the database alone.

    Linux only, where the nice value is a thread's (elsewhere it is the whole process's, or the thread id names no
    process). The thread ends with its import, and its priority with it."""
    lower = settings.IMPORT_HELPER_NICE
    if lower <= 0 or sys.platform != "linux":
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + lower)
    except OSError:  # a sandbox that refuses it: the thread keeps the job's priority
        pass
