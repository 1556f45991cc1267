"""Reads of certificates and recipients, shared by the API, the dashboard and the
command line.

Access helpers (`*_get_for_org`, `*_get_for_user`): every read of an organization's
objects starts with one of these, and a foreign or missing object is a 404 (Http404),
never a 403 that confirms it exists; an id that cannot be a public id is a 404 without
a query. The other selectors are called after access is checked and only shape the
query. Recipient lists are ordered by primary key, so offset pages are stable
and a keyset page is `recipients_filter(...).filter(pk__gt=last_pk)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from conferral.accounts.models import Organization
from conferral.accounts.selectors import organizations_for_user
from conferral.certificates.facts import FACTS, Fact, with_shared_text
from conferral.certificates.models import Certificate, Recipient, RecipientTally
from conferral.certificates.search import FoldedContains
from conferral.certificates.search_backlog import text_match
from conferral.certificates.status import EmailStatus, Status
from conferral.core.ids import looks_like_public_id, token_may_contain

SEARCH_MAX_LENGTH = 200


class FilterInvalid(ValueError):
    """Filter values that are not among the allowed choices: `errors` maps each bad
    filter's name to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors.values()))


def _plausible(public_id: str) -> str:
    if not looks_like_public_id(public_id):
        raise Http404("No such object.")
    return public_id


def certificate_get_for_org(organization: Organization, public_id: str) -> Certificate:
    certificate = Certificate.objects.filter(
        organization=organization, public_id=_plausible(public_id)
    ).first()
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def recipient_get_for_org(organization: Organization, public_id: str) -> Recipient:
    recipient = (
        Recipient.objects.select_related("certificate")
        .filter(certificate__organization=organization, public_id=_plausible(public_id))
        .first()
    )
    if recipient is None:
        raise Http404("No such recipient.")
    return recipient


def certificate_get_for_user(user: AbstractBaseUser | AnonymousUser, public_id: str) -> Certificate:
    certificate = Certificate.objects.filter(
        organization__in=organizations_for_user(user), public_id=_plausible(public_id)
    ).first()
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def recipient_get_for_user(user: AbstractBaseUser | AnonymousUser, public_id: str) -> Recipient:
    recipient = (
        Recipient.objects.select_related("certificate")
        .filter(
            certificate__organization__in=organizations_for_user(user),
            public_id=_plausible(public_id),
        )
        .first()
    )
    if recipient is None:
        raise Http404("No such recipient.")
    return recipient


def certificates_for_user(
    user: AbstractBaseUser | AnonymousUser,
    *,
    q: str = "",
    archived: bool = False,
    organization: Organization | None = None,
) -> QuerySet[Certificate]:
    """The certificates of every organization the user belongs to (or only of
    `organization`, if it is one of theirs), newest first, each with `recipients_count`
    and `claimed_count`: those not archived, or only the archived ones; `q` matches the
    name in any script."""
    certificates = Certificate.objects.filter(
        organization__in=organizations_for_user(user), archived_at__isnull=not archived
    )
    if organization is not None:
        certificates = certificates.filter(organization=organization)
    q = " ".join(q.replace("\x00", " ").split())[:SEARCH_MAX_LENGTH]
    if q:
        certificates = certificates.filter(Q(FoldedContains(F("name"), q)))
    return (
        certificates.select_related("organization")
        .annotate(recipients_count=_count(), claimed_count=_count(status=Status.CLAIMED))
        .order_by("-created_at", "-id")
    )


def _count(**where: Any) -> Coalesce:
    """How many of the certificate's recipients match `where` (the tally's `status` or
    `email_status`), summed from its tally rows (RecipientTally, kept exact by
    triggers): a few dozen rows where counting the recipient index took 6 to 14 ms per
    certificate at 100,000 recipients, on SQLite and PostgreSQL (bench/read.py)."""
    rows = (
        RecipientTally.objects.filter(certificate=OuterRef("pk"), **where)
        .order_by()
        .values("certificate")
        .annotate(total=Sum("n"))
        .values("total")
    )
    return Coalesce(Subquery(rows), 0)


def certificates_for_org(organization: Organization) -> QuerySet[Certificate]:
    """The organization's certificates, newest first, each with `recipients_count`."""
    return (
        Certificate.objects.filter(organization=organization)
        .annotate(recipients_count=_count())
        .order_by("-created_at", "-id")
    )


def certificate_recipients_count(certificate: Certificate) -> int:
    return recipients_counted(certificate)


def recipients_counted(
    certificate: Certificate, *, status: str = "", email_status: str = ""
) -> int:
    """How many of the certificate's recipients have `status` and `email_status` (empty:
    any), from its tallies (`_count` says why)."""
    where = {"status": status.strip(), "email_status": email_status.strip()}
    rows = RecipientTally.objects.filter(
        certificate=certificate, **{name: value for name, value in where.items() if value}
    )
    return int(rows.aggregate(total=Sum("n"))["total"] or 0)


def _choice_problem(field: str, value: str, choices: list[str]) -> str | None:
    if value and value not in choices:
        return _("“%(value)s” is not a valid %(field)s; use one of: %(choices)s.") % {
            "value": value,
            "field": field,
            "choices": ", ".join(choices),
        }
    return None


def recipients_filter(
    *,
    certificate: Certificate,
    q: str = "",
    status: str = "",
    email_status: str = "",
    fact: str = "",
) -> QuerySet[Recipient]:
    """The certificate's recipients matching a search and the filters.

    `q` matches name, email or token, case-insensitively in every script ("øberg"
    finds "Øberg", on SQLite too), a token with or without its dashes. `status` is a
    certificate status (Status), `email_status` an email status (EmailStatus) and
    `fact` one of the statistics' facts (conferral.certificates.facts.Fact: the
    recipients that number counts); empty means any. An unknown value raises
    FilterInvalid rather than silently matching nothing."""
    status, email_status, fact = status.strip(), email_status.strip(), fact.strip()
    problems = {
        field: problem
        for field, problem in (
            ("status", _choice_problem("status", status, Status.values)),
            ("email_status", _choice_problem("email_status", email_status, EmailStatus.values)),
            ("fact", _choice_problem("fact", fact, Fact.values)),
        )
        if problem
    }
    if problems:
        raise FilterInvalid(problems)
    recipients = Recipient.objects.filter(certificate=certificate)
    if status:
        recipients = recipients.filter(status=status)
    if email_status:
        recipients = recipients.filter(email_status=email_status)
    if fact:
        recipients = with_shared_text(recipients).filter(FACTS[Fact(fact)])
    # NUL counts as a space: nothing stored contains one, and PostgreSQL refuses it.
    q = " ".join(q.replace("\x00", " ").split())[:SEARCH_MAX_LENGTH]
    if q:
        # The stored folded name and address (conferral.certificates.search): the
        # pattern is folded once, no row is. The tokens only where one might match: a
        # search of names and addresses alone is one PostgreSQL's trigram index answers.
        match = text_match(certificate, q)
        compact = q.replace("-", "").upper()
        fragments = [q]
        if len(compact) >= 8 and compact.isalnum():
            fragments.append("-".join(compact[i : i + 4] for i in range(0, len(compact), 4)))
        for fragment in filter(token_may_contain, fragments):
            match |= Q(token__icontains=fragment)
        recipients = recipients.filter(match)
    return recipients.select_related("certificate").order_by("id")


@dataclass(frozen=True)
class RecipientsPage:
    items: list[Recipient]
    count: int  # every recipient the filters match


def recipients_page(
    recipients: QuerySet[Recipient],
    *,
    offset: int,
    limit: int,
    searched: bool,
    count: int | None = None,
) -> RecipientsPage:
    """A page of `recipients` (a `recipients_filter` result) and how many there are,
    primary keys first, then the page's rows. Skipping 99,000 entries of the narrow
    `recipient_cert_id` index costs milliseconds where skipping 99,000 rows cost seconds
    on SQLite. A search (`searched`) reads every row it could match anyway, so it is
    read once: the matches' keys give both the count and the page. They are sorted here
    (`recipients_filter` orders by primary key): asked for that order, SQLite walks
    `recipient_cert_id` and reads every row (64 ms at 100,000 recipients) instead of
    reading the search from the `recipient_search` index alone (22 ms). `count`, when
    the caller knows it (`recipients_counted`), is not counted again."""
    if searched:
        found = sorted(recipients.order_by().values_list("pk", flat=True))
        count, pks = len(found), found[offset : offset + limit]
    else:
        if count is None:
            count = recipients.order_by().count()
        pks = list(recipients.values_list("pk", flat=True)[offset : offset + limit])
    by_pk = recipients.order_by().select_related(None).in_bulk(pks)
    # Their certificates once each, not joined to every row: a join decoded the
    # certificate's design JSON again for each of a page's 50 rows (about 5 of the
    # 10 ms of reading them, CPU, bench/read.py).
    certificates = Certificate.objects.in_bulk({r.certificate_id for r in by_pk.values()})
    for recipient in by_pk.values():
        recipient.certificate = certificates[recipient.certificate_id]
    return RecipientsPage([by_pk[pk] for pk in pks if pk in by_pk], count)
