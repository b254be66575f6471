"""The association's public contact details (Art. 5) and the order of complaint numbers
an outlet displays (Art. 4).

Art. 4: campaign outlets display "本网点投诉电话—系统内投诉电话—省银协和中银协投诉电话", in
that order; the provincial association's number is 024-22532961. Art. 5: the service
department (服务拓展部) receives complaints; phone 024-22532961 (also fax), e-mail
xiehuifuwu@sohu.com or xiehuizilv@sina.com. The national association's number is not in
the rules: it is a setting, and a notice without it says so.
"""

import time
from dataclasses import asdict, dataclass, replace

from portal.audit.operations import diff, record
from portal.db import db
from portal.orgs.models import PublicContacts


def N_(text: str) -> str:  # marks a label for extraction; translated where shown
    return text


@dataclass(frozen=True)
class Contacts:
    department: str
    phone: str
    fax: str | None
    emails: tuple[str, ...]
    national_name: str
    national_phone: str | None

    @property
    def fax_is_phone(self) -> bool:
        return bool(self.fax) and self.fax == self.phone


# Art. 5, word for word; the national association's number is left for the administrator.
DEFAULT = Contacts(
    department=N_("辽宁省银行业协会服务拓展部"),
    phone="024-22532961",
    fax="024-22532961",
    emails=("xiehuifuwu@sohu.com", "xiehuizilv@sina.com"),
    national_name=N_("中国银行业协会"),
    national_phone=None,
)


@dataclass(frozen=True)
class NoticeLine:
    """One number of an Art. 4 notice, in its place; ``number`` None when missing."""

    label: str
    holder: str
    number: str | None


def notice_lines(
    *,
    outlet_name: str,
    outlet_phone: str | None,
    bank_name: str,
    system_phone: str | None,
    contacts: Contacts,
) -> list[NoticeLine]:
    """The numbers an outlet displays, in the order Art. 4 prescribes."""
    return [
        NoticeLine(N_("本网点投诉电话"), outlet_name, outlet_phone or None),
        NoticeLine(N_("系统内投诉电话"), bank_name, system_phone or None),
        NoticeLine(N_("省银行业协会投诉电话"), contacts.department, contacts.phone or None),
        NoticeLine(N_("中国银行业协会投诉电话"), contacts.national_name, contacts.national_phone),
    ]


def missing(lines: list[NoticeLine]) -> list[str]:
    """Labels of the numbers a notice lacks (Art. 4 requires all four)."""
    return [line.label for line in lines if not line.number]


def split_emails(text: str | None) -> list[str]:
    """Addresses typed on one line, separated by commas, 、, semicolons or spaces."""
    import re

    return [part for part in re.split(r"[\s,，、;；]+", text or "") if part]


# Every page's footer shows the contacts: read once, then kept for a minute per process
# (a change shows at once in the process that saved it, within a minute elsewhere).
_CACHE: dict[str, tuple[float, Contacts]] = {}
_TTL = 60.0


def current_contacts() -> Contacts:
    cached = _CACHE.get("contacts")
    if cached is not None and time.monotonic() - cached[0] < _TTL:
        return cached[1]
    row = db.session.get(PublicContacts, 1)
    contacts = DEFAULT if row is None else _from_row(row)
    _CACHE["contacts"] = (time.monotonic(), contacts)
    return contacts


def forget_cached() -> None:
    _CACHE.clear()


def _from_row(row: PublicContacts) -> Contacts:
    return Contacts(
        department=row.department,
        phone=row.phone,
        fax=row.fax,
        emails=tuple(e for e in (row.emails or "").split(",") if e),
        national_name=row.national_name,
        national_phone=row.national_phone,
    )


def _as_record(contacts: Contacts) -> dict:
    return asdict(contacts) | {"emails": ",".join(contacts.emails)}


def save_contacts(contacts: Contacts, *, actor, association, now) -> Contacts:
    """Store the contacts (audit entry under the association); flushes, never commits."""
    row = db.session.get(PublicContacts, 1)
    before = _as_record(DEFAULT if row is None else _from_row(row))
    if row is None:
        row = PublicContacts(id=1)
        db.session.add(row)
    after = _as_record(contacts)
    for name, value in after.items():
        setattr(row, name, value)
    row.updated_by_id = actor.id if actor else None
    row.updated_at = now
    db.session.flush()
    changes = diff(before, after)
    if changes:
        record(
            actor=actor,
            unit_path=association.path,
            subject=row,
            action="update",
            changes=changes,
            now=now,
        )
    forget_cached()
    return replace(contacts)
