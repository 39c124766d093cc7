"""Bills, their lines, payments and the ledger leave the single window's state for billing's (billing 0001);
the tables and their rows stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('permits', '0019_withdrawn_before_check'),
        ('works', '0005_recovery_bill_in_billing'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay where they are (permits_bill …): only Django's state moves
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='billline',
                    name='bill',
                ),
                migrations.RemoveField(
                    model_name='payment',
                    name='bill',
                ),
                migrations.RemoveField(
                    model_name='billline',
                    name='agency',
                ),
                migrations.RemoveField(
                    model_name='ledgerentry',
                    name='agency',
                ),
                migrations.RemoveField(
                    model_name='ledgerentry',
                    name='payment',
                ),
                migrations.RemoveField(
                    model_name='payment',
                    name='recorded_by',
                ),
                migrations.DeleteModel(
                    name='Bill',
                ),
                migrations.DeleteModel(
                    name='BillLine',
                ),
                migrations.DeleteModel(
                    name='LedgerEntry',
                ),
                migrations.DeleteModel(
                    name='Payment',
                ),
            ],
        ),
    ]
