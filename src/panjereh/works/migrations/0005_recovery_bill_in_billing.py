"""An Article 103 recovery's bill is billing's now (the same table: a change of Django's state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0001_initial'),
        ('works', '0004_inspection_after_completion'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay where they are (permits_bill …): only Django's state moves
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='recoverycharge',
                    name='bill',
                    field=models.OneToOneField(blank=True, help_text='the bill the agency pays it with', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='billing.bill'),
                ),
            ],
        ),
    ]
