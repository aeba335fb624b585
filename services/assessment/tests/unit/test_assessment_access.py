"""Who may see and change what: the access rules without I/O, role by role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kotopolku.assessment import access
from kotopolku.assessment.access import Standing, Viewer
from kotopolku.assessment.domain import model
from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role


def caller(*roles: str, **claims: str) -> Caller:
    return Caller(subject="s", roles=frozenset(roles), purpose="p", **claims)


OFFICER = caller(Role.MUNICIPAL_OFFICER, municipality="091")
EMPLOYMENT = caller(Role.EMPLOYMENT_OFFICER, municipality="091")
MANAGER = caller(Role.MANAGER, municipality="091")
WORKER = caller(Role.WELFARE_AREA_WORKER, welfare_area="pirkanmaa")
PROVIDER = caller(Role.SERVICE_PROVIDER, municipality="091", organisation="opisto")
AREAS = frozenset({"pirkanmaa"})


@pytest.mark.parametrize(
    ("who", "standing"),
    [
        (OFFICER, Standing.OFFICER),
        (EMPLOYMENT, Standing.OFFICER),
        (MANAGER, Standing.MANAGER),
        (WORKER, Standing.TEAM),
    ],
)
def test_standing_towards_an_assessment_of_the_municipality(
    who: Caller, standing: Standing
) -> None:
    viewer = access.viewer_of(who, "091", AREAS)
    assert viewer is not None
    assert viewer.standing is standing


@pytest.mark.parametrize(
    "who",
    [
        caller(Role.MUNICIPAL_OFFICER, municipality="837"),
        caller(Role.MANAGER, municipality="837"),
        caller(Role.WELFARE_AREA_WORKER, welfare_area="vantaa-kerava"),
        # A welfare-area claim without the role grants nothing, and neither does the municipality
        # claim of a welfare-area worker.
        caller(Role.AUDITOR, municipality="091", welfare_area="pirkanmaa"),
        caller(Role.WELFARE_AREA_WORKER, municipality="091"),
        PROVIDER,
        caller(Role.AUDITOR, municipality="091"),
        caller(Role.CLIENT),
        caller(Role.ADMIN),
    ],
)
def test_everyone_else_sees_nothing(who: Caller) -> None:
    assert access.viewer_of(who, "091", AREAS) is None


def test_what_each_standing_writes() -> None:
    officer, manager = Viewer(Standing.OFFICER), Viewer(Standing.MANAGER)
    team = Viewer(Standing.TEAM, "pirkanmaa")
    assert officer.writable == frozenset(model.CONTENT_FIELDS)
    assert model.SENSITIVE_NOTE not in officer.writable
    assert manager.writable == frozenset()
    assert team.writable == {*model.WELFARE_SECTIONS, model.SENSITIVE_NOTE}
    team.require_writable([model.MENTAL_HEALTH, model.SENSITIVE_NOTE])
    with pytest.raises(PermissionDenied) as info:
        team.require_writable([model.MENTAL_HEALTH, model.OUTCOME, model.TEAM])
    assert [v.field for v in info.value.violations] == [model.OUTCOME, model.TEAM]
    with pytest.raises(PermissionDenied):
        officer.require_writable([model.SENSITIVE_NOTE])


def test_only_the_own_areas_team_member_sees_a_sensitive_note_or_its_correction() -> None:
    team = Viewer(Standing.TEAM, "pirkanmaa")
    assert team.sees_sensitive_note
    assert not Viewer(Standing.OFFICER).sees_sensitive_note
    assert not Viewer(Standing.MANAGER).sees_sensitive_note
    fields = ("outcome", model.SENSITIVE_NOTE)
    assert team.sees_correction(fields, "pirkanmaa") == fields
    assert team.sees_correction(fields, "vantaa-kerava") == ("outcome",)
    assert Viewer(Standing.OFFICER).sees_correction(fields, "pirkanmaa") == ("outcome",)
    assert (
        Viewer(Standing.TEAM, "vantaa-kerava").sees_correction([model.SENSITIVE_NOTE], "pirkanmaa")
        == ()
    )


def test_roles_that_never_read_assessments_are_refused_outright() -> None:
    for who in (OFFICER, MANAGER, WORKER):
        access.require_assessment_reader(who)
    for who in (
        PROVIDER,
        caller(Role.AUDITOR, municipality="091"),
        caller(Role.REFERRER, organisation="migri"),
        caller(Role.MUNICIPAL_OFFICER),
        caller(Role.WELFARE_AREA_WORKER),
    ):
        with pytest.raises(PermissionDenied):
            access.require_assessment_reader(who)


def test_only_officers_create_and_only_providers_have_own_measures() -> None:
    assert access.staff_writer_municipality(EMPLOYMENT) == "091"
    for who in (MANAGER, WORKER, PROVIDER, caller(Role.MUNICIPAL_OFFICER)):
        with pytest.raises(PermissionDenied):
            access.staff_writer_municipality(who)
    assert access.provider_organisation(PROVIDER) == "opisto"
    for who in (OFFICER, caller(Role.SERVICE_PROVIDER, municipality="091")):
        with pytest.raises(PermissionDenied):
            access.provider_organisation(who)


def test_a_provider_sees_the_measures_ordered_from_its_organisation() -> None:
    measure = SimpleNamespace(provider_organisation="opisto", municipality_code="091")
    assert access.provider_sees_measure(PROVIDER, measure)
    assert not access.provider_sees_measure(
        caller(Role.SERVICE_PROVIDER, municipality="091", organisation="kielikoulu"), measure
    )
    assert not access.provider_sees_measure(
        caller(Role.SERVICE_PROVIDER, municipality="837", organisation="opisto"), measure
    )
    # A provider not tied to one municipality serves every municipality that orders from it.
    assert access.provider_sees_measure(
        caller(Role.SERVICE_PROVIDER, organisation="opisto"), measure
    )
    assert not access.provider_sees_measure(
        caller(Role.MUNICIPAL_OFFICER, municipality="091", organisation="opisto"), measure
    )
