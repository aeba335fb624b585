"""The assessment service's part of the client-records contract (archiving, docs/archiving.md):
assessments with their welfare-area team, sensitive notes and corrections, and refining
measures. All of it goes into the archival package and is then removed."""

from __future__ import annotations

from kotopolku.assessment.tables import (
    assessments,
    corrections,
    measures,
    sensitive_notes,
    team_areas,
)
from kotopolku.common.client_records import (
    ClientRecordsConfig,
    RecordSource,
    owned_by_client,
    rows_of,
)

_assessment = owned_by_client(assessments)
PARENT = ("assessment.assessment", "assessment_id")

CLIENT_RECORDS = ClientRecordsConfig(
    sources=(
        RecordSource("assessment.assessment", assessments, _assessment),
        RecordSource(
            "assessment.team-area",
            team_areas,
            rows_of(team_areas, "assessment_id", assessments, _assessment),
            id_columns=("assessment_id", "welfare_area_code"),
            created_column=None,
            updated_column=None,
            parent=PARENT,
        ),
        RecordSource(
            "assessment.sensitive-welfare-note",
            sensitive_notes,
            rows_of(sensitive_notes, "assessment_id", assessments, _assessment),
            id_columns=("assessment_id", "welfare_area_code"),
            created_column="recorded_at",
            updated_column=None,
            parent=PARENT,
        ),
        RecordSource(
            "assessment.correction",
            corrections,
            rows_of(corrections, "assessment_id", assessments, _assessment),
            created_column="corrected_at",
            updated_column=None,
            parent=PARENT,
        ),
        RecordSource(
            "assessment.refining-measure",
            measures,
            owned_by_client(measures),
            created_column="ordered_at",
            updated_column="result_recorded_at",
            parent=PARENT,
        ),
    )
)
