"""Issue 17: `make run` prints a reviewer login and, separately, an editor login; one
command adds a reviewer who can sign in to the admin."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from claims.roles import EDITORS, REVIEWERS

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def groups(username: str) -> set[str]:
    return set(get_user_model().objects.get(username=username).groups.values_list("name", flat=True))


def signs_in(client, username: str, password: str) -> bool:
    return client.login(username=username, password=password) and client.get("/admin/").status_code == 200


def test_make_run_logins_are_one_reviewer_and_one_editor(client, monkeypatch):
    for var in ("REVIEWER_USERNAME", "REVIEWER_PASSWORD", "EDITOR_USERNAME", "EDITOR_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    out = run("ensure_local_logins")
    found = dict(re.findall(r"(Reviewer|Editor) login: username '\w+', password '(\S+)'", out))
    assert set(found) == {"Reviewer", "Editor"}
    assert groups("reviewer") == {REVIEWERS} and groups("editor") == {EDITORS}
    assert signs_in(client, "reviewer", found["Reviewer"]) and signs_in(client, "editor", found["Editor"])
    again = run("ensure_local_logins")
    assert "password as printed when it was created" in again and found["Reviewer"] not in again


def test_an_old_local_login_that_was_both_becomes_a_reviewer_only(monkeypatch):
    monkeypatch.setenv("REVIEWER_PASSWORD", "pw-for-tests-0")
    user = get_user_model().objects.create_user(username="reviewer", is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=[REVIEWERS, EDITORS]))
    run("ensure_local_logins")
    assert groups("reviewer") == {REVIEWERS}


def test_create_reviewer_adds_someone_who_signs_in_to_the_admin(client):
    out = run("create_reviewer", "nadia")
    password = re.search(r"password '(\S+)'", out).group(1)
    assert groups("nadia") == {REVIEWERS}
    assert signs_in(client, "nadia", password)
    assert client.get("/admin/claims/claim/queue/").status_code == 200


def test_create_reviewer_editor_flag_and_existing_users_keep_their_password(client):
    run("create_reviewer", "ed", "--editor", "--password", "pw-for-tests-0")
    assert groups("ed") == {EDITORS}
    out = run("create_reviewer", "ed")  # now a reviewer as well; the password stays
    assert "password unchanged" in out and groups("ed") == {REVIEWERS, EDITORS}
    assert signs_in(client, "ed", "pw-for-tests-0")
