"""The client self-service pages (/app/) in a real headless Chromium on a phone-sized screen:
sign-in with Keycloak (authorization code with PKCE), own details, approving the own plan, the
audit trail, Finnish and Arabic (right to left), WCAG 2.1 AA checks with axe-core, and the
layout at 360 px."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from e2e.browser import accessibility_violations, png_size, save_screenshot
from e2e.conftest import API_URL, Api, finnish_today

PHONE = {"width": 360, "height": 740}
PASSWORD = "kotopolku-demo"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # The pages' CSP would block axe-core's injected script; the policy has a test of its own.
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fi-FI",
        bypass_csp=True,
    )
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def _submitted_plan(officer: Api, client_id: str) -> dict[str, Any]:
    """A plan of the client waiting for approval, with a distinctive goal."""
    today = finnish_today()
    goal = f"Ammattikoulutus {uuid.uuid4().hex[:6]}"
    created = officer.post(
        f"/v1/clients/{client_id}/plans",
        json={
            "kind": "individual",
            "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=300)).isoformat(),
            "goals": [{"category": "education", "text": goal}],
            "services": [
                {
                    "other_service": "Kielikahvila",
                    "planned_start": today.isoformat(),
                    "planned_end": (today + timedelta(days=90)).isoformat(),
                }
            ],
        },
    )
    assert created.status_code == 201, created.text
    submitted = officer.post(
        f"/v1/plans/{created.json()['id']}/submit", headers={"If-Match": created.headers["etag"]}
    )
    assert submitted.status_code == 200, submitted.text
    return {**submitted.json(), "goal": goal}


def _sign_in(page: Any, username: str) -> None:
    page.goto(f"{API_URL}/app/")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#sign-in")
    page.wait_for_selector("#username")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#kc-login")
    page.wait_for_url(f"{API_URL}/app/")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#details-list dd")


def _check_phone_layout(page: Any, name: str) -> None:
    # Nothing wider than the screen: no sideways scrolling on a 360 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot = page.screenshot(full_page=True)
    save_screenshot(name, shot)
    width, height = png_size(shot)
    assert width == PHONE["width"] * 2
    assert height >= PHONE["height"] * 2
    for selector in ("h1", "#language", "#sign-out", "#plans-heading"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0, selector
        assert box["x"] + box["width"] <= PHONE["width"] + 0.5, selector


def test_a_client_signs_in_approves_the_plan_and_sees_the_audit_trail(
    page: Any, officer: Api, own_record: dict[str, Any]
) -> None:
    plan = _submitted_plan(officer, own_record["id"])
    _sign_in(page, "client.amina")

    assert page.locator("html").get_attribute("lang") == "fi"
    assert "Amina" in page.locator("#details-list").inner_text()
    card = page.locator("article.card", has_text=plan["goal"])
    assert "Odottaa hyväksyntää" in card.inner_text()
    assert accessibility_violations(page) == []
    _check_phone_layout(page, "self-service-fi-360.png")

    card.locator("button.approve").click()
    page.wait_for_selector("#status:text('Hyväksyit suunnitelman.')")
    card = page.locator("article.card", has_text=plan["goal"])
    assert card.locator("button.approve").count() == 0
    assert "Sinä" in card.inner_text()
    approved = officer.get(f"/v1/plans/{plan['id']}").json()
    assert [a["party"] for a in approved["approvals"]] == ["client"]

    # The trail names who processed the data and why, in the client's language.
    trail = page.locator("#trail-list")
    assert trail.locator("li").count() > 0
    text = trail.inner_text()
    assert "Kunnan kotoutumispalvelujen virkailija" in text
    assert "kotoutumispalvelut" in text

    # Keyboard: on a fresh page the first Tab stop is the skip link.
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"


def test_the_pages_in_arabic_read_right_to_left(page: Any, own_record: dict[str, Any]) -> None:
    _sign_in(page, "client.amina")
    page.select_option("#language", "ar")
    page.wait_for_function("document.documentElement.lang === 'ar'")

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#details-heading").inner_text() == "بياناتي"
    assert page.locator("#plans-heading").inner_text() == "خطة الاندماج"
    header = page.locator("header.top").bounding_box()
    brand = page.locator("h1").bounding_box()
    assert header is not None
    assert brand is not None
    # Right to left: the title starts at the right edge of the header.
    assert brand["x"] + brand["width"] > header["x"] + header["width"] - 40
    assert accessibility_violations(page) == []
    _check_phone_layout(page, "self-service-ar-360.png")

    # The choice is remembered on the next visit.
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_the_pages_carry_a_strict_content_security_policy(http: Any) -> None:
    response = http.get("/app/")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    config = http.get("/app/config.json").json()
    assert config["client_id"] == "kotopolku-ui"
    assert config["authority"].endswith("/realms/kotopolku")


def _appointment_soon(officer: Api, client_id: str) -> dict[str, Any]:
    """An appointment of the client within the next weeks, at a random free-looking hour."""
    day = finnish_today() + timedelta(days=uuid.uuid4().int % 40 + 3)
    hour = uuid.uuid4().int % 6 + 8
    title = f"Ohjauskäynti {uuid.uuid4().hex[:6]}"
    created = officer.post(
        f"/v1/clients/{client_id}/appointments",
        json={
            "kind": "appointment",
            "title": title,
            "location": "Toinen linja 4, Helsinki",
            "start": f"{day.isoformat()}T{hour:02d}:00",
            "end": f"{day.isoformat()}T{hour:02d}:45",
            "assignees": [{"kind": "client"}],
            "organiser": "Helsingin kotoutumispalvelut",
        },
        params={"allow_conflicts": "true"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_a_client_signs_the_plan_sees_appointments_and_answers_a_message(
    page: Any, officer: Api, own_record: dict[str, Any]
) -> None:
    appointment = _appointment_soon(officer, own_record["id"])
    subject = f"Kurssin aloitus {uuid.uuid4().hex[:6]}"
    thread = officer.post(
        f"/v1/clients/{own_record['id']}/threads",
        json={"subject": subject, "body": "Hei! Kurssi alkaa maanantaina klo 9."},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert thread.status_code == 201, thread.text
    plan = _submitted_plan(officer, own_record["id"])
    created = officer.post(
        f"/v1/plans/{plan['id']}/signing-requests",
        json={"order": "sequential"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text
    request = created.json()
    signed = officer.post(
        f"/v1/signing-requests/{request['id']}/sign", headers={"If-Match": created.headers["etag"]}
    )
    assert signed.status_code == 200, signed.text

    _sign_in(page, "client.amina")
    assert appointment["title"] in page.locator("#appointments-list").inner_text()

    # The plan document is there to read, and the client signs it.
    card = page.locator("article.signing").filter(has=page.locator("button.sign")).first
    with page.expect_download() as download:
        card.locator("a.document").click()
    assert download.value.suggested_filename.endswith(".pdf")
    card.locator("button.sign").click()
    page.wait_for_selector("#status:text('Allekirjoitit asiakirjan.')")
    done = officer.get(f"/v1/signing-requests/{request['id']}").json()
    assert done["status"] == "completed"
    assert [s["status"] for s in done["signers"]] == ["signed", "signed"]

    # The conversation opens, is marked read, and takes a reply.
    thread_card = page.locator("article.thread", has_text=subject)
    thread_card.locator("button.thread-open").click()
    page.wait_for_selector("#reply-body")
    assert "Kurssi alkaa maanantaina" in thread_card.inner_text()
    page.fill("#reply-body", "Kiitos, tulen paikalle.")
    page.locator("form.reply button[type=submit]").click()
    page.wait_for_selector("#status:text('Viesti lähetetty.')")
    messages = officer.get(f"/v1/threads/{thread.json()['id']}/messages").json()["items"]
    assert [m["body"] for m in messages][-1] == "Kiitos, tulen paikalle."
    assert accessibility_violations(page) == []
    _check_phone_layout(page, "self-service-fi-360-messages.png")


def _feedback_invitation(officer: Api, client_id: str) -> dict[str, Any]:
    """A client survey and an invitation to the client to answer it."""
    survey = officer.post(
        "/v1/feedback/surveys",
        json={
            "name": f"Itsepalvelun palaute {uuid.uuid4().hex[:6]}",
            "title": {"fi": "Miten kotoutumiskoulutus onnistui?", "ar": "كيف كان التدريب؟"},
            "questions": [
                {
                    "id": "overall",
                    "kind": "score",
                    "text": {"fi": "Kokonaisarvio", "ar": "التقييم العام"},
                    "required": True,
                },
                {"id": "comment", "kind": "text", "text": {"fi": "Mitä haluat sanoa?"}},
            ],
            "audience": "client",
        },
    )
    assert survey.status_code == 201, survey.text
    invitation = officer.post(
        f"/v1/clients/{client_id}/feedback-invitations",
        json={"survey_id": survey.json()["id"], "context_kind": "programme-service"},
    )
    assert invitation.status_code == 201, invitation.text
    return dict(invitation.json())


def test_a_client_gives_anonymous_feedback_on_the_phone(
    page: Any, officer: Api, own_record: dict[str, Any]
) -> None:
    invitation = _feedback_invitation(officer, own_record["id"])
    _sign_in(page, "client.amina")

    card = page.locator("article.feedback-card", has_text="Miten kotoutumiskoulutus onnistui?")
    assert card.count() == 1
    assert "Kokonaisarvio" in card.inner_text()
    assert card.locator("input[name=anonymous]").is_checked()
    assert accessibility_violations(page) == []
    card.scroll_into_view_if_needed()
    _check_phone_layout(page, "self-service-feedback-fi-360.png")

    card.locator(f"label[for='q-{invitation['id']}-overall-4']").click()
    card.locator("textarea").fill("Opettaja selitti asiat selvästi.")
    card.locator("button.send-feedback").click()
    page.wait_for_selector("#status:text('Kiitos palautteestasi!')")
    assert page.locator("article.feedback-card", has_text="Miten kotoutumiskoulutus").count() == 0

    # The officer sees that it was answered, and nothing of the anonymous answer.
    listed = officer.get(f"/v1/clients/{own_record['id']}/feedback-invitations").json()["items"]
    seen = next(i for i in listed if i["id"] == invitation["id"])
    assert seen["status"] == "answered"
    assert seen["answer"] is None
