"""Rebuilding the projections from the archive, as a job: asked for with POST, followed with GET."""

from __future__ import annotations

from flask import current_app, url_for
from flask.views import MethodView
from flask_babel import gettext

from services.reporting.entrypoints.schemas import RebuildIn, RebuildJobOut
from services.reporting.service_layer import rebuild_jobs
from shared.api import Blueprint
from shared.auth import current_principal, requires

blp = Blueprint("rebuilds", __name__, url_prefix="/v1/admin", description="Rebuilding the projections")
_LOCATION = {"Location": {"description": "The job's status resource.", "schema": {"type": "string"}}}


def _database():
    return current_app.extensions["offcampus.db"]


def _shown(job: dict) -> dict:
    """The job as answered: an interruption's reason in the reader's language."""
    error = job["error"]
    return {**job, "error": gettext(error) if error == rebuild_jobs.INTERRUPTED else error}


@blp.route("/rebuild")
class Rebuild(MethodView):
    """Asking for a rebuild."""

    @requires("admin")
    @blp.arguments(RebuildIn)
    @blp.response(202, RebuildJobOut, headers=_LOCATION)
    @blp.alt_response(409, description="A rebuild is already running: the problem names its job.")
    def post(self, _options):
        """Drop every projection and replay the archive into them, in the background and in one transaction.

        Answers at once with the job (queued) and its Location; follow it with GET until `done` or `failed`.
        The figures come out the same; until the job is done (or if it fails) they are those of before."""
        principal = current_principal()
        job_id = rebuild_jobs.start(_database(), principal.sub if principal else "")
        job = rebuild_jobs.status(_database(), job_id)
        return _shown(job), 202, {"Location": url_for("rebuilds.RebuildJob", job_id=job_id)}


@blp.route("/rebuilds/<pk:job_id>")
class RebuildJob(MethodView):
    """One rebuild job."""

    @requires("admin")
    @blp.response(200, RebuildJobOut)
    def get(self, job_id):
        """Its state (queued, running, done, failed), events replayed of the total, when it started and finished,
        and what went wrong; a job whose process stopped before it finished reads as failed (interrupted)."""
        return _shown(rebuild_jobs.status(_database(), job_id))


def register(api, app) -> None:
    """Mount the rebuild jobs."""
    api.register_blueprint(blp)
