"""The ``DATABASE_URL`` of a connection, for processes started beside this one (a worker for a benchmark or a
test) that must use the same database: the test database once it exists, or a benchmark's scratch database."""

from __future__ import annotations

import os
from urllib.parse import quote

from django.db import connection


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{os.path.abspath(db['NAME'])}"
    if connection.vendor != "postgresql":
        raise RuntimeError(f"No DATABASE_URL for a worker on {db['ENGINE']}")
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth + '@' if auth else ''}{host}{port}/{quote(db['NAME'], safe='')}"
