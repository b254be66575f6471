"""Pure rules of the complainant's side: what a customer types, and how a case's stage
reads to a customer (plain words, no internal terms, no one's name)."""

import re
import unicodedata

from portal.complaints.rules import TRACKING_RE, State


def N_(text: str) -> str:  # marks a message for extraction; translated where shown
    return text


def normalise_tracking_no(typed: str | None) -> str:
    """``ln 2026-000123``, ``LN2026000123``, full-width characters → ``LN2026-000123``;
    what cannot be a tracking number comes back normalised all the same (the caller
    checks ``is_tracking_no``)."""
    text = unicodedata.normalize("NFKC", typed or "")
    text = re.sub(r"\s", "", text)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text).upper()
    if re.fullmatch(r"[A-Z]{2}\d{10}", text):
        text = f"{text[:6]}-{text[6:]}"
    return text[:20]


def is_tracking_no(text: str) -> bool:
    return bool(TRACKING_RE.match(text))


def normalise_last_four(typed: str | None) -> str:
    """The last four digits as typed, without spaces (full-width digits accepted)."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", typed or ""))


def is_last_four(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}", text))


def last_four_of(mobile_masked: str | None) -> str | None:
    """The last four digits kept in a case's masked mobile (``138****1234``), or None
    when the case has no usable mobile (it cannot be looked up)."""
    if not mobile_masked or len(mobile_masked) < 7:
        return None
    tail = mobile_masked[-4:]
    return tail if tail.isdigit() else None


# Four characters that are never four digits: compared against when no case matched, so
# that an unknown number does the same work as a wrong pair.
DUMMY_LAST_FOUR = "xxxx"


def stage_of(
    state: State,
    *,
    replied: bool,
    promised: bool,
    satisfaction_recorded: bool,
) -> tuple[str, str]:
    """(stage heading, one sentence) for a customer: where the case stands."""
    if state == State.REGISTERED:
        return N_("已登记"), N_("协会已登记您的投诉，正在审核，审核后转交被投诉银行处理。")
    if state == State.FORWARDED:
        return N_("已转交银行"), N_("协会已将您的投诉转交被投诉银行，等待银行受理。")
    if state == State.HANDLING:
        if replied:
            return N_("银行已答复"), N_("银行已向您答复处理结果，正在核实并向协会报告。")
        if promised:
            return N_("银行处理中"), N_("银行已与您联系，并承诺在下列日期前再次答复您。")
        return N_("银行处理中"), N_("银行已受理您的投诉，正在核实处理，并将直接答复您。")
    if state == State.REPORTED:
        return N_("协会审核中"), N_("银行已向协会报告处理结果，协会正在审核。")
    if state == State.CLOSED:
        if satisfaction_recorded:
            return N_("已办结"), N_("您的投诉已办结，协会已完成回访。感谢您的反馈。")
        return N_("已办结"), N_("您的投诉已办结。协会可能会回访您，了解您对处理结果的意见。")
    if state == State.INVALID:
        return N_("不予受理"), N_("经审核，该事项不属于有效的客户投诉，协会已告知您原因。")
    if state == State.REFERRED:
        return N_("已告知转往他处"), N_(
            "该事项不属于协会受理范围，协会已告知您可以转往的机构或渠道。"
        )
    return N_("已合并办理"), N_("该事项与此前登记的投诉相同，已并入原投诉一并办理。")


# The steps whose deadlines a customer is shown, in a customer's words (Art. 7, 11);
# a rectification's date is the bank's internal matter and is not shown.
CLOCK_WORDS = {
    "forward": N_("协会转交银行"),
    "accept": N_("银行受理"),
    "verify": N_("银行核实"),
    "report": N_("银行向协会报告处理结果"),
    "branch_reply": N_("银行答复您"),
    "promise": N_("银行再次答复您"),
}
