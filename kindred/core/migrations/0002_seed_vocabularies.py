from django.db import migrations
from django.utils.text import slugify


def seed(apps, schema_editor):
    from kindred.core.vocabulary import REGIONS, SECTORS, TOPICS

    Topic = apps.get_model("core", "Topic")
    Region = apps.get_model("core", "Region")
    Sector = apps.get_model("core", "Sector")
    for broad, narrower in TOPICS.items():
        parent, _ = Topic.objects.get_or_create(
            slug=slugify(broad), defaults={"name": broad}
        )
        for name in narrower:
            Topic.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "parent": parent}
            )
    for name in REGIONS:
        Region.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    for name in SECTORS:
        Sector.objects.get_or_create(slug=slugify(name), defaults={"name": name})


def unseed(apps, schema_editor):
    """Leave the terms: records may refer to them."""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
