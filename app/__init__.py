"""The favorite athlete server: a Flask application factory."""

import os

from flask import Flask

from app.access_log import AccessLogMiddleware

DEFAULT_ATHLETE = "Serena Williams"


class ConfigError(ValueError):
    """A setting the service cannot start with."""


def create_app(test_config=None):
    """Create and configure the app: defaults, then environment, then test config."""
    app = Flask(__name__)
    app.config.from_mapping(FAVORITE_ATHLETE=DEFAULT_ATHLETE)
    if "FAVORITE_ATHLETE" in os.environ:
        app.config["FAVORITE_ATHLETE"] = os.environ["FAVORITE_ATHLETE"]
    if test_config is not None:
        app.config.from_mapping(test_config)

    athlete = app.config["FAVORITE_ATHLETE"].strip()
    if not athlete:
        raise ConfigError("FAVORITE_ATHLETE is empty; set it to a name or unset it")
    app.config["FAVORITE_ATHLETE"] = athlete

    from app import errors, views

    errors.register(app)
    app.register_blueprint(views.bp)
    app.wsgi_app = AccessLogMiddleware(app.wsgi_app)
    return app
