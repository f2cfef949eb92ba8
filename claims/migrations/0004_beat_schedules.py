"""Create the beat schedules (django-celery-beat DatabaseScheduler), editable in the admin.

Created with get_or_create by name so a schedule an editor changed is never reset.
"""

from django.db import migrations

# name: (task, every seconds)
SCHEDULES = {
    "Assign queued claims to reviewers": ("claims.tasks.assign_claims", 60),
    "Re-check due verdicts": ("claims.tasks.recheck_due", 900),
    "Escalate claims past their SLA": ("claims.tasks.escalate_stale", 900),
    "Re-extract articles of an old extractor": ("claims.tasks.reextract_outdated", 3600),
    "Sweep articles stuck in extraction": ("claims.tasks.sweep_pending", 120),
    "Deliver outbox events (webhooks)": ("claims.tasks.deliver_outbox", 30),
    "Worker heartbeat": ("claims.tasks.heartbeat", 60),
}


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, seconds) in SCHEDULES.items():
        every, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": every, "enabled": True})


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0003_service_tables"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
