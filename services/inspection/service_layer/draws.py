"""Draws of a round: made from a committed seed, recorded with their inputs, verified, published after."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from ulid import ULID

from services.inspection.adapters.orm import draws, inspectors, institutions, rounds
from services.inspection.domain.draw import (
    ALGORITHM,
    ALGORITHMS,
    OPERATING_STATES,
    canonical_json,
    from_inputs_document,
    inputs_document,
    make_draw,
    new_seed,
    sha256_hex,
)
from services.inspection.domain.persons import name_key
from services.inspection.domain.rounds import happened
from services.inspection.service_layer import inspectors as inspector_records
from services.inspection.service_layer import targets, tasks
from services.inspection.service_layer.campaigns import get_campaign
from services.inspection.service_layer.rounds import round_with_seed
from shared.bus import new_event
from shared.db import Database, UnitOfWork
from shared.refusals import N_, NotFound, Refused, Violation

COLUMNS = ("id", "round_id", "algorithm", "seed_sha256", "inputs_sha256", "result_sha256", "target_count",
           "team_count", "reason", "superseded_by", "drawn_by", "drawn_at")


class RedrawNeedsReason(Refused):
    """A round already drawn is drawn again only with a reason, and both draws stay listed."""

    code = "draw.redraw_needs_reason"
    message = N_("This round was already drawn: a redraw needs a reason.")


def _in_force(session: Session, round_id: str) -> Any:
    return session.execute(sa.select(draws).where(draws.c.round_id == round_id, draws.c.superseded_by.is_(None))
                           .with_for_update()).mappings().first()


def _earlier_rounds(session: Session, campaign_id: str, number: int) -> tuple[dict[str, set[str]], dict[str, int]]:
    """Who visited what in the previous round, and the duty days each inspector served in earlier rounds."""
    rows = session.execute(sa.select(rounds.c.number, draws.c.result).join(draws, draws.c.round_id == rounds.c.id)
                           .where(rounds.c.campaign_id == campaign_id, rounds.c.number < number,
                                  draws.c.superseded_by.is_(None))).all()
    previous: dict[str, set[str]] = {}
    duties: dict[str, int] = {}
    for round_number, result in rows:
        for team in json.loads(result)["teams"]:
            for member in team["inspectors"]:
                duties[member] = duties.get(member, 0) + 1
                if round_number == number - 1:
                    previous.setdefault(member, set()).update(team["targets"])
    return previous, duties


def draw_round(uow: UnitOfWork, round_id: str, *, reason: str | None, drawn_by: str, today: dt.date,
               now: dt.datetime, drawn_at: dt.datetime | None = None) -> dict[str, Any]:
    """Draw the round's targets and teams (DrawImpossible says what is short); a redraw needs a reason. Drawn
    now, or at `drawn_at` (a paper record's: never ahead, never before the round was scheduled or the draw it
    replaces was made)."""
    session = uow.session
    row, campaign, plan = round_with_seed(session, round_id)
    current = _in_force(session, round_id)
    if current is not None and not reason:
        raise RedrawNeedsReason([Violation("draw.redraw_needs_reason", "reason", {"draw_id": current["id"]})])
    drawn_at = happened(drawn_at, now, "drawn_at", after=max(row["scheduled_at"], current["drawn_at"])
                        if current is not None else row["scheduled_at"])
    # the first draw uses the seed committed when the round was scheduled; a redraw commits a new one now
    seed = row["seed"] if current is None else new_seed()
    previous, duties = _earlier_rounds(session, campaign.id, plan.round)
    crew = inspector_records.for_the_draw(session, plan.departments, plan.days, previous, duties, plan.towns)
    # a target's persons matter only when someone declared a conflict with a person of that name
    declared = frozenset(name_key(p.name) for inspector in crew for p in inspector.conflict_persons)
    candidates = targets.candidates(session, plan.towns, OPERATING_STATES, today, tied_names=declared)
    result = make_draw(seed, plan, candidates, crew)
    inputs, outcome = canonical_json(inputs_document(plan, candidates, crew)), canonical_json(result.as_json())
    draw_id = str(ULID())
    session.execute(draws.insert().values(
        id=draw_id, round_id=round_id, algorithm=ALGORITHM, seed=seed, seed_sha256=sha256_hex(seed), inputs=inputs,
        inputs_sha256=sha256_hex(inputs), result=outcome, result_sha256=sha256_hex(outcome),
        target_count=len(result.targets), team_count=len(result.teams), reason=reason, drawn_by=drawn_by,
        drawn_at=drawn_at))
    if current is not None:
        session.execute(draws.update().where(draws.c.id == current["id"]).values(superseded_by=draw_id))
        tasks.cancel_drawn_tasks(session, current["id"])
    tasks.add_drawn_tasks(session, draw_id, campaign.id, plan.round, result.as_json(), now, uow.correlation_id)
    uow.commit()
    return get_draw(session, draw_id)


def _row(session: Session, draw_id: str) -> Any:
    row = None
    if "\x00" not in draw_id:
        row = session.execute(sa.select(draws).where(draws.c.id == draw_id)).mappings().first()
    if row is None:
        raise NotFound(N_("There is no draw %(draw_id)s."), code="draw.not_found", draw_id=draw_id.replace("\x00", ""))
    return row


def get_draw(session: Session, draw_id: str) -> dict[str, Any]:
    """A draw as a supervisor reads it: its commitments, result and, once drawn again, what replaced it."""
    row = _row(session, draw_id)
    return {**{key: row[key] for key in COLUMNS}, "result": json.loads(row["result"])}


def list_draws(session: Session, round_id: str) -> list[dict[str, Any]]:
    """Every draw of a round, the first first: a redraw never hides the draw it replaced."""
    round_with_seed(session, round_id)
    rows = session.execute(sa.select(draws).where(draws.c.round_id == round_id).order_by(draws.c.drawn_at, draws.c.id)
                           ).mappings().all()
    return [{**{key: r[key] for key in COLUMNS}, "result": json.loads(r["result"])} for r in rows]


def verify_draw(session: Session, draw_id: str) -> dict[str, Any]:
    """Redo the draw from its recorded inputs and seed alone, and say whether it is identical to the record."""
    row = _row(session, draw_id)
    document = json.loads(row["inputs"])
    again = canonical_json(make_draw(row["seed"], *from_inputs_document(document)).as_json())
    checks = {
        "algorithm_known": document.get("algorithm") == row["algorithm"] and row["algorithm"] in ALGORITHMS,
        "seed_matches_commitment": sha256_hex(row["seed"]) == row["seed_sha256"],
        "inputs_match_commitment": sha256_hex(row["inputs"]) == row["inputs_sha256"],
        "result_matches_record": again == row["result"] and sha256_hex(again) == row["result_sha256"],
    }
    return {"draw_id": draw_id, "identical": all(checks.values()), **checks,
            "recomputed_result_sha256": sha256_hex(again), "recorded_result_sha256": row["result_sha256"]}


def public_draw(session: Session, draw_id: str, today: dt.date) -> dict[str, Any]:
    """What anyone may read: the commitments now; the seed, targets and teams once the round's last day passed."""
    row = _row(session, draw_id)
    round_row = session.execute(sa.select(rounds).where(rounds.c.id == row["round_id"])).mappings().one()
    last_day = dt.date.fromisoformat(round_row["days"][-1])
    shown = {"draw_id": row["id"], "campaign_id": round_row["campaign_id"], "round": round_row["number"],
             "algorithm": row["algorithm"], "seed_sha256": row["seed_sha256"], "inputs_sha256": row["inputs_sha256"],
             "drawn_at": row["drawn_at"], "reason": row["reason"], "superseded_by": row["superseded_by"],
             "revealed_on": last_day + dt.timedelta(days=1), "revealed": today > last_day}
    if not shown["revealed"]:  # the visits are unannounced: nothing that tells who or where before they happen
        return shown
    result = json.loads(row["result"])
    names = dict(session.execute(sa.select(institutions.c.institution_id, institutions.c.name)
                                 .where(institutions.c.institution_id.in_(result["targets"]))).all())
    people = {r.id: r for r in session.execute(sa.select(inspectors.c.id, inspectors.c.name, inspectors.c.department)
                                                .where(inspectors.c.id.in_({m for t in result["teams"]
                                                                              for m in t["inspectors"]})))}

    def target(institution_id: str) -> dict[str, Any]:
        return {"institution_id": institution_id, "name": names.get(institution_id)}
    return {**shown, "seed": row["seed"], "targets": [target(t) for t in result["targets"]],
            "teams": [{"day": team["day"], "team": team["team"], "targets": [target(t) for t in team["targets"]],
                       "inspectors": [{"name": people[m].name, "department": people[m].department}
                                      for m in team["inspectors"]]} for team in result["teams"]]}


def public_commitments(session: Session, campaign_id: str, today: dt.date) -> list[dict[str, Any]]:
    """Each round's commitments, public from the moment it is scheduled: the seed's SHA-256, then every draw's
    (a redraw beside the draw it replaced, with its reason). Never the days, targets or teams before the round
    has passed: the visits are unannounced."""
    get_campaign(session, campaign_id)
    scheduled = session.execute(sa.select(rounds.c.id, rounds.c.number, rounds.c.seed_sha256, rounds.c.scheduled_at,
                                          rounds.c.days).where(rounds.c.campaign_id == campaign_id)
                                .order_by(rounds.c.number)).all()
    made = session.execute(sa.select(draws.c.id, draws.c.round_id, draws.c.seed_sha256, draws.c.inputs_sha256,
                                     draws.c.drawn_at, draws.c.reason, draws.c.superseded_by)
                           .join(rounds, rounds.c.id == draws.c.round_id).where(rounds.c.campaign_id == campaign_id)
                           .order_by(draws.c.drawn_at, draws.c.id)).mappings().all()
    found = []
    for row in scheduled:
        revealed_on = dt.date.fromisoformat(row.days[-1]) + dt.timedelta(days=1)
        found.append({"round_id": row.id, "number": row.number, "seed_sha256": row.seed_sha256,
                      "scheduled_at": row.scheduled_at, "revealed": today >= revealed_on,
                      "draws": [{"draw_id": d["id"], **{k: d[k] for k in ("seed_sha256", "inputs_sha256", "drawn_at",
                                                                          "reason", "superseded_by")}}
                                for d in made if d["round_id"] == row.id]})
    return found


def publish_finished_draws(database: Database, clock) -> int:
    """Publish `inspection.draw.published` once for each draw in force whose round's last day has passed."""
    today = clock.today()
    with database.sessions() as session:
        waiting = session.execute(sa.select(draws.c.id, rounds.c.days).join(rounds, rounds.c.id == draws.c.round_id)
                                  .where(draws.c.published_at.is_(None), draws.c.superseded_by.is_(None))).all()
    published = 0
    for draw_id, days in waiting:
        if dt.date.fromisoformat(days[-1]) >= today:
            continue
        with database.unit_of_work() as uow:
            # claimed by one update: another worker (or a restart) finds it published and sends nothing
            claimed = uow.session.execute(draws.update().where(draws.c.id == draw_id, draws.c.published_at.is_(None))
                                          .values(published_at=clock.now()))
            if claimed.rowcount != 1:
                continue
            row = uow.session.execute(sa.select(draws, rounds.c.campaign_id, rounds.c.number)
                                      .join(rounds, rounds.c.id == draws.c.round_id)
                                      .where(draws.c.id == draw_id)).mappings().one()
            uow.publish(new_event(type="inspection.draw.published", subject=draw_id, data={
                "draw_id": draw_id, "campaign_id": row["campaign_id"], "round": row["number"], "seed": row["seed"],
                "target_count": row["target_count"], "team_count": row["team_count"],
                "seed_sha256": row["seed_sha256"], "inputs_sha256": row["inputs_sha256"],
                "algorithm": row["algorithm"], "drawn_at": row["drawn_at"]}))
            uow.commit()
            published += 1
    return published
