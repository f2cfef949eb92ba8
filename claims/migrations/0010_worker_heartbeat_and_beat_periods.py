"""Articles record the worker running them; job leases record their beat period and count their runs."""

from django.db import migrations, models

SWEEP = "Sweep articles stuck in extraction"


def sweep_every_minute(apps, schema_editor):
    """A dead worker's article is found within a minute or two: sweep every 60 s (only if still at the old 120 s)."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.filter(name=SWEEP, interval__every=120, interval__period="seconds").update(interval=every)


def sweep_every_two_minutes(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=120, period="seconds")
    PeriodicTask.objects.filter(name=SWEEP, interval__every=60, interval__period="seconds").update(interval=every)


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0009_hashed_api_tokens'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='extraction_worker',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='joblease',
            name='period_start',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='joblease',
            name='runs',
            field=models.PositiveIntegerField(default=0, help_text='Runs that took the lease (skipped sends not counted).'),
        ),
        migrations.RunPython(sweep_every_minute, sweep_every_two_minutes),
    ]
