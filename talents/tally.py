"""The triggers that keep ``TalentTally`` equal to a grouped count of the talent table, for PostgreSQL and SQLite.

PostgreSQL runs them once a statement, over the statement's rows (transition tables): an import's bulk upsert of
100,000 talents adds one grouped upsert, not 100,000. SQLite runs them once a row. ``install`` creates them and
fills the tally from the talents already stored; ``rebuild`` recounts it and ``refresh_request_units`` copies the
requests' units again (both: ``manage.py rebuild_tally``).
"""

from __future__ import annotations

from typing import Any

TALLY = "talents_talenttally"
KEY = "org_unit_id, year, tier, category, recruitment_mode"

POSTGRES_YEAR = "EXTRACT(YEAR FROM landed_on)::int"
SQLITE_YEAR = "CAST(strftime('%Y', landed_on) AS INTEGER)"


def _grouped(source: str, year: str) -> str:
    return (
        f"SELECT org_unit_id, {year} AS year, tier, category, recruitment_mode, count(*) AS n FROM {source} "
        "WHERE landed_on IS NOT NULL GROUP BY 1, 2, 3, 4, 5"
    )


POSTGRES_ADD = f"""
INSERT INTO {TALLY} ({KEY}, n) {_grouped("new_rows", POSTGRES_YEAR)} ORDER BY 1, 2, 3, 4, 5
ON CONFLICT ({KEY}) DO UPDATE SET n = {TALLY}.n + EXCLUDED.n;"""

POSTGRES_SUBTRACT = f"""
UPDATE {TALLY} AS t SET n = t.n - gone.n FROM ({_grouped("old_rows", POSTGRES_YEAR)}) AS gone
WHERE t.org_unit_id = gone.org_unit_id AND t.year = gone.year AND t.tier = gone.tier
  AND t.category = gone.category AND t.recruitment_mode = gone.recruitment_mode;
DELETE FROM {TALLY} WHERE n <= 0;"""

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION talents_tally_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {POSTGRES_ADD} RETURN NULL; END $$;""",
    f"""CREATE OR REPLACE FUNCTION talents_tally_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {POSTGRES_SUBTRACT} RETURN NULL; END $$;""",
    f"""CREATE OR REPLACE FUNCTION talents_tally_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {POSTGRES_SUBTRACT} {POSTGRES_ADD} RETURN NULL; END $$;""",
    """CREATE TRIGGER talents_tally_insert AFTER INSERT ON talents_talent REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION talents_tally_insert();""",
    """CREATE TRIGGER talents_tally_delete AFTER DELETE ON talents_talent REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION talents_tally_delete();""",
    """CREATE TRIGGER talents_tally_update AFTER UPDATE ON talents_talent
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION talents_tally_update();""",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS talents_tally_insert ON talents_talent;",
    "DROP TRIGGER IF EXISTS talents_tally_delete ON talents_talent;",
    "DROP TRIGGER IF EXISTS talents_tally_update ON talents_talent;",
    "DROP FUNCTION IF EXISTS talents_tally_insert();",
    "DROP FUNCTION IF EXISTS talents_tally_delete();",
    "DROP FUNCTION IF EXISTS talents_tally_update();",
]


def _sqlite_add(row: str) -> str:
    year = SQLITE_YEAR.replace("landed_on", f"{row}.landed_on")
    return (
        f"INSERT INTO {TALLY} ({KEY}, n) SELECT {row}.org_unit_id, {year}, {row}.tier, {row}.category, "
        f"{row}.recruitment_mode, 1 WHERE {row}.landed_on IS NOT NULL "
        f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;"
    )


def _sqlite_subtract(row: str) -> str:
    year = SQLITE_YEAR.replace("landed_on", f"{row}.landed_on")
    match = (
        f"org_unit_id = {row}.org_unit_id AND year = {year} AND tier = {row}.tier "
        f"AND category = {row}.category AND recruitment_mode = {row}.recruitment_mode"
    )
    return f"UPDATE {TALLY} SET n = n - 1 WHERE {match}; DELETE FROM {TALLY} WHERE {match} AND n <= 0;"


SQLITE = [
    f"CREATE TRIGGER talents_tally_insert AFTER INSERT ON talents_talent BEGIN {_sqlite_add('NEW')} END;",
    f"CREATE TRIGGER talents_tally_delete AFTER DELETE ON talents_talent BEGIN {_sqlite_subtract('OLD')} END;",
    "CREATE TRIGGER talents_tally_update AFTER UPDATE OF org_unit_id, landed_on, tier, category, recruitment_mode "
    f"ON talents_talent BEGIN {_sqlite_subtract('OLD')} {_sqlite_add('NEW')} END;",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS talents_tally_insert;",
    "DROP TRIGGER IF EXISTS talents_tally_delete;",
    "DROP TRIGGER IF EXISTS talents_tally_update;",
]


def _year(vendor: str) -> str:
    return POSTGRES_YEAR if vendor == "postgresql" else SQLITE_YEAR


def rebuild(connection: Any) -> None:
    """Recount the tally from the talent table (inside the caller's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TALLY}")
        cursor.execute(f"INSERT INTO {TALLY} ({KEY}, n) {_grouped('talents_talent', _year(connection.vendor))}")


def _execute(connection: Any, postgres: list[str], sqlite: list[str]) -> None:
    """Run the statements written for the connection's database."""
    with connection.cursor() as cursor:
        for statement in postgres if connection.vendor == "postgresql" else sqlite:
            cursor.execute(statement)


def install(connection: Any) -> None:
    _execute(connection, POSTGRES, SQLITE)
    rebuild(connection)


def uninstall(connection: Any) -> None:
    _execute(connection, POSTGRES_DROP, SQLITE_DROP)


# A service request's copy of its talent's unit (``ServiceRequest.talent_unit``): set from the talent when the
# request is stored or moved to another talent, and changed with the talent's unit.
REQUESTS = "talents_servicerequest"
TALENT_UNIT = "(SELECT org_unit_id FROM talents_talent WHERE id = NEW.talent_id)"

POSTGRES_REQUESTS = [
    f"""CREATE OR REPLACE FUNCTION talents_request_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.talent_unit_id := {TALENT_UNIT}; RETURN NEW; END $$;""",
    f"""CREATE OR REPLACE FUNCTION talents_request_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE {REQUESTS} SET talent_unit_id = NEW.org_unit_id WHERE talent_id = NEW.id; RETURN NULL; END $$;""",
    f"""CREATE TRIGGER talents_request_unit BEFORE INSERT OR UPDATE OF talent_id, talent_unit_id ON {REQUESTS}
FOR EACH ROW EXECUTE FUNCTION talents_request_unit();""",
    """CREATE TRIGGER talents_request_follow AFTER UPDATE OF org_unit_id ON talents_talent FOR EACH ROW
WHEN (OLD.org_unit_id IS DISTINCT FROM NEW.org_unit_id) EXECUTE FUNCTION talents_request_follow();""",
]
POSTGRES_REQUESTS_DROP = [
    f"DROP TRIGGER IF EXISTS talents_request_unit ON {REQUESTS};",
    "DROP TRIGGER IF EXISTS talents_request_follow ON talents_talent;",
    "DROP FUNCTION IF EXISTS talents_request_unit();",
    "DROP FUNCTION IF EXISTS talents_request_follow();",
]
SQLITE_REQUESTS = [
    f"""CREATE TRIGGER talents_request_unit_insert AFTER INSERT ON {REQUESTS} BEGIN
UPDATE {REQUESTS} SET talent_unit_id = {TALENT_UNIT} WHERE id = NEW.id; END;""",
    f"""CREATE TRIGGER talents_request_unit_update AFTER UPDATE OF talent_id, talent_unit_id ON {REQUESTS} BEGIN
UPDATE {REQUESTS} SET talent_unit_id = {TALENT_UNIT} WHERE id = NEW.id AND talent_unit_id IS NOT {TALENT_UNIT}; END;""",
    f"""CREATE TRIGGER talents_request_follow AFTER UPDATE OF org_unit_id ON talents_talent
WHEN OLD.org_unit_id IS NOT NEW.org_unit_id BEGIN
UPDATE {REQUESTS} SET talent_unit_id = NEW.org_unit_id WHERE talent_id = NEW.id; END;""",
]
SQLITE_REQUESTS_DROP = [
    "DROP TRIGGER IF EXISTS talents_request_unit_insert;",
    "DROP TRIGGER IF EXISTS talents_request_unit_update;",
    "DROP TRIGGER IF EXISTS talents_request_follow;",
]


def refresh_request_units(connection: Any) -> None:
    """Copy every request's talent's unit again (inside the caller's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {REQUESTS} SET talent_unit_id = "
            f"(SELECT org_unit_id FROM talents_talent WHERE talents_talent.id = {REQUESTS}.talent_id)"
        )


def install_request_units(connection: Any) -> None:
    _execute(connection, POSTGRES_REQUESTS, SQLITE_REQUESTS)
    refresh_request_units(connection)


def uninstall_request_units(connection: Any) -> None:
    _execute(connection, POSTGRES_REQUESTS_DROP, SQLITE_REQUESTS_DROP)
