"""Pure lifecycle rules: who may act when, masking, validations (Art. 8–11)."""

from datetime import date

import pytest

from portal.complaints.rules import (
    State,
    attachment_problem,
    available_actions,
    is_valid_resident_id,
    mask_id_number,
    mask_mobile,
    promise_problem,
    tracking_number,
)


def actions(side, state, **kw):
    defaults = dict(
        handled_at_member=True,
        at_handling_unit=False,
        has_finding=False,
        replied=False,
        satisfaction_recorded=False,
        finding_substantiated=False,
        can_pass_down=True,
    )
    return available_actions(side=side, state=state, **(defaults | kw))


@pytest.mark.parametrize(
    "side, state, kw, expected",
    [
        # Art. 8(3): the association decides validity (or sets a matter aside as out of
        # scope or a duplicate) and forwards; it corrects the intake and sets the flags.
        (
            "association",
            State.REGISTERED,
            {},
            {"note", "invalidate", "refer", "duplicate", "forward", "correct", "flags"},
        ),
        ("association", State.FORWARDED, {}, {"note", "recall", "correct", "flags"}),
        ("association", State.HANDLING, {}, {"note", "correct", "flags"}),
        ("association", State.REPORTED, {}, {"note", "close", "send_back", "correct", "flags"}),
        ("association", State.CLOSED, {}, {"note", "return_visit", "correct"}),
        ("association", State.CLOSED, {"satisfaction_recorded": True}, {"note", "correct"}),
        ("association", State.INVALID, {}, {"note"}),
        ("association", State.DUPLICATE, {}, {"note"}),
        # Art. 7, 9: the member accepts, verifies, reports; replies itself when it holds the case.
        ("member", State.REGISTERED, {}, {"note"}),
        ("member", State.FORWARDED, {}, {"note", "accept", "flags"}),
        (
            "member",
            State.HANDLING,
            {},
            {"note", "verify", "forward_down", "contact", "final_reply", "progress", "flags"},
        ),
        (
            "member",
            State.HANDLING,
            {"handled_at_member": False},
            {"note", "verify", "forward_down", "recall_up", "flags"},
        ),
        (
            "member",
            State.HANDLING,
            {"has_finding": True, "replied": True, "finding_substantiated": True},
            {"note", "verify", "forward_down", "report", "contact", "rectify", "flags"},
        ),
        ("member", State.CLOSED, {"finding_substantiated": True}, {"note", "rectify"}),
        # Art. 10, 11(3): the unit holding the case replies, promises, or escalates.
        (
            "unit",
            State.HANDLING,
            {"at_handling_unit": True, "can_pass_down": False},
            {"note", "contact", "final_reply", "progress", "escalate"},
        ),
        (
            "unit",
            State.HANDLING,
            {"at_handling_unit": True, "replied": True, "can_pass_down": False},
            {"note", "contact", "escalate"},
        ),
        (
            "unit",
            State.HANDLING,
            {"at_handling_unit": True},
            {"note", "contact", "final_reply", "progress", "escalate", "forward_down"},
        ),
        ("unit", State.HANDLING, {"at_handling_unit": False}, {"note"}),
        ("unit", State.REPORTED, {"at_handling_unit": True}, {"note"}),
        ("observer", State.REPORTED, {}, {"note"}),
    ],
)
def test_actions_truth_table(side, state, kw, expected):
    assert actions(side, state, **kw) == expected


def test_tracking_number_format():
    assert tracking_number(2026, 123) == "LN2026-000123"


@pytest.mark.parametrize("mobile, masked", [("13812341234", "138****1234"), (None, ""), ("", "")])
def test_mobile_mask_keeps_prefix_and_last_four(mobile, masked):
    assert mask_mobile(mobile) == masked


def test_id_number_mask():
    assert mask_id_number("210102199003071234") == "210***********1234"


@pytest.mark.parametrize(
    "value, ok",
    [
        ("11010519491231002X", True),  # the standard's own example
        ("11010519491231002x", True),
        ("110105194912310021", False),  # wrong check digit
        ("1101051949123100", False),
    ],
)
def test_resident_id_checksum(value, ok):
    assert is_valid_resident_id(value) is ok


@pytest.mark.parametrize(
    "promised, problem",
    [
        (None, "请填写"),
        (date(2026, 11, 23), "晚于今天"),
        (date(2026, 11, 20), "晚于今天"),
        (date(2027, 3, 1), "90 天"),
        (date(2026, 11, 24), None),
    ],
)
def test_promise_must_be_a_future_date(promised, problem):
    # Art. 11(3): a promised date for the next reply, still to come.
    result = promise_problem(promised, date(2026, 11, 23))
    assert (result is None) if problem is None else (problem in result)


@pytest.mark.parametrize(
    "name, sniffed, size, problem",
    [
        ("photo.jpg", "image/jpeg", 1000, None),
        ("scan.pdf", "application/pdf", 1000, None),
        ("call.m4a", "audio/mp4", 1000, None),
        ("photo.jpg", "application/x-msdownload", 1000, "只接受"),  # an .exe named .jpg
        ("photo.png", "image/jpeg", 1000, "扩展名"),
        ("empty.jpg", "image/jpeg", 0, "为空"),
        ("big.jpg", "image/jpeg", 11 * 1024 * 1024, "10 MB"),
        ("noext", "image/jpeg", 10, "扩展名"),
    ],
)
def test_attachment_checks_judge_the_bytes(name, sniffed, size, problem):
    result = attachment_problem(name, sniffed, size)
    assert (result is None) if problem is None else (problem in result)
