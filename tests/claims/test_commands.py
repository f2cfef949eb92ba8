import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from claims.models import ApiToken, Article, Claim
from sources.models import Source


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_load_seeds_is_idempotent():
    run("load_seeds")
    counts = (Article.objects.count(), Claim.objects.count(), Source.objects.count())
    article = Article.objects.get()
    assert article.publisher.name == "Yahoo News"
    assert article.extraction_status == "done" and article.extractor_version
    assert counts[1] >= 20
    for claim in Claim.objects.all():
        assert article.body[claim.start : claim.end] == claim.text
    output = run("load_seeds")
    assert "already loaded" in output
    assert (Article.objects.count(), Claim.objects.count(), Source.objects.count()) == counts


def test_seed_manifest_points_at_shipped_files():
    seeds = Path(settings.BASE_DIR) / "seeds"
    for entry in json.loads((seeds / "manifest.json").read_text()):
        assert (seeds / entry["file"]).is_file()
        assert entry["publisher"] == "Yahoo News"


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "group", "staff"), [("newsroom", "newsroom", False), ("reviewer", "reviewers", True), ("editor", "editors", True)])
def test_create_api_token_roles(role, group, staff):
    key = run("create_api_token", f"tool-{role}", "--role", role).strip()
    user = get_user_model().objects.get(username=f"tool-{role}")
    token = ApiToken.objects.get(user=user)
    assert token.digest == ApiToken.digest_of(key) and len(key) == 43 and token.role == role
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert user.is_staff is staff
    # Again: a second token for another tool (both work), no second user.
    second = run("create_api_token", f"tool-{role}", "--role", role).strip()
    assert second != key and ApiToken.objects.filter(user=user).count() == 2
    assert get_user_model().objects.filter(username=f"tool-{role}").count() == 1


@pytest.mark.django_db
def test_create_api_token_rejects_unknown_role():
    with pytest.raises(CommandError):
        call_command("create_api_token", "x", "--role", "owner")


@pytest.mark.django_db
def test_create_api_token_name_expiry_and_revoke_command(settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.API_TOKEN_DEFAULT_EXPIRY_DAYS = 90
    default = run("create_api_token", "cms", "--role", "newsroom").strip()
    short = run("create_api_token", "cms", "--role", "newsroom", "--name", "slack bot", "--expires-in", "7").strip()
    forever = run("create_api_token", "cms", "--role", "newsroom", "--name", "archive", "--no-expiry").strip()
    rows = {t.name: t for t in ApiToken.objects.filter(user__username="cms")}
    assert set(rows) == {"newsroom token", "slack bot", "archive"}
    now = timezone.now()
    assert timedelta(days=89) < rows["newsroom token"].expires_at - now <= timedelta(days=90)
    assert timedelta(days=6) < rows["slack bot"].expires_at - now <= timedelta(days=7)
    assert rows["archive"].expires_at is None
    assert rows["slack bot"].digest == ApiToken.digest_of(short) and len({default, short, forever}) == 3
    with pytest.raises(CommandError):
        call_command("create_api_token", "cms", "--role", "newsroom", "--expires-in", "0")
    with pytest.raises(CommandError, match="not allowed"):  # the two are exclusive
        call_command("create_api_token", "cms", "--role", "newsroom", "--expires-in", "3", "--no-expiry")
    assert "revoked 1 token(s)" in run("revoke_api_token", "cms", "--name", "slack bot")
    assert ApiToken.objects.usable().filter(user__username="cms").count() == 2
    assert "revoked 2 token(s)" in run("revoke_api_token", "cms", "--all")
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "cms", "--all")
