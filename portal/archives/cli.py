"""``flask --app wsgi archives …``: number, freeze, export and erase (docs/workflows.md).
Each command commits its own work; running one twice does no harm."""

import click
from flask.cli import AppGroup

from portal.db import db
from portal.web import clock

archives_cli = AppGroup(
    "archives", help="Case dossiers, archive numbers and retention (Art. 8(6))."
)


@archives_cli.command("freeze")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
def freeze(limit):
    """Render, hash and store the dossiers of the cases closed since the last run."""
    from portal.archives.operations import freeze_due

    def progress(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            click.echo(f"{done}/{total} dossiers")

    frozen = freeze_due(clock.now(), limit=limit, commit_each=True, progress=progress)
    db.session.commit()
    click.echo(f"{frozen} dossier(s) frozen")


@archives_cli.command("number")
def number():
    """Give archive numbers to closed cases that have none (closed before the archive
    existed); their dossiers become due."""
    from portal.archives.operations import number_unnumbered

    count = number_unnumbered(clock.now())
    db.session.commit()
    click.echo(f"{count} closed case(s) numbered; run `archives freeze` to issue their dossiers")


@archives_cli.command("erase-expired")
@click.option("--dry-run", is_flag=True, help="Count what would be erased; change nothing.")
def erase_expired(dry_run):
    """Erase the personal data of cases closed longer ago than the retention period."""
    from portal.archives.operations import erase_expired as erase

    counts = erase(today=clock.local_today(), now=clock.now(), dry_run=dry_run)
    verb = "would be erased" if dry_run else "erased"
    click.echo(
        f"retention {counts['years']} years, closed before {counts['cutoff']:%Y-%m-%d %H:%M} UTC: "
        f"{counts['cases']} case(s) and {counts['dossiers']} dossier(s) {verb}"
    )
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()


@archives_cli.command("export")
@click.argument("period")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
def export_command(period, out):
    """Write the closed half year PERIOD (e.g. 2026H1): an index and every dossier."""
    from portal.archives import export, queries
    from portal.archives.rules import is_closed_period
    from portal.statistics.rules import parse_period

    try:
        parsed = parse_period(period)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PERIOD") from exc
    if not is_closed_period(parsed.last_day, clock.local_today()):
        raise click.ClickException(f"{parsed.code} is not over yet")
    rows = queries.export_rows(None, parsed)

    def progress(done: int, total: int) -> None:
        if done == total or done % 100 == 0:
            click.echo(f"{done}/{total} dossiers written")

    with open(out, "wb") as handle:
        index = export.index_workbook(rows).getvalue()
        entries = export.members(rows, parsed)
        for chunk in export.stream(index, entries, parsed, clock.now(), progress=progress):
            handle.write(chunk)
    db.session.rollback()
    click.echo(f"{parsed.code}: {len(rows)} dossier(s) listed, written to {out}")
