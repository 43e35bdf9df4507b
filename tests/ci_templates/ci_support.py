"""What the CI-template tests share: paths, the YAML loader, bash as CI runs it, schemas."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
GITLAB = REPO / "ci" / "gitlab" / "gouvernante.gitlab-ci.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
RUNBOOK = REPO / "tests" / "e2e" / "fixtures" / "runbook"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCHEMAS = Path(__file__).resolve().parent / "schemas"

# Option-looking words of bash, rm, git and pip in the templates (not gouvernante flags).
OTHER_TOOLS_FLAGS = frozenset(
    {"-uo", "-eo", "-euo", "-gt", "-rf", "--quiet", "--depth", "--disable-pip-version-check"}
)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def scan_flags() -> set[str]:
    """Every spelling of every option of the scan command."""
    from gouvernante.cli.scan import build_scan_parser

    return {s for a in build_scan_parser()._actions for s in a.option_strings}


def flags_in(text: str) -> set[str]:
    """Option-looking tokens of a template (two letters or more: gouvernante has no one-letter
    flag but -h), minus those of bash, git and pip."""
    tokens = set(re.findall(r"(?<![\w/$:.-])(-{1,2}[a-z][a-z-]+)", text))
    return tokens - OTHER_TOOLS_FLAGS


def bash(script: str, *, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``script`` as the runners do (bash, errexit and pipefail on)."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@cache
def schema_validator(name: str) -> jsonschema.protocols.Validator:
    """A validator for ``schemas/<name>`` (see schemas/README.md for where each comes from)."""
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


def schema_errors(name: str, document: object) -> list[str]:
    """The validation errors of ``document``, each with the path to where it is."""
    errors = sorted(schema_validator(name).iter_errors(document), key=lambda e: list(e.path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


GIT_ENV = {
    "GIT_AUTHOR_NAME": "gouvernante tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "gouvernante tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}

# What `pip install <repository>` needs: the project metadata and the package.
_INSTALLABLE = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src")


def git(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return proc.stdout.strip()


def snapshot_repository(dest: Path) -> str:
    """A git repository at ``dest`` holding this checkout's installable files as they are now
    (committed or not), as a clone of it would; returns the commit SHA.

    The hook and the templates install gouvernante from a repository at a ref: this is the
    repository they are pointed at, so the tests exercise the files of the working tree.
    """
    dest.mkdir(parents=True)
    for name in _INSTALLABLE:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(
                source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy2(source, dest / name)
    git("init", "--quiet", "-b", "main", cwd=dest)
    git("add", ".", cwd=dest)
    git("commit", "--quiet", "-m", "snapshot", cwd=dest)
    return git("rev-parse", "HEAD", cwd=dest)
