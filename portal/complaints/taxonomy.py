"""The two-level category taxonomy: a realistic default, and its editing rules."""

from sqlalchemy import select

from portal.codes.operations import seed_codes
from portal.complaints.models import Category
from portal.db import db

DEFAULT_CATEGORIES = [
    (
        "ATT",
        "服务态度",
        [("ATT-01", "服务态度差"), ("ATT-02", "服务用语不规范"), ("ATT-03", "推诿拒办")],
    ),
    (
        "QUE",
        "排队与效率",
        [("QUE-01", "排队等候时间长"), ("QUE-02", "窗口开放不足"), ("QUE-03", "业务办理效率低")],
    ),
    (
        "FEE",
        "收费",
        [("FEE-01", "不合理收费"), ("FEE-02", "收费未明示"), ("FEE-03", "收费标准争议")],
    ),
    (
        "DEP",
        "存款",
        [("DEP-01", "存取款纠纷"), ("DEP-02", "账户冻结或限制"), ("DEP-03", "存款利率与计息")],
    ),
    (
        "LOA",
        "贷款",
        [
            ("LOA-01", "贷款审批"),
            ("LOA-02", "提前还款"),
            ("LOA-03", "征信异议"),
            ("LOA-04", "催收方式"),
        ],
    ),
    (
        "CRD",
        "银行卡与ATM",
        [
            ("CRD-01", "银行卡盗刷"),
            ("CRD-02", "ATM吞卡"),
            ("CRD-03", "ATM故障或差错"),
            ("CRD-04", "信用卡分期与费用"),
        ],
    ),
    (
        "WMP",
        "理财与保险销售",
        [("WMP-01", "误导销售"), ("WMP-02", "风险揭示不足"), ("WMP-03", "代销保险纠纷")],
    ),
    ("PII", "个人信息", [("PII-01", "个人信息泄露"), ("PII-02", "违规查询或使用")]),
    ("OTH", "其他", [("OTH-01", "无障碍与适老服务"), ("OTH-99", "其他问题")]),
]


# English names (Category.name_en), by code: shown in English mode.
ENGLISH_NAMES = {
    "ATT": "Service attitude",
    "ATT-01": "Poor service attitude",
    "ATT-02": "Improper service language",
    "ATT-03": "Passing the buck or refusing service",
    "QUE": "Queues and efficiency",
    "QUE-01": "Long waiting time",
    "QUE-02": "Too few counters open",
    "QUE-03": "Slow service",
    "FEE": "Fees",
    "FEE-01": "Unreasonable fees",
    "FEE-02": "Fees not disclosed",
    "FEE-03": "Disputed fee rates",
    "DEP": "Deposits",
    "DEP-01": "Deposit or withdrawal disputes",
    "DEP-02": "Account frozen or restricted",
    "DEP-03": "Deposit interest",
    "LOA": "Loans",
    "LOA-01": "Loan approval",
    "LOA-02": "Early repayment",
    "LOA-03": "Credit report disputes",
    "LOA-04": "Debt collection practices",
    "CRD": "Cards and ATMs",
    "CRD-01": "Card fraud",
    "CRD-02": "Card retained by an ATM",
    "CRD-03": "ATM faults or errors",
    "CRD-04": "Credit card instalments and fees",
    "WMP": "Wealth management and insurance sales",
    "WMP-01": "Mis-selling",
    "WMP-02": "Risks not disclosed",
    "WMP-03": "Agency insurance disputes",
    "PII": "Personal information",
    "PII-01": "Personal data leaks",
    "PII-02": "Improper queries or use of data",
    "OTH": "Other",
    "OTH-01": "Accessibility and services for the elderly",
    "OTH-99": "Other issues",
}


def seed_categories() -> int:
    """Add the default taxonomy where it is missing (by code), then the JR/T 0169-2018
    code list (version 1) and the default categories' crosswalk where missing: wherever
    categories are seeded (the demo, ``flask complaints seed-categories``, the national
    generator, tests) intake finds its codes. Returns the categories added."""
    added = 0
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    for sort, (code, name, children) in enumerate(DEFAULT_CATEGORIES):
        parent = existing.get(code)
        if parent is None:
            parent = Category(
                code=code, name=name, name_en=ENGLISH_NAMES.get(code), sort=sort * 100
            )
            db.session.add(parent)
            db.session.flush()
            added += 1
        for i, (child_code, child_name) in enumerate(children, start=1):
            if child_code not in existing:
                db.session.add(
                    Category(
                        code=child_code,
                        name=child_name,
                        name_en=ENGLISH_NAMES.get(child_code),
                        parent_id=parent.id,
                        sort=sort * 100 + i,
                    )
                )
                added += 1
    db.session.flush()
    seed_codes()
    return added
