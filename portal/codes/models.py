"""The JR/T 0169-2018 code list, kept in versions, and the crosswalk from categories.

A version is never changed once another follows it: an import or an edit makes a new
version (``operations``), so a report frozen under version 3 can still name its codes.
Cases store the code itself (``Complaint.code_a/b/c``), which keeps its meaning across
versions; a retired code keeps the name it last had.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Model, UTCDateTime, utcnow


class CodeVersion(Model):
    __tablename__ = "code_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    # How it came about: "default", "import" (a CSV from the standard's text) or "edit".
    source: Mapped[str] = mapped_column(String(12), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    created_by = relationship("User")


class Code(Model):
    """One code of one version: ``A0103`` 电子渠道 under ``A01`` 前台业务渠道. The axis is
    the code's first letter; ``parent`` is None at the top level."""

    __tablename__ = "code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("code_version.id"), nullable=False)
    axis: Mapped[str] = mapped_column(String(1), nullable=False)
    code: Mapped[str] = mapped_column(String(16), nullable=False)
    parent: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(120))
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (UniqueConstraint("version_id", "code", name="uq_code_version_code"),)

    @property
    def label(self) -> str:
        """The name in the reader's language."""
        from portal.web.i18n import localized

        return localized(self.name, self.name_en)


class CategoryCode(Model):
    """The crosswalk: the B and C codes a case of the association's category counts under
    while it has none of its own (cases registered before coding, old reports). Kept by
    the association's administrator; every change is audited."""

    __tablename__ = "category_code"

    category_id: Mapped[int] = mapped_column(ForeignKey("complaint_category.id"), primary_key=True)
    code_b: Mapped[str] = mapped_column(String(16), nullable=False)
    code_c: Mapped[str] = mapped_column(String(16), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
