import click
from flask.cli import AppGroup

from portal.db import db

bulletin_cli = AppGroup("bulletin", help="The semiannual bulletin (Art. 8(4)).")


@bulletin_cli.command("build")
@click.argument("period")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
def build(period, out):
    """Write the PDF of PERIOD's current draft (e.g. 2026H1) to --out."""
    from portal.bulletins import operations, pdf
    from portal.statistics.rules import parse_period

    try:
        parsed = parse_period(period)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PERIOD") from exc
    draft = operations.draft_of(parsed)
    if draft is None:
        raise click.ClickException(f"no draft bulletin for {parsed.code}")
    data = pdf.render_pdf(pdf.build_context(draft, draft.created_by))
    with open(out, "wb") as handle:
        handle.write(data)
    db.session.rollback()
    click.echo(f"{parsed.code} draft v{draft.version}: {len(data)} bytes written to {out}")
