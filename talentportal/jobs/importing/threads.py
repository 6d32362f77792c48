"""The import's helper threads: the checks of the next batch (on a PostgreSQL apply of its own) and the sheet's parts
built ahead."""

from __future__ import annotations

import os
import sys
import threading

from django.conf import settings


def lower_priority() -> None:
    """A helper pool's initializer: the thread runs ``IMPORT_HELPER_NICE`` steps of CPU priority below the job's own
    threads, which build the COPYs and send them, so that where the import's threads want more cores than there
    are, the rows keep going to the database.

    Linux only, where the nice value is a thread's (elsewhere it is the whole process's, or the thread id names no
    process). It weighs against the threads and processes of the worker's own scheduling group (its session, with
    autogroup; its cgroup): not against PostgreSQL or the web server, which run in groups of their own. The thread
    ends with its import, and its priority with it; the process's main thread is never lowered (a pool of green
    threads runs everything on it)."""
    lower = settings.IMPORT_HELPER_NICE
    if lower <= 0 or sys.platform != "linux":
        return
    thread = threading.get_native_id()
    if thread == os.getpid():
        return
    try:
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + lower)
    except OSError:  # a sandbox that refuses it: the thread keeps the job's priority
        pass
