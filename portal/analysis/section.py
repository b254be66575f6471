"""The bulletin's Art. 8(5) section as plain data: the period's confirmed findings with
their figures (from the data) and the staff's words, the typical cases among them, and
the industry advice issued with where each member's answer stands. The bulletin
(``portal.bulletins.pdf``, a floor above) renders it; the staff edit the words on the
finding's page, so a preview or a new version picks them up."""

from flask_babel import gettext as _

from portal.analysis import describe, queries
from portal.analysis.rules import ADVICE_STATUS_LABELS, AdviceStatus
from portal.web.i18n import cn_date


def bulletin_section(period: str) -> dict:
    findings = queries.confirmed_for_period(period)
    members = {m for f in findings for m in (f.figures or {}).get("members", [])}
    names = queries.unit_names(members)
    rows = [
        {
            "id": f.id,
            "kind": _(f.kind_label),
            "subject": describe.subject(f),
            "figures": describe.figures(f, names),
            "words": f.words,
            "cases": len(queries.finding_cases(f)),
            "is_typical": f.is_typical,
            "typical_case_id": f.typical_case_id,
        }
        for f in findings
    ]
    advice = [
        {
            "title": a.title,
            "text": a.text,
            "due_on": cn_date(a.due_on),
            "addressees": [
                {"member": r.member.name, "status": _(ADVICE_STATUS_LABELS[AdviceStatus(r.status)])}
                for r in a.addressees
            ],
        }
        for a in queries.advice_for_period(period)
    ]
    return {"findings": rows, "advice": advice}
