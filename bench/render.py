"""Rendering benchmark: what a credential's PDF and PNG cost, next to a trivial A4 page
compiled by the same typst in the same run, and what a cached download costs.

    .venv/bin/python bench/render.py [-n 1000] [--postgres]

Creates a certificate with N claimed recipients in a fresh database (its own temporary
CONFERRAL_DATA_DIR and render cache; with --postgres a throwaway PostgreSQL server),
then measures in one run:

- the QR code of a new link (drawn once per link; then kept for the renders);
- N PDFs and N PNGs (one per recipient, never from the cache), CPU milliseconds per
  render, next to a trivial A4 page (PDF, and PNG at the same ppi) and their ratio; the
  PNG also at 144 ppi, the resolution it had before;
- a PNG of a design with a 300 dpi A4 photo, one after another and each after 10
  renders of another design (typst's memory of decoded images lasts 10 compilations);
- the same PNGs rendered by 1 and by 2 threads at once (wall time: the point is that
  typst runs in parallel);
- a download through Django's test client (server time, no network): the first one,
  which renders, the second, served from the cache (renders counted: must be 0), and a
  revalidation answered with 304.

CPU time is this process's (all its threads), so other work on the machine skews the
figures less than wall time; the ratios to the reference are the figures to compare.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import throwaway_django

REFERENCE_RENDERS = 200
OLD_PNG_PPI = 144.0
DOWNLOAD_REPEAT = 50
FIRST_DOWNLOADS = 20
PHOTO_RENDERS = 10
OTHER_RENDERS = 10
# A landscape A4 page with one number on it: a new document each time (typst would
# otherwise answer an unchanged document from its memo), as many pixels as a certificate.
TRIVIAL_A4 = '#set page(paper: "a4", flipped: true)\n#sys.inputs.at("n", default: "")\n'


def cpu_ms(work: Callable[[Any], object], items: list[Any]) -> float:
    """CPU milliseconds per item (this process, every thread), after one warm-up."""
    work(items[0])
    started = time.process_time()
    for item in items:
        work(item)
    return (time.process_time() - started) * 1000 / len(items)


def wall_rate(work: Callable[[Any], object], items: list[Any], threads: int) -> float:
    """Items per wall-clock second with `threads` threads rendering at once."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(work, items))
    return len(items) / (time.perf_counter() - started)


@dataclass
class PhotoDesign:
    certificate: Any
    design: Any


def photo_certificate(organization: Any) -> PhotoDesign:
    """A certificate whose design has a 300 dpi A4 photo (a JPEG) as its background."""
    from PIL import Image

    from conferral.certificates.design import design_of
    from conferral.certificates.design_services import design_asset_upload
    from conferral.certificates.models import DesignAssetKind
    from conferral.certificates.services import RawRow, certificate_create, recipients_add

    certificate = certificate_create(organization=organization, name="Photography 101")
    rows = (RawRow(i, f"Photo Person {i}", f"photo{i}@example.com") for i in range(20))
    recipients_add(certificate=certificate, rows=rows, keep=False)
    picture = Image.linear_gradient("L").resize((3508, 2480)).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    design_asset_upload(
        certificate=certificate, kind=DesignAssetKind.BACKGROUND, data=buffer.getvalue()
    )
    certificate.refresh_from_db()
    return PhotoDesign(certificate, design_of(certificate))


def median_ms(get: Callable[[], Any], expect: int) -> float:
    samples = []
    for _ in range(DOWNLOAD_REPEAT):
        started = time.perf_counter()
        response = get()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expect, response.status_code
    return statistics.median(samples)


@contextlib.contextmanager
def database(postgres: bool) -> Iterator[str]:
    if not postgres:
        yield "SQLite"
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from conferral.testing.servers import postgres_server

    with postgres_server() as server:
        os.environ["CONFERRAL_DATABASE_URL"] = server.url
        yield "PostgreSQL"


def row(label: str, figure: float, unit: str, reference: float | None = None) -> None:
    ratio = f"{figure / reference:>6.2f}x reference" if reference else ""
    print(f"{label:<46}{figure:>9.2f} {unit:<10}{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="PDFs and PNGs to render")
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    options = parser.parse_args()
    with database(options.postgres) as engine, throwaway_django("conferral-bench-render-"):
        import typst
        from django.test import Client

        from conferral.accounts.services import organization_get_or_create
        from conferral.certificates.credentials import credential_claim
        from conferral.certificates.design import design_of
        from conferral.certificates.links import verify_url
        from conferral.certificates.models import Channel, Recipient
        from conferral.certificates.rendering import renderer
        from conferral.certificates.rendering.qr import qr_svg
        from conferral.certificates.services import RawRow, certificate_create, recipients_add

        organization = organization_get_or_create(name="Bench Academy")
        certificate = certificate_create(organization=organization, name="Rendering 101")
        rows = (RawRow(i, f"Person Number {i}", f"p{i}@example.com") for i in range(options.n))
        recipients_add(certificate=certificate, rows=rows, keep=False)
        recipients = list(
            Recipient.objects.filter(certificate=certificate).select_related(
                "certificate__organization"
            )
        )
        design = design_of(certificate)

        def render(fmt: renderer.Format, ppi: float | None = None) -> Callable[[Any], object]:
            return lambda r: renderer.render_job(r, design, fmt, ppi).compile()

        folder = Path(tempfile.mkdtemp(prefix="conferral-bench-trivial-"))
        (folder / "a4.typ").write_text(TRIVIAL_A4)
        trivial = typst.Compiler(
            str(folder / "a4.typ"), root=str(folder), font_paths=renderer._fonts(os.getpid())
        )
        few = recipients[:REFERENCE_RENDERS]
        numbers = iter(range(10**9))

        def page(fmt: renderer.Format, ppi: float | None = None) -> Callable[[Any], object]:
            return lambda _r: trivial.compile(
                format=fmt, ppi=ppi, sys_inputs={"n": str(next(numbers))}
            )

        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"Machine: {os.cpu_count()} CPUs, load average {load} (other work skews figures)")
        print(f"Database: {engine}; {options.n:,} recipients; PNG at {renderer.PNG_PPI:g} ppi")
        pdf_ref = cpu_ms(page("pdf"), few)
        png_ref = cpu_ms(page("png", renderer.PNG_PPI), few)
        old_ref = cpu_ms(page("png", OLD_PNG_PPI), few)
        # Drawn once per link, before any render (and kept): timed on its own.
        row("QR code of a new link (segno)", cpu_ms(lambda r: qr_svg(verify_url(r)), few), "CPU ms")
        for person in recipients:
            qr_svg(verify_url(person))
        print(f"{'reference: trivial A4 PDF':<46}{pdf_ref:>9.2f} CPU ms")
        print(f"{f'reference: trivial A4 PNG, {renderer.PNG_PPI:g} ppi':<46}{png_ref:>9.2f} CPU ms")
        print(f"{f'reference: trivial A4 PNG, {OLD_PNG_PPI:g} ppi':<46}{old_ref:>9.2f} CPU ms")
        row(f"credential PDF ({options.n:,})", cpu_ms(render("pdf"), recipients), "CPU ms", pdf_ref)
        png = cpu_ms(render("png"), recipients)
        row(f"credential PNG ({options.n:,})", png, "CPU ms", png_ref)
        row(f"  same PNG vs trivial A4 at {OLD_PNG_PPI:g} ppi", png, "CPU ms", old_ref)
        old = cpu_ms(render("png", OLD_PNG_PPI), few)
        row(f"credential PNG at {OLD_PNG_PPI:g} ppi (before)", old, "CPU ms", old_ref)

        photo_design = photo_certificate(organization)
        photo_people = list(
            Recipient.objects.filter(certificate=photo_design.certificate).select_related(
                "certificate__organization"
            )
        )
        photo = renderer.render_job(photo_people[0], photo_design.design, "png")
        photo.compile()  # the photo is decoded, scaled and written once per process
        warm = cpu_ms(lambda _r: photo.compile(), photo_people[:PHOTO_RENDERS])

        def among_others(person: Any) -> None:
            for other in few[:OTHER_RENDERS]:  # typst forgets what 10 renders did not use
                render("pdf")(other)
            started = time.process_time()
            renderer.render_job(person, photo_design.design, "png").compile()
            among.append(time.process_time() - started)

        among: list[float] = []
        for person in photo_people[:PHOTO_RENDERS]:
            among_others(person)
        row("PNG with an A4 photo, one after another", warm, "CPU ms")
        row(
            f"  same, each after {OTHER_RENDERS} other renders",
            statistics.median(among) * 1000,
            "CPU ms",
            warm,
        )

        one = wall_rate(render("png"), few, 1)
        two = wall_rate(render("png"), few, 2)
        row("PNGs per second, 1 thread", one, "renders/s")
        row("PNGs per second, 2 threads at once", two, "renders/s", one)

        client = Client(HTTP_HOST="127.0.0.1")
        firsts = []
        for person in recipients[:FIRST_DOWNLOADS]:
            credential_claim(recipient=person, channel=Channel.EMAIL)
            started = time.perf_counter()
            first = client.get(f"/r/{person.token}/certificate.png")
            firsts.append((time.perf_counter() - started) * 1000)
            assert first.status_code == 200
        first_ms = statistics.median(firsts)
        url = f"/r/{person.token}/certificate.png"
        renders = []
        lock = threading.Lock()

        def counted(sender: object, format: str, **kwargs: Any) -> None:
            with lock:
                renders.append(format)

        renderer.document_rendered.connect(counted, weak=False)
        cached = median_ms(lambda: client.get(url), 200)
        etag = {"If-None-Match": first["ETag"]}
        revalidated = median_ms(lambda: client.get(url, headers=etag), 304)
        hit = cpu_ms(lambda r: renderer.credential_file(r, "png"), [person] * DOWNLOAD_REPEAT)
        renderer.document_rendered.disconnect(counted)
        row("download, first (renders), median", first_ms, "ms")
        row("download, again (from the cache), median", cached, "ms", first_ms)
        row("download, revalidated (304), median", revalidated, "ms", first_ms)
        row("  of which the cache (key, read, check)", hit, "CPU ms")
        print(f"renders during {2 * DOWNLOAD_REPEAT} cached downloads: {len(renders)}")


if __name__ == "__main__":
    main()
