import uuid

from django.db import migrations


def give_records(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    OrganisationRecord = apps.get_model("directory", "OrganisationRecord")
    known = set(OrganisationRecord.objects.values_list("organisation_id", flat=True))
    OrganisationRecord.objects.bulk_create(
        OrganisationRecord(organisation_id=pk, hsds_id=uuid.uuid4())
        for pk in Organisation.objects.values_list("pk", flat=True)
        if pk not in known
    )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(give_records, migrations.RunPython.noop)]
