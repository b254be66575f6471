"""``flask --app wsgi calendar ...``: the working-day calendar from the command line.

The first line of ``due`` and ``workdays`` is the bare answer (scripts and acceptance
checks read it); ``due`` prints ``provisional`` on the second line when the count
reaches into a year whose official arrangement is not confirmed.
"""

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from portal.db import db
from portal.web import clock

calendar_cli = AppGroup("calendar", help="The working-day calendar (Art. 11).")


class IsoDate(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)
        if not 1901 <= day.year <= 2199:
            self.fail(f"{value} lies outside the years 1901-2199", param, ctx)
        return day


ISO_DATE = IsoDate()


@calendar_cli.command("seed")
def seed():
    """Store the official years of the chinesecalendar package (idempotent)."""
    from portal.workdays.store import seed_official_years

    years = seed_official_years(clock.now())
    db.session.commit()
    if years:
        click.echo(f"seeded {len(years)} years: {years[0]}-{years[-1]}")
    else:
        click.echo("calendar already holds every year the package covers")


@calendar_cli.command("due")
@click.argument("start", type=ISO_DATE)
@click.argument("n", type=click.IntRange(1, 366))
@click.option("--explain", is_flag=True, help="Print which days were counted and skipped.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def due(start: date, n: int, explain: bool, lang: str):
    """The due date of a step received on START with a limit of N working days."""
    from portal.workdays.store import current_calendar

    explanation = current_calendar().explain(start, n)
    click.echo(explanation.due.isoformat())
    if explanation.provisional:
        click.echo("provisional")
    if explain:
        for line in explanation.lines(lang):
            click.echo(line)


@calendar_cli.command("workdays")
@click.argument("start", type=ISO_DATE)
@click.argument("end", type=ISO_DATE)
def workdays(start: date, end: date):
    """The number of working days after START up to and including END."""
    from portal.workdays.store import current_calendar

    calendar = current_calendar()
    click.echo(calendar.working_days_between(start, end))
    if calendar.is_provisional(start, max(start, end)):
        click.echo("provisional")


@calendar_cli.command("import-year")
@click.argument("year", type=click.IntRange(1900, 2200))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draft", is_flag=True, help="Store the days but leave the year provisional.")
def import_year(year: int, file: Path, draft: bool):
    """Load YEAR's State Council notice from FILE (JSON or CSV; see the README)."""
    from portal.workdays.notice import NoticeError
    from portal.workdays.notice_files import read_notice
    from portal.workdays.store import import_notice

    try:
        notice = read_notice(file.read_text(encoding="utf-8-sig"), year)
    except (NoticeError, UnicodeDecodeError) as error:
        for message in getattr(error, "messages", [str(error)]):
            click.echo(message, err=True)
        raise SystemExit(1) from None
    edit = import_notice(notice, None, clock.now(), confirm=not draft)
    db.session.commit()
    days = notice.days()
    off = sum(not d.is_working_day for d in days)
    click.echo(
        f"{year}: {off} days off, {len(days) - off} make-up working days, "
        f"{'draft (provisional)' if draft else 'confirmed'}; "
        f"{edit.recomputed} open deadlines recomputed"
    )


@calendar_cli.command("show-year")
@click.argument("year", type=click.IntRange(1900, 2200))
def show_year(year: int):
    """Print a year's status and the days that depart from Monday–Friday."""
    from portal.workdays.store import stored_days, year_status

    status = year_status(year)
    confirmed = bool(status and status.confirmed)
    click.echo(f"{year}: {'confirmed' if confirmed else 'provisional (weekday rule)'}")
    if status and status.source:
        click.echo(status.source)
    for day, row in sorted(stored_days(year).items()):
        what = "off" if not row.is_working_day else "work"
        click.echo(f"{day.isoformat()} {what} {row.kind} {row.name} ({row.source})")
