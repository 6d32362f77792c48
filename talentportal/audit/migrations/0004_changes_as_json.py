from django.db import migrations

import talentportal.audit.models


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_initial")]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="changes",
            field=talentportal.audit.models.LogJSONField(blank=True, default=dict, verbose_name="changes"),
        ),
    ]
