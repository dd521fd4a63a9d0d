"""Numbered pages of a list page (members, users, notifications, audit): the page number is
read like every other number from a URL, bounded, and a wrong one is a clear 422."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from app import fields as f
from app.extensions import db
from app.refusals import Invalid


def numbered_page(query: Select, args, *, per_page: int, count: bool = True) -> Pagination:
    problems = f.FieldProblems()
    number = f.query_integer(problems, "page", args.get("page"), low=1, high=f.MAX_PAGE)
    if problems:
        raise Invalid("There is no such page of this list.", problems)
    return db.paginate(query, page=number or 1, per_page=per_page, error_out=False, count=count)
