"""Integration tests of the programme catalogue: providers and programme services, on SQLite and
PostgreSQL, through the real service (migrations, interceptors, identity, audit outbox)."""

from __future__ import annotations

import grpc
from programme_testkit import (
    CLIENT_USER,
    EMPLOYMENT_OFFICER,
    KANSALAISOPISTO,
    MANAGER,
    OFFICER,
    OFFICER_837,
    OPISTO,
    OPISTO_837,
    WELFARE_WORKER,
    Programme,
    business_id,
    mask,
    provider,
    rpc_error,
    service,
)

from kotopolku.programme.tables import (
    audit_outbox,
    idempotency_keys,
    programme_services,
    providers,
    service_intakes,
    service_languages,
)
from kotopolku.programme.v1 import programme_pb2 as pb

# --- providers ---------------------------------------------------------------------------------


async def test_provider_round_trip_update_and_audit(svc: Programme) -> None:
    sent = provider(
        "opisto",
        contacts=[
            pb.ProviderContact(name="  Outi   Opettaja ", email="Outi@Opisto.Example.FI"),
            pb.ProviderContact(name="Toimisto", phone="09 123 4567"),
        ],
    )
    sent.business_id = " " + sent.business_id + " "
    created = await svc.create_provider(sent)

    assert created.id == "opisto"
    assert created.version == 1
    assert created.municipality_code == "091"
    assert created.business_id == business_id(1234567)
    assert [(c.name, c.email, c.phone) for c in created.contacts] == [
        ("Outi Opettaja", "Outi@opisto.example.fi", ""),
        ("Toimisto", "", "+35891234567"),
    ]
    fetched = await svc.stub.GetProvider(
        pb.GetProviderRequest(provider_id="opisto"), metadata=svc.md(MANAGER)
    )
    assert fetched == created

    request = pb.UpdateProviderRequest(
        provider_id="opisto",
        provider=pb.Provider(name="Opisto ry"),
        update_mask=mask("name"),
        expected_version=1,
    )
    updated = await svc.stub.UpdateProvider(request, metadata=svc.md(OFFICER))
    assert (updated.name, updated.version, list(updated.contacts)) == (
        "Opisto ry",
        2,
        list(created.contacts),
    )
    stale = await rpc_error(
        svc.stub.UpdateProvider(request, metadata=svc.md(OFFICER)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert stale.type == "stale-version"

    listed = await svc.stub.ListProviders(pb.ListProvidersRequest(), metadata=svc.md(OFFICER))
    assert [p.id for p in listed.providers] == ["opisto"]

    events = await svc.audit_events()
    assert [e.action for e in events] == [
        "provider.create",
        "provider.read",
        "provider.update",
        "provider.read",
    ]
    assert {e.resource for e in events} == {"providers/opisto"}
    assert all(e.municipality_code == "091" and e.purpose for e in events)
    assert list(events[2].fields) == ["name"]
    for payload in await svc.outbox_payloads():
        for value in (b"Outi", b"opisto.example.fi", b"1234567"):
            assert value not in payload


async def test_provider_validation_names_every_bad_field_and_writes_nothing(svc: Programme) -> None:
    bad = pb.Provider(
        id="Opisto Oy",
        name="",
        business_id="1234567-0" if business_id(1234567) != "1234567-0" else "1234567-1",
        contacts=[
            pb.ProviderContact(name="Outi", email="not-an-address", phone="abc"),
            pb.ProviderContact(name="", email="ok@example.fi"),
            pb.ProviderContact(name="Nobody"),
        ],
    )
    error = await rpc_error(svc.create_provider(bad), grpc.StatusCode.INVALID_ARGUMENT)

    assert error.type == "validation-error"
    assert {v.field for v in error.violations} == {
        "id",
        "name",
        "business_id",
        "contacts[0].email",
        "contacts[0].phone",
        "contacts[1].name",
        "contacts[2]",
    }
    assert "check digit" in next(
        v.description for v in error.violations if v.field == "business_id"
    )
    assert await svc.count(providers) == 0
    assert await svc.count(audit_outbox) == 0


async def test_provider_conflicts_and_idempotency(svc: Programme) -> None:
    first = await svc.create_provider(provider("opisto"), key="k-1")
    again = await svc.create_provider(provider("opisto"), key="k-1")
    assert again == first

    reused = await rpc_error(
        svc.create_provider(provider("toinen", 7654321), key="k-1"),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    assert reused.type == "idempotency-key-reused"
    await rpc_error(
        svc.create_provider(provider("opisto", 7654321)), grpc.StatusCode.ALREADY_EXISTS
    )
    same_business = await rpc_error(
        svc.create_provider(provider("toinen", 1234567)), grpc.StatusCode.ALREADY_EXISTS
    )
    assert "business id" in same_business.detail
    # The same organisation id is free in another municipality.
    other = await svc.create_provider(provider("opisto"), caller=OFFICER_837)
    assert other.municipality_code == "837"
    assert await svc.count(providers) == 2
    assert await svc.count(idempotency_keys) == 1


async def test_provider_access(svc: Programme) -> None:
    await svc.create_provider(provider("opisto"))
    await svc.create_provider(provider("kansalaisopisto", 7654321))

    for caller in (EMPLOYMENT_OFFICER, OPISTO, CLIENT_USER, WELFARE_WORKER):
        await rpc_error(
            svc.create_provider(provider("uusi", 1111111), caller=caller),
            grpc.StatusCode.PERMISSION_DENIED,
        )
    # A provider sees its own record only; another municipality sees nothing.
    own = await svc.stub.ListProviders(pb.ListProvidersRequest(), metadata=svc.md(OPISTO))
    assert [p.id for p in own.providers] == ["opisto"]
    await rpc_error(
        svc.stub.GetProvider(
            pb.GetProviderRequest(provider_id="kansalaisopisto"), metadata=svc.md(OPISTO)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    for caller in (OFFICER_837, OPISTO_837):
        await rpc_error(
            svc.stub.GetProvider(
                pb.GetProviderRequest(provider_id="opisto"), metadata=svc.md(caller)
            ),
            grpc.StatusCode.NOT_FOUND,
        )
    await rpc_error(
        svc.stub.UpdateProvider(
            pb.UpdateProviderRequest(
                provider_id="opisto",
                provider=pb.Provider(name="X"),
                update_mask=mask("name"),
                expected_version=1,
            ),
            metadata=svc.md(OFFICER_837),
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    page = await svc.stub.ListProviders(
        pb.ListProvidersRequest(page_size=1), metadata=svc.md(MANAGER)
    )
    rest = await svc.stub.ListProviders(
        pb.ListProvidersRequest(page_size=1, page_token=page.next_page_token),
        metadata=svc.md(MANAGER),
    )
    assert [p.id for p in (*page.providers, *rest.providers)] == ["kansalaisopisto", "opisto"]
    assert rest.next_page_token == ""


# --- programme services ------------------------------------------------------------------------


async def test_service_round_trip_normalises_and_is_audited(svc: Programme) -> None:
    await svc.create_provider()
    sent = service(
        languages=["FIN", "en", "fi"],
        intake_dates=["2026-08-10", "2026-03-02", "2026-08-10"],
        remote=True,
    )
    created = await svc.create_service(sent)

    assert created.id
    assert created.version == 1
    assert created.municipality_code == "091"
    assert list(created.languages) == ["fi", "en"]
    assert list(created.intake_dates) == ["2026-03-02", "2026-08-10"]
    assert created.free_places == created.capacity == 3
    assert (created.type, created.name, created.provider_id) == (
        sent.type,
        sent.name,
        "opisto",
    )
    assert (created.valid_from, created.valid_until, created.remote) == (
        "2026-01-01",
        "2026-12-31",
        True,
    )
    assert await svc.get_service(created.id) == created
    assert await svc.get_service(created.id, caller=OPISTO) == created
    assert await svc.count(service_languages) == 2
    assert await svc.count(service_intakes) == 2
    events = await svc.audit_events()
    assert [e.action for e in events][-1] == "programme-service.create"
    assert events[-1].resource == f"programme-services/{created.id}"


async def test_service_validation_names_every_bad_field_and_writes_nothing(svc: Programme) -> None:
    await svc.create_provider()
    bad = pb.CatalogueService(
        type=pb.SERVICE_TYPE_MUNICIPALITY_DEFINED,
        provider_id="tuntematon",
        languages=["fi", "xx"],
        capacity=0,
        intake_dates=["2025-12-01", "2026-02-30", "2026-06-01"],
        valid_from="2026-01-01",
        valid_until="2025-12-31",
    )
    error = await rpc_error(svc.create_service(bad), grpc.StatusCode.INVALID_ARGUMENT)

    fields = {v.field for v in error.violations}
    assert fields == {
        "name",
        "provider_id",
        "languages[1]",
        "capacity",
        "intake_dates[1]",
        "location",
        "valid_until",
    }, fields
    no_type = await rpc_error(
        svc.create_service(service(type=pb.SERVICE_TYPE_UNSPECIFIED, languages=[])),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in no_type.violations} == {"type", "languages"}
    outside = await rpc_error(
        svc.create_service(service(intake_dates=["2025-12-01", "2026-05-01", "2027-01-04"])),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in outside.violations} == {"intake_dates[0]", "intake_dates[2]"}
    assert await svc.count(programme_services) == 0
    assert await svc.count(service_languages) == 0


async def test_service_update_with_mask_version_and_capacity_rule(svc: Programme) -> None:
    await svc.create_provider()
    await svc.create_provider(provider("kansalaisopisto", 7654321))
    created = await svc.create_service(service(capacity=2))
    await svc.enrol(created.id)
    await svc.enrol(created.id)

    def update(version: int, *paths: str, **fields: object) -> object:
        return svc.stub.UpdateCatalogueService(
            pb.UpdateCatalogueServiceRequest(
                service_id=created.id,
                service=pb.CatalogueService(**fields),  # type: ignore[arg-type]
                update_mask=mask(*paths),
                expected_version=version,
            ),
            metadata=svc.md(OFFICER),
        )

    below = await rpc_error(update(1, "capacity", capacity=1), grpc.StatusCode.INVALID_ARGUMENT)  # type: ignore[arg-type]
    assert [v.field for v in below.violations] == ["capacity"]
    assert "2 participants" in below.violations[0].description
    unknown = await rpc_error(
        update(1, "type", "free_places", "name", name="x"),  # type: ignore[arg-type]
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in unknown.violations} == {"update_mask.type", "update_mask.free_places"}
    narrower = await rpc_error(
        update(1, "valid_until", valid_until="2026-05-01"),  # type: ignore[arg-type]
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in narrower.violations] == ["intake_dates[2]"]

    changed = await update(
        1,
        "capacity",
        "intake_dates",
        "provider_id",
        "languages",
        capacity=5,
        intake_dates=["2026-09-07", "2026-04-06"],
        provider_id="kansalaisopisto",
        languages=["sv"],
    )  # type: ignore[misc]
    assert isinstance(changed, pb.CatalogueService)
    assert (changed.version, changed.capacity, changed.free_places) == (2, 5, 3)
    assert list(changed.intake_dates) == ["2026-04-06", "2026-09-07"]
    assert (changed.provider_id, list(changed.languages), changed.name) == (
        "kansalaisopisto",
        ["sv"],
        created.name,
    )
    stale = await rpc_error(update(1, "capacity", capacity=6), grpc.StatusCode.FAILED_PRECONDITION)  # type: ignore[arg-type]
    assert stale.type == "stale-version"
    missing_version = await rpc_error(
        update(0, "capacity", capacity=6), grpc.StatusCode.INVALID_ARGUMENT
    )  # type: ignore[arg-type]
    assert [v.field for v in missing_version.violations] == ["expected_version"]
    # The old provider no longer sees it; the new one does.
    await rpc_error(svc.get_service(created.id, caller=OPISTO), grpc.StatusCode.NOT_FOUND)
    assert (await svc.get_service(created.id, caller=KANSALAISOPISTO)).version == 2
    found = await svc.search(language="sv", intake_on_or_after="2026-09-01")
    assert [s.id for s in found.services] == [created.id]


async def test_catalogue_access_and_tenant_isolation(svc: Programme) -> None:
    await svc.create_provider()
    created = await svc.create_service()
    # Managers write the catalogue too; employment officers and providers do not.
    assert (await svc.create_service(caller=MANAGER)).id
    for caller in (EMPLOYMENT_OFFICER, OPISTO, CLIENT_USER):
        await rpc_error(svc.create_service(caller=caller), grpc.StatusCode.PERMISSION_DENIED)
    for caller in (CLIENT_USER, WELFARE_WORKER):
        await rpc_error(
            svc.get_service(created.id, caller=caller), grpc.StatusCode.PERMISSION_DENIED
        )
        await rpc_error(svc.search(caller=caller), grpc.StatusCode.PERMISSION_DENIED)
    for caller in (OFFICER_837, OPISTO_837, KANSALAISOPISTO):
        await rpc_error(svc.get_service(created.id, caller=caller), grpc.StatusCode.NOT_FOUND)
        assert list((await svc.search(caller=caller)).services) == []
    # Ids this service never issued answer like unknown ones.
    await rpc_error(svc.get_service("not-a-uuid"), grpc.StatusCode.NOT_FOUND)
    await rpc_error(
        svc.create_service(service(), caller=OFFICER_837), grpc.StatusCode.INVALID_ARGUMENT
    )


async def test_search_filters_and_stable_pagination(svc: Programme) -> None:
    await svc.create_provider()
    await svc.create_provider(provider("kansalaisopisto", 7654321))
    made = {
        "training": await svc.create_service(service(capacity=1)),
        "civic-ar": await svc.create_service(
            service(
                type=pb.SERVICE_TYPE_CIVIC_ORIENTATION,
                name="Yhteiskuntaorientaatio",
                languages=["ar", "so"],
                intake_dates=["2026-05-04"],
            )
        ),
        "literacy": await svc.create_service(
            service(
                type=pb.SERVICE_TYPE_LITERACY_TRAINING,
                name="",
                provider_id="kansalaisopisto",
                intake_dates=[],
                valid_from="2026-06-01",
                valid_until="",
            )
        ),
        "ended": await svc.create_service(
            service(
                type=pb.SERVICE_TYPE_GUIDANCE,
                name="Ohjaus",
                intake_dates=[],
                valid_from="2025-01-01",
                valid_until="2025-12-31",
                remote=True,
                location="",
            )
        ),
        "own": await svc.create_service(
            service(
                type=pb.SERVICE_TYPE_MUNICIPALITY_DEFINED,
                name="Kerhotoiminta",
                languages=["fi", "ar"],
                intake_dates=["2026-03-16"],
            )
        ),
    }
    await svc.enrol(made["training"].id)

    async def ids(**criteria: object) -> set[str]:
        found = await svc.search(**criteria)
        return {name for name, s in made.items() if s.id in {f.id for f in found.services}}

    assert await ids() == set(made)
    assert await ids(type=pb.SERVICE_TYPE_CIVIC_ORIENTATION) == {"civic-ar"}
    assert await ids(language="ara") == {"civic-ar", "own"}
    assert await ids(intake_on_or_after="2026-05-01") == {"civic-ar", "training"}
    assert await ids(intake_on_or_after="2026-08-11") == set()
    assert await ids(has_free_places=True) == set(made) - {"training"}
    assert await ids(valid_on="2026-03-02") == {"training", "civic-ar", "own"}
    assert await ids(valid_on="2030-01-01") == {"literacy"}
    assert await ids(provider_id="kansalaisopisto") == {"literacy"}
    assert await ids(language="ar", has_free_places=True, intake_on_or_after="2026-04-01") == {
        "civic-ar"
    }
    assert (await svc.search(OPISTO, provider_id="kansalaisopisto")).services == []
    assert {s.id for s in (await svc.search(KANSALAISOPISTO)).services} == {made["literacy"].id}

    error = await rpc_error(
        svc.search(language="xx", intake_on_or_after="2026-13-01", valid_on="tomorrow"),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in error.violations} == {"language", "intake_on_or_after", "valid_on"}
    await rpc_error(svc.search(page_token="@@@"), grpc.StatusCode.INVALID_ARGUMENT)

    everything = list((await svc.search()).services)
    assert [(s.type, s.name, s.id) for s in everything] == sorted(
        [(s.type, s.name, s.id) for s in everything],
        key=lambda t: (pb.ServiceType.Name(t[0]).removeprefix("SERVICE_TYPE_"), t[1], t[2]),
    )
    paged, token = [], ""
    while True:
        page = await svc.search(page_size=2, page_token=token)
        assert len(page.services) <= 2
        paged.extend(s.id for s in page.services)
        token = page.next_page_token
        if not token:
            break
    assert paged == [s.id for s in everything]
