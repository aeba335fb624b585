"""Pure domain rules of the programme service: no I/O, no framework imports.

Modules: :mod:`.errors`, :mod:`.business_id` (Y-tunnus), :mod:`.provider` (organisation ids,
contacts), :mod:`.catalogue` (service types and catalogue rules), :mod:`.enrolment` (states,
dates, reports), :mod:`.language_test` (CEFR results), :mod:`.planned_service` (the plan an
enrolment is made from) and :mod:`.outcome` (what the plans service is told).
"""

from kotopolku.programme.domain.business_id import business_id_check_digit, validate_business_id
from kotopolku.programme.domain.catalogue import (
    MAX_CAPACITY,
    ServiceType,
    free_places,
    has_ended,
    intake_problems,
    is_valid_on,
    normalise_intakes,
    validate_capacity,
    validate_language_count,
    validate_place,
    validate_service_name,
    validate_validity,
)
from kotopolku.programme.domain.enrolment import (
    AttendanceMark,
    EnrolmentStatus,
    InterruptionReason,
    check_free_place,
    check_open_for_enrolment,
    choose_start_date,
    transition_enrolment,
    validate_attendance_day,
    validate_completion_date,
    validate_interruption_date,
    validate_interruption_details,
)
from kotopolku.programme.domain.errors import (
    EnrolmentRefused,
    InvalidBusinessId,
    InvalidTransition,
    ProgrammeDomainError,
)
from kotopolku.programme.domain.language_test import (
    SKILLS,
    CefrLevel,
    LanguageTestPolicy,
    LanguageTestResult,
    check_language_test,
    language_test_policy,
)
from kotopolku.programme.domain.outcome import (
    OutcomeStatus,
    PlanOutcome,
    completion_summary,
    enrolment_summary,
    interruption_summary,
)
from kotopolku.programme.domain.planned_service import (
    PlannedService,
    PlannedServiceStatus,
    check_enrolment_matches_plan,
)
from kotopolku.programme.domain.provider import (
    MAX_CONTACTS,
    require_reachable,
    validate_contact_count,
    validate_contact_email,
    validate_contact_phone,
    validate_organisation_id,
    validate_text,
)

__all__ = [
    "MAX_CAPACITY",
    "MAX_CONTACTS",
    "SKILLS",
    "AttendanceMark",
    "CefrLevel",
    "EnrolmentRefused",
    "EnrolmentStatus",
    "InterruptionReason",
    "InvalidBusinessId",
    "InvalidTransition",
    "LanguageTestPolicy",
    "LanguageTestResult",
    "OutcomeStatus",
    "PlanOutcome",
    "PlannedService",
    "PlannedServiceStatus",
    "ProgrammeDomainError",
    "ServiceType",
    "business_id_check_digit",
    "check_enrolment_matches_plan",
    "check_free_place",
    "check_language_test",
    "check_open_for_enrolment",
    "choose_start_date",
    "completion_summary",
    "enrolment_summary",
    "free_places",
    "has_ended",
    "intake_problems",
    "interruption_summary",
    "is_valid_on",
    "language_test_policy",
    "normalise_intakes",
    "require_reachable",
    "transition_enrolment",
    "validate_attendance_day",
    "validate_business_id",
    "validate_capacity",
    "validate_completion_date",
    "validate_contact_count",
    "validate_contact_email",
    "validate_contact_phone",
    "validate_interruption_date",
    "validate_interruption_details",
    "validate_language_count",
    "validate_organisation_id",
    "validate_place",
    "validate_service_name",
    "validate_text",
    "validate_validity",
]
