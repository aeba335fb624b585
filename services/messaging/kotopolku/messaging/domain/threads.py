"""Message threads (viestiketjut): who takes part, and what each participant has read.

A thread is about one client; the client always takes part. Read status is kept per participant
as the sequence number of the latest message they have read, so "unread" is a count of later
messages written by someone else.
"""

from __future__ import annotations

import enum

from kotopolku.messaging.domain.errors import MessagingDomainError

MAX_SUBJECT_LENGTH = 200
MAX_BODY_LENGTH = 10_000
MAX_PARTICIPANTS = 20
MAX_DISPLAY_NAME_LENGTH = 200


class ParticipantKind(enum.StrEnum):
    STAFF = "staff"
    CLIENT = "client"
    # Sidosryhmä: welfare-area worker, service provider, interpreter.
    STAKEHOLDER = "stakeholder"


def validate_subject(subject: str, *, field: str = "subject") -> str:
    value = " ".join(subject.split())
    if not value:
        raise MessagingDomainError(field, "is required")
    if len(value) > MAX_SUBJECT_LENGTH:
        raise MessagingDomainError(field, f"at most {MAX_SUBJECT_LENGTH} characters")
    return value


def validate_body(body: str, *, field: str = "body") -> str:
    value = body.strip()
    if not value:
        raise MessagingDomainError(field, "is required")
    if len(value) > MAX_BODY_LENGTH:
        raise MessagingDomainError(field, f"at most {MAX_BODY_LENGTH} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise MessagingDomainError(field, "must not contain control characters")
    return value


def validate_display_name(name: str, *, field: str) -> str:
    value = " ".join(name.split())
    if len(value) > MAX_DISPLAY_NAME_LENGTH:
        raise MessagingDomainError(field, f"at most {MAX_DISPLAY_NAME_LENGTH} characters")
    return value


def unread_count(message_authors_after_mark: list[str], reader: str) -> int:
    """Messages after the reader's mark that someone else wrote."""
    return sum(1 for author in message_authors_after_mark if author != reader)


def new_read_mark(current: int, requested: int, latest: int) -> int:
    """Read marks only move forward and never past the latest message."""
    return max(current, min(requested, latest))
