"""The design editor in a real browser: dragging a field moves its numbers, the preview
is redrawn from the unsaved form, and saving keeps the new place."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from conferral.accounts.services import organization_get_or_create, user_create
from conferral.certificates.design import design_of
from conferral.certificates.services import certificate_create

pytestmark = pytest.mark.browser


def test_it_drags_a_field_and_redraws_the_preview(page: Page) -> None:
    organization = organization_get_or_create(name="Acme Academy")
    user_create(
        email="owner@acme.test", password="correct horse battery", organization=organization
    )
    certificate = certificate_create(organization=organization, name="Python Fundamentals")

    page.goto("/login/")
    page.get_by_label("Email").fill("owner@acme.test")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/certificates/{certificate.public_id}/design/")

    x = page.locator('input[name="f-0-x"]')  # the recipient name
    before = float(x.input_value())
    handle = page.locator(".design-handle", has_text="Recipient name")
    box = handle.bounding_box()
    assert box is not None

    def moved(url: str) -> bool:
        query = parse_qs(urlsplit(url).query)
        return query.get("sample") == ["sample"] and float(query.get("f-0-x", [before])[0]) > before

    with page.expect_response(lambda response: moved(response.url)) as drawn:
        page.mouse.move(box["x"] + 5, box["y"] + 5)
        page.mouse.down()
        page.mouse.move(box["x"] + 85, box["y"] + 45, steps=5)
        page.mouse.up()
    assert drawn.value.status == 200
    assert drawn.value.headers["content-type"] == "image/png"
    after = float(x.input_value())
    assert after > before
    page.get_by_role("button", name="Save the design").click()
    expect(page.get_by_text("The design was saved.")).to_be_visible()

    certificate.refresh_from_db()
    design = design_of(certificate)
    assert design is not None
    placed = design.field("name")
    assert placed is not None
    assert placed.x == pytest.approx(after, abs=0.1)


def test_it_moves_a_field_with_the_arrow_keys(page: Page) -> None:
    organization = organization_get_or_create(name="Acme Academy")
    user_create(
        email="owner@acme.test", password="correct horse battery", organization=organization
    )
    certificate = certificate_create(organization=organization, name="Python Fundamentals")
    page.goto("/login/")
    page.get_by_label("Email").fill("owner@acme.test")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/certificates/{certificate.public_id}/design/")
    x, y = page.locator('input[name="f-0-x"]'), page.locator('input[name="f-0-y"]')
    x0, y0 = float(x.input_value()), float(y.input_value())

    handle = page.get_by_role("button", name="Recipient name. Move it with the arrow keys")
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")

    assert float(x.input_value()) == pytest.approx(x0 + 1, abs=0.05)
    assert float(y.input_value()) == pytest.approx(y0 + 10, abs=0.05)
    expect(page.locator("#design-status")).to_contain_text("Recipient name:")
    page.get_by_role("button", name="Save the design").click()
    expect(page.get_by_text("The design was saved.")).to_be_visible()
    certificate.refresh_from_db()
    placed = design_of(certificate)
    assert placed is not None
    name = placed.field("name")
    assert name is not None
    assert name.y == pytest.approx(y0 + 10, abs=0.05)
