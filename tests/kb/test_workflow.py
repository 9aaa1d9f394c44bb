"""The pure transition table: every (status, action) pair, and who may approve."""

import itertools

import pytest

from kb.workflow import (
    TRANSITIONS,
    Action,
    Actor,
    Status,
    TransitionNotAllowed,
    available_actions,
    next_status,
)

EDITOR = Actor(is_editor=True, is_manager=False, wrote_last_revision=False)
AUTHOR = Actor(is_editor=True, is_manager=False, wrote_last_revision=True)
MANAGER_AUTHOR = Actor(is_editor=True, is_manager=True, wrote_last_revision=True)
CUSTOMER = Actor(is_editor=False, is_manager=False, wrote_last_revision=False)

EXPECTED = {
    (Status.DRAFT, Action.SUBMIT): Status.IN_REVIEW,
    (Status.DRAFT, Action.ARCHIVE): Status.ARCHIVED,
    (Status.IN_REVIEW, Action.APPROVE): Status.PUBLISHED,
    (Status.IN_REVIEW, Action.REQUEST_CHANGES): Status.DRAFT,
    (Status.PUBLISHED, Action.ARCHIVE): Status.ARCHIVED,
    (Status.PUBLISHED, Action.UNPUBLISH): Status.DRAFT,
    (Status.ARCHIVED, Action.RESTORE): Status.DRAFT,
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_every_status_action_pair(status, action):
    expected = EXPECTED.get((status, action))
    if expected is None:
        with pytest.raises(TransitionNotAllowed, match="cannot be"):
            next_status(status, action, EDITOR)
    else:
        assert next_status(status, action, EDITOR) is expected


def test_table_is_exactly_the_documented_one():
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(
    ("_case", "actor", "allowed"),
    [
        ("second editor approves", EDITOR, True),
        ("author cannot approve own change", AUTHOR, False),
        ("manager may approve own change", MANAGER_AUTHOR, True),
    ],
)
def test_approval_needs_a_second_pair_of_eyes(_case, actor, allowed):
    if allowed:
        assert next_status(Status.IN_REVIEW, Action.APPROVE, actor) is Status.PUBLISHED
    else:
        with pytest.raises(TransitionNotAllowed, match="second editor or a manager"):
            next_status(Status.IN_REVIEW, Action.APPROVE, actor)


def test_non_editors_change_nothing():
    for status, action in EXPECTED:
        with pytest.raises(TransitionNotAllowed, match="Only editors"):
            next_status(status, action, CUSTOMER)


def test_available_actions_follow_the_table_and_the_actor():
    assert available_actions(Status.IN_REVIEW, EDITOR) == [Action.APPROVE, Action.REQUEST_CHANGES]
    assert available_actions(Status.IN_REVIEW, AUTHOR) == [Action.REQUEST_CHANGES]
    assert available_actions(Status.PUBLISHED, CUSTOMER) == []
