"""gunicorn settings for every offcampus web process (`offcampus serve <svc>`)."""

import multiprocessing
import os

import gunicorn

# gunicorn has no setting for its `Server` header and writes it itself (an app's own would be a second
# one); its maintainers leave renaming it to this module constant. Set here, before any worker loads
# gunicorn.http.wsgi, which reads it on import. A scanner then learns the platform, not the software.
gunicorn.SERVER = "offcampus"

workers = int(os.environ.get("OFFCAMPUS_WEB_WORKERS", min(4, multiprocessing.cpu_count() * 2)))
# Threads per worker (OFFCAMPUS_WEB_THREADS, default 1: sync workers). A sync worker closes every connection
# after one answer and sits idle while the database commits; with threads (gunicorn's gthread worker) it keeps
# connections alive and answers another request while one waits. Complaints' intake, two commits per request,
# served 2.4x the requests per second with 4 threads than sync in bench/complaints_intake.py (same machine).
threads = int(os.environ.get("OFFCAMPUS_WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# sync workers queue requests per process; a short keepalive keeps idle clients from pinning them
keepalive = 2
timeout = int(os.environ.get("OFFCAMPUS_WEB_TIMEOUT", "30"))
graceful_timeout = 20
max_requests = int(os.environ.get("OFFCAMPUS_WEB_MAX_REQUESTS", "0"))
max_requests_jitter = 100
accesslog = None  # the app logs each request as JSON with its ids
errorlog = "-"
loglevel = os.environ.get("OFFCAMPUS_LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("OFFCAMPUS_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "offcampus-web"


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the shared multiprocess metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Keep what the worker built at start-up (the app, its modules, the schemas: ~200,000 objects) out of the
    cyclic garbage collector's full collections, which otherwise walk all of it: under load one took 330-560 ms
    of a whole-country reporting summary (its thousands of campaign rows set them off about once in 60
    answers), the p99 of bench/reporting_replay.py. What requests make is still collected."""
    import gc

    gc.collect()
    gc.freeze()
