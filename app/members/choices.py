"""Member pickers: the first matches of a directory search as choices for a select.

Every picker (forward, suggest another member, the send form's receiver, the user form's
members) shows at most PICKER_SIZE members and narrows them as the person types: with
JavaScript through /members/choices (htmx swaps the options in place), without it through
a plain search form that reloads the page with the same query.
"""

from __future__ import annotations

from wtforms import SelectChoice

from app import fields as f
from app.auth.policy import sees_network
from app.extensions import db
from app.members.service import DirectoryQuery, directory
from app.models import Member, User

PICKER_SIZE = 25


def picker_query(args, name: str = "member_q", **fixed) -> DirectoryQuery:
    """The directory search of a picker, from the page's or the fragment's query string."""
    terms, _refused = f.search_terms(args, (name, "specialty"))
    return DirectoryQuery(q=terms[name], specialty=terms["specialty"], **fixed)


def picker_members(
    user: User, query: DirectoryQuery, *, exclude: set[int] = frozenset()
) -> list[Member]:
    """The first members of the search, leaving out `exclude` (the referral's own sides)."""
    found = directory(user, query, limit=PICKER_SIZE + len(exclude))
    return [m for m in found if m.id not in exclude][:PICKER_SIZE]


def chosen_member(user: User, value, network_id: int | None = None) -> Member | None:
    """The active member a submitted picker value names, if this user sees it (and it is of
    the network, when one is given)."""
    problems = f.FieldProblems()
    number = f.query_integer(problems, "member", str(value or ""), low=1, high=f.MAX_ID)
    if number is None:
        return None
    member = db.session.get(Member, number)
    if member is None or not member.active:
        return None
    if network_id is not None and member.network_id != network_id:
        return None
    return member if sees_network(user, member.network_id) else None


def member_label(member: Member) -> str:
    where = f" · {member.city}" if member.city else ""
    state = "accepting" if member.accepting else "not accepting new referrals"
    return f"{member.name} — {', '.join(member.specialties)}{where} · {state}"


def member_choices(members: list[Member], empty: str) -> list[SelectChoice]:
    """Select choices: a prompt, then each member; those not accepting cannot be chosen."""
    choices = [SelectChoice("", empty or "— choose a member —")]
    for m in members:
        disabled = {} if m.accepting else {"disabled": True}
        choices.append(SelectChoice(str(m.id), member_label(m), render_kw=disabled))
    return choices
