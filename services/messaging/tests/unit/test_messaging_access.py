"""Who may do what in the messaging service."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import INTERNAL_SERVICE_ROLE, Caller, Role
from kotopolku.messaging import access
from kotopolku.messaging.domain.threads import ParticipantKind


def caller(*roles: str, municipality: str | None = "091", **extra: str) -> Caller:
    return Caller(
        subject="s", roles=frozenset(roles), purpose="p", municipality=municipality, **extra
    )  # type: ignore[arg-type]


THREAD = SimpleNamespace(municipality_code="091", client_id="c-1")


def test_staff_see_their_municipalitys_threads_and_officers_write() -> None:
    officer = access.thread_viewer(caller(Role.MUNICIPAL_OFFICER))
    assert officer.sees(THREAD, set())
    assert officer.may_write
    manager = access.thread_viewer(caller(Role.MANAGER))
    assert manager.sees(THREAD, set())
    assert not manager.may_write
    assert not access.thread_viewer(caller(Role.MUNICIPAL_OFFICER, municipality="837")).sees(
        THREAD, set()
    )


def test_a_client_sees_only_threads_about_themselves() -> None:
    own = access.thread_viewer(caller(Role.CLIENT, municipality=None, client_id="c-1"))
    assert own.kind is ParticipantKind.CLIENT
    assert own.sees(THREAD, set())
    assert own.participant_subject == "c-1"
    other = access.thread_viewer(caller(Role.CLIENT, municipality=None, client_id="c-2"))
    assert not other.sees(THREAD, {"c-2"})
    with pytest.raises(PermissionDenied):
        access.thread_viewer(caller(Role.CLIENT, municipality=None))


def test_stakeholders_see_only_threads_they_take_part_in() -> None:
    worker = access.thread_viewer(caller(Role.WELFARE_AREA_WORKER, municipality=None))
    assert worker.sees(THREAD, {"s"})
    assert not worker.sees(THREAD, {"someone-else"})


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.REFERRER, Role.ADMIN, Role.ARCHIVIST])
def test_other_roles_are_refused(role: str) -> None:
    with pytest.raises(PermissionDenied):
        access.thread_viewer(caller(role))
    with pytest.raises(PermissionDenied):
        access.notification_actor(caller(role))


def test_services_see_only_their_own_notifications() -> None:
    service = access.notification_actor(
        Caller(
            subject="kotopolku-service:appointments",
            roles=frozenset({INTERNAL_SERVICE_ROLE}),
            purpose="system-operation",
        )
    )
    assert service.is_service
    assert service.may_send
    assert service.sees(SimpleNamespace(requested_by="kotopolku-service:appointments"))
    assert not service.sees(SimpleNamespace(requested_by="kotopolku-service:esign"))
    manager = access.notification_actor(caller(Role.MANAGER))
    assert not manager.may_send
    assert manager.sees(SimpleNamespace(municipality_code="091"))


def test_templates_and_campaigns() -> None:
    assert access.template_writer(caller(Role.MANAGER)) == "091"
    with pytest.raises(PermissionDenied):
        access.template_writer(caller(Role.EMPLOYMENT_OFFICER))
    with pytest.raises(PermissionDenied):
        access.campaign_staff(caller(Role.EMPLOYMENT_OFFICER))
    with pytest.raises(PermissionDenied):
        access.opt_out_actor(caller(Role.MANAGER), write=True)
    assert access.opt_out_actor(caller(Role.MANAGER), write=False).municipality == "091"
