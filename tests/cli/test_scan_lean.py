"""A scan does only the work its outputs need: the project's identity (CI variables, the git
remote read from .git/config) is looked up for the JSON report and the CycloneDX SBOM only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gouvernante.cli import _project, main

RUNBOOK = Path(__file__).parent.parent / "e2e" / "fixtures" / "runbook"
LOCK = str(RUNBOOK / "test" / "clean-lockfile.json")
RULES = str(RUNBOOK / "rules")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    seen: list[str | None] = []

    def identity(explicit: str | None, start: str, env: object = None) -> str:
        seen.append(explicit)
        return "example.test/org/app"

    monkeypatch.setattr(_project, "project_identity", identity)
    return seen


@pytest.mark.parametrize("fmt", [[], ["-format", "markdown"], ["-format", "sarif"]])
def test_text_markdown_sarif_do_not_look_up_the_project(
    calls: list[str | None], fmt: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-rules", RULES, "-lockfile", LOCK, *fmt]) == 0
    assert calls == []
    capsys.readouterr()


def test_json_report_names_the_project(
    calls: list[str | None], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-rules", RULES, "-lockfile", LOCK, "-json"]) == 0
    assert calls == [None]
    assert json.loads(capsys.readouterr().out)["scan"]["project"] == "example.test/org/app"


_SMALL_SCAN = """
import sys
from gouvernante.cli import main
from gouvernante.cli._base import install_stop_handlers
install_stop_handlers()
code = main([*(["-rules", sys.argv[1]] if sys.argv[1] else []), "-lockfile", sys.argv[2]])
LEAN = ("inspect", "typing_extensions", "shutil", "dataclasses", "platform", "textwrap")
LEAN = (*LEAN, "msgspec.inspect", "msgspec.toml", "msgspec.yaml")
LEAN = (*LEAN, *sys.argv[3:])
print(code, *sorted(m for m in LEAN if m in sys.modules))
"""


def _run_script(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh interpreter with this tree's ``src`` (nothing imported before)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(Path(_project.__file__).resolve().parents[2])
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def _small_scan(rules: str, lockfile: str, *also_unused: str) -> subprocess.CompletedProcess[str]:
    return _run_script(_SMALL_SCAN, rules, lockfile, *also_unused)


def test_small_scan_imports_only_what_it_uses() -> None:
    """Start-up (decision 0024): none is needed by a small scan; ``inspect`` and
    ``typing_extensions`` each cost ~0.7x a bare start, ``dataclasses`` (with ``inspect``) and
    its code generator for the scan's classes another ~0.8x. The stop handlers are installed
    through ``_signal``: ``signal`` builds three IntEnums (decision 0105)."""
    r = _small_scan(RULES, LOCK, "signal")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "0", r.stdout


def _one_package_lock(folder: Path, name: str, version: str) -> Path:
    lock = folder / "package-lock.json"
    packages = {"": {"name": "app", "dependencies": {name: version}}}
    packages[f"node_modules/{name}"] = {"version": version}
    lock.write_text(json.dumps({"name": "app", "lockfileVersion": 3, "packages": packages}))
    return lock


def _left_pad_lock(folder: Path) -> Path:
    """A package-lock naming no package of the bundled pack."""
    return _one_package_lock(folder, "left-pad", "1.3.0")


def test_bundled_pack_scan_without_named_packages_imports_no_semver(tmp_path: Path) -> None:
    """The bundled pack (exact versions) against a lockfile naming none of its packages needs no
    range parser: ``gouvernante.semver`` is imported by the first package a rule names; nor the
    npm parser's big-file path (``array``) or finding lines (``bisect``); nor the dependency
    paths of findings (``match.paths``), nor the manifest reader (``lockfiles.package_json``:
    a package-lock v3 records its project's dependencies; decision 0105), nor the rule format
    (``rules.model``: six StrEnums and twelve Structs, ~5.6 M instructions; decision 0137)."""
    lock = _left_pad_lock(tmp_path)
    r = _small_scan(
        "",
        str(lock),
        "gouvernante.semver",
        "gouvernante.rules.model",
        "bisect",
        "array",
        "gouvernante.match.paths",
        "gouvernante.lockfiles.package_json",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "0", r.stdout


_NO_RULE_DECODED = """
import sys
from gouvernante.cli import main
from gouvernante.rules import cache
code = main(["-lockfile", sys.argv[1]])
built = [f.__name__ for f in (cache._rule_decoder, cache._rules_decoder) if f.cache_info().misses]
print(code, *built)
"""


def test_bundled_pack_scan_without_named_packages_decodes_no_rule(tmp_path: Path) -> None:
    """The bundled pack is read from its precompiled entries' heads (ids, names, integrity
    strings): a lockfile naming none of its packages decodes no rule, nor builds the rule
    decoder (~5 M instructions; with the decode and the eager index ~20 M, decision 0105)."""
    r = _run_script(_NO_RULE_DECODED, str(_left_pad_lock(tmp_path)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "0", r.stdout


# Modules of the -dir walk (folders, workspace globs, .yarnrc.yml, .gitmodules): a -lockfile scan
# names its files, so it needs none of them (decision 0024, ~1.5 ms of imports).
_WALK_ONLY = (
    "gouvernante.fs.walk",
    "gouvernante.fs.globs",
    "fnmatch",
    "gouvernante.sources",
    "gouvernante.sources.names",
    "gouvernante.sources.submodules",
    "gouvernante.sources.workspaces",
    "gouvernante.sources.yarnrc",
)


def test_lockfile_scan_imports_none_of_the_walk(tmp_path: Path) -> None:
    lock = _left_pad_lock(tmp_path)
    r = _small_scan("", str(lock), *_WALK_ONLY)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "0", r.stdout


_LATER_IMPORTS = """
import sys
import gouvernante
assert "inspect" not in sys.modules and "typing_extensions" not in sys.modules
import dataclasses
@dataclasses.dataclass
class NoDoc:
    x: int
import inspect, typing_extensions
assert NoDoc.__doc__ == "NoDoc(x: int)", NoDoc.__doc__
assert dataclasses.inspect.signature is inspect.signature
assert typing_extensions.Literal is not None
print("ok")
"""


def test_hidden_modules_import_normally_afterwards() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(Path(_project.__file__).resolve().parents[2])
    r = subprocess.run(
        [sys.executable, "-c", _LATER_IMPORTS], capture_output=True, text=True, check=False, env=env
    )
    assert r.stdout.strip() == "ok", r.stderr


_STOOD_IN = """
import sys
import gouvernante
assert "platform" not in sys.modules and "textwrap" not in sys.modules, sys.modules
SUBMODULES = ("msgspec.inspect", "msgspec.toml", "msgspec.yaml")
assert not any(m in sys.modules for m in SUBMODULES), sys.modules
import msgspec, uuid
# uuid asks platform on Python 3.11 and 3.12 (3.13's knows Linux by sys.platform)
stand_in = getattr(uuid, "platform", None) or gouvernante._Platform("platform")
import platform, textwrap
assert platform is not stand_in and type(platform) is type(sys)
assert uuid._LINUX == (platform.system() == "Linux") and uuid._AIX == (platform.system() == "AIX")
assert stand_in.system() == platform.system() and stand_in.machine() == platform.machine()
assert msgspec._json_schema.textwrap.dedent("  a\\n  b") == textwrap.dedent("  a\\n  b")
class Documented(msgspec.Struct):
    \"\"\"  Indented
    docstring.\"\"\"
    x: int
schema = msgspec.json.schema(Documented)
assert type(sys.modules["msgspec.inspect"]) is type(sys), "the schema imported the real module"
import msgspec.inspect, msgspec.toml, msgspec.yaml
assert msgspec.inspect.type_info(int) == msgspec.inspect.IntType()
assert msgspec.yaml.decode is not None and msgspec.toml.decode is not None
assert all(type(sys.modules[m]) is type(sys) for m in SUBMODULES)
print(schema["$defs"]["Documented"]["description"])
"""


def test_msgspec_stand_ins_answer_as_the_real_modules() -> None:
    """msgspec is imported with ``platform`` and ``textwrap`` stood in (decision 0121), and its
    submodules ``inspect``, ``toml`` and ``yaml`` (decision 0157): uuid's platform checks get
    the real answer, msgspec's schemas dedent with the real ``textwrap`` and read the real
    ``msgspec.inspect``, and each imports normally afterwards."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(Path(_project.__file__).resolve().parents[2])
    r = subprocess.run(
        [sys.executable, "-c", _STOOD_IN], capture_output=True, text=True, check=False, env=env
    )
    assert r.stdout.strip() == "Indented\ndocstring.", r.stderr


def test_a_module_needing_the_hidden_one_is_imported_normally(tmp_path: Path) -> None:
    (tmp_path / "needs_hidden.py").write_text("import colorsys\nVALUE = colorsys.ONE_THIRD\n")
    script = (
        "import sys, gouvernante\n"
        "assert 'colorsys' not in sys.modules\n"
        "gouvernante.stand_in.import_with('needs_hidden', {'colorsys': None})\n"
        "import needs_hidden, colorsys\n"
        "print(needs_hidden.VALUE == colorsys.ONE_THIRD)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    src = Path(_project.__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join([str(src), str(tmp_path)])
    r = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, env=env
    )
    assert r.stdout.strip() == "True", r.stderr


YARN_FIXTURES = Path(__file__).parent.parent / "lockfiles" / "fixtures" / "yarn"


@pytest.mark.parametrize("version", ["classic-1.22", "berry-3.8"])
def test_yarn_scan_imports_no_json_nor_urllib(version: str) -> None:
    """The yarn readers decode a quoted string with ``json`` only when it holds an escape, and
    URL-decode only a ``patch:`` locator; the fixtures (made by yarn) hold neither where it is
    read, so neither module is imported (decision 0024, ~1 ms each)."""
    r = _small_scan("", str(YARN_FIXTURES / version / "yarn.lock"), "json", "urllib.parse")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "0", r.stdout


def test_rules_scan_imports_neither_openssl_nor_json() -> None:
    """A ``-rules`` scan of small rule files hashes them with the interpreter's built-in SHA-256
    (``hashlib`` loads OpenSSL: ~3.5 ms) and imports ``json`` only to word a rule error."""
    r = _small_scan(RULES, LOCK, "hashlib", "_hashlib", "json")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "0", r.stdout


_NOT_COMPILED = """
import importlib, sys
from gouvernante.cli import main
code = main(["-lockfile", sys.argv[1]])
made = []
for spec in sys.argv[2:]:
    module, _, name = spec.rpartition(".")
    value = getattr(importlib.import_module(module), name)
    if "_made" in getattr(value, "__dict__", {"_made": True}):  # (a pattern compiled at import)
        made.append(spec)
print(code, *made)
"""

FIXTURES = Path(__file__).parent.parent / "lockfiles" / "fixtures"

# Patterns of each reader that a lockfile as its tool writes it never needs (the YAML fallback,
# odd characters, comments, another reader's layout): compiled on first use (decision 0105;
# pnpm ~13 M instructions, a berry yarn.lock ~12 M: yarn classic's entry pattern).
_UNUSED_PATTERNS = {
    "pnpm/pnpm10/pnpm-lock.yaml": (
        "gouvernante.lockfiles._pnpm_yaml._ODD_CHARS",
        "gouvernante.lockfiles._pnpm_yaml._FLOW_BAD",
        "gouvernante.lockfiles._pnpm_yaml._JS_NUMBER",
        "gouvernante.lockfiles._pnpm_lines._ONE_DEP_LINE",
        "gouvernante.lockfiles.pnpm._DOCUMENT_START",
        "gouvernante.lockfiles.pnpm._BREAKS_APART",
        "gouvernante.lockfiles.pnpm._PEER_SUFFIX",
        "gouvernante.lockfiles.pnpm._V5_KEY_REFERENCE",
    ),
    "yarn/berry-3.8/yarn.lock": (
        "gouvernante.lockfiles._yarn_classic._C_ENTRY_BYTES",
        "gouvernante.lockfiles._yarn_classic._PLAIN_DEPS",
        "gouvernante.lockfiles._yarn_classic._ENDS_IN_BLOCK_HEADER_BYTES",
        "gouvernante.lockfiles._yarn_classic._PREAMBLE_BYTES",
        "gouvernante.lockfiles._yarn_berry._DQ_TOKEN",
        "gouvernante.lockfiles._yarn_common._PROTOCOL",
        "gouvernante.lockfiles._yarn_common._BARE_NAME",
        "gouvernante.lockfiles.yarn._BERRY_HEAD",
    ),
    "yarn/classic-1.22/yarn.lock": (
        "gouvernante.lockfiles._yarn_classic._ENTRY_START_BYTES",
        "gouvernante.lockfiles.yarn._BERRY_TEXT",
    ),
    "bun/bun-1.2.0/bun.lock": (
        "gouvernante.lockfiles.bun._COMMENTS",
        "gouvernante.lockfiles.bun._TRAILING_COMMAS",
        "gouvernante.lockfiles.bun._LINE_STRING",
        "gouvernante.lockfiles.bun._ENTRY_LINE",
        "gouvernante.lockfiles.bun._ROOT_LINE",
    ),
}


@pytest.mark.parametrize("fixture", sorted(_UNUSED_PATTERNS))
def test_reader_patterns_a_written_lockfile_does_not_need_are_not_compiled(fixture: str) -> None:
    r = _run_script(_NOT_COMPILED, str(FIXTURES / fixture), *_UNUSED_PATTERNS[fixture])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "0", r.stdout


def test_sniffing_a_renamed_package_lock_searches_no_bun_pattern(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A package-lock under another name is sniffed: bun.lock's patterns (comments allowed:
    ~1.5 M instructions to compile) are searched only in a text holding ``"workspaces"``, which
    they need (decision 0105)."""
    import re

    from gouvernante.lockfiles import detect, npm

    searched: list[object] = []
    real = re.search

    def search(pattern: object, text: object, *args: object) -> object:
        searched.append(pattern)
        return real(pattern, text, *args)  # type: ignore[call-overload]

    monkeypatch.setattr(re, "search", search)
    head = b'{\n  "name": "app",\n  "lockfileVersion": 3,\n  "packages": {}\n}\n'
    spec = detect("lock.json", head)
    assert spec is not None and spec.name == "npm"
    assert searched == [npm._LOCKFILE_VERSION]
    bun_head = head.replace(b'"packages"', b'"workspaces": {"": {}}, "packages"')
    spec = detect("lock.json", bun_head)
    assert spec is not None and spec.name == "bun"


def _no_default_translations() -> bool:
    """gettext looks for argparse's translations (``messages.mo``) only under this folder."""
    return not os.path.isdir(os.path.join(sys.base_prefix, "share", "locale"))


_PARSER_MESSAGES = """
import sys
from gouvernante.cli import main
code = main(sys.argv[1:])
print("imported:", *[m for m in ("gettext", "locale") if m in sys.modules])
"""


@pytest.mark.parametrize(
    ("args", "out", "err"),
    [
        (["-h"], "options:\n  -h, --help  ", ""),
        (["-lockfile"], "", "gouvernante: argument -lockfile/--lockfile: expected one argument"),
        (["-lockfile", "a", "b"], "", "gouvernante: unrecognized arguments: b"),
    ],
)
def test_argparse_messages_without_gettext(args: list[str], out: str, err: str) -> None:
    """argparse takes ``gettext`` from a stand-in (decision 0121): while no translation can
    exist, its messages are its own, and neither ``gettext`` nor ``locale`` is imported."""
    r = _run_script(_PARSER_MESSAGES, *args)
    assert out in r.stdout and err in r.stderr, (r.stdout, r.stderr)
    imported = r.stdout.rsplit("imported:", 1)[1].split()
    assert imported == ([] if _no_default_translations() else ["gettext", "locale"])


def _mo_file(path: Path, translations: dict[str, str]) -> None:
    """A GNU ``.mo`` catalogue (no hash table), as ``msgfmt`` writes one."""
    import struct

    keys = sorted(translations)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(translations[k].encode() + b"\0" for k in keys)
    start = 7 * 4 + 16 * len(keys)
    offsets: list[int] = []
    pos = 0
    for k in keys:
        offsets += [len(k.encode()), start + pos]
        pos += len(k.encode()) + 1
    trans_offsets: list[int] = []
    pos = 0
    for k in keys:
        trans_offsets += [len(translations[k].encode()), start + len(ids) + pos]
        pos += len(translations[k].encode()) + 1
    head = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    body = struct.pack(f"{len(offsets)}i", *offsets) + struct.pack(
        f"{len(trans_offsets)}i", *trans_offsets
    )
    path.write_bytes(head + body + ids + strs)


_TRANSLATED = """
import sys
from gouvernante.cli import main
import gettext, argparse
assert argparse._.__self__ is not gettext  # (the stand-in)
gettext.bindtextdomain("messages", sys.argv[1])
main(["-h"])
"""


def test_argparse_translations_bound_later_are_used(tmp_path: Path) -> None:
    """Once the real ``gettext`` is imported (a program binding its own translations), the
    stand-in asks it: argparse's messages are translated as before."""
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    _mo_file(folder / "messages.mo", {"options": "Optionen"})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(Path(_project.__file__).resolve().parents[2])
    env["LANGUAGE"] = "de"
    r = subprocess.run(
        [sys.executable, "-c", _TRANSLATED, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert "\nOptionen:\n" in r.stdout, (r.stdout, r.stderr)


@pytest.mark.parametrize("enabled", [True, False])
def test_importing_leaves_the_collector_as_it_was(enabled: bool) -> None:
    """msgspec and argparse are imported with the cyclic collector paused (decision 0121); an
    importer finds it as it left it."""
    script = (
        "import gc, sys\n"
        f"{'' if enabled else 'gc.disable()'}\n"
        "import gouvernante.cli\n"
        "assert 'msgspec' in sys.modules and 'argparse' in sys.modules\n"
        "print(gc.isenabled())\n"
    )
    r = _run_script(script)
    assert r.stdout.strip() == str(enabled), r.stderr


@pytest.mark.parametrize("system", ["android", "ios", "cygwin", "win32"])
def test_platform_stand_in_answers_only_where_os_uname_names_the_system(
    monkeypatch: pytest.MonkeyPatch, system: str
) -> None:
    """``platform.system()`` is ``os.uname()``'s system name on Linux; Python 3.13 names Android
    and iOS after the OS instead of the kernel, and others normalise names: there the real
    module answers (it gave "Linux" for Android, where uuid keeps ``platform.system()``)."""
    import platform

    import gouvernante

    monkeypatch.setattr(platform, "system", lambda: f"real answer on {system}")
    stand_in = gouvernante._Platform("platform")
    monkeypatch.setattr(sys, "platform", system)
    assert stand_in.system() == f"real answer on {system}"
    monkeypatch.setattr(sys, "platform", "linux")
    if hasattr(os, "uname"):
        assert stand_in.system() == os.uname().sysname


# Every ``compile()`` made by ``typing`` (a ForwardRef being built) during a scan; the scan's exit
# code first. A process's first ``compile()`` creates every AST node type (~10 M instructions,
# decision 0137): msgspec's import-time probe is answered without one, and the models a scan
# decodes carry their annotations evaluated.
_FORWARD_REFS = """
import sys
made = []
def hook(event, args):
    if event == "compile" and sys._getframe(1).f_code.co_filename.endswith("typing.py"):
        made.append(args[0])
sys.addaudithook(hook)
from gouvernante.cli import main
code = main(sys.argv[1:])
print()
print(code, *made)
"""


@pytest.mark.parametrize(
    ("lockfile", "flags", "code"),
    [
        ("left-pad", [], "0"),
        ("left-pad", ["-format", "sarif"], "0"),  # every bundled rule decoded
        ("axios", ["-json"], "2"),  # the rule naming it decoded
        ("pnpm/pnpm10/pnpm-lock.yaml", [], None),
        ("yarn/classic-1.22/yarn.lock", [], None),
        ("yarn/berry-3.8/yarn.lock", [], None),
        ("bun/bun-1.2.0/bun.lock", [], None),
    ],
)
def test_a_scan_builds_no_forward_reference(
    tmp_path: Path, lockfile: str, flags: list[str], code: str | None
) -> None:
    if lockfile == "left-pad":
        path = _left_pad_lock(tmp_path)
    elif lockfile == "axios":
        path = _one_package_lock(tmp_path, "axios", "1.14.1")  # a bundled rule's package
    else:
        path = FIXTURES / lockfile
    r = _run_script(_FORWARD_REFS, "-lockfile", str(path), *flags)
    assert r.returncode == 0, r.stderr
    last = r.stdout.splitlines()[-1].split()  # (the report before it)
    assert last[0] in ((code,) if code else ("0", "2")), r.stdout
    assert last[1:] == [], last


_PROBE_AFTER_IMPORT = """
import typing
import gouvernante
import msgspec._utils
assert typing.ForwardRef is typing.ForwardRef.__init__.__globals__["ForwardRef"]
ref = msgspec._utils._forward_ref("int")
print(type(ref) is typing.ForwardRef, ref.__forward_is_class__, ref.__forward_is_argument__)
"""


def test_msgspec_probe_answered_as_the_real_forward_reference() -> None:
    """msgspec chooses the ``is_class`` variant, as the real ``typing.ForwardRef`` makes it choose
    on Python 3.11 and later, and finds the real class afterwards."""
    r = _run_script(_PROBE_AFTER_IMPORT)
    assert r.stdout.split() == ["True", "True", "False"], r.stderr


class _NoIsClass:
    """A ``ForwardRef`` taking no ``is_class`` (Python before 3.9.7 or 3.10.1)."""

    def __init__(self, arg: str, is_argument: bool = True, module: object = None) -> None:
        self.arg = arg


def test_forward_ref_probe_builds_the_real_one_for_every_other_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import typing

    import gouvernante

    probe = gouvernante._ForwardRefProbe(typing.ForwardRef)
    assert probe.answers
    # from here (not msgspec._utils): the real one, as every call with other arguments
    assert probe("Foo", is_class=True) == typing.ForwardRef("Foo", is_class=True)
    assert probe("int", is_argument=False) == typing.ForwardRef("int", is_argument=False)
    monkeypatch.setitem(globals(), "__name__", "msgspec._utils")
    assert probe("Foo", is_class=True) is None  # msgspec's probe
    assert probe("Foo", is_class=True, module=None) == typing.ForwardRef("Foo", is_class=True)
    older = gouvernante._ForwardRefProbe(_NoIsClass)
    assert not older.answers
    with pytest.raises(TypeError):  # what msgspec's probe gets there
        older("Foo", is_class=True)


_NO_PACKAGE = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "LEAN-1",
            "title": "a package none of the files holds",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [
                {"package_name": "no-such-package-lean", "affected_versions": ["=1.0.0"]}
            ],
        }
    ],
}
_TESTS = Path(__file__).parents[1]
_LOCKFILES = ("pnpm-lock.yaml", "package-lock.json", "npm-shrinkwrap.json", "bun.lock", "yarn.lock")
# (-lockfile of the real tools' fixtures; -dir of the real projects' trees, with their manifests)
_SCANS = sorted(
    [
        *(
            ("-lockfile", p.relative_to(_TESTS).as_posix())
            for name in _LOCKFILES[:4]
            for p in (_TESTS / "lockfiles" / "fixtures" / "realtools").glob(f"*/{name}")
        ),
        *(
            ("-dir", p.parent.relative_to(_TESTS).as_posix())
            for name in _LOCKFILES
            for p in (_TESTS / "realworld" / "data").glob(f"*/tree/{name}")
        ),
    ]
)


@pytest.mark.parametrize(("mode", "where"), _SCANS)
def test_a_scan_naming_no_package_of_the_file_builds_none(
    mode: str, where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The readers hand the matcher columns (``PackageTable``) and a scan builds only the
    packages it reports: a step walking every package (0138's ``linked_projects`` did, on pnpm
    files: 0.4 s on issue 17's 50,000-package file, CLI 1.72x -> 2.93x its floor) costs every
    scan of a big file."""
    from gouvernante import model

    walked: list[int] = []
    real_iter = model.PackageTable.__iter__

    def counting(self: model.PackageTable) -> object:
        walked.append(len(self.ids))
        return real_iter(self)

    monkeypatch.setattr(model.PackageTable, "__iter__", counting)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(_NO_PACKAGE), encoding="utf-8")
    report = str(tmp_path / "report.json")
    code = main(["-rules", str(rules), mode, str(_TESTS / where), "-json", "-output", report])
    assert code in {0, 1}
    assert walked == []
