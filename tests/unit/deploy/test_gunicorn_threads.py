"""deploy/gunicorn.conf.py: sync workers by default, gthread workers when OFFCAMPUS_WEB_THREADS asks for threads."""

import runpy
from pathlib import Path

CONFIG = str(Path(__file__).resolve().parents[3] / "deploy" / "gunicorn.conf.py")


def test_workers_are_sync_unless_threads_are_asked_for(monkeypatch):
    monkeypatch.delenv("OFFCAMPUS_WEB_THREADS", raising=False)
    default = runpy.run_path(CONFIG)
    assert (default["worker_class"], default["threads"]) == ("sync", 1)

    monkeypatch.setenv("OFFCAMPUS_WEB_THREADS", "4")
    threaded = runpy.run_path(CONFIG)
    assert (threaded["worker_class"], threaded["threads"]) == ("gthread", 4)
