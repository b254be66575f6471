"""category english names

Categories get an English name, shown in English mode; the default taxonomy's are filled
in (by code), the association's own ones are left for it to name.

Revision ID: c3a9e1f5d702
Revises: b7e2d4f6a813
Create Date: 2026-12-07 08:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3a9e1f5d702"
down_revision = "b7e2d4f6a813"
branch_labels = None
depends_on = None

# The default taxonomy's English names as of this revision (a copy: a migration never
# changes with the code).
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


def upgrade():
    with op.batch_alter_table("complaint_category") as batch:
        batch.add_column(sa.Column("name_en", sa.String(length=80), nullable=True))
    category = sa.table("complaint_category", sa.column("code"), sa.column("name_en"))
    for code, name in ENGLISH_NAMES.items():
        op.execute(category.update().where(category.c.code == code).values(name_en=name))
    # Stored dashboard figures (a cache) were computed without the English names.
    op.execute("DELETE FROM statistics_snapshot")


def downgrade():
    with op.batch_alter_table("complaint_category") as batch:
        batch.drop_column("name_en")
