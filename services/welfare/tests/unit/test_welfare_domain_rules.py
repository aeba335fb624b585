"""Deadlines, consultation and cooperation states, disclosure bases, disclosable fields, feed
cursors and the ask-once rule of transfers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kotopolku.welfare.domain import consultation, cooperation, deadlines, feed, transfer
from kotopolku.welfare.domain.basis import (
    Basis,
    BasisInput,
    check_basis,
    check_may_withdraw,
    holding_basis,
)
from kotopolku.welfare.domain.codes import (
    BasisKind,
    ConsultationState,
    CooperationState,
    DataCategory,
    PlacementBasis,
    PlacementState,
    ServiceNeed,
)
from kotopolku.welfare.domain.disclosable import DISCLOSABLE, chosen_fields, pick
from kotopolku.welfare.domain.errors import InvalidTransition, WelfareDomainError

TODAY = date(2026, 3, 2)
PLAN = DataCategory.MULTI_SECTOR_PLAN
ASSESSMENT = DataCategory.MULTI_SECTOR_ASSESSMENT


# --- deadlines -----------------------------------------------------------------------------------


def test_answer_deadlines() -> None:
    assert deadlines.answer_due(None, TODAY) == TODAY + timedelta(days=14)
    assert deadlines.answer_due(TODAY + timedelta(days=1), TODAY) == TODAY + timedelta(days=1)
    assert deadlines.answer_due(TODAY + timedelta(days=90), TODAY) == TODAY + timedelta(days=90)
    for bad in (TODAY, TODAY - timedelta(days=1), TODAY + timedelta(days=91)):
        with pytest.raises(WelfareDomainError):
            deadlines.answer_due(bad, TODAY)
    assert not deadlines.overdue(TODAY, TODAY)
    assert deadlines.overdue(TODAY, TODAY + timedelta(days=1))
    assert not deadlines.overdue(None, TODAY)


# --- consultation --------------------------------------------------------------------------------


def test_consultation_states() -> None:
    consultation.check_may_start(PlacementState.RECEIVED, None)
    with pytest.raises(InvalidTransition):
        consultation.check_may_start(PlacementState.ACCEPTED, None)
    with pytest.raises(InvalidTransition):
        consultation.check_may_start(PlacementState.RECEIVED, "c-1")
    consultation.check_may_answer(ConsultationState.OPEN)
    for state in (ConsultationState.ANSWERED, ConsultationState.DECIDED):
        with pytest.raises(InvalidTransition):
            consultation.check_may_answer(state)
    assert consultation.answer_overdue(ConsultationState.OPEN, TODAY, TODAY + timedelta(days=1))
    assert not consultation.answer_overdue(
        ConsultationState.ANSWERED, TODAY, TODAY + timedelta(days=1)
    )
    assert consultation.check_answer("  ok ", (ServiceNeed.HOME_CARE,)) == "ok"
    with pytest.raises(WelfareDomainError):
        consultation.check_answer("x", (ServiceNeed.HOME_CARE, ServiceNeed.HOME_CARE))
    with pytest.raises(WelfareDomainError):
        consultation.check_answer("x" * 4001, ())


# --- cooperation and bases -----------------------------------------------------------------------


def basis(
    kind: BasisKind = BasisKind.LEGAL,
    categories: frozenset[DataCategory] = frozenset({PLAN, ASSESSMENT}),
    valid_from: date = TODAY,
    valid_until: date | None = None,
    withdrawn: bool = False,
    basis_id: str = "b-1",
) -> Basis:
    return Basis(basis_id, kind, categories, valid_from, valid_until, withdrawn, "681/2023")


def test_a_basis_holds_within_its_days_for_its_data_until_withdrawn() -> None:
    limited = basis(valid_until=TODAY + timedelta(days=3))
    assert limited.holds(PLAN, TODAY)
    assert limited.holds(PLAN, TODAY + timedelta(days=3))
    assert not limited.holds(PLAN, TODAY + timedelta(days=4))
    assert not limited.holds(PLAN, TODAY - timedelta(days=1))
    assert not basis(categories=frozenset({ASSESSMENT})).holds(PLAN, TODAY)
    assert not basis(withdrawn=True).holds(PLAN, TODAY)
    assert not basis(withdrawn=True).valid_on(TODAY)


def test_a_law_comes_before_a_consent() -> None:
    consent = basis(BasisKind.CONSENT, basis_id="consent")
    law = basis(BasisKind.LEGAL, basis_id="law", valid_from=TODAY)
    assert holding_basis([consent, law], PLAN, TODAY) is law
    assert holding_basis([consent], PLAN, TODAY) is consent
    assert holding_basis([basis(withdrawn=True)], PLAN, TODAY) is None


@pytest.mark.parametrize(
    ("state", "scope", "expected"),
    [
        (CooperationState.ACCEPTED, [PLAN], True),
        (CooperationState.ACCEPTED, [ASSESSMENT], False),
        (CooperationState.REQUESTED, [PLAN], False),
        (CooperationState.DECLINED, [PLAN], False),
        (CooperationState.ENDED, [PLAN], False),
    ],
)
def test_disclosure_needs_an_accepted_cooperation_covering_the_data(
    state: CooperationState, scope: list[DataCategory], expected: bool
) -> None:
    found = cooperation.disclosure_basis(state, scope, PLAN, [basis()], TODAY)
    assert (found is not None) is expected


def given(**kw: object) -> BasisInput:
    values: dict[str, object] = {
        "kind": BasisKind.CONSENT,
        "categories": (PLAN,),
        "legal_reference": "",
        "consent_given_on": TODAY - timedelta(days=2),
        "valid_from": None,
        "valid_until": None,
    }
    values.update(kw)
    return BasisInput(**values)  # type: ignore[arg-type]


def test_checking_a_basis() -> None:
    consent = check_basis(given(), [PLAN, ASSESSMENT], TODAY)
    assert consent.valid_from == TODAY - timedelta(days=2)
    law = check_basis(
        given(kind=BasisKind.LEGAL, legal_reference=" 681/2023 ", consent_given_on=TODAY),
        [PLAN],
        TODAY,
    )
    assert (law.legal_reference, law.consent_given_on, law.valid_from) == ("681/2023", None, TODAY)
    for bad, field in (
        (given(kind=None), "basis.kind"),
        (given(categories=()), "basis.categories"),
        (given(categories=(ASSESSMENT,)), "basis.categories"),
        (given(kind=BasisKind.LEGAL), "basis.legal_reference"),
        (given(consent_given_on=None), "basis.consent_given_on"),
        (given(consent_given_on=TODAY + timedelta(days=1)), "basis.consent_given_on"),
        (given(valid_from=TODAY - timedelta(days=5)), "basis.valid_from"),
        (given(valid_until=TODAY - timedelta(days=3)), "basis.valid_until"),
        (given(valid_until=TODAY - timedelta(days=1)), "basis.valid_until"),
        (given(legal_reference="x" * 301), "basis.legal_reference"),
    ):
        with pytest.raises(WelfareDomainError) as caught:
            check_basis(bad, [PLAN], TODAY)
        assert caught.value.field == field
    check_may_withdraw(False)
    with pytest.raises(InvalidTransition):
        check_may_withdraw(True)


def test_cooperation_rules() -> None:
    assert cooperation.check_scope([PLAN, ASSESSMENT, PLAN]) == (ASSESSMENT, PLAN)
    for bad in ([], [DataCategory.RECEPTION_TRANSFER]):
        with pytest.raises(WelfareDomainError):
            cooperation.check_scope(bad)
    cooperation.check_may_answer(CooperationState.REQUESTED)
    for state in (CooperationState.ACCEPTED, CooperationState.DECLINED, CooperationState.ENDED):
        with pytest.raises(InvalidTransition):
            cooperation.check_may_answer(state)
    cooperation.check_may_end(CooperationState.REQUESTED)
    cooperation.check_may_end(CooperationState.ACCEPTED)
    for state in (CooperationState.DECLINED, CooperationState.ENDED):
        with pytest.raises(InvalidTransition):
            cooperation.check_may_end(state)
    with pytest.raises(WelfareDomainError):
        cooperation.check_text(" ", "reason", required=True)


# --- disclosable fields --------------------------------------------------------------------------


def test_only_multi_sector_fields_are_disclosable() -> None:
    assert "obligations" not in DISCLOSABLE[PLAN]
    assert not any(p.startswith("basic") for p in DISCLOSABLE[ASSESSMENT])
    assert "sensitive_welfare_note" not in DISCLOSABLE[ASSESSMENT]
    assert chosen_fields(PLAN, []) == DISCLOSABLE[PLAN]
    assert chosen_fields(PLAN, ["services", "goals"]) == ("goals", "services")
    with pytest.raises(WelfareDomainError) as caught:
        chosen_fields(PLAN, ["goals", "obligations"])
    assert caught.value.field == "fields"


def test_pick_takes_exactly_the_paths_that_have_values() -> None:
    source = {
        "state": "COMPLETED",
        "basic": {"literacy": {"summary": "x"}},
        "multi_sector": {"team": [{"name": "S"}], "written_exchange": True},
    }
    picked, present = pick(source, ["state", "multi_sector.team", "multi_sector.other", "outcome"])
    assert picked == {"state": "COMPLETED", "multi_sector": {"team": [{"name": "S"}]}}
    assert present == ("state", "multi_sector.team")


# --- feed cursors --------------------------------------------------------------------------------


def test_cursors_are_bound_to_their_welfare_area() -> None:
    cursor = feed.encode_cursor("pirkanmaa", 42)
    assert feed.decode_cursor(cursor, "pirkanmaa") == 42
    assert feed.decode_cursor("", "pirkanmaa") == 0
    for bad in (
        feed.encode_cursor("vantaa-kerava", 42),
        "not-a-cursor!",
        feed.encode_cursor("pirkanmaa", -1),
    ):
        with pytest.raises(WelfareDomainError) as caught:
            feed.decode_cursor(bad, "pirkanmaa")
        assert caught.value.field == "cursor"


def test_read_limits() -> None:
    assert feed.read_limit(0) == feed.DEFAULT_LIMIT
    assert feed.read_limit(10_000) == feed.MAX_LIMIT
    assert feed.wait_seconds(20) == 20
    for bad in (-1, 21):
        with pytest.raises(WelfareDomainError):
            feed.wait_seconds(bad)
    with pytest.raises(WelfareDomainError):
        feed.read_limit(-1)


# --- transfers -----------------------------------------------------------------------------------


def test_ask_once() -> None:
    asked = transfer.ask_once(
        {"first_names": "M", "last_name": "H", "date_of_birth": "1994-08-30", "languages": ["fa"]}
    )
    assert asked.carried == (
        "first_names",
        "last_name",
        "date_of_birth",
        "languages",
        "segment",
        "residence_permit_type",
    )
    assert "henkilotunnus" in asked.still_to_ask
    assert "first_names" not in asked.still_to_ask
    assert set(transfer.SEGMENT_BY_BASIS) == set(PlacementBasis)
    assert set(transfer.PERMIT_BY_BASIS) == set(PlacementBasis)


def test_a_transfer_needs_a_consent() -> None:
    assert transfer.check_consent(TODAY, None, TODAY) == TODAY
    for given_on, until, field in (
        (None, None, "consent.given_on"),
        (TODAY + timedelta(days=1), None, "consent.given_on"),
        (TODAY, TODAY - timedelta(days=1), "consent.valid_until"),
    ):
        with pytest.raises(WelfareDomainError) as caught:
            transfer.check_consent(given_on, until, TODAY)
        assert caught.value.field == field
    assert transfer.check_received_on(None, TODAY) == TODAY
    with pytest.raises(WelfareDomainError):
        transfer.check_received_on(TODAY + timedelta(days=1), TODAY)
