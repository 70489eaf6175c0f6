"""Rounds of a campaign, their draws (committed, recomputable), verification and the public view."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from marshmallow import validate

from services.inspection.domain import DEPARTMENTS
from services.inspection.domain.draw import TIERS
from services.inspection.entrypoints.schemas import happened_at, positive, text
from services.inspection.service_layer import draws, rounds
from shared.api import Blueprint
from shared.auth import current_principal, public, requires
from shared.clock import current_clock
from shared.db import request_session, request_uow

READERS = ("supervisor", "admin", "integrator")

campaign_rounds_blp = Blueprint("campaign_rounds", __name__, url_prefix="/v1/campaigns",
                                description="A campaign's rounds, each scheduled with a committed seed")
rounds_blp = Blueprint("rounds", __name__, url_prefix="/v1/rounds", description="Rounds and their draws")
draws_blp = Blueprint("draws", __name__, url_prefix="/v1/draws", description="Draws: read and verify")
public_blp = Blueprint("public_draws", __name__, url_prefix="/v1/public/draws",
                       description="Published draws (no token): commitments now, who and where after the round")
public_rounds_blp = Blueprint("public_rounds", __name__, url_prefix="/v1/public/campaigns",
                              description="A campaign's round commitments (no token), public from scheduling on")


class RoundIn(ma.Schema):
    """A round to schedule: its duty days, teams and how many targets (a count, or a percent per tier)."""

    days = ma.fields.List(ma.fields.Date(), required=True, validate=validate.Length(min=1, max=366),
                          metadata={"description": "Duty days in order, inside the campaign's period."})
    teams_per_day = positive(1000, required=True)
    team_size = ma.fields.Integer(strict=True, required=True, validate=validate.Range(min=2, max=50),
                                  metadata={"description": "Inspectors per team: at least 2."})
    target_count = positive(100_000, load_default=None, metadata={"description": "Targets to draw; or "
                                                                                  "`tier_percent`."})
    tier_percent = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(TIERS)),
                                  values=ma.fields.Integer(strict=True, validate=validate.Range(min=0, max=100)),
                                  load_default=None,
                                  metadata={"description": "Per risk tier, the whole percent of it to draw "
                                                           "(rounded up), e.g. `{\"A\": 100, \"D\": 5}`."})
    team_departments = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(DEPARTMENTS)),
                                      values=positive(50), load_default=dict,
                                      metadata={"description": "Inspectors of a department every team needs."})
    scheduled_at = happened_at("scheduled")


class RoundOut(ma.Schema):
    """A round; its seed stays secret, committed by `seed_sha256` (published now)."""

    id = ma.fields.String(required=True)
    campaign_id = ma.fields.String(required=True)
    number = ma.fields.Integer(required=True)
    days = ma.fields.List(ma.fields.Date(), required=True)
    teams_per_day = ma.fields.Integer(required=True)
    team_size = ma.fields.Integer(required=True)
    target_count = ma.fields.Integer(allow_none=True)
    tier_percent = ma.fields.Dict(allow_none=True)
    team_departments = ma.fields.Dict(required=True)
    seed_sha256 = ma.fields.String(required=True)
    scheduled_by = ma.fields.String(required=True)
    scheduled_at = ma.fields.AwareDateTime(required=True)


class RoundList(ma.Schema):
    """A campaign's rounds in order."""

    items = ma.fields.List(ma.fields.Nested(RoundOut), required=True)


@campaign_rounds_blp.route("/<string:campaign_id>/rounds")
class CampaignRounds(MethodView):
    """The rounds of one campaign."""

    @requires("supervisor")
    @campaign_rounds_blp.arguments(RoundIn)
    @campaign_rounds_blp.response(201, RoundOut)
    def post(self, data, campaign_id: str):
        """Schedule the next round; its seed is made now and committed by the SHA-256 answered."""
        with request_uow() as uow:
            found = rounds.schedule_round(uow, campaign_id, data, scheduled_by=current_principal().sub,
                                          now=current_clock().now())
        return found, {"Location": url_for("rounds.RoundView", round_id=found["id"])}

    @requires("supervisor", "inspector", "admin", "integrator")
    @campaign_rounds_blp.response(200, RoundList)
    def get(self, campaign_id: str):
        """The campaign's rounds in order."""
        return {"items": rounds.list_rounds(request_session(), campaign_id)}


@rounds_blp.route("/<string:round_id>")
class RoundView(MethodView):
    """One round."""

    @requires("supervisor", "inspector", "admin", "integrator")
    @rounds_blp.response(200, RoundOut)
    def get(self, round_id: str):
        """Read one round (never its seed)."""
        return rounds.get_round(request_session(), round_id)


class DrawIn(ma.Schema):
    """A draw of the round; a redraw says why."""

    reason = text(2000, load_default=None, metadata={"description": "Required to draw a round again: why the "
                                                                    "draw before is replaced (both stay listed)."})
    drawn_at = happened_at("drawn")


class TeamOut(ma.Schema):
    """One team on one day."""

    day = ma.fields.String(required=True, metadata={"description": "The duty day (YYYY-MM-DD), as recorded."})
    team = ma.fields.Integer(required=True)
    inspectors = ma.fields.List(ma.fields.String(), required=True)
    targets = ma.fields.List(ma.fields.String(), required=True)


class ResultOut(ma.Schema):
    """Targets in drawn order, and the teams."""

    targets = ma.fields.List(ma.fields.String(), required=True)
    teams = ma.fields.List(ma.fields.Nested(TeamOut), required=True)


class DrawOut(ma.Schema):
    """A draw as a supervisor reads it."""

    id = ma.fields.String(required=True)
    round_id = ma.fields.String(required=True)
    algorithm = ma.fields.String(required=True)
    seed_sha256 = ma.fields.String(required=True)
    inputs_sha256 = ma.fields.String(required=True)
    result_sha256 = ma.fields.String(required=True)
    target_count = ma.fields.Integer(required=True)
    team_count = ma.fields.Integer(required=True)
    reason = ma.fields.String(allow_none=True)
    superseded_by = ma.fields.String(allow_none=True)
    drawn_by = ma.fields.String(required=True)
    drawn_at = ma.fields.AwareDateTime(required=True)
    result = ma.fields.Nested(ResultOut, required=True)


class DrawList(ma.Schema):
    """Every draw of a round, the first first."""

    items = ma.fields.List(ma.fields.Nested(DrawOut), required=True)


@rounds_blp.route("/<string:round_id>/draws")
class RoundDraws(MethodView):
    """The draws of one round."""

    @requires("supervisor")
    @rounds_blp.arguments(DrawIn)
    @rounds_blp.response(201, DrawOut)
    def post(self, data, round_id: str):
        """Draw the round; 422 `draw.impossible` says what is short on which day. A redraw needs a reason."""
        clock = current_clock()
        with request_uow() as uow:
            found = draws.draw_round(uow, round_id, reason=data["reason"], drawn_by=current_principal().sub,
                                     today=clock.today(), now=clock.now(), drawn_at=data["drawn_at"])
        return found, {"Location": url_for("draws.DrawView", draw_id=found["id"])}

    @requires(*READERS)
    @rounds_blp.response(200, DrawList)
    def get(self, round_id: str):
        """Every draw of the round, a replaced one with what replaced it and the redraw's reason."""
        return {"items": draws.list_draws(request_session(), round_id)}


@draws_blp.route("/<string:draw_id>")
class DrawView(MethodView):
    """One draw."""

    @requires(*READERS)
    @draws_blp.response(200, DrawOut)
    def get(self, draw_id: str):
        """Read one draw."""
        return draws.get_draw(request_session(), draw_id)


class VerifyOut(ma.Schema):
    """Whether the draw recomputed from its recorded inputs and seed is identical to the record."""

    draw_id = ma.fields.String(required=True)
    identical = ma.fields.Boolean(required=True)
    algorithm_known = ma.fields.Boolean(required=True)
    seed_matches_commitment = ma.fields.Boolean(required=True)
    inputs_match_commitment = ma.fields.Boolean(required=True)
    result_matches_record = ma.fields.Boolean(required=True)
    recomputed_result_sha256 = ma.fields.String(required=True)
    recorded_result_sha256 = ma.fields.String(required=True)


@draws_blp.route("/<string:draw_id>/verify")
class DrawVerify(MethodView):
    """Recompute a draw."""

    @requires(*READERS)
    @draws_blp.response(200, VerifyOut)
    def get(self, draw_id: str):
        """Redo the draw from its recorded inputs and seed (docs/draw.md) and compare with the record."""
        return draws.verify_draw(request_session(), draw_id)


class NamedTargetOut(ma.Schema):
    """A drawn institution."""

    institution_id = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True)


class PublicInspectorOut(ma.Schema):
    """An inspector as published: name and department only."""

    name = ma.fields.String(required=True)
    department = ma.fields.String(required=True)


class PublicTeamOut(ma.Schema):
    """A team as published."""

    day = ma.fields.String(required=True, metadata={"description": "The duty day (YYYY-MM-DD)."})
    team = ma.fields.Integer(required=True)
    inspectors = ma.fields.List(ma.fields.Nested(PublicInspectorOut), required=True)
    targets = ma.fields.List(ma.fields.Nested(NamedTargetOut), required=True)


class PublicDrawOut(ma.Schema):
    """A draw as anyone reads it: the seed, targets and teams only once `revealed` (after the last day)."""

    draw_id = ma.fields.String(required=True)
    campaign_id = ma.fields.String(required=True)
    round = ma.fields.Integer(required=True)
    algorithm = ma.fields.String(required=True)
    seed_sha256 = ma.fields.String(required=True)
    inputs_sha256 = ma.fields.String(required=True)
    drawn_at = ma.fields.AwareDateTime(required=True)
    reason = ma.fields.String(allow_none=True)
    superseded_by = ma.fields.String(allow_none=True)
    revealed = ma.fields.Boolean(required=True)
    revealed_on = ma.fields.Date(required=True)
    seed = ma.fields.String()
    targets = ma.fields.List(ma.fields.Nested(NamedTargetOut))
    teams = ma.fields.List(ma.fields.Nested(PublicTeamOut))


@public_blp.route("/<string:draw_id>")
class PublicDraw(MethodView):
    """A published draw."""

    @public
    @public_blp.response(200, PublicDrawOut)
    def get(self, draw_id: str):
        """The seed's hash before the round; after its last day the seed, targets and teams (public, no token)."""
        return draws.public_draw(request_session(), draw_id, current_clock().today())


class PublicCommitmentOut(ma.Schema):
    """One draw's commitments as anyone reads them."""

    draw_id = ma.fields.String(required=True, metadata={"description": "Read it at `/v1/public/draws/{draw_id}`."})
    seed_sha256 = ma.fields.String(required=True)
    inputs_sha256 = ma.fields.String(required=True)
    drawn_at = ma.fields.AwareDateTime(required=True)
    reason = ma.fields.String(allow_none=True, metadata={"description": "A redraw's reason."})
    superseded_by = ma.fields.String(allow_none=True)


class PublicRoundOut(ma.Schema):
    """A round as anyone reads it: its seed's SHA-256 from scheduling on, never its days before it has passed."""

    round_id = ma.fields.String(required=True)
    number = ma.fields.Integer(required=True)
    seed_sha256 = ma.fields.String(required=True, metadata={"description": "SHA-256 of the seed the round's first "
                                                                           "draw uses, committed when scheduled."})
    scheduled_at = ma.fields.AwareDateTime(required=True)
    revealed = ma.fields.Boolean(required=True, metadata={"description": "The round's last day has passed: its "
                                                                         "draws show seed, targets and teams."})
    draws = ma.fields.List(ma.fields.Nested(PublicCommitmentOut), required=True)


class PublicRoundList(ma.Schema):
    """A campaign's rounds in order."""

    items = ma.fields.List(ma.fields.Nested(PublicRoundOut), required=True)


@public_rounds_blp.route("/<string:campaign_id>/rounds")
class PublicRounds(MethodView):
    """A campaign's commitments."""

    @public
    @public_rounds_blp.response(200, PublicRoundList)
    def get(self, campaign_id: str):
        """Each round's seed SHA-256, public the moment the round is scheduled, and every draw's commitments
        (a redraw beside the draw it replaced, with its reason); public, no token."""
        return {"items": draws.public_commitments(request_session(), campaign_id, current_clock().today())}


def register(api, app) -> None:
    """Mount the rounds, draws and public draws APIs."""
    for blueprint in (campaign_rounds_blp, rounds_blp, draws_blp, public_blp, public_rounds_blp):
        api.register_blueprint(blueprint)
