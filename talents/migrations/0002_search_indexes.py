"""PostgreSQL indexes for the registry's free-text search (other databases do without them).

- names from their start: ``LIKE '张伟%'`` → btree with varchar_pattern_ops
- the end of an ID number: ``LIKE '%1234'`` → btree on reverse(id_number)... matched as a prefix of the reverse
- employers and enterprise names anywhere: ``ILIKE '%科技%'`` → trigram GIN (pg_trgm)
"""

from django.db import migrations

STATEMENTS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS talent_name_prefix_idx ON talents_talent (name varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS talent_employer_name_prefix_idx ON talents_talent (employer_name varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS talent_id_suffix_idx ON talents_talent (reverse(id_number) varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS talent_employer_name_trgm_idx ON talents_talent USING gin (upper(employer_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS enterprise_name_trgm_idx ON talents_enterprise USING gin (upper(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS enterprise_name_prefix_idx ON talents_enterprise (name varchar_pattern_ops)",
]
REVERSE = [
    "DROP INDEX IF EXISTS talent_name_prefix_idx",
    "DROP INDEX IF EXISTS talent_employer_name_prefix_idx",
    "DROP INDEX IF EXISTS talent_id_suffix_idx",
    "DROP INDEX IF EXISTS talent_employer_name_trgm_idx",
    "DROP INDEX IF EXISTS enterprise_name_trgm_idx",
    "DROP INDEX IF EXISTS enterprise_name_prefix_idx",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("talents", "0001_initial")]

    operations = [migrations.RunPython(run(STATEMENTS), run(REVERSE))]
