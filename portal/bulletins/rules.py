"""Pure rules of the bulletin: removing personal data from typical cases (Art. 8(5))."""

import re

# Mainland mobile numbers, landlines, and 18-digit resident ID numbers (last may be X).
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
_BANK_CARD = re.compile(r"(?<!\d)\d{16,19}(?!\d)")


def anonymise(text: str, names: tuple[str, ...] = ()) -> str:
    """The text with the complainant's names, ID numbers, phones and card numbers removed.

    Typical cases are published to every member (Art. 8(5)): no one may be identifiable.
    """
    out = text or ""
    for name in sorted({n for n in names if n and n.strip()}, key=len, reverse=True):
        out = out.replace(name, "客户")
    out = _ID_NUMBER.sub("[身份证号已隐去]", out)
    out = _BANK_CARD.sub("[卡号已隐去]", out)
    out = _MOBILE.sub("[电话已隐去]", out)
    return _LANDLINE.sub("[电话已隐去]", out)


def bulletin_title(period_label: str) -> str:
    return f"辽宁省银行业客户投诉情况通报（{period_label}）"
