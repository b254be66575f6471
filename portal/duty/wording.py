"""Who is on duty, worded in the reader's language: the rules keep the answer as data
(``rules.DutyAnswer``, ``rules.Away``); screens and success messages say it here."""

from flask_babel import gettext as _

from portal.duty.rules import Away, DutyAnswer


def away_text(away: Away | None) -> str:
    if away is None or away.kind == "unnamed":
        return _("未指定")
    if away.kind == "inactive":
        return _("账号已停用")
    # The absence's reason is the member's own words, shown as typed.
    return _("不在岗（%(why)s）", why=away.detail) if away.detail else _("不在岗")


def answer_text(answer: DutyAnswer) -> str:
    """Why this answer (Art. 7): A on duty; A away so B accepts; nobody accepts."""
    if answer.no_pair:
        return _("未设置A/B角：无人受理")
    if answer.role == "A":
        return _("A角在岗")
    if answer.role == "B":
        return _("A角%(why)s，由B角受理", why=away_text(answer.why_a))
    return _("A角%(a)s，B角%(b)s：无人受理", a=away_text(answer.why_a), b=away_text(answer.why_b))
