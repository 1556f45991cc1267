"""`conferral user create --role`: a user is created with the role asked for (owner when
none is given), an existing user's role in that organization is changed, and an
unknown role is refused before anything is written."""

from __future__ import annotations

from conferral.accounts.models import Membership, Role
from conferral.cli.tests.conftest import Run

BASE = ("user", "create", "--password", "long enough", "--org", "Acme")


def test_it_creates_a_user_with_the_role_asked_for(run: Run) -> None:
    viewer = run(*BASE, "--email", "v@example.com", "--role", "viewer")
    admin = run(*BASE, "--email", "a@example.com", "--role", "ADMIN")
    owner = run(*BASE, "--email", "o@example.com")

    assert viewer.exit_code == admin.exit_code == owner.exit_code == 0
    assert "as Viewer" in viewer.stdout
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {
        "v@example.com": Role.VIEWER,
        "a@example.com": Role.ADMIN,
        "o@example.com": Role.OWNER,
    }

    changed = run(*BASE, "--email", "v@example.com", "--role", "admin")
    assert changed.exit_code == 0
    assert Membership.objects.get(user__username="v@example.com").role == Role.ADMIN


def test_it_refuses_an_unknown_role(run: Run) -> None:
    result = run(*BASE, "--email", "x@example.com", "--role", "emperor")

    assert result.exit_code == 2
    assert "emperor" in result.stderr
    assert not Membership.objects.exists()
