"""`conferral import`, `conferral send` and `conferral status`."""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.console import Console
from rich.table import Table

from conferral.certificates.csvtext import ImportFileInvalid
from conferral.certificates.importing import recipients_import_path
from conferral.certificates.models import Certificate
from conferral.certificates.services import RecipientsInvalid, ServiceError
from conferral.cli.output import certificate_or_fail, fail, is_terminal, progress
from conferral.delivery.selectors import SendProgress, certificate_send_progress
from conferral.delivery.services import certificate_send
from conferral.stats.selectors import certificate_statistics

POLL_SECONDS = 0.5
STALL_SECONDS = 30.0
DEFAULT_TIMEOUT = 3600.0

CertificateId = Annotated[
    str,
    typer.Argument(metavar="CERTIFICATE_ID", help=_("The certificate's id."), show_default=False),
]


def pause(seconds: float) -> None:
    """Wait between two looks at the sending progress (tests replace this)."""
    time.sleep(seconds)


def import_recipients(
    certificate_id: CertificateId,
    file: Annotated[
        Path, typer.Argument(metavar="FILE.csv", help=_("The CSV file."), show_default=False)
    ],
) -> None:
    """Add the recipients of a CSV file to a certificate: all of them, or none."""
    certificate = certificate_or_fail(certificate_id)
    if not file.is_file():
        fail(_("There is no file %(path)s.") % {"path": file})
    total_kib = max(1, math.ceil(file.stat().st_size / 1024))
    description = _("Reading %(name)s") % {"name": file.name}
    problem: ImportFileInvalid | RecipientsInvalid | None = None
    with progress(total_kib, description, "KiB") as reporter:
        try:
            added = recipients_import_path(
                certificate=certificate,
                path=file,
                on_progress=lambda done: reporter.update(math.ceil(done / 1024), description),
            )
        except (ImportFileInvalid, RecipientsInvalid) as error:
            problem = error
    if isinstance(problem, ImportFileInvalid):
        fail(_("%(problem)s Nothing was added.") % {"problem": problem})
    if isinstance(problem, RecipientsInvalid):
        for row_error in problem.errors:
            typer.echo(str(row_error), err=True)
        hidden = problem.total - len(problem.errors)
        if hidden > 0:
            typer.echo(
                ngettext("… and %(count)s more problem.", "… and %(count)s more problems.", hidden)
                % {"count": hidden},
                err=True,
            )
        fail(
            ngettext(
                "%(count)s problem in %(name)s; nothing was added.",
                "%(count)s problems in %(name)s; nothing was added.",
                problem.total,
            )
            % {"count": problem.total, "name": file.name}
        )
    typer.echo(
        ngettext(
            "Added %(count)s recipient to “%(certificate)s”.",
            "Added %(count)s recipients to “%(certificate)s”.",
            added,
        )
        % {"count": added, "certificate": certificate.name}
    )


def _parse_at(value: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(
            _("“%(value)s” is not a time; write it as 2026-05-04T09:30 (ISO 8601).")
            % {"value": value}
        )
    # A time typed without a zone means this machine's local time.
    return when if timezone.is_aware(when) else when.astimezone()


def _describe(state: SendProgress) -> str:
    text = _("%(delivered)s delivered, %(bounced)s bounced") % {
        "delivered": state.delivered,
        "bounced": state.bounced,
    }
    if state.retrying:
        text += ", " + ngettext(
            "%(count)s waiting to retry", "%(count)s waiting to retry", state.retrying
        ) % {"count": state.retrying}
    if state.outage:
        text += ". " + state.outage
    return text


def _wait(certificate: Certificate, queued: int, timeout: float) -> None:
    """Show delivered/bounced until nothing of this certificate is pending."""
    started = last_change = time.monotonic()
    warned = False
    state = certificate_send_progress(certificate)
    with progress(queued, _describe(state), _("emails")) as reporter:
        while True:
            reporter.update(max(0, queued - state.pending), _describe(state))
            if not state.pending:
                break
            now = time.monotonic()
            if now - started > timeout:
                fail(
                    ngettext(
                        "Stopped waiting after %(seconds)s s with %(count)s email still "
                        "pending; the worker goes on sending. `conferral status %(id)s` "
                        "shows where it stands.",
                        "Stopped waiting after %(seconds)s s with %(count)s emails still "
                        "pending; the worker goes on sending. `conferral status %(id)s` "
                        "shows where it stands.",
                        state.pending,
                    )
                    % {"seconds": int(timeout), "count": state.pending, "id": certificate.public_id}
                )
            if not warned and now - last_change > STALL_SECONDS:
                warned = True
                typer.echo(
                    _(
                        "Nothing has been sent for %(seconds)s s. Is a worker running? Start "
                        "one with `conferral worker` (`conferral serve` runs one too)."
                    )
                    % {"seconds": int(STALL_SECONDS)},
                    err=True,
                )
            pause(POLL_SECONDS)
            previous, state = state, certificate_send_progress(certificate)
            if state != previous:
                last_change = time.monotonic()
    typer.echo(_("Done: %(progress)s.") % {"progress": _describe(state)})


def send(
    certificate_id: CertificateId,
    at: Annotated[
        str | None,
        typer.Option(
            help=_("Send at this time (ISO 8601; without a zone, this machine's local time)."),
            show_default=False,
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option(help=_("Show the progress until every email is sent."))
    ] = True,
    timeout: Annotated[
        float, typer.Option(help=_("Stop waiting after this many seconds."))
    ] = DEFAULT_TIMEOUT,
) -> None:
    """Email every recipient who has not been sent the certificate yet."""
    certificate = certificate_or_fail(certificate_id)
    when = _parse_at(at) if at else None
    try:
        result = certificate_send(certificate=certificate, at=when)
    except (ServiceError, RecipientsInvalid) as error:
        fail(str(error))
    queued = result.queued
    if when is not None and when > timezone.now():
        typer.echo(
            ngettext(
                "Scheduled %(count)s email for %(when)s.",
                "Scheduled %(count)s emails for %(when)s.",
                queued,
            )
            % {"count": queued, "when": when.isoformat(timespec="minutes")}
        )
        if result.skipped_total:
            typer.echo(result.skipped_text())
        return
    typer.echo(
        ngettext("Queued %(count)s email.", "Queued %(count)s emails.", queued) % {"count": queued}
    )
    if result.skipped_total:
        typer.echo(result.skipped_text())
    if wait:
        _wait(certificate, queued, timeout)
    else:
        typer.echo(_("A worker sends them: `conferral worker`, or the one `conferral serve` runs."))


def _statistics_json(statistics: dict[str, Any]) -> str:
    return json.dumps(statistics, default=lambda value: value.isoformat(), indent=2)


def _count_and_percent(figure: dict[str, Any]) -> str:
    return f"{figure['count']} ({figure['percent']} %)"


def _side_by_side(figures: dict[str, Any] | None) -> str:
    """A row of the overview's opens and clicks table: by people, by machines and all,
    or "not tracked" (None) when the organization switched that tracking off."""
    if figures is None:
        return _("not tracked")
    return _("people %(human)s · machines %(machine)s · all %(all)s") % {
        "human": _count_and_percent(figures["human"]),
        "machine": _count_and_percent(figures["machine"]),
        "all": _count_and_percent(figures["all"]),
    }


def _statistics_rows(certificate: Certificate, statistics: dict[str, Any]) -> list[tuple[str, str]]:
    def part(key: str) -> str:
        return _count_and_percent(statistics[key])

    def tracked(count: int, kind: str) -> str:
        return str(count) if statistics[kind] is not None else _("not tracked")

    email = statistics["email"]
    shares = statistics["social_shares"]
    return [
        (_("Certificate"), f"{certificate.name} ({certificate.get_kind_display()})"),
        (_("ID"), certificate.public_id),
        (_("Created"), timezone.localtime(statistics["created_at"]).strftime("%Y-%m-%d %H:%M")),
        (_("Recipients"), str(statistics["recipients"])),
        (_("Claimed"), part("claimed")),
        (_("Shared or downloaded"), part("shared_or_downloaded")),
        (_("Added to LinkedIn"), part("added_to_linkedin")),
        (
            _("Tracked social shares"),
            f"LinkedIn {shares['linkedin']} · Facebook {shares['facebook']} · X {shares['x']}",
        ),
        (_("Email not provided"), str(email["not_provided"])),
        (_("Not sent"), str(email["not_sent"])),
        (_("Scheduled"), str(email["scheduled"])),
        (_("Sending"), str(email["sending"])),
        (_("Sent"), str(email["sent"])),
        (_("Delivered"), str(email["delivered"])),
        (_("Opened"), tracked(email["opened"], "opens")),
        (_("Clicked"), tracked(email["clicked"], "clicks")),
        (_("Bounced"), str(email["bounced"])),
        (
            _("Opened only by a machine (not counted as opened)"),
            tracked(statistics["machine_opens"], "opens"),
        ),
        (_("Opens"), _side_by_side(statistics["opens"])),
        (_("Clicks"), _side_by_side(statistics["clicks"])),
    ]


def status(
    certificate_id: CertificateId,
    as_json: Annotated[
        bool, typer.Option("--json", help=_("Print the statistics as JSON."))
    ] = False,
) -> None:
    """Show a certificate's statistics: claims, shares and what happened to the emails."""
    certificate = certificate_or_fail(certificate_id)
    statistics = certificate_statistics(certificate)
    if as_json:
        typer.echo(_statistics_json(statistics))
        return
    outage = certificate_send_progress(certificate).outage
    if outage:
        typer.echo(outage, err=True)
    rows = _statistics_rows(certificate, statistics)
    if not is_terminal():
        for label, value in rows:
            typer.echo(f"{label}: {value}")
        return
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for label, value in rows:
        table.add_row(label, value)
    Console().print(table)
