"""The article workflow as a pure transition table: draft → in review → published → archived.

No Django here: callers pass who is acting and what they are, and get the next status or a
``TransitionNotAllowed`` whose message is safe to show to the editor."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Action(StrEnum):
    SUBMIT = "submit"  # ask for review
    APPROVE = "approve"  # publish after review
    REQUEST_CHANGES = "request_changes"
    ARCHIVE = "archive"
    RESTORE = "restore"  # archived → draft
    UNPUBLISH = "unpublish"  # published → draft


ACTION_LABELS = {
    Action.SUBMIT: "Submit for review",
    Action.APPROVE: "Approve and publish",
    Action.REQUEST_CHANGES: "Request changes",
    Action.ARCHIVE: "Archive",
    Action.RESTORE: "Restore as draft",
    Action.UNPUBLISH: "Unpublish to draft",
}

# (from, action) → to. Anything not listed is refused.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.DRAFT, Action.SUBMIT): Status.IN_REVIEW,
    (Status.DRAFT, Action.ARCHIVE): Status.ARCHIVED,
    (Status.IN_REVIEW, Action.APPROVE): Status.PUBLISHED,
    (Status.IN_REVIEW, Action.REQUEST_CHANGES): Status.DRAFT,
    (Status.PUBLISHED, Action.ARCHIVE): Status.ARCHIVED,
    (Status.PUBLISHED, Action.UNPUBLISH): Status.DRAFT,
    (Status.ARCHIVED, Action.RESTORE): Status.DRAFT,
}


@dataclass(frozen=True)
class Actor:
    is_editor: bool
    is_manager: bool
    wrote_last_revision: bool


class TransitionNotAllowed(Exception):
    pass


def next_status(current: Status, action: Action, actor: Actor) -> Status:
    """Where ``action`` takes an article in ``current`` status when ``actor`` does it.

    Approval needs a manager, or an editor other than the author of the last revision."""
    if not (actor.is_editor or actor.is_manager):
        raise TransitionNotAllowed("Only editors and managers can change an article's status.")
    target = TRANSITIONS.get((current, action))
    if target is None:
        raise TransitionNotAllowed(
            f"An article that is {current.value.replace('_', ' ')} cannot be "
            f"“{ACTION_LABELS[action].lower()}”."
        )
    if action is Action.APPROVE and actor.wrote_last_revision and not actor.is_manager:
        raise TransitionNotAllowed(
            "A second editor or a manager must approve your own changes before they go live."
        )
    return target


def available_actions(current: Status, actor: Actor) -> list[Action]:
    """The actions ``actor`` may take now, in table order (what the editor page offers)."""
    allowed = []
    for (source, action), _target in TRANSITIONS.items():
        if source is not current:
            continue
        try:
            next_status(current, action, actor)
        except TransitionNotAllowed:
            continue
        allowed.append(action)
    return allowed
