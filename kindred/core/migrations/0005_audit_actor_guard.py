"""Replace the audit trail's append-only trigger so it also guards `actor_id`:
the hashed columns refuse any change and `actor_id` may only become NULL (erasing
or deleting the actor). Before, anyone with UPDATE could rewrite who acted."""

from django.db import migrations

TABLE = "core_auditentry"
NAME = f"{TABLE}_append_only"
HASHED = [
    "at",
    "actor_key",
    "action",
    "object_type",
    "object_id",
    "detail",
    "prev_hash",
    "hash",
]
NULL_ONLY = ["actor_id"]

FUNCTION = (
    "CREATE OR REPLACE FUNCTION kindred_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
    "'% is append-only', TG_TABLE_NAME; END; $$;"
)


def _create(schema_editor, protected, null_only):
    vendor = schema_editor.connection.vendor
    cols = ", ".join(protected + null_only)
    differs = "IS NOT" if vendor == "sqlite" else "IS DISTINCT FROM"
    when = " OR ".join(
        [f"NEW.{c} {differs} OLD.{c}" for c in protected]
        + [f"(NEW.{c} IS NOT NULL AND NEW.{c} {differs} OLD.{c})" for c in null_only]
    )
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME};")
        schema_editor.execute(
            f"CREATE TRIGGER {NAME} BEFORE UPDATE OF {cols} ON {TABLE} "
            f"FOR EACH ROW WHEN {when} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(FUNCTION, None)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE};", None)
        schema_editor.execute(
            f"CREATE TRIGGER {NAME} BEFORE UPDATE OF {cols} ON {TABLE} "
            f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION kindred_append_only();",
            None,
        )


def forwards(apps, schema_editor):
    _create(schema_editor, HASHED, NULL_ONLY)


def backwards(apps, schema_editor):
    """The trigger of 0004: UPDATE of the hashed columns refused, actor free."""
    vendor = schema_editor.connection.vendor
    cols = ", ".join(HASHED)
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME};")
        schema_editor.execute(
            f"CREATE TRIGGER {NAME} BEFORE UPDATE OF {cols} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(FUNCTION, None)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE};", None)
        schema_editor.execute(
            f"CREATE TRIGGER {NAME} BEFORE UPDATE OF {cols} ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION kindred_append_only();",
            None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_hash_chain"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
