from django.db import migrations


def seed(apps, schema_editor):
    from kindred.core import vocabulary

    vocabulary.seed(
        apps.get_model("core", "Topic"),
        apps.get_model("core", "Region"),
        apps.get_model("core", "Sector"),
    )


def unseed(apps, schema_editor):
    """Leave the terms: records may refer to them."""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
