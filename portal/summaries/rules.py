"""Pure rules of the members' periodic summaries (Art. 9(4): 定期对客户投诉处理情况进行
总结和分析，针对客户反映集中的问题，制定应对措施，并落实服务整改工作): the summary's
states, a countermeasure's follow-up (as a rectification's: done → verified, or sent
back), overdue, and a member's standing for a period. No Flask, no database, no clock."""

from datetime import date
from enum import StrEnum


def N_(text: str) -> str:  # marks a label for extraction; translated where shown
    return text


class SummaryStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # frozen: a later correction is a new version


SUMMARY_LABELS = {SummaryStatus.DRAFT: N_("草稿"), SummaryStatus.SUBMITTED: N_("已提交")}


class MeasureStatus(StrEnum):
    OPEN = "open"  # to be carried out
    DONE = "done"  # the member reports it done, with a note
    VERIFIED = "verified"  # the association checked it
    RETURNED = "returned"  # the association sent it back: open again for the member


MEASURE_LABELS = {
    MeasureStatus.OPEN: N_("落实中"),
    MeasureStatus.DONE: N_("已报告完成"),
    MeasureStatus.VERIFIED: N_("已核验"),
    MeasureStatus.RETURNED: N_("已退回"),
}

# Follow-up steps: (status now, step) → status after. Who may take which is the view's
# permission check (the member reports, the association verifies or sends back).
MEASURE_STEPS = {
    (MeasureStatus.OPEN, "done"): MeasureStatus.DONE,
    (MeasureStatus.RETURNED, "done"): MeasureStatus.DONE,
    (MeasureStatus.DONE, "verify"): MeasureStatus.VERIFIED,
    (MeasureStatus.DONE, "return"): MeasureStatus.RETURNED,
}


def next_measure_status(status: str, step: str) -> MeasureStatus | None:
    """The status a follow-up step leads to, or None when the step is not open."""
    return MEASURE_STEPS.get((MeasureStatus(status), step))


def is_overdue(status: str, due_on: date, today: date) -> bool:
    """A countermeasure not yet reported done (or sent back) after its due date."""
    return MeasureStatus(status) in (MeasureStatus.OPEN, MeasureStatus.RETURNED) and due_on < today


class Standing(StrEnum):
    """A member's standing for a period, on the association's table."""

    SUBMITTED = "submitted"
    DRAFT = "draft"
    MISSING = "missing"


STANDING_LABELS = {
    Standing.SUBMITTED: N_("已提交"),
    Standing.DRAFT: N_("草稿未提交"),
    Standing.MISSING: N_("未填写"),
}


def standing(statuses: list[str]) -> Standing:
    """From the statuses of a member's versions for a period: submitted once any version
    was submitted (a correction in draft does not undo it), draft when only drafts exist,
    missing when there is none."""
    if SummaryStatus.SUBMITTED in statuses:
        return Standing.SUBMITTED
    return Standing.DRAFT if statuses else Standing.MISSING


def to_remind(standings: dict[int, Standing]) -> list[int]:
    """The members a reminder goes to: every one without a submitted summary."""
    return sorted(m for m, s in standings.items() if s != Standing.SUBMITTED)


# The figures a summary keeps from the statistics (``statistics.queries.headline``).
FIGURES = ("received", "valid", "closed", "substantiated", "repeats", "major", "media")
