"""Seven complaints at the desk, six in 龙头镇, each with its own story (what happened to it, and when), made from
the complaints contracts: what the complaint stats and exports tests feed."""

from __future__ import annotations

from reporting_support import event


def received(clue_id: str, at: str, category: str, town: str = "龙头镇", channel: str = "hotline"):
    return event("complaints.clue.received", 1, clue_id=clue_id, category=category, town=town, channel=channel,
                 received_at=f"{at}+08:00")


def referred(clue_id: str, on: str, category: str, department: str, town: str = "龙头镇"):
    return event("complaints.clue.referred", 2, clue_id=clue_id, category=category, department=department,
                 referred_on=on, town=town)


def settled(clue_id: str, what: str, at: str, category: str, *, on_time: bool = True, sequence: int = 3):
    changes = {"on_time": False, "outcome": None} if what == "overdue" else {"on_time": on_time}
    return event(f"complaints.clue.{what}", sequence, clue_id=clue_id, category=category, at=f"{at}+08:00",
                 **changes)


def rated(clue_id: str, at: str, category: str, satisfied: bool):
    return event("complaints.clue.rated", 5, clue_id=clue_id, category=category, satisfied=satisfied,
                 at=f"{at}+08:00")


H, R = "hidden_tutoring", "refund_dispute"


def desk_events() -> list:
    """The seven complaints' events."""
    return [
        # c1: referred to education, answered on time after 96 h, the reporter satisfied
        received("c1", "2021-07-01T10:00:00", H), referred("c1", "2021-07-02", H, "education"),
        settled("c1", "answered", "2021-07-05T10:00:00", H), rated("c1", "2021-07-06T09:00:00", H, True),
        # c2: referred to education, overdue, then answered late after 456 h
        received("c2", "2021-07-01T12:00:00", H), referred("c2", "2021-07-02", H, "education"),
        settled("c2", "overdue", "2021-07-16T00:00:00", H),
        settled("c2", "answered", "2021-07-20T12:00:00", H, on_time=False, sequence=4),
        # c3: referred to market regulation, closed on time after 72 h, the reporter not satisfied
        received("c3", "2021-07-03T08:00:00", H, channel="web_form"),
        referred("c3", "2021-07-04", H, "market_regulation"),
        settled("c3", "closed", "2021-07-06T08:00:00", H), rated("c3", "2021-07-08T09:00:00", H, False),
        # c4: never referred; answered on time after 24 h, closed a week later, the reporter satisfied
        received("c4", "2021-07-02T09:00:00", R), settled("c4", "answered", "2021-07-03T09:00:00", R),
        settled("c4", "closed", "2021-07-10T09:00:00", R, sequence=4), rated("c4", "2021-07-11T09:00:00", R, True),
        # c5: referred to market regulation, still open
        received("c5", "2021-07-10T09:00:00", R), referred("c5", "2021-07-11", R, "market_regulation"),
        # c6: received and referred in June, answered on time in July after 264 h
        received("c6", "2021-06-20T10:00:00", R), referred("c6", "2021-06-21", R, "education"),
        settled("c6", "answered", "2021-07-01T10:00:00", R),
        # c7: another town's
        received("c7", "2021-07-05T09:00:00", H, town="文川镇", channel="mailbox"),
        referred("c7", "2021-07-06", H, "education", town="文川镇"),
    ]
