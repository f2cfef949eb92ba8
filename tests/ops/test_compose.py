"""docker-compose.yml, Dockerfile and friends: validated without a Docker engine."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("db", "redis", "web", "worker", "beat", "flower")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_names_every_service(compose):
    assert set(compose["services"]) == {"db", "redis", "migrate", "web", "worker", "beat", "flower"}
    assert compose["services"]["db"]["image"] == "pgvector/pgvector:pg16"  # PostgreSQL with pgvector
    assert compose["services"]["redis"]["image"] == "redis:7"


def test_every_long_running_service_has_a_healthcheck(compose):
    for name in LONG_RUNNING:
        check = compose["services"][name].get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_dependencies_wait_for_health_and_for_migrations(compose):
    services = compose["services"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert "migrate" in _command_text(services["migrate"])
    assert (ROOT / "docker" / "migrate.sh").read_text().count("manage.py migrate --noinput") == 1


def test_redis_never_evicts_and_keeps_an_append_only_file(compose):
    redis = compose["services"]["redis"]
    command = _command_text(redis)
    assert "--maxmemory-policy noeviction" in command
    assert "--appendonly yes" in command
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


def test_volumes_for_postgres_and_redis(compose):
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]


def test_one_beat_with_database_scheduler_and_worker_concurrency_from_env(compose):
    beat = compose["services"]["beat"]
    assert beat.get("deploy", {}).get("replicas") == 1
    beat_script = (ROOT / "docker" / "beat.sh").read_text()
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat_script
    worker_script = (ROOT / "docker" / "worker.sh").read_text()
    assert '--concurrency "${WORKER_CONCURRENCY' in worker_script
    assert "WORKER_CONCURRENCY" in compose["services"]["worker"]["environment"]
    assert "gunicorn" in (ROOT / "docker" / "web.sh").read_text()


def test_flower_is_optional_and_built_from_its_own_stage(compose):
    flower = compose["services"]["flower"]
    assert flower["profiles"] == ["flower"]
    assert flower["build"]["target"] == "flower"
    pins = (ROOT / "requirements-flower.txt").read_text()
    assert re.search(r"^flower==\d+\.\d+\.\d+$", pins, re.M)
    assert "flower" not in (ROOT / "requirements.txt").read_text().lower()


def test_secrets_come_from_the_env_file_only(compose):
    text = COMPOSE.read_text()
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "FLOWER_BASIC_AUTH"):
        assert re.search(rf"\$\{{{secret}:\?", text), f"{secret} is not required from .env"
    example = (ROOT / ".env.example").read_text()
    # ${VAR} is read from .env; $${VAR} is the container's own variable (escaped).
    for name in set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", text)) - {"IMAGE", "FLOWER_IMAGE"}:
        assert re.search(rf"^{name}=", example, re.M), f".env.example does not document {name}"
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_dockerfile_shape():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    assert "pip install -r /tmp/requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    # Every stage ends as the unprivileged user (root only for installing).
    stages = {stage.split()[2]: stage for stage in re.split(r"^FROM ", dockerfile, flags=re.M)[1:]}
    for name in ("app", "flower"):
        users = re.findall(r"^USER (\S+)", stages[name], re.M)
        assert users and users[-1] == "app:app", f"stage {name} does not end as the app user"
    assert re.search(r"^FROM app AS flower", dockerfile, re.M)
    assert "en-core-web-sm" in (ROOT / "requirements.txt").read_text()  # the spaCy model comes with the pins
    for script in ("web.sh", "worker.sh", "beat.sh", "migrate.sh"):
        path = ROOT / "docker" / script
        assert path.read_text().startswith("#!/bin/sh"), script


def _docker_compose(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose not installed (.ci/run installs it)")
def test_docker_compose_config_validates():
    result = _docker_compose("--env-file", str(ROOT / ".env.example"), "config", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
    env_file = str(ROOT / ".env.example")
    with_flower = _docker_compose("--env-file", env_file, "--profile", "flower", "config", "--services")
    assert with_flower.returncode == 0, with_flower.stderr
    assert "flower" in with_flower.stdout.split()


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose not installed (.ci/run installs it)")
def test_docker_compose_refuses_to_start_without_secrets(tmp_path):
    empty_env = tmp_path / "empty.env"
    empty_env.write_text("")
    result = _docker_compose("--env-file", str(empty_env), "config", "-q")
    assert result.returncode != 0
    assert "in .env" in result.stderr


def _pinned_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[=<>!~\[; ]", line)[0].lower().replace("_", "-"))
    return names


def test_the_image_installs_every_package_the_settings_load():
    """The image installs requirements.txt only: an app missing there starts locally but not in Docker."""
    from importlib.metadata import packages_distributions

    from django.conf import settings

    pinned = _pinned_names(ROOT / "requirements.txt")
    distributions = packages_distributions()
    modules = {entry.split(".")[0] for entry in settings.INSTALLED_APPS + settings.MIDDLEWARE}
    modules |= {"gunicorn", "celery", "psycopg", "redis"}  # the container commands and backends
    local = {"django", "verifier", "claims", "sources"}
    missing = {}
    for module in sorted(modules - local):
        dists = {name.lower().replace("_", "-") for name in distributions.get(module, [module])}
        if not dists & pinned:
            missing[module] = sorted(dists)
    assert not missing, f"not pinned in requirements.txt: {missing}"
