"""The double-random draw in the domain function: a 6-round campaign over 1,000 / 10,000 / 100,000 targets.

Run: `.venv/bin/python bench/inspection_draw.py [--inspectors 1000] [--repeat 3]`
In process, no server: each campaign is 6 rounds of 10 duty days, 40 teams a day of 3 inspectors (one of
them from fire), 500 targets a round drawn from the campaign's 20 towns; inspectors are away one day in ten,
declare one conflict with an institution and two with persons each (every target has a teacher, among 5,000
names, some with a certificate number, and a legal representative, among 7,000 names; each inspector declares one
of each; as in the service, a target's recorded persons are those whose name someone declared: about a fifth of
the teachers and a seventh of the legal representatives), and never inspect a target they inspected in the
previous round, which is how
each round's inputs follow from the last. A campaign's time is the sum of its 6 `make_draw` calls (best of
`--repeat`); verify is what `GET /v1/draws/{id}/verify` does for the 10,000-target campaign: read the
recorded inputs back from their canonical JSON, redraw, and compare the result's SHA-256.
Ends with one JSON line: draw_1k_s, draw_10k_s, draw_100k_s, verify_10k_s.
Targets (issue 9): draw_10k_s < 2, verify_10k_s < 2, draw_100k_s <= 15 x draw_10k_s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere: the service is imported from the checkout
    sys.path.insert(0, str(REPO))

from services.inspection.domain.draw import (  # noqa: E402
    Inspector,
    RoundPlan,
    Target,
    canonical_json,
    from_inputs_document,
    inputs_document,
    make_draw,
    new_seed,
    sha256_hex,
)
from services.inspection.domain.persons import LEGAL_REPRESENTATIVE, TEACHER, Person, name_key  # noqa: E402

ROUNDS = 6
DAYS = tuple(dt.date(2022, 7, 10) + dt.timedelta(days=d) for d in range(10))
TOWNS = tuple(f"town-{n:02d}" for n in range(20))
DEPARTMENTS = ("education", "fire", "market_regulation", "culture_tourism")
STATES = ("licensed", "licensed", "rectification", "under_review", "banned")


def campaign(n_targets: int, n_inspectors: int) -> list[tuple[str, dict, str]]:
    """Draw the 6 rounds; each round's (seed, inputs document, result SHA-256), and the time taken."""
    base = [Inspector(f"I{n:05d}", f"inspector {n}", DEPARTMENTS[n % 4], away=frozenset({DAYS[n % 10]}),
                      conflicts=frozenset({f"T{(n * 7) % n_targets:07d}"}),
                      conflict_persons=(Person(f"教师{(n * 13) % 5000}"), Person(f"法人 {(n * 11) % 7000}")))
            for n in range(n_inspectors)]
    # as the service records them: a target's persons whose name an inspector declared (targets.candidates)
    declared = frozenset(name_key(p.name) for i in base for p in i.conflict_persons)
    targets = [Target(f"T{n:07d}", TOWNS[n % 20], STATES[n % 5], "ABCD"[n % 4],
                      tuple(p for p in (Person(f"教师 {n % 5000}", f"2019{n:013d}" if n % 2 else None, TEACHER),
                                        Person(f"法人{n % 7000}", None, LEGAL_REPRESENTATIVE))
                            if name_key(p.name) in declared)) for n in range(n_targets)]
    recorded, previous, duties = [], {}, {}
    for round_no in range(1, ROUNDS + 1):
        plan = RoundPlan("bench-campaign", round_no, DAYS, teams_per_day=40, team_size=3, towns=TOWNS,
                         departments=DEPARTMENTS, target_count=500, team_departments={"fire": 1})
        crew = [Inspector(i.id, i.name, i.department, i.away, i.conflicts, frozenset(previous.get(i.id, ())),
                          duties.get(i.id, 0), i.conflict_persons) for i in base]
        seed = new_seed()
        draw = make_draw(seed, plan, targets, crew)
        previous = {}
        for team in draw.teams:
            for member in team.inspectors:
                previous.setdefault(member, set()).update(team.targets)
                duties[member] = duties.get(member, 0) + 1
        recorded.append((seed, inputs_document(plan, targets, crew), sha256_hex(canonical_json(draw.as_json()))))
    return recorded


def timed_draws(n_targets: int, n_inspectors: int, repeat: int) -> tuple[float, list]:
    """Best-of-`repeat` time of the 6 draws alone (building the inputs is not the draw's time)."""
    best, recorded = float("inf"), []
    for _ in range(repeat):
        recorded = campaign(n_targets, n_inspectors)
        elapsed = 0.0
        for seed, document, _digest in recorded:
            plan, targets, crew = from_inputs_document(document)
            started = time.perf_counter()
            make_draw(seed, plan, targets, crew)
            elapsed += time.perf_counter() - started
        best = min(best, elapsed)
    return best, recorded


def timed_verify(recorded: list, repeat: int) -> float:
    """Best-of-`repeat` time to verify the 6 draws from their canonical JSON inputs, as the service does."""
    texts = [(seed, canonical_json(document), digest) for seed, document, digest in recorded]
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for seed, text, digest in texts:
            again = make_draw(seed, *from_inputs_document(json.loads(text)))
            assert sha256_hex(canonical_json(again.as_json())) == digest, "a recomputed draw differs"
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    """Time the draws and the verify; print the figures and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspectors", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    figures = {}
    for label, n in (("1k", 1_000), ("10k", 10_000), ("100k", 100_000)):
        figures[f"draw_{label}_s"], recorded = timed_draws(n, args.inspectors, args.repeat)
        print(f"{ROUNDS} rounds over {n:>7,} targets and {args.inspectors:,} inspectors: "
              f"{figures[f'draw_{label}_s']:.3f} s")
        if label == "10k":
            figures["verify_10k_s"] = timed_verify(recorded, args.repeat)
            print(f"verify of those 6 draws from their recorded inputs: {figures['verify_10k_s']:.3f} s")
    print(f"100k / 10k: {figures['draw_100k_s'] / figures['draw_10k_s']:.1f}x (target <= 15x); "
          f"10k draw and verify target < 2 s")
    print(json.dumps({key: round(figures[key], 3)
                      for key in ("draw_1k_s", "draw_10k_s", "draw_100k_s", "verify_10k_s")}))


if __name__ == "__main__":
    main()
