"""The embedded default broker (Celery's filesystem transport, `make run`): everything under
var/, and no "No hostname was supplied" warning from kombu (issue 17)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SCRIPT = """
import logging, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verifier.settings")
django.setup()
logging.getLogger("kombu").setLevel(logging.DEBUG)
logging.getLogger("kombu").addHandler(logging.StreamHandler())
from django.conf import settings
from verifier.celery import app
print(settings.CELERY_BROKER_TRANSPORT_OPTIONS["control_folder"])
with app.connection_for_write() as conn:
    conn.ensure_connection()
    conn.as_uri()
    # What a worker does at start: bind its queue to the broadcast (fanout) exchange, whose
    # table the transport keeps in control_folder.
    from kombu import Exchange, Queue
    Queue("issue17-probe", Exchange("issue17.pidbox", type="fanout"), channel=conn.default_channel).declare()
app.control.broadcast("ping", reply=False)
"""


def test_the_filesystem_broker_keeps_its_control_folder_under_var_and_does_not_warn(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DATABASE_URL", "REDIS_URL", "CACHE_URL")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    control = Path(result.stdout.strip().splitlines()[-1])
    assert control == ROOT / "var" / "broker" / "control"
    assert (control / "issue17.pidbox.exchange").exists(), "the control exchange was not written under var/"
    assert not (tmp_path / "control").exists() and not (ROOT / "control").exists()
    assert "No hostname was supplied" not in result.stderr + result.stdout
