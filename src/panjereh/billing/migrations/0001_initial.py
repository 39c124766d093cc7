"""Bills, their lines, payments and the ledger move from the single window to billing, their tables unchanged."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('agencies', '0013_more_names_in_the_catalogue'),
        ('permits', '0019_withdrawn_before_check'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay where they are (permits_bill …): only Django's state moves
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Bill',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('verification_code', models.CharField(blank=True, max_length=32, null=True, unique=True)),
                        ('pdf_file', models.CharField(blank=True, help_text='the PDF as rendered at issue: its name in the default storage', max_length=255)),
                        ('pdf_sha256', models.CharField(blank=True, max_length=64)),
                        ('stage', models.CharField(default='initial', max_length=40)),
                        ('total', models.BigIntegerField()),
                        ('paid', models.BigIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('settled_at', models.DateTimeField(blank=True, null=True)),
                        ('application', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='bills', to='permits.application')),
                        ('payer', models.ForeignKey(blank=True, help_text="the agency that owes this bill (street works), when not an application's", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bills_owed', to='agencies.agency')),
                    ],
                    options={
                        'verbose_name': 'bill',
                        'verbose_name_plural': 'bills',
                        'db_table': 'permits_bill',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='BillLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(help_text='permit, or the service code', max_length=32)),
                        ('description_fa', models.CharField(max_length=200)),
                        ('description_en', models.CharField(max_length=200)),
                        ('amount', models.BigIntegerField()),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                        ('bill', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='billing.bill')),
                    ],
                    options={
                        'db_table': 'permits_billline',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='Payment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('provider', models.CharField(choices=[('cash', 'cash at the counter'), ('gateway', 'bank gateway'), ('transfer', 'bank transfer from an agency')], max_length=10)),
                        ('reference', models.CharField(help_text='cash: the receipt number; card: our order id at the PSP', max_length=64)),
                        ('token', models.CharField(blank=True, help_text="the PSP's token for a card payment", max_length=128)),
                        ('bank_reference', models.CharField(blank=True, help_text="the bank's reference (RRN) once verified", max_length=64)),
                        ('card', models.CharField(blank=True, help_text='the masked card number the PSP reported', max_length=32)),
                        ('amount', models.BigIntegerField()),
                        ('status', models.CharField(choices=[('pending', 'pending'), ('settled', 'settled'), ('failed', 'failed'), ('reversed', 'reversed')], default='pending', max_length=10)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('settled_at', models.DateTimeField(blank=True, null=True)),
                        ('bill', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='billing.bill')),
                        ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'payment',
                        'verbose_name_plural': 'payments',
                        'db_table': 'permits_payment',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='LedgerEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', models.BigIntegerField()),
                        ('booked_at', models.DateTimeField(auto_now_add=True)),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                        ('payment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ledger', to='billing.payment')),
                    ],
                    options={
                        'verbose_name': 'ledger entry',
                        'verbose_name_plural': 'ledger entries',
                        'db_table': 'permits_ledgerentry',
                    },
                ),
                migrations.AddConstraint(
                    model_name='bill',
                    constraint=models.UniqueConstraint(fields=('application', 'stage'), name='one_bill_per_stage'),
                ),
                migrations.AddConstraint(
                    model_name='bill',
                    constraint=models.UniqueConstraint(condition=models.Q(('application__isnull', True)), fields=('payer', 'stage'), name='one_agency_bill_per_stage'),
                ),
                migrations.AddConstraint(
                    model_name='bill',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('application__isnull', True), ('payer__isnull', False)), models.Q(('application__isnull', False), ('payer__isnull', True)), _connector='OR'), name='bill_has_one_payer'),
                ),
                migrations.AddConstraint(
                    model_name='bill',
                    constraint=models.CheckConstraint(condition=models.Q(('paid__gte', 0), ('paid__lte', models.F('total'))), name='bill_paid_within_total'),
                ),
                migrations.AddConstraint(
                    model_name='billline',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='bill_line_not_negative'),
                ),
                migrations.AddConstraint(
                    model_name='payment',
                    constraint=models.UniqueConstraint(fields=('provider', 'reference'), name='unique_payment_reference'),
                ),
                migrations.AddConstraint(
                    model_name='payment',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='payment_positive'),
                ),
                migrations.AddConstraint(
                    model_name='ledgerentry',
                    constraint=models.UniqueConstraint(fields=('payment', 'agency'), name='one_share_per_agency'),
                ),
            ],
        ),
    ]
