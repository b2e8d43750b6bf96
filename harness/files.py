"""The project's own files read as plain data: what its configuration says to run."""

import shlex

import yaml

from scripts.project import REPO


def load_yaml(relative_path):
    """The single YAML document in a file of the repo."""
    return yaml.safe_load((REPO / relative_path).read_text())


def command_words(command):
    """A command given as a string or an argv list, as a list of words."""
    return shlex.split(command) if isinstance(command, str) else list(command)
