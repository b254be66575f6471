"""The unit tree. Units are deactivated, never deleted, so history stays intact."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Model, UTCDateTime, path_string, utcnow
from portal.orgs.rules import KIND_LABELS, UnitKind


class Unit(Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Materialized path ('/1/5/23/'): a subtree is one indexed range query.
    path: Mapped[str] = mapped_column(path_string(), nullable=False, default="", unique=True)
    depth: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The member bank this unit belongs to (itself for a member unit; NULL for the
    # association): tenant data carries it so scoping is an equality test.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    short_name: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    is_associate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    city: Mapped[str | None] = mapped_column(String(40))
    district: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    # Art. 4: outlets display their own number, then the bank system's number, then the
    # associations' numbers, in that order.
    complaint_phone: Mapped[str | None] = mapped_column(String(40))
    system_phone: Mapped[str | None] = mapped_column(String(40))
    # A member's institution group (``rules.INSTITUTION_GROUPS``), as the regulator's
    # bulletin groups banks; NULL for other units and for a member not yet placed.
    institution_group: Mapped[str | None] = mapped_column(String(20))
    in_campaign: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    parent = relationship("Unit", remote_side=[id], foreign_keys=[parent_id])
    member = relationship("Unit", remote_side=[id], foreign_keys=[member_id], post_update=True)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_unit_kind_active", "kind", "is_active"),)

    @property
    def unit_kind(self) -> UnitKind:
        return UnitKind(self.kind)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.unit_kind]

    @property
    def is_member(self) -> bool:
        return self.kind == UnitKind.MEMBER

    @property
    def is_association(self) -> bool:
        return self.kind == UnitKind.ASSOCIATION

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


class PublicContacts(Model):
    """Art. 4, 5: the association's public contact details, one row (id 1); absent means
    the regulation's own text (``orgs.contacts.DEFAULT``)."""

    __tablename__ = "public_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(String(80), nullable=False)
    phone: Mapped[str] = mapped_column(String(40), nullable=False)
    fax: Mapped[str | None] = mapped_column(String(40))
    # Art. 5 names two addresses; kept as one comma-separated line.
    emails: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    national_name: Mapped[str] = mapped_column(String(80), nullable=False)
    national_phone: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}
