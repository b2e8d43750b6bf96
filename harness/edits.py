"""Code edits that the reload tests and benchmarks deliver to a running server."""

from scripts.project import REPO

VIEWS = REPO / "app" / "views.py"
ATHLETE_EXPRESSION = 'current_app.config["FAVORITE_ATHLETE"]'


def athlete_line(views):
    """The line of favorite_athlete's answer in a views.py: where a user breaks."""
    lines = views.read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if ATHLETE_EXPRESSION in line)


def views_answering(athlete):
    """The source of app/views.py with GET / hard-wired to answer athlete."""
    source = VIEWS.read_text()
    assert ATHLETE_EXPRESSION in source, "app/views.py no longer reads the athlete this way"
    return source.replace(ATHLETE_EXPRESSION, repr(athlete), 1)


def broken_views():
    """The source of app/views.py with a syntax error in it."""
    return VIEWS.read_text() + "\ndef broken(:\n"


def errors_refusing_with(text):
    """The source of app/errors.py with the 405 answer's body replaced by text."""
    source = (REPO / "app" / "errors.py").read_text()
    line = 'METHOD_NOT_ALLOWED_BODY = "Only GET method valid"'
    assert line in source, "app/errors.py no longer sets the 405 text this way"
    return source.replace(line, f"METHOD_NOT_ALLOWED_BODY = {text!r}", 1)
