"""DKIM signing benchmark: what signing costs per message, next to building it.

    python bench/signing.py [-n 2000]

Creates a certificate with N personalised recipients and a sending domain in a fresh
database (its own temporary CONFERRAL_DATA_DIR), compiles the certificate's message once
as the deliver loop does, then times, in the same run: building the N messages
unsigned; building and signing them with the RSA-2048 key only, the Ed25519 key only,
and both (what Conferral sends); and, for reference, building and signing with
dkimpy's own `dkim.sign` (pure-Python RSA). Prints messages per CPU second for each and
its ratio to the unsigned build, then verifies one signed message with dkimpy.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

from common import throwaway_django

REFERENCE_SHARE = 10  # dkimpy's own RSA is slow: it signs 1 message in this many


def timed(messages: list[Any], work: Callable[[Any], object]) -> float:
    """Messages per second of this process's CPU time: on a machine shared with other
    work, wall time measures the others too."""
    started = time.process_time()
    for recipient in messages:
        work(recipient)
    return len(messages) / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="messages per measurement")
    options = parser.parse_args()
    with throwaway_django("conferral-bench-dkim-"):
        import dkim
        from django.utils import timezone

        from conferral.accounts.services import organization_get_or_create
        from conferral.certificates.models import Recipient
        from conferral.certificates.services import RawRow, certificate_create, recipients_add
        from conferral.delivery.domains import keys
        from conferral.delivery.domains.services import DomainSettings, sending_domain_save
        from conferral.delivery.domains.signing import Signer, signer_for
        from conferral.delivery.message import MessageTemplate

        organization = organization_get_or_create(name="Bench Academy")
        domain = sending_domain_save(
            organization=organization, values=DomainSettings("bench.example")
        )
        domain.last_check, domain.checked_at = {"ok": True, "records": []}, timezone.now()
        domain.save()
        certificate = certificate_create(organization=organization, name="Benchmarking 101")
        rows = (RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(options.n))
        recipients_add(certificate=certificate, rows=rows, keep=False)
        recipients = list(Recipient.objects.filter(certificate=certificate))
        template = MessageTemplate(certificate)
        assert template.sending_domain is not None

        both = signer_for(domain)
        rsa_only = Signer(domain.domain, [(domain.dkim_selector_rsa, domain.dkim_private_key_rsa)])
        ed_only = Signer(
            domain.domain, [(domain.dkim_selector_ed25519, domain.dkim_private_key_ed25519)]
        )
        rsa_pem = domain.dkim_private_key_rsa.encode()
        selector, name = domain.dkim_selector_rsa.encode(), domain.domain.encode()

        def dkimpy_rsa(recipient: Any) -> bytes:
            raw = template.build(recipient).raw
            return dkim.sign(raw, selector, name, rsa_pem, canonicalize=(b"relaxed", b"relaxed"))

        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"Machine: {os.cpu_count()} CPUs, load average {load} (other work skews figures)")
        size = len(template.build(recipients[0]).raw)
        print(f"{options.n:,} personalised messages of about {size:,} bytes each")
        unsigned = timed(recipients, template.build)
        print(f"{'unsigned build':<34}{unsigned:>9,.0f} messages/CPU-s")
        runs: list[tuple[str, list[Any], Callable[[Any], object]]] = [
            ("RSA-2048 (OpenSSL)", recipients, lambda r: rsa_only.sign(template.build(r).raw)),
            ("Ed25519", recipients, lambda r: ed_only.sign(template.build(r).raw)),
            ("RSA + Ed25519 (as sent)", recipients, lambda r: both.sign(template.build(r).raw)),
            (
                "RSA-2048, dkimpy's dkim.sign",
                recipients[: max(1, options.n // REFERENCE_SHARE)],
                dkimpy_rsa,
            ),
        ]
        for label, chosen, work in runs:
            rate = timed(chosen, work)
            per_message = (1 / rate - 1 / unsigned) * 1000
            print(
                f"{label:<34}{rate:>9,.0f} messages/CPU-s  {rate / unsigned:>5.0%} of unsigned"
                f"  (+{per_message:.2f} ms a message)"
            )

        signed = both.sign(template.build(recipients[0]).raw)
        published = {
            f"{domain.dkim_selector_rsa}._domainkey.bench.example.": domain.dkim_private_key_rsa,
            f"{domain.dkim_selector_ed25519}._domainkey.bench.example.": (
                domain.dkim_private_key_ed25519
            ),
        }

        def lookup(query: bytes, timeout: int = 5) -> bytes:
            return keys.dkim_record(published[query.decode()]).encode()

        checked = [dkim.DKIM(signed).verify(idx=i, dnsfunc=lookup) for i in (0, 1)]
        print(f"dkimpy verifies both signatures of a sent message: {checked == [True, True]}")


if __name__ == "__main__":
    main()
