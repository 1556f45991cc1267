"""`conferral events`: the event log's upkeep. `prune` deletes the events past their
organization's retention now, as every worker does about hourly."""

from __future__ import annotations

from typing import Annotated

import typer
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from conferral.tracking.retention import PruneReport, events_prune

events_app = typer.Typer(no_args_is_help=True)


def _lines(report: PruneReport) -> list[str]:
    lines = []
    for group in report.groups:
        values = {
            "count": group.removed,
            "days": group.days,
            "cutoff": date_format(group.cutoff, "DATETIME_FORMAT"),
            "organizations": group.organizations,
        }
        if report.dry_run:
            line = ngettext(
                "%(count)s event would be removed: older than %(days)s days (before "
                "%(cutoff)s), in %(organizations)s organization(s).",
                "%(count)s events would be removed: older than %(days)s days (before "
                "%(cutoff)s), in %(organizations)s organization(s).",
                group.removed,
            )
        else:
            line = ngettext(
                "%(count)s event removed: older than %(days)s days (before %(cutoff)s), "
                "in %(organizations)s organization(s).",
                "%(count)s events removed: older than %(days)s days (before %(cutoff)s), "
                "in %(organizations)s organization(s).",
                group.removed,
            )
        lines.append(line % values)
    if not report.groups:
        lines.append(_("Every organization keeps its events forever: nothing to remove."))
    return lines


@events_app.command("prune")
def prune(
    dry_run: Annotated[
        bool, typer.Option(help=_("Only count what would be removed; remove nothing."))
    ] = False,
) -> None:
    """Remove the events past their organization's retention (statuses stay)."""
    for line in _lines(events_prune(dry_run=dry_run)):
        typer.echo(line)
