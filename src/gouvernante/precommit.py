"""The pre-commit hook: judge the lockfiles and ``package.json`` files a commit changes.

pre-commit runs ``gouvernante-pre-commit ARGS... FILE...``: the hook's ``args`` from the user's
``.pre-commit-config.yaml``, then the changed files that match the hook's ``files`` pattern. This
module tells the two apart with the scan command's own parser (a flag that takes a value keeps its
value, in every spelling: ``-fail-on high``, ``--fail-on high``, ``--fail-on=high``), then runs one
scan with each file as ``-lockfile``.

A changed ``package.json`` (or ``pnpm-workspace.yaml``, whose overrides are declared versions
too, or a Deno project's ``deno.json``, whose import map declares ranges) is judged with its
project's lockfiles even when they are not in the commit: the lockfiles in the manifest's own
folder (or, for a workspace member without one, in the nearest folder above that has one) are
scanned with it, so a range bump that the lockfile already pins to a safe release passes, and
one whose lockfile pins a compromised release fails. A changed file that defines catalogs (a
pnpm-workspace.yaml, a bun root package.json, a .yarnrc.yml) also brings the manifests below it
whose ``catalog:`` references it answers. A symbolic link the scan reads (a lockfile,
manifest or ``.yarnrc.yml``) whose target the commit changes is judged as a changed file.

``-dir DIR`` in ``args`` makes DIR the project root the hook judges: changed files outside it are
left alone, the search for a manifest's lockfile stops there, and ``DIR/.gouvernante-ignore.json``
applies (default: the repository root, where pre-commit runs).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence

from gouvernante.errors import GouvernanteError, UsageError

MANIFEST = "package.json"
DENO_CONFIGS = ("deno.json", "deno.jsonc")
IGNORE_FILE = ".gouvernante-ignore.json"


def split_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(flags, files)``: the scan flags (with their values) and the file names pre-commit added.

    The flags that take a value come from the scan command's parser, so this never drifts from it.
    A token that is neither a flag nor a flag's value is a file; ``--`` ends the flags.
    """
    from gouvernante.cli._base import value_flags  # noqa: PLC0415 - lean start-up
    from gouvernante.cli.scan import build_scan_parser  # noqa: PLC0415

    parser = build_scan_parser()
    takes_value = value_flags(parser)
    known = {s for action in parser._actions for s in action.option_strings}
    flags: list[str] = []
    files: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            files.extend(words)
            break
        name, has_value, _ = word.partition("=")
        if word.startswith("-") and (name in known or not _looks_like_changed_file(word)):
            flags.append(word)
            if name in takes_value and not has_value:
                value = next(words, None)
                if value is not None:
                    flags.append(value)
        else:
            files.append(word)
    return flags, files


def _looks_like_changed_file(word: str) -> bool:
    """A path pre-commit passed that happens to start with ``-`` (``-web/package.json``)."""
    from gouvernante.sources.names import lockfile_name  # noqa: PLC0415

    return lockfile_name(os.path.basename(word)) is not None and os.path.lexists(word)


class _YarnNames:
    """The lockfile name yarn berry's ``lockfileFilename`` gives each folder (decision 0044),
    as ``-dir`` reads it: the ``.yarnrc.yml`` of the folder and of each one above, the closer
    first (``yarnrc.inherit``), those above ``top`` too (``yarnrc.inherited_above``). A file
    not read is an error ("path: reason", once) and its folder's projects get no name."""

    def __init__(self, top: str, errors: list[str]) -> None:
        self.top = os.path.abspath(top)
        self.errors = errors
        self.names: dict[str, str | None] = {}

    def of(self, folder: str, shown: str) -> str | None:
        """``folder``'s name (``shown``: how its path is written in an error)."""
        from gouvernante.errors import GouvernanteError  # noqa: PLC0415
        from gouvernante.fs.read import read_regular_file  # noqa: PLC0415
        from gouvernante.sources.yarnrc import (  # noqa: PLC0415
            MAX_YARNRC_BYTES,
            YARNRC,
            inherit,
            inherited_above,
        )

        # the folders up to one whose name is known, or to the top (the files above it read):
        # then their names from the top down (a loop: a path of any depth)
        met: list[tuple[str, str]] = []
        key = os.path.abspath(folder)
        while key not in self.names:
            met.append((key, shown))
            if key == self.top or not _under(key, self.top):
                name, unread = inherited_above(key)
                self.errors.extend(f"{path}: {reason}" for path, reason in unread)
                break
            key, shown = os.path.dirname(key), os.path.dirname(shown) or os.curdir
        else:
            name = self.names[key]
        for key, shown in reversed(met):
            path = os.path.join(shown, YARNRC)
            if os.path.lexists(path):
                try:
                    if os.path.islink(path):
                        raise GouvernanteError(path, "is a symbolic link; not read")
                    name = inherit(name, read_regular_file(path, MAX_YARNRC_BYTES, path), path)
                except GouvernanteError as exc:
                    self.errors.append(f"{path}: {exc.detail}")
                    name = None
            self.names[key] = name
        return name


def _lockfiles_in(folder: str, names: _YarnNames) -> list[str]:
    """The lockfiles of ``folder`` by the names the directory scan reads (``Package-Lock.json``,
    ``pnpm-lock.<branch>.yaml``... : ``sources.names.lockfile_name``), in name order, then the
    one yarn berry's ``lockfileFilename`` names (``_named_lockfile``)."""
    from gouvernante.sources.names import lockfile_name  # noqa: PLC0415

    try:
        listed = sorted(os.listdir(folder))
    except OSError:
        return []  # not listable: the changed manifest is still scanned (and says so if unreadable)
    found = [
        path
        for name in listed
        if lockfile_name(name) not in (None, MANIFEST, *DENO_CONFIGS)
        and os.path.isfile(path := os.path.join(folder, name))
    ]
    named = _named_lockfile(folder, names)
    return [*found, named] if named is not None else found


def _named_lockfile(folder: str, names: _YarnNames) -> str | None:
    """The lockfile yarn berry's ``lockfileFilename`` (``folder``'s ``.yarnrc.yml`` or one
    above) names, as ``-dir`` finds it (decision 0044): scanned as ``-lockfile``, whose parser
    reads it by its content. One that is a folder is an error ("path: reason")."""
    from gouvernante.sources.yarnrc import (  # noqa: PLC0415
        NOT_A_FILE,
        NOT_A_FILE_INHERITED,
        YARNRC,
    )

    name = names.of(folder, folder)
    if name is None:
        return None
    full = os.path.join(folder, name)
    if os.path.lexists(full) and not os.path.isfile(full):
        own = os.path.join(folder, YARNRC)
        if os.path.lexists(own):
            names.errors.append(f"{own}: {NOT_A_FILE}")
        else:
            names.errors.append(f"{full}: {NOT_A_FILE_INHERITED}")
        return None
    return full if os.path.lexists(full) else None


def _named_below(folder: str, names: _YarnNames) -> list[str]:
    """The lockfiles yarn berry's ``lockfileFilename`` names in ``folder`` and every folder
    below it (a changed ``.yarnrc.yml`` sets the name of all of them), as ``-dir -recursive``
    walks them."""
    from gouvernante.fs.walk import walk  # noqa: PLC0415

    found: list[str] = []
    for wd in walk(folder):
        named = _named_lockfile(wd.path, names)
        if named is not None:
            found.append(named)
    return found


def files_to_scan(changed: Iterable[str], root: str, errors: list[str] | None = None) -> list[str]:
    """The changed lockfiles and manifests under ``root``, plus each manifest's project lockfiles
    (``errors``: the ``.yarnrc.yml`` files not read while looking for them).

    Files under a folder the directory scan skips (``node_modules``, ``.git``, ...) are not a
    project's own and are left out, as ``-dir`` would.
    """
    from gouvernante.fs.walk import SKIP_DIRS  # noqa: PLC0415
    from gouvernante.lockfiles import PNPM_WORKSPACE  # noqa: PLC0415
    from gouvernante.sources.names import lockfile_name  # noqa: PLC0415
    from gouvernante.sources.yarnrc import YARNRC  # noqa: PLC0415

    names = _YarnNames(root, [] if errors is None else errors)
    members = _Members(os.path.normpath(root))
    # The files whose declared versions (overrides) the project's lockfile decides, as a
    # manifest's: one changed alone brings the lockfiles, as ``-dir`` judges it with them.
    manifests = (MANIFEST, PNPM_WORKSPACE, *DENO_CONFIGS)
    top = os.path.normpath(root)
    out: list[str] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            out.append(path)

    changed = list(changed)
    for raw in [*changed, *_links_to(changed, top)]:
        path = os.path.normpath(raw)
        if not _under(path, top) or _skipped(path, top, SKIP_DIRS, members):
            continue
        base = os.path.basename(path)
        folder = os.path.dirname(path) or os.curdir
        known = lockfile_name(base)
        if known is None:
            # the hook also gets ``.yarnrc.yml`` and ``*.lock`` files (.pre-commit-hooks.yaml):
            # a lockfile yarn berry's ``lockfileFilename`` names, by its folder's setting (or
            # one above); a changed .yarnrc.yml brings those of its folder and all below
            if base == YARNRC:
                for named in _yarnrc_brings(path, folder, names):
                    add(named)
            elif _same(_named_lockfile(folder, names) or top, path):
                add(path)  # (else Gemfile.lock, Cargo.lock...: no setting names it)
            continue
        add(path)
        if known not in manifests:
            continue
        if known in (MANIFEST, PNPM_WORKSPACE):
            for user in _catalog_users(path, folder):
                add(user)
        while True:
            present = _lockfiles_in(folder, names)
            for lock in present:
                add(os.path.normpath(lock))
            parent = os.path.dirname(folder) or os.curdir
            if present or _same(folder, top) or _same(parent, folder) or not _under(parent, top):
                break
            folder = parent
    return out


def _links_to(changed: Sequence[str], top: str) -> list[str]:
    """The symbolic links under ``top`` (where ``-dir``'s walk goes) that lead to a changed
    file: a commit that changes only ``shared/web.json`` changes what the link
    ``web/package-lock.json -> ../shared/web.json`` reads, which the scan reads under the link's
    name and folder. They are judged as changed files of their own (the target too, if its name
    is one the scan reads)."""
    from gouvernante.fs.walk import walk  # noqa: PLC0415

    targets = {os.path.realpath(path) for path in changed if os.path.lexists(path)}
    if not targets:
        return []
    found: list[str] = []
    for walked in walk(top):
        for name in sorted(walked.links):
            link = os.path.join(walked.path, name)
            if os.path.realpath(link) in targets:
                found.append(link)
    return found


def _yarnrc_brings(path: str, folder: str, names: _YarnNames) -> list[str]:
    """What a changed ``.yarnrc.yml`` brings: the lockfiles its ``lockfileFilename`` names in
    its folder and all below, and the manifests there its catalogs may answer (decision 0056)."""
    brought = [os.path.normpath(named) for named in _named_below(folder, names)]
    return brought + _catalog_users(path, folder)


def _skipped(path: str, top: str, skip: frozenset[str], members: _Members) -> bool:
    """Is ``path`` in a folder ``-dir``'s walk skips by name, and no workspace member the scan
    reads all the same (``.cache/app``, which the root's workspaces name)?"""
    return any(part in skip for part in _parts(path, top)) and not members.named(path)


class _Members:
    """Whether a changed package.json is a workspace member of the project root ``top`` (its
    package.json ``workspaces``, its pnpm-workspace.yaml ``packages``): ``-dir`` reads those
    even in a folder its walk skips by name, so the hook judges them. The root's globs are read
    once, on the first file that asks."""

    def __init__(self, top: str) -> None:
        self._top = top
        self._patterns: list[str] | None = None

    def named(self, path: str) -> bool:
        if os.path.basename(path) != MANIFEST:
            return False
        from gouvernante.fs import globs  # noqa: PLC0415 - a changed file in a skipped folder only

        rel = "/".join(_parts(path, self._top))  # (the member folder, from the root)
        if not rel or any(part in globs.NEVER_LISTED for part in rel.split("/")):
            return False
        if self._patterns is None:
            from gouvernante.sources.workspaces import workspace_patterns  # noqa: PLC0415

            self._patterns = workspace_patterns(self._top)
        return bool(self._patterns) and globs.matches(rel, self._patterns)


def _catalog_users(path: str, folder: str) -> list[str]:
    """The manifests at or below ``folder`` whose ``catalog:`` references a changed file that
    defines catalogs (a pnpm-workspace.yaml, a bun root package.json, a .yarnrc.yml) may
    answer: a catalog bumped alone changes what they declare. Conservative by bytes (any
    mention of ``catalog``), never by running or fully reading the project; unreadable files
    are left to the scan."""
    from gouvernante.fs.read import MAX_LOCKFILE_BYTES, read_regular_file  # noqa: PLC0415
    from gouvernante.fs.walk import walk  # noqa: PLC0415

    try:
        if not _may_name_catalogs(read_regular_file(path, MAX_LOCKFILE_BYTES, path)):
            return []
    except GouvernanteError:
        return []
    users: list[str] = []
    for walked in walk(folder):
        if MANIFEST not in walked.files or MANIFEST in walked.links:
            continue
        manifest = os.path.normpath(os.path.join(walked.path, MANIFEST))
        try:
            data = read_regular_file(manifest, MAX_LOCKFILE_BYTES, manifest)
        except GouvernanteError:
            users.append(manifest)  # (the scan says why it cannot be read)
            continue
        if _may_name_catalogs(data):
            users.append(manifest)
    return users


def _may_name_catalogs(data: bytes) -> bool:
    """``catalog`` written plainly, or any escape (a JSON ``\\u0063atalog:``, a YAML
    ``"\\x63atalog"`` key): the readers decode them."""
    return b"catalog" in data or b"\\" in data


def _same(a: str, b: str) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def _under(path: str, root: str) -> bool:
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return rel == os.curdir or not (rel == os.pardir or rel.startswith(os.pardir + os.sep))


def _parts(path: str, root: str) -> list[str]:
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return rel.split(os.sep)[:-1]


def build_argv(argv: Sequence[str], errors: list[str] | None = None) -> list[str] | None:
    """The scan command line for the hook's ``argv``; None when no changed file is the hook's.
    ``errors``: what was not read while choosing the files (``files_to_scan``)."""
    from gouvernante.cli.scan import build_scan_parser  # noqa: PLC0415

    flags, changed = split_args(argv)
    if any(f in ("-h", "--help") for f in flags):
        return flags
    ns, _unknown = build_scan_parser().parse_known_args(flags)
    root = ns.dir
    files = files_to_scan(changed, root, errors)
    if not files and not ns.lockfile:
        return None
    extra: list[str] = []
    default_ignore = os.path.join(root, IGNORE_FILE)
    if ns.ignore is None and os.path.lexists(default_ignore):
        extra += ["-ignore", default_ignore]
    for path in files:
        extra += ["-lockfile", path]
    return [*flags, *extra]


def main(argv: Sequence[str] | None = None) -> int:
    from gouvernante.cli import main as cli_main  # noqa: PLC0415
    from gouvernante.safetext import shown  # noqa: PLC0415

    args = list(sys.argv[1:] if argv is None else argv)
    errors: list[str] = []
    try:
        scan_argv = build_argv(args, errors)
    except UsageError:
        # let the command report its own usage error, worded as for any other run
        return cli_main(split_args(args)[0])
    code = 0 if scan_argv is None else cli_main(scan_argv)
    for error in errors:  # (a project's lockfile not found: never a silent pass; the names
        # are the repository's, escaped as every message is: ``safetext.shown``)
        print(shown(f"gouvernante-pre-commit: error: {error}"), file=sys.stderr)
    return code or (1 if errors else 0)


def entry() -> None:
    """The ``gouvernante-pre-commit`` console script and ``python -m gouvernante.precommit``."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
