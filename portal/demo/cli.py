import click
from flask.cli import AppGroup

from portal.db import db, utcnow

demo_cli = AppGroup("demo", help="Demo data for a newcomer's first look.")


@demo_cli.command("seed")
def seed():
    """Create the demo province (idempotent: run it as often as you like)."""
    from portal.demo import bulletin_demo
    from portal.demo.accountability_demo import seed_accountability
    from portal.demo.complaints_demo import seed_complaints
    from portal.demo.seed import DEMO_PASSWORD, seed_province

    now = utcnow()
    created = seed_province(now)
    db.session.commit()
    click.echo(f"demo province ready: {created['units']} units and {created['users']} users added")
    cases = seed_complaints(now)
    db.session.commit()
    click.echo(f"{cases} demo complaints added over the last 13 months")
    click.echo(f"{seed_accountability(now)} accountability cases (Art. 12)")
    db.session.commit()
    click.echo(f"every demo login uses the password {DEMO_PASSWORD}")
    click.echo(bulletin_demo.seed_bulletins(now))


@demo_cli.command("generate")
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
    from portal.demo.generate import GenerateRefused, generate

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
