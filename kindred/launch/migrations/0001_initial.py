import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0005_audit_actor_guard"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Launch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("key_hash", models.CharField(blank=True, max_length=128)),
                ("key_issued_at", models.DateTimeField(blank=True, null=True)),
                ("key_used_at", models.DateTimeField(blank=True, null=True)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                (
                    "ecosystem_name",
                    models.CharField(
                        blank=True, max_length=80, verbose_name="ecosystem name"
                    ),
                ),
                (
                    "tagline",
                    models.CharField(
                        blank=True, max_length=160, verbose_name="one-line description"
                    ),
                ),
                ("named_at", models.DateTimeField(blank=True, null=True)),
                ("imported_at", models.DateTimeField(blank=True, null=True)),
                ("invited_at", models.DateTimeField(blank=True, null=True)),
                ("doors_opened_at", models.DateTimeField(blank=True, null=True)),
                ("skipped", models.JSONField(blank=True, default=list)),
                (
                    "region",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="core.region",
                        verbose_name="region",
                    ),
                ),
                (
                    "steward",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "launch",
                "verbose_name_plural": "launches",
            },
        ),
    ]
