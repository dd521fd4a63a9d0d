"""GET /me and the member directory."""

from __future__ import annotations

from flask import current_app, request, url_for

from app.api import bp
from app.api.auth import api_user
from app.api.errors import ApiError, invalid
from app.api.serialize import member_as_json, user_as_json
from app.auth.policy import sees_network
from app.extensions import db
from app.members.service import DirectoryQuery, directory_query
from app.models import Member

MAX_SEARCH_LENGTH = 100
MAX_PAGE = 10_000
TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")
SEARCH_PARAMS = ("q", "specialty", "location", "accepting")


@bp.get("/me")
def me():
    return user_as_json(api_user())


def _search_text(name: str, problems: dict[str, str]) -> str:
    value = request.args.get(name, "")
    if "\x00" in value:
        problems[name] = f"{name} contains characters that are not allowed."
    elif len(value) > MAX_SEARCH_LENGTH:
        problems[name] = f"{name} can have at most {MAX_SEARCH_LENGTH} characters."
    else:
        return value
    return ""


@bp.get("/members")
def list_members():
    problems: dict[str, str] = {}
    search = {name: _search_text(name, problems) for name in ("q", "specialty", "location")}
    accepting = request.args.get("accepting", "").strip().lower()
    if accepting not in ("", *TRUE, *FALSE):
        problems["accepting"] = "accepting must be true or false."
    page_text = request.args.get("page", "1")
    digits = page_text.isascii() and page_text.isdigit() and len(page_text) <= 5
    if not digits or not 1 <= int(page_text) <= MAX_PAGE:
        problems["page"] = f"page must be a whole number from 1 to {MAX_PAGE}."
    if problems:
        raise invalid(problems, "The directory could not be searched. Check the parameters.")
    page = int(page_text)
    query = directory_query(api_user(), DirectoryQuery(accepting_only=accepting in TRUE, **search))
    if accepting in FALSE:
        query = query.where(Member.accepting.is_(False))
    size = current_app.config["PAGE_SIZE"]
    rows = list(db.session.scalars(query.offset((page - 1) * size).limit(size + 1)))
    following = None
    if len(rows) > size and page < MAX_PAGE:
        carried = {k: v for k, v in request.args.items() if k in SEARCH_PARAMS}
        following = url_for("api.list_members", **carried, page=page + 1, _external=True)
    return {"items": [member_as_json(m) for m in rows[:size]], "next": following}


@bp.get("/members/<int(min=1, max=2147483647):member_id>")
def get_member(member_id: int):
    member = db.session.get(Member, member_id)
    if member is None or not sees_network(api_user(), member.network_id):
        raise ApiError(404, "not_found", "There is no such member, or you may not see it.")
    return member_as_json(member)
