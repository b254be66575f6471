"""Who is on duty, worded in the reader's language: the rules keep the answer as data
(``rules.DutyAnswer``, ``rules.Away``); screens, success messages and notices say it
here, as messages (``notify.message``) that each reader reads in their language."""

from portal.duty.rules import Away, DutyAnswer
from portal.notify.message import N_, Msg, render


def away_msg(away: Away | None) -> Msg:
    if away is None or away.kind == "unnamed":
        return Msg(N_("未指定"))
    if away.kind == "inactive":
        return Msg(N_("账号已停用"))
    # The absence's reason is the member's own words, shown as typed.
    return Msg(N_("不在岗（%(why)s）"), why=away.detail) if away.detail else Msg(N_("不在岗"))


def answer_msg(answer: DutyAnswer) -> Msg:
    """Why this answer (Art. 7): A on duty; A away so B accepts; nobody accepts."""
    if answer.no_pair:
        return Msg(N_("未设置A/B角：无人受理"))
    if answer.role == "A":
        return Msg(N_("A角在岗"))
    if answer.role == "B":
        return Msg(N_("A角%(why)s，由B角受理"), why=away_msg(answer.why_a))
    return Msg(
        N_("A角%(a)s，B角%(b)s：无人受理"), a=away_msg(answer.why_a), b=away_msg(answer.why_b)
    )


def away_text(away: Away | None) -> str:
    return render(away_msg(away).data())


def answer_text(answer: DutyAnswer) -> str:
    return render(answer_msg(answer).data())
