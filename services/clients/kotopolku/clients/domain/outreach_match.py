"""What a list does to the municipality's targets: who is a client already, and what a list
that names a known person again changes.

Rules:

* **Matching** to the municipality's clients is by identity code only. A person the list gives
  without one stays unmatched: two people may share a name and a date of birth, and a wrong
  match would hand one person's outreach to another's record.
* A person already listed is **one target with several groups**: a later list (or the same list
  again) adds only the groups the target lacks, moves the window earlier if it gives an earlier
  first-permit date, and fills in languages and contact details the target has none of. It never
  overwrites what the target has: the officer may have corrected it. Importing the same list
  twice changes nothing the second time.
* A target found to be a client becomes ``CLIENT`` whatever its outreach status: the person came
  to the services, which is what outreach is for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from kotopolku.clients.domain.model import ClientStatus, ResidencePermitType
from kotopolku.clients.domain.outreach import OutreachStatus, TargetGroup, window_end
from kotopolku.clients.domain.outreach_import import ListedPerson

# The contact fields of a client record (validation.CONTACT_FIELDS), every one present.
CLIENT_CONTACT_FIELDS = ("email", "phone", "post_office", "postal_code", "street_address")

__all__ = [
    "CLIENT_CONTACT_FIELDS",
    "KnownTarget",
    "Relisting",
    "client_values_from_target",
    "match_client",
    "relist",
    "status_of_new_target",
]


def match_client(henkilotunnus: str | None, clients_by_code: Mapping[str, str]) -> str | None:
    """The id of the municipality's client with this identity code; never a guess by name."""
    if not henkilotunnus:
        return None
    return clients_by_code.get(henkilotunnus)


def status_of_new_target(client_id: str | None) -> OutreachStatus:
    return OutreachStatus.CLIENT if client_id else OutreachStatus.OPEN


@dataclass(frozen=True, slots=True)
class KnownTarget:
    """What a relisting needs to know of a stored target."""

    status: OutreachStatus
    first_permit_date: date
    groups: frozenset[TargetGroup]
    client_id: str | None
    languages: tuple[str, ...]
    contact: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Relisting:
    """The changes a list makes to a target it names again; nothing when ``changed`` is false."""

    new_groups: dict[TargetGroup, date] = field(default_factory=dict)
    # Set only when they change.
    first_permit_date: date | None = None
    matched_client_id: str | None = None
    languages: list[str] | None = None
    contact: dict[str, str] | None = None

    @property
    def changed(self) -> bool:
        return bool(
            self.new_groups
            or self.first_permit_date is not None
            or self.matched_client_id is not None
            or self.languages is not None
            or self.contact is not None
        )

    def values(self, known: KnownTarget) -> dict[str, object]:
        """Column values of the change."""
        values: dict[str, object] = {}
        if self.first_permit_date is not None:
            values["first_permit_date"] = self.first_permit_date
            values["window_ends_on"] = window_end(self.first_permit_date)
        if self.matched_client_id is not None:
            values["client_id"] = self.matched_client_id
            values["status"] = OutreachStatus.CLIENT.value
        if self.languages is not None:
            values["languages"] = self.languages
        if self.contact is not None:
            values["contact"] = self.contact
        return values


def relist(known: KnownTarget, person: ListedPerson, client_id: str | None) -> Relisting:
    new_groups = {g: d for g, d in person.groups.items() if g not in known.groups}
    earlier = (
        person.first_permit_date if person.first_permit_date < known.first_permit_date else None
    )
    matched = (
        client_id
        if client_id and not known.client_id and known.status is not OutreachStatus.CLIENT
        else None
    )
    languages = person.languages if person.languages and not known.languages else None
    filled = {
        name: value
        for name, value in person.contact.items()
        if value and not known.contact.get(name)
    }
    contact = {**known.contact, **filled} if filled else None
    return Relisting(new_groups, earlier, matched, languages, contact)


def client_values_from_target(
    *,
    first_names: str,
    last_name: str,
    date_of_birth: date,
    henkilotunnus: str | None,
    languages: list[str],
    contact: Mapping[str, str],
    first_permit_date: date,
    groups: frozenset[TargetGroup],
    segment: str | None,
) -> dict[str, object]:
    """A new client record from what the lists carried (ask once): the person is not asked again
    for their name, birth date, identity code, languages, contact details or first-permit date.
    A person listed as under international protection holds that permit."""
    permit = (
        ResidencePermitType.INTERNATIONAL_PROTECTION.value
        if TargetGroup.INTERNATIONAL_PROTECTION in groups
        else None
    )
    return {
        "first_names": first_names,
        "last_name": last_name,
        "date_of_birth": date_of_birth,
        "henkilotunnus": henkilotunnus or None,
        "languages": list(languages),
        "contact": {name: contact.get(name, "") for name in CLIENT_CONTACT_FIELDS},
        "segment": segment,
        "residence_permit_type": permit,
        "first_permit_date": first_permit_date,
        "status": ClientStatus.ACTIVE.value,
    }
