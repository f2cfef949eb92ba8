"""Worker liveness, read by /health/ and the desk."""

from django.utils import timezone

from ..models import Heartbeat


def heartbeat_record(*, name: str, hostname: str, pid: int) -> Heartbeat:
    beat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "detail": {"hostname": hostname, "pid": pid}}
    )
    return beat
