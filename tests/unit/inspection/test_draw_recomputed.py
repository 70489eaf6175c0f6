"""An outsider recomputes a draw from docs/draw.md alone: this file imports nothing from the service.

`recompute` is a second, short implementation of the algorithm as the document words it, using the
standard library only; the service's draw (reached through its recorded JSON documents in a subprocess,
so no service code is imported here) must give exactly the same result.
"""

import hashlib
import hmac
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def canonical(doc):
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def rank(seed, *parts):
    return hmac.new(seed.encode("ascii"), "|".join(map(str, parts)).encode("utf-8"), hashlib.sha256).digest()


DOTS = {ord(c): "\u00b7" for c in "\u2022\u2027\u30fb\u2219\u22c5\u0387\u16eb"}


def key(text, dots=False):
    """docs/draw.md, "Persons": NFKC, whitespace removed, (middle dots made one,) case folded."""
    plain = "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace()).casefold()
    return plain.translate(DOTS) if dots else plain


def same(declared, tied):
    if not key(declared["name"], True) or key(declared["name"], True) != key(tied["name"], True):
        return False
    mine, theirs = (key(p["certificate_no"] or "") for p in (declared, tied))
    return not mine or not theirs or mine == theirs


def recompute(seed, inputs):
    """docs/draw.md, steps 1 to 3, read literally."""
    r = inputs["round"]
    eligible = sorted((t for t in inputs["targets"] if t["town"] in r["towns"] and t["state"] in r["states"]),
                      key=lambda t: (rank(seed, "target", r["round"], t["id"]), t["id"]))
    if r["tier_percent"] is None:
        assert len(eligible) >= r["target_count"], "impossible: too few targets"
        drawn = [t["id"] for t in eligible[:r["target_count"]]]
    else:
        taken = set()
        for tier in "ABCD":
            ids = [t["id"] for t in eligible if t["tier"] == tier]
            taken |= set(ids[:(len(ids) * r["tier_percent"].get(tier, 0) + 99) // 100])
        drawn = [t["id"] for t in eligible if t["id"] in taken]
    days, slots = len(r["days"]), len(r["days"]) * r["teams_per_day"]
    duties = {i["id"]: i["duties"] for i in inputs["inspectors"]}
    persons = {t["id"]: t.get("persons", []) for t in inputs["targets"]}
    teams = []
    for d, day in enumerate(r["days"]):
        numbers = [s // days + 1 for s in range(min(slots, len(drawn))) if s % days == d]
        free = [i for i in inputs["inspectors"] if i["department"] in r["departments"] and day not in i["away"]]
        free.sort(key=lambda i: (duties[i["id"]], rank(seed, "inspector", r["round"], day, i["id"])))
        for number in sorted(numbers):
            s = (number - 1) * days + d
            visits = drawn[s::slots]

            def may(i, visits=visits):
                tied = any(same(mine, theirs) for v in visits for theirs in persons[v]
                           for mine in i.get("conflict_persons", []))
                return not tied and not set(visits) & (set(i["conflicts"]) | set(i["previous_round"]))
            team = []
            for dept, n in sorted(r["team_departments"].items()):
                team += [i for i in free if i["department"] == dept and may(i)][:n]
            for i in free:
                if len(team) == r["team_size"]:
                    break
                if i in team or not may(i):
                    continue
                only = {m["department"] for m in team}
                if len(r["departments"]) >= 2 and len(team) == r["team_size"] - 1 and only == {i["department"]}:
                    continue
                team.append(i)
            assert len(team) == r["team_size"], "impossible: a team cannot be made"
            for member in team:
                free.remove(member)
                duties[member["id"]] += 1
            teams.append({"day": day, "team": number, "inspectors": [m["id"] for m in team], "targets": visits})
    return {"targets": drawn, "teams": teams}


TEACHERS = ["李明", "王芳", "买买提·艾力", "Zhang Wei"]
LEGAL_REPRESENTATIVES = ["赵强", "钱丽", "孙伟"]
# each declared as a person typed differently: spaces, full width, another middle dot, case; one with a number;
# the last names a legal representative with a certificate number the board does not show for them
DECLARED = [{"name": "李　明", "certificate_no": None}, {"name": "王芳", "certificate_no": "２０１９ＡＢ"},
            {"name": "买买提•艾力", "certificate_no": None}, {"name": "ZHANG WEI", "certificate_no": "x1"},
            {"name": "赵 强", "certificate_no": "20190001"}]


def example_inputs(algorithm="offcampus-draw/3"):
    towns = ["博望街道", "龙头镇", "沙河营镇"]
    depts = ["education", "fire", "market_regulation"]
    days = ["2022-07-14", "2022-07-15", "2022-07-16"]
    version = int(algorithm.rsplit("/", 1)[1])

    def persons(n):  # a teacher on each target, with a certificate number matching the one declared or not
        teacher = {"name": TEACHERS[n % 4], "certificate_no": ("2019ab", "2019AB", None, "other")[n % 4]}
        if version == 2:
            return [teacher]
        # /3: how each is tied, and every other target's legal representative (the board shows no number)
        return [{**teacher, "role": "teacher"}] + ([{"name": LEGAL_REPRESENTATIVES[n // 2 % 3], "certificate_no": None,
                                                     "role": "legal_representative"}] if n % 2 == 0 else [])
    return {
        "algorithm": algorithm,
        "round": {"campaign_id": "C1", "round": 3, "days": days, "teams_per_day": 3, "team_size": 3,
                  "towns": towns[:2], "departments": depts, "states": ["licensed", "rectification", "stock"],
                  "target_count": None, "tier_percent": {"A": 100, "B": 50, "C": 20, "D": 5},
                  "team_departments": {"fire": 1}},
        "targets": [{"id": f"T{n:03d}", "town": towns[n % 3], "state": ("licensed", "banned", "stock")[n % 3 - 1],
                     "tier": "ABCD"[n % 4], **({"persons": persons(n)} if version >= 2 else {})}
                    for n in range(120)],
        "inspectors": [{"id": f"I{n:02d}", "name": f"检查员{n}", "department": depts[n % 3],
                        "away": [days[n % 3]] if n % 5 == 0 else [], "conflicts": [f"T{n * 3:03d}"],
                        **({"conflict_persons": [DECLARED[n // 2 % (4 if version == 2 else 5)]] if n % 2 else []}
                           if version >= 2 else {}),
                        "previous_round": [f"T{n * 3 + 1:03d}"], "duties": n % 4} for n in range(30)],
    }


SERVICE_DRAW = """
import json, sys
from services.inspection.domain.draw import from_inputs_document, make_draw
seed, inputs = json.loads(sys.stdin.read())
print(json.dumps(make_draw(seed, *from_inputs_document(inputs)).as_json(), ensure_ascii=False))
"""


def service_draw(seed, inputs, hashseed):
    env = {**os.environ, "PYTHONHASHSEED": str(hashseed)}
    done = subprocess.run([sys.executable, "-c", SERVICE_DRAW], input=json.dumps([seed, inputs]), cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_an_outsider_recomputes_the_services_draw_from_the_document_alone():
    seed = "5f0c2b6a9e8d7c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b"
    inputs = example_inputs()
    ours = recompute(seed, inputs)
    assert ours["teams"], "the example draws teams"
    assert service_draw(seed, inputs, hashseed=1) == ours
    assert hashlib.sha256(canonical(service_draw(seed, inputs, hashseed=2))).hexdigest() == \
        hashlib.sha256(canonical(ours)).hexdigest()


def test_another_seed_gives_another_draw_which_the_outsider_also_recomputes():
    inputs = example_inputs()
    first, second = "1" * 64, "2" * 64
    assert recompute(first, inputs) != recompute(second, inputs)
    assert service_draw(second, inputs, hashseed=3) == recompute(second, inputs)


def test_persons_keep_inspectors_away_and_the_outsider_recomputes_it():
    seed = "5f0c2b6a9e8d7c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b"
    inputs = example_inputs()
    ours = recompute(seed, inputs)
    assert service_draw(seed, inputs, hashseed=4) == ours
    # the rule bites: without the persons the same seed sends someone the persons keep away
    assert recompute(seed, {**inputs, "targets": [{**t, "persons": []} for t in inputs["targets"]]}) != ours
    persons = {t["id"]: t["persons"] for t in inputs["targets"]}
    declared = {i["id"]: i["conflict_persons"] for i in inputs["inspectors"]}
    for team in ours["teams"]:
        for member in team["inspectors"]:
            assert not any(same(mine, theirs) for v in team["targets"] for theirs in persons[v]
                           for mine in declared[member])


def test_a_draw_of_algorithm_1_without_persons_is_recomputed_as_before():
    seed = "1" * 64
    inputs = example_inputs("offcampus-draw/1")
    assert "persons" not in inputs["targets"][0] and "conflict_persons" not in inputs["inspectors"][0]
    assert service_draw(seed, inputs, hashseed=5) == recompute(seed, inputs)


def test_a_legal_representative_keeps_away_whoever_declared_that_name_and_the_outsider_recomputes_it():
    seed = "5f0c2b6a9e8d7c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b"
    inputs = example_inputs()
    ours = recompute(seed, inputs)
    assert service_draw(seed, inputs, hashseed=6) == ours
    represented = {t["id"] for t in inputs["targets"] for p in t["persons"]
                   if p["role"] == "legal_representative" and p["name"] == "赵强"}
    declared = {i["id"] for i in inputs["inspectors"] for p in i["conflict_persons"] if p["name"] == "赵 强"}
    assert represented and declared
    # the rule bites: without the legal representatives the same seed sends one who declared 赵强 to their target
    bare = {**inputs, "targets": [{**t, "persons": [p for p in t["persons"] if p["role"] == "teacher"]}
                                  for t in inputs["targets"]]}
    assert any(set(team["inspectors"]) & declared and set(team["targets"]) & represented
               for team in recompute(seed, bare)["teams"])
    assert not any(set(team["inspectors"]) & declared and set(team["targets"]) & represented
                   for team in ours["teams"])


def test_a_draw_of_algorithm_2_with_teachers_only_is_recomputed_as_before():
    seed = "3" * 64
    inputs = example_inputs("offcampus-draw/2")
    assert all("role" not in p for t in inputs["targets"] for p in t["persons"])
    assert service_draw(seed, inputs, hashseed=7) == recompute(seed, inputs)
