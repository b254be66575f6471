"""The export of a closed half year for the association's own archive (Art. 8(6)): one
zip with an index spreadsheet and every dossier's zip of the period, each under its
archive number.

The zip is written as it goes (``stream``): the index first, then one dossier at a time,
read from the database when its turn comes, so neither the server nor the command holds
the half year in memory. A web download and ``flask --app wsgi archives export`` use the
same generator.
"""

import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime

from flask_babel import gettext as _

from portal.archives import queries
from portal.archives.dossier import zip_name
from portal.archives.models import Dossier
from portal.archives.rules import BEIJING, DOSSIER_STATE_LABELS, DossierState
from portal.statistics.rules import Period
from portal.web import xlsx


def index_workbook(rows: list[Dossier]):
    headers = [
        _("档案编号"),
        _("版本"),
        _("投诉编号"),
        _("会员单位"),
        _("被投诉网点"),
        _("类别"),
        _("受理日期"),
        _("办结时间"),
        _("封存时间"),
        _("状态"),
        _("附件数"),
        _("案卷 PDF SHA-256"),
        _("压缩包 SHA-256"),
        _("压缩包文件"),
    ]
    cells = [
        [
            archive.archive_no,
            item.version,
            item.complaint.tracking_no,
            item.complaint.member.name,
            item.complaint.outlet.name,
            item.complaint.category.full_name,
            item.complaint.received_on,
            item.closed_at,
            item.frozen_at,
            _(DOSSIER_STATE_LABELS[DossierState(item.state)]),
            item.attachment_count,
            item.pdf_sha256,
            item.zip_sha256,
            zip_name(archive.archive_no, item.version)
            if item.state == DossierState.FROZEN
            else None,
        ]
        for item in rows
        for archive in [item.archive]
    ]
    return xlsx.workbook([xlsx.Sheet(_("案卷索引"), headers, cells)], tz=BEIJING)


def index_name(period: Period) -> str:
    return f"archive-{period.code}-index.xlsx"


def export_name(period: Period) -> str:
    return f"archive-{period.code}.zip"


class _Pipe:
    """A write-only file whose bytes are taken away after each member: zipfile writes
    data descriptors to it (it cannot seek), and the generator hands each piece on."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


def members(rows: list[Dossier], period: Period) -> list[tuple[int, str]]:
    """(dossier id, name in the export) of each frozen dossier: read before the first
    byte is sent, so the streaming needs neither the request's objects nor its locale."""
    return [
        (item.id, f"{period.code}/{zip_name(item.archive.archive_no, item.version)}")
        for item in rows
        if item.state == DossierState.FROZEN
    ]


def stream(
    index: bytes,
    entries: list[tuple[int, str]],
    period: Period,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[bytes]:
    """The half year's zip, piece by piece: the index, then each dossier's zip, read
    from the database when its turn comes."""
    pipe = _Pipe()
    stamp = now.astimezone(BEIJING).timetuple()[:6]
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_STORED) as archive:  # type: ignore[call-overload]
        _write(archive, index_name(period), index, stamp, deflate=True)
        yield pipe.take()
        for position, (dossier_id, name) in enumerate(entries, start=1):
            data = queries.zip_bytes(dossier_id)
            if data is not None:
                # Already compressed: stored as it is, its hash unchanged.
                _write(archive, name, data, stamp)
                yield pipe.take()
            if progress:
                progress(position, len(entries))
    yield pipe.take()


def _write(archive: zipfile.ZipFile, name: str, data: bytes, stamp, deflate: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    info.flag_bits |= 0x800  # UTF-8 names
    archive.writestr(info, data)
