"""The application factory: where the configuration comes from and what it refuses."""

import pytest

from app import DEFAULT_ATHLETE, ConfigError, create_app


def test_testing_flag_comes_from_the_test_config(monkeypatch):
    monkeypatch.delenv("FAVORITE_ATHLETE", raising=False)
    assert not create_app().testing
    assert create_app({"TESTING": True}).testing


def test_default_athlete_when_the_environment_is_silent(monkeypatch):
    monkeypatch.delenv("FAVORITE_ATHLETE", raising=False)
    assert create_app().test_client().get("/").json == {"athlete": DEFAULT_ATHLETE}


def test_athlete_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("FAVORITE_ATHLETE", "  Eliud Kipchoge ")
    assert create_app().test_client().get("/").json == {"athlete": "Eliud Kipchoge"}


def test_test_config_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("FAVORITE_ATHLETE", "From Env")
    app = create_app({"FAVORITE_ATHLETE": "From Test"})
    assert app.config["FAVORITE_ATHLETE"] == "From Test"


@pytest.mark.parametrize("value", ["", " ", "\t\n"])
def test_an_empty_athlete_is_a_start_up_error(monkeypatch, value):
    monkeypatch.setenv("FAVORITE_ATHLETE", value)
    with pytest.raises(ConfigError, match="FAVORITE_ATHLETE"):
        create_app()
