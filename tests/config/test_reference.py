"""The reference pages cannot drift from the code: docs/reference/commands.md lists every make
target as `make help` does, and docs/reference/settings.md names every setting a user can give,
both read from the code each time (tests/support/reference.py)."""

import serve
from scripts import ingress, tools, versions
from scripts.project import REPO
from tests.support.reference import (documented_settings, help_sections, makefile_settings, python_reads,
                                     python_sources, shell_reads, skaffold_reads, targets_markdown,
                                     targets_on_page, tiltfile_arguments, tiltfile_reads)

COMMANDS_PAGE = REPO / "docs" / "reference" / "commands.md"
SETTINGS_PAGE = REPO / "docs" / "reference" / "settings.md"

# The functions that read an environment variable whose name they are given, and the names they
# are given: serve.py's whole-number settings, and the pins the scripts ask versions.pin for
# (each tool they fetch, and what scripts/ingress.py installs).
INDIRECT = {
    ("serve.py", "setting"): set(serve.SETTINGS),
    ("scripts/versions.py", "pin"): {tool.pin_variable for tool in tools.TOOLS.values() if tool.url} | set(ingress.PINNED),
}


def targets_problem(makefile, page):
    """What to paste into the page when its table of targets is not the Makefile's; else ''."""
    expected = targets_markdown(makefile)
    if targets_on_page(page) == expected:
        return ""
    return ("docs/reference/commands.md: the table of targets is not what the Makefile's ## comments "
            f"say; replace the part between the markers (markers included) with:\n\n{expected}\n")


def test_the_commands_page_lists_every_target_as_make_help_does():
    problem = targets_problem((REPO / "Makefile").read_text(), COMMANDS_PAGE.read_text())
    assert not problem, problem


def test_the_targets_check_fails_on_a_page_that_drifted():
    """Proof that the test above can fail: a target added, and a description changed."""
    makefile = ("##@ General\n\n.PHONY: help\nhelp: ## Show this help.\n\n##@ Build\n"
                "build: venv | $(UV) ## Build it; LOCK_ARGS=--upgrade bumps all.\n# a comment ## not a target\n")
    assert help_sections(makefile) == [("General", [("help", "Show this help.")]),
                                       ("Build", [("build", "Build it; LOCK_ARGS=--upgrade bumps all.")])]
    page = f"# Commands\n\nIntro.\n\n{targets_markdown(makefile)}\n\n## More\n"
    assert targets_problem(makefile, page) == ""
    assert "| `make build` | Build it; LOCK_ARGS=--upgrade bumps all. |" in page
    drifted = makefile.replace("Build it;", "Build it all;")
    assert "| `make build` | Build it all;" in targets_problem(drifted, page)
    added = makefile + "clean: ## Remove it.\n"
    assert "| `make clean` | Remove it. |" in targets_problem(added, page)
    assert targets_problem(makefile, "# Commands\n\nNo table.\n")


def settings_in(makefile, python, tiltfile, skaffold, shell, included=()):
    """(every setting found in these texts, the functions with an indirect read)."""
    found, indirect = makefile_settings(makefile, included), set()
    for name, source in python.items():
        names, functions = python_reads(source)
        found |= names
        indirect |= {(name, function) for function in functions}
    found |= tiltfile_reads(tiltfile) | tiltfile_arguments(tiltfile) | skaffold_reads(skaffold)
    for text in shell:
        found |= shell_reads(text)
    return found, indirect


def settings_of_the_project():
    """Every setting a user can give the project, read from its code."""
    found, indirect = settings_in(
        (REPO / "Makefile").read_text(),
        {str(path.relative_to(REPO)): path.read_text() for path in python_sources()},
        (REPO / "Tiltfile").read_text(), (REPO / "skaffold.yaml").read_text(),
        [path.read_text() for path in sorted((REPO / "scripts").glob("*.sh"))],
        included=versions.read())
    unknown = indirect - set(INDIRECT)
    assert not unknown, f"these read an environment variable by a computed name: add them to INDIRECT {unknown}"
    for key in indirect:
        found |= INDIRECT[key]
    return found


def test_every_setting_is_on_the_settings_page():
    missing = settings_of_the_project() - documented_settings(SETTINGS_PAGE.read_text())
    assert not missing, f"docs/reference/settings.md: add a row for each of {sorted(missing)}"


def test_every_setting_on_the_settings_page_is_read_by_the_code():
    stale = documented_settings(SETTINGS_PAGE.read_text()) - settings_of_the_project()
    assert not stale, f"docs/reference/settings.md: nothing reads {sorted(stale)} any more"


def test_the_settings_check_finds_every_kind_of_read():
    """Proof that the tests above can fail: each way of reading a setting, found."""
    makefile = ("# $(shell) in a comment\nPORT ?= 5000\nLOCAL := $(PORT)\ninclude versions.env\n"
                "ifeq ($(origin KUBE_CONTEXT),undefined)\nKUBE_CONTEXT := x\nendif\n"
                "grant:\n\techo $(NAMESPACE) $(DEVELOPER) $(LOCAL) $(CURDIR) $(UV_VERSION)\n")
    python = {"app.py": ("import os\nA = os.environ['A']\nB = os.environ.get('B', '1')\nC = os.getenv('C')\n"
                         "D = 'D' in os.environ\nos.environ['SET'] = '1'\n"
                         "def f(environment=os.environ):\n    return environment.get('E')\n"
                         "def g(name):\n    return os.environ.get(name)\n")}
    tiltfile = "r = os.getenv('R', '')\nconfig.define_bool('debug')\nconfig.define_string('debug-port')\n"
    skaffold = "activation:\n  - env: BASE_IMAGE=.+\nbuildArgs:\n  X: \"{{.TEMPLATED}}\"\n"
    shell = ['url=${INGRESS_URL:-}\nLOCAL=1\necho "$LOCAL $HOME_DIR"\n']
    found, indirect = settings_in(makefile, python, tiltfile, skaffold, shell, included={"UV_VERSION": "1"})
    assert found == {"PORT", "KUBE_CONTEXT", "NAMESPACE", "DEVELOPER", "A", "B", "C", "D", "E", "R",
                     "--debug", "--debug-port", "BASE_IMAGE", "TEMPLATED", "INGRESS_URL", "HOME_DIR"}
    assert indirect == {("app.py", "g")}
    page = "# Settings\n\n| setting | default |\n|---|---|\n| `PORT` (make, `devserver.py`) | `5000` |\n"
    assert documented_settings(page) == {"PORT"}
