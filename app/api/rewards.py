"""Programmes and rewards in the API: list, set up, read; approve, reject, reverse."""

from __future__ import annotations

from flask import request, url_for

from app import fields as f
from app.api import reward_schemas as shapes
from app.api.auth import api_user
from app.api.body import json_object
from app.api.errors import invalid
from app.api.idempotency import answer, idempotent
from app.api.inputs import validated
from app.api.registry import operation
from app.api.serialize import as_json
from app.extensions import db
from app.models import Reward, RewardStatus
from app.rewards import review
from app.rewards.programmes import (
    ProgrammeInput,
    programme_for,
    set_up_programme,
    visible_programmes,
)

PROGRAMME_ID = "<int(min=1, max=2147483647):programme_id>"
REWARD_ID = "<int(min=1, max=2147483647):reward_id>"
ACTIONS = {
    "approve": review.approve,
    "reject": review.reject,
    "reverse": review.reverse,
    "redeem": review.redeem,
}


def _network_filter() -> int | None:
    problems = f.FieldProblems()
    value = request.args.get("network_id")
    number = f.integer(problems, "network_id", value, label="Network") if value else None
    if problems:
        raise invalid(problems)
    return number


@operation(
    "GET",
    "/programmes",
    "listProgrammes",
    summary="Reward programmes of the caller's networks",
    answer=(200, shapes.ProgrammeList, "The programmes."),
    errors=(422,),
    query=shapes.ProgrammeQuery,
)
def list_programmes():
    found = visible_programmes(api_user(), _network_filter())
    return as_json(shapes.ProgrammeList(items=[shapes.plain(shapes.Programme, p) for p in found]))


@operation(
    "POST",
    "/programmes",
    "createProgramme",
    summary="Set up a reward programme (coordinators; practitioners for their member)",
    answer=(201, shapes.Programme, "The programme, running."),
    errors=(400, 403, 404, 413, 415, 422),
    body=shapes.NewProgramme,
    idempotent=True,
    description="Clinical and mixed networks: only `thanks`, no amount, tier, cap, variant B "
    "or leaderboard (422, and a CHECK constraint in the database). Professional networks: "
    "credit, discount, fixed and service need the network's monetary_rewards_allowed.",
)
@idempotent
def create_programme():
    user = api_user()
    body = validated(shapes.NewProgramme, json_object())
    given = {k: v for k, v in body.model_dump().items() if v is not None}
    programme = set_up_programme(user, ProgrammeInput(**given))
    location = url_for("api.get_programme", programme_id=programme.id, _external=True)
    payload, status, headers = answer(
        as_json(shapes.plain(shapes.Programme, programme)), 201, {"Location": location}
    )
    return payload, status, headers


@operation(
    "GET",
    f"/programmes/{PROGRAMME_ID}",
    "getProgramme",
    summary="One reward programme",
    answer=(200, shapes.Programme, "The programme."),
    errors=(404,),
)
def get_programme(programme_id: int):
    return as_json(shapes.plain(shapes.Programme, programme_for(api_user(), programme_id)))


@operation(
    "GET",
    "/rewards",
    "listRewards",
    summary="Rewards the caller may see, newest first (at most 500)",
    answer=(200, shapes.RewardList, "The rewards."),
    errors=(422,),
    query=shapes.RewardQuery,
    description="Coordinators: their networks'; practitioners: those their members earned "
    "or give; admins: all.",
)
def list_rewards():
    query = review.visible_rewards(api_user())
    status = request.args.get("status")
    if status:
        try:
            query = query.where(Reward.status == RewardStatus(status))
        except ValueError:
            raise invalid({"status": "Not a reward status."}) from None
    network_id = _network_filter()
    if network_id is not None:
        query = query.where(Reward.network_id == network_id)
    rows = db.session.scalars(query.order_by(Reward.created_at.desc(), Reward.id.desc()).limit(500))
    return as_json(shapes.RewardList(items=[shapes.plain(shapes.Reward, r) for r in rows]))


@operation(
    "GET",
    f"/rewards/{REWARD_ID}",
    "getReward",
    summary="One reward",
    answer=(200, shapes.Reward, "The reward."),
    errors=(404,),
)
def get_reward(reward_id: int):
    return as_json(shapes.plain(shapes.Reward, review.reward_for(api_user(), reward_id)))


@operation(
    "POST",
    f"/rewards/{REWARD_ID}/<any(approve,reject,reverse,redeem):decision>",
    "actOnReward",
    summary="Approve or reject a pending or held reward, reverse one not yet paid, or mark "
    "an approved credit, discount, points or service used (redeem)",
    answer=(200, shapes.Reward, "The reward after the action."),
    errors=(400, 403, 404, 413, 415, 422),
    body=shapes.RewardAction,
    path_schemas={"decision": {"type": "string", "enum": list(ACTIONS)}},
    idempotent=True,
    description="The network's coordinators and admins; redeem also the users of the member "
    "that gives the reward. Approving tells the earner.",
)
@idempotent
def act_on_reward(reward_id: int, decision: str):
    user = api_user()
    reward = review.reward_for(user, reward_id)
    body = validated(shapes.RewardAction, json_object())
    if decision in ("approve", "redeem"):
        ACTIONS[decision](user, reward)
    else:
        ACTIONS[decision](user, reward, {"note": body.note})
    payload, status, _headers = answer(as_json(shapes.plain(shapes.Reward, reward)))
    return payload, status
