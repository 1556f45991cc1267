"""The recipient search over the stored folded column finds exactly what folding every
row's name and address at query time (FoldedContains) finds, on whichever database the
run uses; the column follows every change of name or address; and the list API's pages
and counts, deep and searched, are those of the whole list."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db.models import F, Q
from django.test import Client

from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.search import FoldedContains
from conferral.certificates.selectors import recipients_filter, recipients_page
from conferral.certificates.services import RawRow, recipient_update, recipients_add

PARTS = [
    "Straße", "STRASSE", "Øberg", "øBERG", "Åsa", "Jürgen", "MÜLLER", "Łukasz", "Юрий",
    "ГАГАРИН", "Ελένη", "ΣΟΦΊΑ", "ﬁnn", "Ǆemal", "İpek", "\u0131spanak", "\u212aELVIN", "李小龍",
    "O'Brien", "100%_sure", "Ada", "ada", "José", "JOSÉ", "Nguyễn", "Ø%_x",
]  # fmt: skip
QUERIES = [
    "straße", "strasse", "SS", "øberg", "Åsa Ø", "müller", "łukasz", "юрий", "гагарин",
    "ελένη", "σοφία", "fin", "ǆ", "i̇pek", "ispanak", "kelvin", "k", "小龍", "o'b", "%",
    "_", "100%_", "josé", "jose", "example", "@example.org", "ada ada", "nguyễn", "ễ",
    "\u017f", "-", "7", "x-", "-9", "ada0", "ø%_", "ø_x", "é%",
]  # fmt: skip


@pytest.fixture
def crowd(certificate: Certificate) -> Certificate:
    rng = random.Random(5)
    rows = [
        RawRow(
            i,
            " ".join(rng.sample(PARTS, 2)),
            "" if i % 9 == 0 else f"{rng.choice(['ada', 'jose', 'sofia'])}{i}@example.org",
        )
        for i in range(120)
    ]
    recipients_add(certificate=certificate, rows=rows)
    return certificate


def folded_every_row(certificate: Certificate, q: str) -> list[int]:
    """What the search found before the stored column: each row folded when read."""
    match = (
        Q(FoldedContains(F("name"), q)) | Q(FoldedContains(F("email"), q)) | Q(token__icontains=q)
    )
    rows = Recipient.objects.filter(certificate=certificate).filter(match).order_by("id")
    return list(rows.values_list("pk", flat=True))


@pytest.mark.parametrize("q", QUERIES)
def test_it_finds_what_folding_every_row_finds(crowd: Certificate, q: str) -> None:
    found = list(recipients_filter(certificate=crowd, q=q).values_list("pk", flat=True))
    assert found == folded_every_row(crowd, q)


def every_match(certificate: Certificate, q: str) -> list[int]:
    """What the search found before it left the tokens out of searches no token can
    match: the folded name or address, the token, or the token with its dashes put in."""
    match = Q(FoldedContains(F("name"), q)) | Q(FoldedContains(F("email"), q))
    match |= Q(token__icontains=q)
    compact = q.replace("-", "").upper()
    if len(compact) >= 8 and compact.isalnum():
        dashed = "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))
        match |= Q(token__icontains=dashed)
    rows = Recipient.objects.filter(certificate=certificate).filter(match).order_by("id")
    return list(rows.values_list("pk", flat=True))


def test_it_finds_every_token_a_piece_of_it_matches(crowd: Certificate) -> None:
    """Pieces of real tokens, with and without dashes, in either case, from either end,
    and the same pieces spoiled by a letter no token has or one group too long."""
    tokens = Recipient.objects.filter(certificate=crowd).values_list("token", flat=True)
    for token in list(tokens)[:6]:
        compact = token.replace("-", "")
        pieces = [token, token.lower(), token[3:12], token[:6], token[-7:].lower(), token[5:9]]
        pieces += [compact, compact[:8].lower(), compact[2:13], compact[4:8]]
        pieces += [token[:6] + "L", compact[:5], "U" + token[-4:], token[2:7] + "-"]
        for piece in pieces:
            found = recipients_filter(certificate=crowd, q=piece).values_list("pk", flat=True)
            assert list(found) == every_match(crowd, piece), piece


def test_it_folds_a_name_and_address_again_when_they_change(
    certificate: Certificate, add_recipients: Any
) -> None:
    [hans] = add_recipients(("Hans Meier", "hans@example.com"))
    recipient_update(recipient=hans, name="Hans Straße", email="HANS@Beispiel.DE")
    assert [r.pk for r in recipients_filter(certificate=certificate, q="STRAßE")] == [hans.pk]
    assert [r.pk for r in recipients_filter(certificate=certificate, q="hans@beispiel")] == [
        hans.pk
    ]
    assert not recipients_filter(certificate=certificate, q="meier").exists()


def test_it_gives_a_deep_page_and_a_searched_page_as_slices_of_the_whole_list(
    crowd: Certificate,
) -> None:
    everyone = list(recipients_filter(certificate=crowd).values_list("pk", flat=True))
    page = recipients_page(
        recipients_filter(certificate=crowd), offset=100, limit=7, searched=False
    )
    assert [r.pk for r in page.items] == everyone[100:107]
    assert page.count == len(everyone)
    matches = folded_every_row(crowd, "ada")
    searched = recipients_page(
        recipients_filter(certificate=crowd, q="ada"), offset=3, limit=5, searched=True
    )
    assert [r.pk for r in searched.items] == matches[3:8]
    assert searched.count == len(matches)


def test_it_serves_the_same_pages_and_counts_through_the_api(
    api: Client, crowd: Certificate
) -> None:
    url = f"/api/v1/certificates/{crowd.public_id}/recipients"
    everyone = list(recipients_filter(certificate=crowd).values_list("public_id", flat=True))
    deep = api.get(url, {"offset": "110", "limit": "20"}).json()
    assert [item["id"] for item in deep["items"]] == everyone[110:]
    assert deep["count"] == len(everyone)
    searched = api.get(url, {"q": "STRASSE", "offset": "1", "limit": "3"}).json()
    matches = Recipient.objects.filter(pk__in=folded_every_row(crowd, "STRASSE")).order_by("id")
    assert [item["id"] for item in searched["items"]] == [r.public_id for r in matches][1:4]
    assert searched["count"] == len(matches)
