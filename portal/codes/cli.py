"""``flask codes import FILE``: the code list from a CSV (code, parent, name[, name_en])."""

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.db import db

codes_cli = AppGroup("codes", help="JR/T 0169-2018 code list.")


@codes_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", default="", help="What the version is (e.g. the standard's text used).")
def import_command(path: Path, note: str):
    """Import a code list as a new version; every problem is printed and nothing written."""
    from portal.codes import operations
    from portal.codes.rules import CodeListError, parse_csv

    try:
        entries = parse_csv(path.read_bytes())
        version = operations.import_list(entries, note=note or f"导入 {path.name}", actor=None)
    except (CodeListError, operations.CodeChangeError) as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(problem, err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"version {version.number}: {len(entries)} codes")
