"""Read the project's configuration files into plain data for the config tests."""

import json
import re
from dataclasses import dataclass, field

import yaml

import serve
from scripts.project import REPO

def load_manifests(paths):
    """{kind: resource} for the manifests at paths (one resource per file)."""
    resources = {}
    for path in paths:
        documents = [doc for doc in yaml.safe_load_all((REPO / path).read_text()) if doc]
        assert len(documents) == 1, f"{path}: one resource per file"
        resources[documents[0]["kind"]] = documents[0]
    return resources


@dataclass
class Stage:
    """One FROM stage of a Dockerfile and its instructions in order."""

    name: str
    base: str
    instructions: list = field(default_factory=list)

    def last(self, keyword):
        """The argument of the stage's last instruction of this kind, or None."""
        found = [argument for kind, argument in self.instructions if kind == keyword]
        return found[-1] if found else None


@dataclass
class Dockerfile:
    """The global ARGs and the stages of a Dockerfile."""

    args: dict
    stages: dict

    def workdir(self, target):
        """The WORKDIR in force in target, following its FROM chain."""
        stage = self.stages[target]
        while stage.last("WORKDIR") is None:
            stage = self.stages[stage.base]
        return stage.last("WORKDIR")


def parse_dockerfile(text):
    """Parse a Dockerfile's instructions: enough for cross-checks, not a full parser."""
    logical = re.sub(r"\\\n\s*", " ", text)
    args, stages, current = {}, {}, None
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, argument = line.partition(" ")
        keyword, argument = keyword.upper(), argument.strip()
        if keyword == "FROM":
            words = argument.split()
            base = words[0]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else base
            current = stages[name] = Stage(name, base)
        elif current is None and keyword == "ARG":
            key, _, default = argument.partition("=")
            args[key] = default
        else:
            current.instructions.append((keyword, argument))
    return Dockerfile(args, stages)


def load_dockerfile():
    """The repo's Dockerfile, parsed."""
    return parse_dockerfile((REPO / "Dockerfile").read_text())


def prod_default(variable):
    """The default the prod server (serve.py) gives a setting read from the environment variable."""
    return serve.SETTINGS[variable]


def make_recipe(target):
    """The recipe lines of a Makefile target, as written."""
    lines = (REPO / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"^{re.escape(target)}:", line))
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def make_targets():
    """{target: its ## description} for every target line of the Makefile."""
    found = re.findall(r"^([a-zA-Z0-9_-]+):[^=\n]*?(?:## (.*))?$", (REPO / "Makefile").read_text(), re.M)
    return {name: description for name, description in found}


def skaffold_profile(config, name):
    """The profile called name in a skaffold.yaml."""
    (found,) = [p for p in config["profiles"] if p["name"] == name]
    return found


def launch_configuration(workspace, name):
    """The VS Code configuration called name in .vscode/launch.json (JSON with // comments),
    with ${workspaceFolder} as workspace."""
    text = (workspace / ".vscode" / "launch.json").read_text()
    plain = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
    (found,) = [c for c in json.loads(plain)["configurations"] if c["name"] == name]
    return json.loads(json.dumps(found).replace("${workspaceFolder}", str(workspace)))
