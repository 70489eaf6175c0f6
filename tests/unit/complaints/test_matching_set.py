"""The name-matching test set (data/, made by name_pairs.py): 200 ways reporters wrote an institution's name,
and the one meant among 99 real-looking ones; the one meant is among the top 3 suggestions at least 90% of the
time. The rate of each way of writing is printed (pytest -s shows it)."""

import csv
from collections import Counter
from pathlib import Path

from rapidfuzz import fuzz

from services.complaints.domain.matching import NameIndex, Suggestion, known, name_core, pinyin_of, simplified, suggest

DATA = Path(__file__).parent / "data"


def _rows(name):
    with open(DATA / name, encoding="utf-8") as data:
        return list(csv.DictReader(data))


def test_the_institution_meant_is_in_the_top_3_for_at_least_90_percent_of_200_pairs():
    books = [known(row["institution_id"], row["name"], row["address"]) for row in _rows("institutions.csv")]
    pairs = _rows("name_pairs.csv")
    assert len(pairs) == 200
    tried, found = Counter(), Counter()
    for pair in pairs:
        tried[pair["kind"]] += 1
        top = [s.institution_id for s in suggest(pair["written"], books, limit=3)]
        found[pair["kind"]] += pair["institution_id"] in top
    for kind in tried:
        print(f"{kind:22} {found[kind]:3}/{tried[kind]:3} = {found[kind] / tried[kind]:.0%}")
    rate = sum(found.values()) / len(pairs)
    print(f"{'all':22} {sum(found.values()):3}/{len(pairs):3} = {rate:.1%}")
    assert rate >= 0.90


def test_the_index_suggests_what_scoring_every_name_would():
    # the index scores by name and address only the names sharing a character with what was written; a name
    # sharing none scores 0 with every rapidfuzz scorer, so the suggestions are those of scoring them all
    books = [known(row["institution_id"], row["name"], row["address"]) for row in _rows("institutions.csv")]
    index = NameIndex(books)
    for pair in _rows("name_pairs.csv"):
        assert index.suggest(pair["written"], limit=5) == _scoring_every_name(pair["written"], books), pair


def _scoring_every_name(written, books, limit=5, cutoff=50):
    core, query = name_core(written), simplified(written)
    best = {}
    for book in sorted(books, key=lambda b: (b.name, b.institution_id)):
        best[book] = max(fuzz.WRatio(core, book.core), fuzz.ratio(pinyin_of(core), book.pinyin) * 0.97,
                         fuzz.partial_ratio(query, book.address) * 0.95)
    ranked = sorted(best.items(), key=lambda item: -item[1])[:limit]
    return [Suggestion(book.institution_id, book.name, round(score, 1)) for book, score in ranked if score >= cutoff]
