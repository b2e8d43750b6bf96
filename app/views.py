"""The routes: the favorite athlete and the health probes."""

from flask import Blueprint, current_app

bp = Blueprint("views", __name__)


@bp.get("/")
def favorite_athlete():
    """Answer the one key-value pair this service exists for."""
    return {"athlete": current_app.config["FAVORITE_ATHLETE"]}


@bp.get("/healthz")
def healthz():
    """Liveness: the process is up and serving requests."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: the app was created with a valid configuration."""
    return {"status": "ok"}
