"""Replace the append-only triggers of the consent ledger and the access log so
they guard every recorded column: to whom (organisation_name) and where shown
(label, url) refuse any change, and the links that erasure or a deletion empties
(organisation_id, recorded_by_id, content_type_id, actor_id) may only become
NULL. Before, the recipient of a consent and who viewed a record could be
rewritten."""

from django.db import migrations

FUNCTION = (
    "CREATE OR REPLACE FUNCTION kindred_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
    "'% is append-only', TG_TABLE_NAME; END; $$;"
)

LEDGER = "consents_consentrecord"
LEDGER_BEFORE = [
    "person_id",
    "scope",
    "purpose",
    "expires_on",
    "method",
    "notice_version",
    "action",
    "at",
    "object_id",
    "given_id",
]
LEDGER_NULL_ONLY = ["organisation_id", "recorded_by_id", "content_type_id"]

LOG = "consents_accessentry"
LOG_BEFORE = ["person_id", "action", "kind", "object_id", "at", "hour"]
LOG_NULL_ONLY = ["actor_id", "organisation_id"]


def _create(schema_editor, table, protected, null_only=()):
    """A trigger refusing any change of `protected` and any change of
    `null_only` but to NULL (without `null_only`: any UPDATE of `protected`)."""
    name = f"{table}_append_only"
    vendor = schema_editor.connection.vendor
    null_only = list(null_only)
    cols = ", ".join(protected + null_only)
    differs = "IS NOT" if vendor == "sqlite" else "IS DISTINCT FROM"
    when = " OR ".join(
        [f"NEW.{c} {differs} OLD.{c}" for c in protected]
        + [f"(NEW.{c} IS NOT NULL AND NEW.{c} {differs} OLD.{c})" for c in null_only]
    )
    if vendor == "sqlite":
        condition = f"FOR EACH ROW WHEN {when} " if null_only else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")
        schema_editor.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE OF {cols} ON {table} {condition}"
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
        )
    elif vendor == "postgresql":
        condition = f"WHEN ({when}) " if null_only else ""
        schema_editor.execute(FUNCTION, None)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};", None)
        schema_editor.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE OF {cols} ON {table} "
            f"FOR EACH ROW {condition}EXECUTE FUNCTION kindred_append_only();",
            None,
        )


def forwards(apps, schema_editor):
    _create(
        schema_editor, LEDGER, [*LEDGER_BEFORE, "organisation_name"], LEDGER_NULL_ONLY
    )
    _create(schema_editor, LOG, [*LOG_BEFORE, "label", "url"], LOG_NULL_ONLY)


def backwards(apps, schema_editor):
    _create(schema_editor, LEDGER, LEDGER_BEFORE)
    _create(schema_editor, LOG, LOG_BEFORE)


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
