"""Every API token expires: tokens made before expiry was required get the default
period from today (their owners keep using them until then)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def give_expiry(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    days = getattr(settings, "KINDRED_API_TOKEN_DEFAULT_DAYS", 90)
    ApiToken.objects.filter(expires_at__isnull=True, revoked_at__isnull=True).update(
        expires_at=timezone.now() + timedelta(days=days)
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_user_session_generation")]

    operations = [migrations.RunPython(give_expiry, migrations.RunPython.noop)]
