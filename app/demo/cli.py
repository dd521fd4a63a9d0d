"""`flask demo-data`: a believable network to try refnet with."""

from __future__ import annotations

import click


@click.command("demo-data")
@click.option("--members", default=40, show_default=True, type=click.IntRange(min=4))
@click.option("--referrals", default=400, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has a network.")
def demo_data_command(members, referrals, seed, if_empty):
    """Load a demo network (placeholder until the generator lands)."""
    raise click.ClickException("not available yet")
