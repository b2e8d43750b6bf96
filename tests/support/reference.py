"""What the reference pages are checked against, read from the code: the make targets as
`make help` shows them, and every setting a user can give (a Makefile variable, an environment
variable the code reads, an argument of the Tiltfile).

Each reader takes the text it reads, so that a test can show it on a synthetic input."""

import ast
import re

from scripts.project import REPO

# Markers around the part of docs/reference/commands.md that is rendered from the Makefile.
TARGETS_BEGIN = "<!-- targets: begin -->"
TARGETS_END = "<!-- targets: end -->"

# Variables make itself gives: not settings of the project.
MAKE_BUILTINS = {"MAKE", "CURDIR", "MAKEFILE_LIST", "SHELL", "MAKEFLAGS"}


# --- make targets -------------------------------------------------------------


def help_sections(makefile):
    """[(section, [(target, description)])] as `make help` shows them: its awk program reads a
    `##@ Section` line as a heading, and `target: ... ## description` as a target's line (the
    description is what follows the last `##`)."""
    sections = [("", [])]
    for line in makefile.splitlines():
        if line.startswith("##@"):
            sections.append((line[4:].strip(), []))
        elif match := re.match(r"^([a-zA-Z0-9_-]+):.*?##", line):
            sections[-1][1].append((match.group(1), line.rsplit("##", 1)[1].strip()))
    return [(title, targets) for title, targets in sections if targets]


def targets_markdown(makefile):
    """The Markdown that docs/reference/commands.md holds between its markers: a heading per
    section of `make help`, and a table of its targets."""
    lines = [TARGETS_BEGIN]
    for title, targets in help_sections(makefile):
        lines += ["", f"### {title}", "", "| target | what it does |", "|---|---|"]
        lines += [f"| `make {target}` | {description.replace('|', chr(92) + '|')} |"
                  for target, description in targets]
    return "\n".join([*lines, "", TARGETS_END])


def targets_on_page(page):
    """The part of a page between the markers, markers included; '' when they are missing."""
    start, end = page.find(TARGETS_BEGIN), page.find(TARGETS_END)
    return page[start:end + len(TARGETS_END)] if start != -1 and end > start else ""


# --- settings -----------------------------------------------------------------


def makefile_settings(makefile, included=()):
    """The Makefile's settings: every `NAME ?=` variable, every variable whose origin it asks
    (set by the user or not), and every variable it uses that nothing assigns (NAMESPACE,
    DEVELOPER, ...), besides make's own and the names of the files it includes (included)."""
    code = "\n".join(line for line in makefile.splitlines() if not line.lstrip().startswith("#"))
    assigned = set(re.findall(r"^(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*(?::|\?|\+|::)?=", code, re.M))
    defaults = set(re.findall(r"^([A-Z_][A-Z0-9_]*)\s*\?=", code, re.M))
    asked = set(re.findall(r"\$\(origin\s+([A-Z_][A-Z0-9_]*)\)", code))
    used = set(re.findall(r"\$\(([A-Z_][A-Z0-9_]*)\)", code))
    return defaults | asked | (used - assigned - MAKE_BUILTINS - set(included))


class Reads(ast.NodeVisitor):
    """The environment variables a Python module reads: os.environ[NAME], os.environ.get(NAME),
    os.getenv(NAME) and NAME in os.environ, and the same on a name that stands for os.environ
    (a parameter whose default is os.environ, or one called environment). A read whose name is
    not a literal is kept apart, by the function it is in."""

    def __init__(self):
        self.names, self.indirect, self.function = set(), set(), "<module>"

    @staticmethod
    def is_environ(node):
        """Whether node is os.environ, or a name that stands for it."""
        if isinstance(node, ast.Attribute):
            return node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os"
        return isinstance(node, ast.Name) and node.id == "environment"

    def read(self, key):
        """Record a read of key: a name, or an indirect read."""
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            self.names.add(key.value)
        else:
            self.indirect.add(self.function)

    def visit_FunctionDef(self, node):
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    def visit_Subscript(self, node):
        if self.is_environ(node.value) and isinstance(node.ctx, ast.Load):
            self.read(node.slice)
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if node.args and isinstance(func, ast.Attribute) and (
                (func.attr == "get" and self.is_environ(func.value))
                or (func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os")):
            self.read(node.args[0])
        self.generic_visit(node)

    def visit_Compare(self, node):
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)) and self.is_environ(node.comparators[0]):
            self.read(node.left)
        self.generic_visit(node)


def python_reads(source):
    """(names, indirect) for a Python module's source: the environment variables it reads by
    name, and the functions that read one whose name is computed."""
    reads = Reads()
    reads.visit(ast.parse(source))
    return reads.names, reads.indirect


def tiltfile_reads(text):
    """The environment variables a Tiltfile reads (os.getenv, os.environ.get, os.environ[...])."""
    found = re.findall(r"os\.(?:getenv|environ\.get)\(\s*['\"](\w+)['\"]|os\.environ\[\s*['\"](\w+)['\"]", text)
    return {name for pair in found for name in pair if name}


def tiltfile_arguments(text):
    """The arguments a Tiltfile takes after `tilt up --` (config.define_*), as --NAME."""
    return {f"--{name}" for name in re.findall(r"config\.define_\w+\(\s*['\"]([\w-]+)['\"]", text)}


def skaffold_reads(text):
    """The environment variables a skaffold.yaml reads: templates ({{.NAME}}) and profile
    activations (env: NAME=...)."""
    return set(re.findall(r"\{\{\s*\.(\w+)", text)) | set(re.findall(r"\benv:\s*['\"]?(\w+)=", text))


def shell_reads(text):
    """The environment variables a shell script reads: the upper-case names it expands and
    does not assign itself."""
    expanded = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", text))
    return expanded - set(re.findall(r"^\s*([A-Z][A-Z0-9_]*)=", text, re.M))


def documented_settings(page):
    """The settings a page documents: each `NAME` or `--name` in inline code in the first cell
    of a table row."""
    found = set()
    for line in page.splitlines():
        if line.startswith("|") and not re.match(r"^\|[\s|:-]+$", line):
            first = line.split("|")[1]
            found |= set(re.findall(r"`([A-Z][A-Z0-9_]*|--[a-z][\w-]*)`", first))
    return found


def python_sources():
    """The Python files whose environment reads are a user's settings: the service, the dev and
    prod servers, and the scripts the Makefile, Skaffold and Tilt run."""
    return [*sorted((REPO / "app").rglob("*.py")), REPO / "devserver.py", REPO / "serve.py",
            *sorted((REPO / "scripts").glob("*.py"))]
