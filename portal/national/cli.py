"""``flask --app wsgi demo generate``: registered on the demo group by ``create_app``
(the generator builds on the demo seed's province, not the other way round)."""

import click
from flask.cli import with_appcontext

from portal.db import db


@click.command("generate")
@with_appcontext
@click.option("--complaints", default=1_000_000, show_default=True, help="Complaints in all.")
@click.option("--members", default=200, show_default=True, help="Member banks (Zipf sizes).")
@click.option("--outlets", default=20_000, show_default=True, help="Outlets in all.")
@click.option("--seed", default=42, show_default=True, help="Same seed, same data.")
@click.option("--years", default=5.0, show_default=True, help="Years of complaints up to now.")
@click.option("--chunk", default=20_000, show_default=True, help="Complaints per bulk write.")
def generate_command(complaints, members, outlets, seed, years, chunk):
    """A national-scale data set on an EMPTY, migrated database (benchmarks, load tests).

    \b
    Builds the association, MEMBERS banks (bank 1 the biggest, sizes ~ 1/m), OUTLETS
    outlets (banks with 50 or more have a city-branch level), the taxonomy, the calendar
    and the A/B pairs, then COMPLAINTS complaints over YEARS years up to now, 10% of them
    in the last complete half year, each with its history and clocks; repeats, return
    visits and accountability cases (Art. 12). Bulk inserts: COPY on PostgreSQL.

    \b
    Logins, all with the password demo12345:
      n-assoc, n-assoc2        association handlers (n-assoc-admin, n-assoc-leader)
      n-m0001-a, n-m0001-b     handlers A and B of member 1 (the biggest bank);
                               n-m0001-admin, n-m0001-leader, n-m0001-c01 (city branch)
      n-o000001                the officer of outlet 1 (unit code O000001), one per outlet
    Complaints whose id is a multiple of 1000 have a long history (~30 entries).
    """
    from portal.national.generate import GenerateRefused, generate

    try:
        generate(
            complaints=complaints,
            members=members,
            outlets=outlets,
            seed=seed,
            years=years,
            chunk=chunk,
            echo=click.echo,
        )
    except GenerateRefused as refusal:
        db.session.rollback()
        click.echo(f"refused: {refusal}", err=True)
        raise SystemExit(1) from None
