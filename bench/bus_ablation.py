"""Ablation of the bus's speed: each variant turns one thing off (or scales out), run in turn, ABAB.

Run through the throughput bench: `.venv/bin/python bench/bus_throughput.py --ablation public,no-fastcheck
--rounds 3 --events 20000 --steady-seconds 10`. Every round runs each variant once, in the order given, so
whatever else loads the machine falls on all of them alike; the table shows the median of the rounds per
variant, each round's figures, and the one-minute load average when each run ended.
"""

from __future__ import annotations

import json
import os
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """One configuration of the bus: tricks turned off in its processes (OFFCAMPUS_BUS_ABLATE), consumers, relays."""

    ablate: str = ""
    consumers: int = 1
    relays: int = 1


VARIANTS = {
    "public": Variant(),  # the bus as it is: public library calls only, one relay, one consumer
    "no-fastcheck": Variant(ablate="fastcheck"),  # every event validated by marshmallow alone
    "2-consumers": Variant(consumers=2),
    "2-relays": Variant(relays=2),
    "2-consumers-2-relays": Variant(consumers=2, relays=2),
}


def ablation(args, db_url: str, engine, namespace: str) -> None:
    """Run the named variants --rounds times in turn; print the table and one JSON line of medians."""
    from bus_throughput import clear_tables, run_bus

    names = args.ablation.split(",")
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for round_ in range(1, args.rounds + 1):
        for name in names:
            variant = VARIANTS[name]
            os.environ["OFFCAMPUS_BUS_ABLATE"] = variant.ablate  # the spawned workers and producers read it
            clear_tables(engine)
            bus, steady = run_bus(db_url, engine, namespace, f"r{round_}{name}", args.events, args.producers,
                                  args.steady_seconds, variant.consumers, variant.relays)
            run = {"events_per_s": bus["events_per_s"], "p50_ms": steady["p50_ms"], "p99_ms": steady["p99_ms"],
                   "load": os.getloadavg()[0]}
            runs[name].append(run)
            print(f"round {round_} {name:22} {run['events_per_s']:6.0f} events/s  at 500/s p50 "
                  f"{run['p50_ms']:5.1f} ms p99 {run['p99_ms']:6.1f} ms  load {run['load']:.2f}", flush=True)
    os.environ.pop("OFFCAMPUS_BUS_ABLATE", None)
    print(f"\n| variant | events/s (median of {args.rounds}) | each round | p50 at 500/s | p99 at 500/s | "
          "load average |")
    print("|---|---|---|---|---|---|")
    medians = {}
    for name, got in runs.items():
        rate = statistics.median(r["events_per_s"] for r in got)
        p50 = statistics.median(r["p50_ms"] for r in got)
        p99 = statistics.median(r["p99_ms"] for r in got)
        medians[name] = {"bus_events_per_s": round(rate), "bus_p50_ms": round(p50, 1),
                         "bus_p99_ms_at_500": round(p99, 1)}
        rounds = " / ".join(f"{r['events_per_s']:,.0f}" for r in got)
        loads = " / ".join(f"{r['load']:.1f}" for r in got)
        print(f"| {name} | {rate:,.0f} | {rounds} | {p50:.1f} ms | {p99:.1f} ms | {loads} |")
    print(json.dumps(medians))
