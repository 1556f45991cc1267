"""`conferral apikey create` and `conferral user create`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from conferral.accounts.models import Role
from conferral.accounts.services import apikey_create, organization_get_or_create, user_create
from conferral.cli.output import fail

apikey_app = typer.Typer(help=_("API keys."), no_args_is_help=True)
user_app = typer.Typer(help=_("Dashboard users."), no_args_is_help=True)


class RoleName(StrEnum):
    """The choices of --role: the roles of accounts.models.Role."""

    OWNER = Role.OWNER.value
    ADMIN = Role.ADMIN.value
    VIEWER = Role.VIEWER.value


OrganizationName = Annotated[
    str,
    typer.Option(
        "--org",
        help=_("The organization's name; it is created if it does not exist."),
        show_default=False,
    ),
]


def _organization_name(name: str) -> str:
    name = name.strip()
    if not name:
        fail(_("The organization needs a name."))
    return name


@apikey_app.command("create")
def apikey_create_command(
    org: OrganizationName,
    name: Annotated[str, typer.Option(help=_("A label to recognise the key by."))] = "",
) -> None:
    """Create an API key for an organization and print it (only the key, on stdout)."""
    organization = organization_get_or_create(name=_organization_name(org))
    typer.echo(apikey_create(organization=organization, name=name))


@user_app.command("create")
def user_create_command(
    email: Annotated[
        str, typer.Option(help=_("The user's email address; it is the login."), show_default=False)
    ],
    org: OrganizationName,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help=_("The password (asked for when left out)."),
            show_default=False,
        ),
    ],
    role: Annotated[
        RoleName,
        typer.Option(
            help=_(
                "The user's role in the organization: owner (manages the team), admin "
                "(issues and sends) or viewer (sees everything, changes nothing)."
            ),
            case_sensitive=False,
        ),
    ] = RoleName.OWNER,
) -> None:
    """Create a dashboard user in an organization with a role (or set an existing user's
    password and role there)."""
    email = email.strip().lower()
    if "@" not in email:
        fail(_("“%(email)s” is not an email address.") % {"email": email})
    try:
        validate_password(password)
    except ValidationError as error:
        fail(" ".join(error.messages))
    organization = organization_get_or_create(name=_organization_name(org))
    user_create(email=email, password=password, organization=organization, role=role.value)
    typer.echo(
        _("%(email)s can now sign in to the dashboard of %(organization)s as %(role)s.")
        % {"email": email, "organization": organization.name, "role": Role(role.value).label}
    )
