"""Real repositories made with the real ``git`` for the git-source tests: branches, tags,
merges, moved lockfiles, force pushes, hostile configs. Commit times are set explicitly so
exposure windows are exact."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from hypothesis import strategies as st

RULE_ID = "GITTEST-001"
GIT_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}
PUBLISHED_AT = "2026-09-08T12:00:00Z"

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": RULE_ID,
            "title": "Compromised debug release (git test rule)",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [{"package_name": "debug", "affected_versions": ["=4.4.2"]}],
            "host_indicators": [
                {
                    "type": "file",
                    "path": ".github/workflows",
                    "file_name": "worm.yml",
                    "confidence": "high",
                }
            ],
            "metadata": {"published_at": PUBLISHED_AT},
        }
    ],
}


def write_rules(directory: Path) -> Path:
    path = directory / "rules.json"
    path.write_text(json.dumps(RULES), encoding="utf-8")
    return path


def lockfile(debug: str, name: str = "app") -> str:
    """A minimal npm v3 lockfile of a project depending on debug (and debug on ms)."""
    doc = {
        "name": name,
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": {
            "": {"name": name, "version": "1.0.0", "dependencies": {"debug": "^4.4.0"}},
            "node_modules/debug": {
                "version": debug,
                "resolved": f"https://registry.npmjs.org/debug/-/debug-{debug}.tgz",
                "integrity": "sha512-" + debug.replace(".", "") + "A" * 80,
                "dependencies": {"ms": "^2.1.3"},
            },
            "node_modules/ms": {
                "version": "2.1.3",
                "resolved": "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz",
                "integrity": "sha512-" + "B" * 86,
            },
        },
    }
    return json.dumps(doc, indent=2) + "\n"


class Repo:
    """A work tree driven with the real git; ``time`` advances per commit."""

    def __init__(self, path: Path, start: int = 1788868800) -> None:  # 2026-09-08T12:00:00Z
        self.path = path
        self.time = start
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "dev")
        self.git("config", "commit.gpgsign", "false")

    def env(self) -> dict[str, str]:
        stamp = f"@{self.time} +0000"
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.path),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "core.hooksPath=/dev/null", *args],
            cwd=self.path,
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def write(self, rel: str, text: str | bytes) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):  # a binary file (bun.lockb)
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")

    def commit(self, message: str, *, at: int | None = None) -> str:
        self.time = at if at is not None else self.time + 3600
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def head(self, ref: str = "HEAD") -> str:
        return self.git("rev-parse", ref)


def mirror(source: Path, target: Path) -> Path:
    subprocess.run(
        [
            "git",
            "-c",
            "core.hooksPath=/dev/null",
            "clone",
            "-q",
            "--mirror",
            str(source),
            str(target),
        ],
        check=True,
        capture_output=True,
        env=GIT_ENV,
    )
    return target


# One step of a generated organisation's repository: (where: "main", "side" or "tag", the debug
# version its lockfile takes, the folder of that lockfile ("", "web/", "a/b/"), whether a worm
# workflow is added).
OrgStep = tuple[str, str, str, bool]
ORG_VERSIONS = ("4.4.1", "4.4.2", "4.4.3")
# Organisations for the property tests: 1-3 repositories of 1-4 steps each.
ORG_STEPS = st.lists(
    st.lists(
        st.tuples(
            st.sampled_from(["main", "side", "tag"]),
            st.sampled_from(ORG_VERSIONS),
            st.sampled_from(["", "web/", "a/b/"]),
            st.booleans(),  # plant the worm workflow
        ),
        min_size=1,
        max_size=4,
    ),
    min_size=1,
    max_size=3,
)


def make_org(tmp_path: Path, org_steps: list[list[OrgStep]]) -> Path:
    """Bare mirrors under ``tmp_path/org`` (``team{n % 2}/r{n}.git``), one per step list: each
    starts clean on ``main`` and commits its steps (branching to ``side``, tagging ``v{k}``)."""
    org = tmp_path / "org"
    for n, steps in enumerate(org_steps):
        r = Repo(tmp_path / f"w{n}")
        r.write("package-lock.json", lockfile("4.4.1"))
        r.commit("init")
        for k, (where, version, folder, worm) in enumerate(steps):
            if where == "tag":
                r.git("tag", f"v{k}")
                continue
            r.git("checkout", "-q", "-B" if where == "side" else "-q", where)
            r.write(f"{folder}package-lock.json", lockfile(version, f"p{k}"))
            if worm:
                r.write(".github/workflows/worm.yml", "on: push\n")
            r.commit(f"step {k}")
        r.git("checkout", "-q", "main")
        mirror(r.path, org / f"team{n % 2}" / f"r{n}.git")
    return org
