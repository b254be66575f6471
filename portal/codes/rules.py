"""JR/T 0169-2018 codes as plain data: the levels shipped by default, the rules a code
list must keep, and the defaults a case's codes start from. No Flask, no database.

The standard's published summaries list the top levels of each axis (and the channels
under A); the full list is imported by the association's administrator from the
standard's text (``parse_csv``). The numbering shipped here follows the rule the
summaries show: two digits per level, "其他" numbered 99 at a middle level and 9 at the
lowest.
"""

import csv
import io
import re
from dataclasses import dataclass

from portal.web.cells import unquote_csv_cell

AXES = {
    "A": "业务办理渠道",
    "B": "业务类别",
    "C": "投诉原因",
}
AXES_EN = {"A": "Business channel", "B": "Business category", "C": "Cause"}
# B and C are required on every case; A where the case says where the business was done.
REQUIRED_AXES = ("B", "C")


@dataclass(frozen=True)
class Entry:
    code: str
    parent: str | None
    name: str
    name_en: str | None = None

    @property
    def axis(self) -> str:
        return self.code[0]


DEFAULT_CODES: tuple[Entry, ...] = (
    Entry("A01", None, "前台业务渠道", "Front-office channels"),
    Entry("A0101", "A01", "营业现场", "Branch premises"),
    Entry("A0102", "A01", "自助机具", "Self-service machines"),
    Entry("A0103", "A01", "电子渠道", "Electronic channels"),
    Entry("A01031", "A0103", "网银", "Online banking"),
    Entry("A01032", "A0103", "电话", "Telephone banking"),
    Entry("A01033", "A0103", "移动客户端", "Mobile app"),
    Entry("A01034", "A0103", "网络公众平台", "Public online platforms"),
    Entry("A01035", "A0103", "短信", "SMS"),
    Entry("A01039", "A0103", "其他", "Other"),
    Entry("A0104", "A01", "第三方渠道", "Third-party channels"),
    Entry("A0199", "A01", "其他", "Other"),
    Entry("A02", None, "中、后台业务渠道", "Middle and back-office channels"),
    Entry("B01", None, "人民币储蓄", "RMB savings"),
    Entry("B02", None, "贷款", "Loans"),
    Entry("B03", None, "银行卡", "Bank cards"),
    Entry("B04", None, "支付结算", "Payment and settlement"),
    Entry("B05", None, "人民币管理", "RMB management"),
    Entry("B06", None, "个人金融信息", "Personal financial information"),
    Entry("B99", None, "其他", "Other"),
    Entry("C01", None, "服务态度及服务质量", "Service attitude and quality"),
    Entry("C02", None, "服务设施、设备、业务系统", "Facilities, equipment and systems"),
    Entry("C03", None, "管理制度、业务规则与流程", "Rules, business rules and procedures"),
    Entry("C04", None, "营销方式", "Marketing practices"),
    Entry("C05", None, "信息披露", "Information disclosure"),
    Entry("C06", None, "产品收益", "Product returns"),
    Entry("C07", None, "自主选择权", "Freedom of choice"),
    Entry("C08", None, "合同条款", "Contract terms"),
    Entry("C09", None, "消费者资金安全", "Security of consumers' funds"),
    Entry("C10", None, "消费者信息安全", "Security of consumers' information"),
    Entry("C99", None, "其他", "Other"),
)

# The crosswalk shipped for the default categories (``complaints.taxonomy``): category
# code -> (B, C). The administrator corrects it on the crosswalk screen.
DEFAULT_CROSSWALK: dict[str, tuple[str, str]] = {
    "ATT": ("B99", "C01"),
    "ATT-01": ("B99", "C01"),
    "ATT-02": ("B99", "C01"),
    "ATT-03": ("B99", "C01"),
    "QUE": ("B99", "C01"),
    "QUE-01": ("B99", "C01"),
    "QUE-02": ("B99", "C02"),
    "QUE-03": ("B99", "C01"),
    "FEE": ("B99", "C03"),
    "FEE-01": ("B99", "C03"),
    "FEE-02": ("B99", "C05"),
    "FEE-03": ("B99", "C08"),
    "DEP": ("B01", "C03"),
    "DEP-01": ("B01", "C09"),
    "DEP-02": ("B01", "C03"),
    "DEP-03": ("B01", "C06"),
    "LOA": ("B02", "C03"),
    "LOA-01": ("B02", "C03"),
    "LOA-02": ("B02", "C08"),
    "LOA-03": ("B06", "C10"),
    "LOA-04": ("B02", "C01"),
    "CRD": ("B03", "C02"),
    "CRD-01": ("B03", "C09"),
    "CRD-02": ("B03", "C02"),
    "CRD-03": ("B03", "C02"),
    "CRD-04": ("B03", "C08"),
    "WMP": ("B99", "C04"),
    "WMP-01": ("B99", "C04"),
    "WMP-02": ("B99", "C05"),
    "WMP-03": ("B99", "C04"),
    "PII": ("B06", "C10"),
    "PII-01": ("B06", "C10"),
    "PII-02": ("B06", "C10"),
    "OTH": ("B99", "C01"),
    "OTH-01": ("B99", "C01"),
    "OTH-99": ("B99", "C99"),
}

# Axis A from the intake channel, where the channel says where the business was done: a
# complaint made in person at the counter concerns the branch premises. Others: none.
CHANNEL_DEFAULT_A = {"walk_in": "A0101"}

CODE_RE = re.compile(r"^[ABC]\d{2,14}$")


def level_of(code: str, parents: dict[str, str | None]) -> int:
    """1 for a top-level code, 2 under it, …"""
    level, seen = 1, {code}
    while (parent := parents.get(code)) is not None:
        if parent in seen:
            raise ValueError(code)
        seen.add(parent)
        level, code = level + 1, parent
    return level


def top_of(code: str, parents: dict[str, str | None]) -> str:
    while (parent := parents.get(code)) is not None:
        code = parent
    return code


def N_(text: str) -> str:  # marks a message for extraction; translated where shown
    return text


class Problem(str):
    """One problem of a code list: the Chinese text (what the command line prints and the
    tests read), with its marked template and values, so a screen shows it in the
    reader's language (``gettext(problem.template, **problem.values)``)."""

    template: str
    values: dict

    def __new__(cls, template: str, **values):
        problem = super().__new__(cls, template % values if values else template)
        problem.template, problem.values = template, values
        return problem


class CodeListError(ValueError):
    """A code list that cannot be used, with every problem found (line by line)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def validate(entries: list[Entry]) -> list[str]:
    """The problems of a code list (empty: usable). Every axis must keep its codes."""
    problems: list[str] = []
    seen: dict[str, Entry] = {}
    for number, entry in enumerate(entries, start=1):
        if not CODE_RE.match(entry.code):
            problems.append(
                Problem(
                    N_("第%(line)s行：编码“%(code)s”应以A、B或C开头，后接数字"),
                    line=number,
                    code=entry.code,
                )
            )
            continue
        if entry.code in seen:
            problems.append(
                Problem(N_("第%(line)s行：编码“%(code)s”重复"), line=number, code=entry.code)
            )
            continue
        if not entry.name.strip() or len(entry.name) > 80:
            problems.append(Problem(N_("第%(line)s行：名称不能为空，且不超过80字"), line=number))
        if entry.parent is not None and not (
            entry.code.startswith(entry.parent) and entry.code != entry.parent
        ):
            problems.append(
                Problem(
                    N_("第%(line)s行：编码“%(code)s”应以上级编码“%(parent)s”开头"),
                    line=number,
                    code=entry.code,
                    parent=entry.parent,
                )
            )
        seen[entry.code] = entry
    for number, entry in enumerate(entries, start=1):
        if entry.parent is not None and entry.parent not in seen:
            problems.append(
                Problem(
                    N_("第%(line)s行：上级编码“%(parent)s”不在列表中"),
                    line=number,
                    parent=entry.parent,
                )
            )
    for axis in AXES:
        if not any(e.axis == axis and e.parent is None for e in seen.values()):
            problems.append(Problem(N_("缺少%(axis)s类的编码"), axis=axis))
    return problems


def parse_csv(data: bytes) -> list[Entry]:
    """A code list from a CSV file with the columns code, parent, name (and optionally
    name_en), a header row first; UTF-8 (with or without BOM) or GB18030, as Excel saves
    it. Raises ``CodeListError`` listing every problem."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CodeListError([Problem(N_("文件编码无法识别，请以UTF-8或GB18030保存"))])
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise CodeListError([Problem(N_("文件为空"))])
    header = [h.strip().lower() for h in rows[0]]
    if header[:3] != ["code", "parent", "name"]:
        raise CodeListError([Problem(N_("第一行应为表头：code,parent,name（可加 name_en）"))])
    has_en = len(header) > 3 and header[3] == "name_en"
    entries = []
    for row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        # The apostrophe our download puts before a formula-like name (issue 21.3) is
        # not part of the name: a download re-imports unchanged.
        row = [unquote_csv_cell(cell.strip()) for cell in row] + [""] * 4
        entries.append(
            Entry(
                row[0].upper(), row[1].upper() or None, row[2], (row[3] or None) if has_en else None
            )
        )
    problems = validate(entries)
    if problems:
        raise CodeListError(problems)
    return entries


def check_code(code: str | None, axis: str, known: dict[str, str]) -> str | None:
    """The problem with ``code`` as a case's code on ``axis`` (None: usable). ``known``
    maps the current version's codes to their names; any level may be chosen."""
    if not code:
        return None
    if not code.startswith(axis) or code not in known:
        return f"“{code}”不是现行编码表中的{axis}类编码"
    return None


def label(code: str | None, names: dict[str, str]) -> str:
    """ "B03 银行卡"; the code alone when its name is unknown; "—" for none."""
    if not code:
        return "—"
    name = names.get(code)
    return f"{code} {name}" if name else code
