"""GET /me and the member directory."""

from __future__ import annotations

from flask import current_app, request, url_for

from app import fields as f
from app.api import schemas
from app.api.auth import api_user
from app.api.errors import invalid
from app.api.inputs import MAX_SEARCH_LENGTH, MemberQuery
from app.api.registry import operation
from app.api.serialize import as_json, as_member, as_user
from app.extensions import db
from app.members.service import DirectoryQuery, directory_query, member_for

TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")
SEARCH_PARAMS = ("q", "specialty", "location", "accepting")


@operation(
    "GET",
    "/me",
    "getMe",
    summary="The caller, its role and the members it acts for",
    answer=(200, schemas.User, "The caller."),
)
def me():
    return as_json(as_user(api_user()))


@operation(
    "GET",
    "/members",
    "listMembers",
    summary="Search the directory of the caller's networks",
    answer=(200, schemas.MemberPage, "Active members, by name."),
    errors=(422,),
    query=MemberQuery,
)
def list_members():
    search, problems = f.search_terms(
        request.args, ("q", "specialty", "location"), max_len=MAX_SEARCH_LENGTH
    )
    accepting = request.args.get("accepting", "").strip().lower()
    if accepting not in ("", *TRUE, *FALSE):
        problems["accepting"] = "accepting must be true or false."
    page = f.query_integer(problems, "page", request.args.get("page"), low=1, high=f.MAX_PAGE) or 1
    if problems:
        raise invalid(problems, "The directory could not be searched. Check the parameters.")
    wanted = {**search, "accepting": accepting in TRUE if accepting else None}
    query = directory_query(api_user(), DirectoryQuery(**wanted))
    size = current_app.config["PAGE_SIZE"]
    rows = list(db.session.scalars(query.offset((page - 1) * size).limit(size + 1)))
    following = None
    if len(rows) > size and page < f.MAX_PAGE:
        carried = {k: v for k, v in request.args.items() if k in SEARCH_PARAMS}
        following = url_for("api.list_members", **carried, page=page + 1, _external=True)
    return as_json(schemas.MemberPage(items=[as_member(m) for m in rows[:size]], next=following))


@operation(
    "GET",
    "/members/<int(min=1, max=2147483647):member_id>",
    "getMember",
    summary="One member",
    answer=(200, schemas.Member, "The member."),
    errors=(404,),
)
def get_member(member_id: int):
    return as_json(as_member(member_for(api_user(), member_id)))
