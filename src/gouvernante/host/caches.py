"""Package-manager caches: an entry is a finding only when its exact name and version match.

Each reader takes the names it can from file names or index entries first and opens a file only
for a candidate whose name is one the rules look for. The exceptions are entries whose name does
not say which package they hold: a pnpm index file whose path carries no package name (every v3
one, a tarball URL's, a git repository's: its first bytes are read), a yarn berry zip of any
protocol but npm (``file:``, a URL, ``patch:``: its package.json, decision 0097), and an npm
``content-v2`` blob no index line accounts for (its first bytes, then a tarball's package.json:
decisions 0090, 0097). Other content blobs are not read, save the store's copy of the
``package.json`` a pnpm index file with no name lists, and npm's ``content-v2`` tarball that npm
would install with no live index line naming it (hashed, not parsed: decision 0086).
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import json
import os
import posixpath
import re
import sqlite3
import stat
import time
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import unquote

import msgspec

from gouvernante.errors import InputError
from gouvernante.fs.digest import (
    GZIP_MAGIC,
    ZSTD_MAGIC,
    ArchiveLimits,
    is_tar_header,
    root_manifest,
    zip_member,
)
from gouvernante.fs.read import read_regular_file
from gouvernante.fs.walk import walk
from gouvernante.host import msgpackr
from gouvernante.host.files import hash_file
from gouvernante.host.install_state import RecordedRelease, disagreement_note, same_release
from gouvernante.host.installed import MAX_MANIFEST_BYTES, scan_tree
from gouvernante.host.payloads import PNPM_ID_INDEXES
from gouvernante.host.reader import Collector
from gouvernante.host.sqlite_image import ImageError, apply_log, open_image
from gouvernante.jstext import integrity_hashes
from gouvernante.lockfiles._tarball_url import registry_identity
from gouvernante.lockfiles.deno import exact_version
from gouvernante.lockfiles.package_json import manifest_release, read_manifest
from gouvernante.match.hits import package_hits, rule_finding
from gouvernante.model import FindingType, MatchKind
from gouvernante.rules.model import Rule
from gouvernante.safetext import shown
from gouvernante.semver import try_parse_version
from gouvernante.vocab import LockfileEcosystem

MAX_BUCKET_BYTES = 64 * 1024 * 1024
MAX_INDEX_BYTES = 64 * 1024 * 1024
_PNPM_HEAD = re.compile(rb'^\{"name":"((?:[^"\\]|\\.)*)","version":"((?:[^"\\]|\\.)*)"')
_BERRY_TAIL = re.compile(r"^(.+)-[0-9a-f]{10}-[0-9a-z]+\.zip$")
# <name>@<version>@@@<n>, and <name>@<version>@@<registry host>@@@<n> for a package from a
# registry other than the default (bun 1.3: `is-number@7.0.0@@registry.yarnpkg.com@@@1`)
_BUN_ENTRY = re.compile(r"^(.+?)@([^@/]+)(?:@@[^@/]+)?@@@\d+$")
# bun's entry for a tarball dependency (a URL, a local .tgz): named by a hash of its integrity
_BUN_TARBALL = re.compile(r"^@T@[^@/]+@@@\d+$")
# bun's folder for a version with a prerelease or build tag, whose tags it names by their hashes
_BUN_TAGGED = re.compile(r"^(\d+\.\d+\.\d+)([-+])")
_HEX = re.compile(r"^[0-9a-f]+$")
_PNPM_NAME = re.compile(r"^(?:@[^/@+\s]+/)?[^/@+\s][^/@+\s]*$")
_PNPM_STORE_DIRS = frozenset({"files", "index", "tmp", "links", "projects"})
_NO_PRUNE = lambda _name, _path: False  # noqa: E731 - a walk that enters every directory


def _listdir(path: str, collector: Collector) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(path) as it:
            return sorted(it, key=lambda e: e.name)
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        return []
    except OSError as exc:
        collector.dir_error(path, f"cannot read directory: {exc.strerror or exc}")
        return []


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _slug_table(names: Iterable[str], scoped_keeps_at: bool) -> dict[str, list[str]]:
    """File-name slug -> rule names: ``@scope/name`` becomes ``@scope-name`` (or ``scope-name``)."""
    table: dict[str, list[str]] = {}
    for name in names:
        slug = name.replace("/", "-")
        if not scoped_keeps_at:
            slug = slug.lstrip("@")
        table.setdefault(slug, []).append(name)
    return table


_YARN_CLASSIC_SLUG_RUN = re.compile(r"[^@a-z0-9]+")


def yarn_classic_slug(name: str) -> str:
    """The name as yarn classic writes it in a cache folder (``generateUniquePackageSlug``,
    yarn 1.22.22): every run of characters other than ``@``, lowercase letters and digits
    becomes one ``-``, then ``-`` is stripped from both ends: ``@types/babel__core`` ->
    ``@types-babel-core``, ``engine.io`` -> ``engine-io``, ``JSONStream`` -> ``tream``."""
    return _YARN_CLASSIC_SLUG_RUN.sub("-", name).strip("-")


def _yarn_classic_table(names: Iterable[str]) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for name in names:
        table.setdefault(yarn_classic_slug(name), []).append(name)
    return table


def _split_slug_version(stem: str, table: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Every (rule name, version) that ``<slug>-<version>`` can be read as."""
    out: list[tuple[str, str]] = []
    i = stem.find("-")
    while i != -1:
        names = table.get(stem[:i])
        if names is not None:
            version = stem[i + 1 :]
            if try_parse_version(version) is not None:
                out.extend((n, version) for n in names)
        i = stem.find("-", i + 1)
    return out


# --- npm _cacache -------------------------------------------------------------------------


def tarball_url_release(url: str) -> tuple[str, str] | None:
    """``https://registry/<name>/-/<base>-<version>.tgz`` -> (name, version); GitLab's
    ``.../@scope/<base>/-/@scope/<base>-<version>.tgz`` too: the URL read as every reader of a
    lockfile's URL reads it (``lockfiles._tarball_url.registry_identity``: percent-decoded, dot
    segments resolved, http(s) only), when its file names a version."""
    found = registry_identity(url)
    return found if found is not None and found[1] else None


def cache_key_releases(key: str, file_slugs: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The (name, version) a ``_cacache`` index key names, if it is a tarball key.

    Packument keys (``.../registry.npmjs.org/<name>``) list every published version: not a
    release, never a finding. A ``pacote:tarball:file:<path>`` key (``npm cache add`` of a local
    tarball) is read from the file name ``npm pack`` gives: ``<scope>-<name>-<version>.tgz``.
    """
    if key.startswith("make-fetch-happen:request-cache:"):
        url = key[len("make-fetch-happen:request-cache:") :]
        release = tarball_url_release(url) if url.endswith(".tgz") else None
        return [release] if release else []
    if key.startswith("pacote:tarball:"):
        spec = key[len("pacote:tarball:") :]
        if spec.startswith("file:"):
            base = spec.replace("\\", "/").rpartition("/")[2]
            if base.startswith("file:"):
                base = base[5:]
            if not base.endswith(".tgz"):
                return []
            return _split_slug_version(base[:-4], file_slugs)
        if "://" in spec:
            release = tarball_url_release(spec)
            return [release] if release else []
        at = spec.rfind("@")
        if at > 0:
            return [(spec[:at], spec[at + 1 :])]
    return []


class _IndexLine(msgspec.Struct, gc=False):
    """An index line's JSON as ``JSON.parse`` leaves it (a repeated key: its last value), the
    two keys cacache reads, each left unread; the others skipped."""

    key: msgspec.Raw = msgspec.Raw(b"null")
    integrity: msgspec.Raw = msgspec.Raw(b"null")


_INDEX_LINE = msgspec.json.Decoder(_IndexLine)
_FALSE_JSON = frozenset({b"null", b"false", b'""'})


class _Entry(msgspec.Struct, frozen=True, gc=False):
    """One entry of an index bucket that cacache reads (``_bucket_entries``)."""

    line: bytes  # as cacache hashed it (a byte not UTF-8 as U+FFFD)
    key: str
    # False: a deletion (cacache's ``formatEntry``: an entry whose integrity is false - null,
    # absent, "", 0, false - hides the earlier entries of its key)
    live: bool
    integrity: str | None  # a string integrity (None: none, or not a string)


def _bucket_entries(data: bytes, bucket: str, collector: Collector) -> list[_Entry]:
    """The entries of an index bucket as cacache 20.0.4 (npm 11.19.1) reads them
    (``entry-index.js``, ``_bucketEntries``): the file as UTF-8 text (a byte that is not UTF-8
    as U+FFFD), split at each ``\\n``; a line counts when the text between its first and second
    tab is a JSON value (``JSON.parse``: strict) whose SHA-1 (of its UTF-8) is exactly the text
    before its first tab. Any other line (a forged or damaged one) is ignored, as npm ignores it:
    it names no release and accounts for no blob (a blob only such lines name is read by its
    package.json, ``_unaccounted_contents``). An entry whose key is not a string never matches
    a key (``next.key === key``), and is left out. A line that counts but is nested deeper than
    msgspec reads (V8 reads any depth) is an error: its entry is not known."""
    out: list[_Entry] = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw:
            continue
        collector.cache_entries += 1  # (every line read, as before: a count of lines)
        line = raw if raw.isascii() else raw.decode("utf-8", "replace").encode("utf-8")
        digest, _, rest = line.partition(b"\t")
        body = rest.partition(b"\t")[0]
        if not body or hashlib.sha1(body).hexdigest().encode() != digest:  # noqa: S324
            continue
        try:
            entry = _INDEX_LINE.decode(body)
            key = msgspec.json.decode(entry.key, type=str)
        except RecursionError:
            collector.dir_error(
                bucket,
                f"line {number}: an index entry nested deeper than this reader reads (npm"
                " reads it): which release it names, and whether it is live, is unknown",
            )
            continue
        except msgspec.DecodeError:  # not JSON, not an object, a key not a string
            continue
        live, integrity = _integrity_value(entry.integrity)
        out.append(_Entry(line, key, live, integrity))
    return out


def _integrity_value(raw: msgspec.Raw) -> tuple[bool, str | None]:
    """An entry's ``integrity`` as cacache tests it (``!entry.integrity``: null, false, "", 0
    are none) and, when a string, its text."""
    text = bytes(raw)
    if text in _FALSE_JSON:
        return False, None
    if text.startswith(b'"'):
        value = msgspec.json.decode(text, type=str)
        return bool(value), value or None
    if text[:1] in b"-0123456789":
        return msgspec.json.decode(text, type=float) != 0, None
    return True, None  # true, an object, an array


def _live_entries(entries: list[_Entry]) -> dict[str, _Entry]:
    """Each key's last entry (cacache's ``find``) when it is no deletion: one pass over the
    bucket, whatever number of keys is then looked up."""
    last = {entry.key: entry for entry in entries}
    return {key: entry for key, entry in last.items() if entry.live}


def scan_npm_cache(cache: str, collector: Collector) -> None:  # noqa: C901 - listed in pyproject, to shrink
    """``<cache>/_cacache/index-v5`` buckets and the npx trees in ``<cache>/_npx``."""
    index_dir = os.path.join(cache, "_cacache", "index-v5")
    names = collector.names
    file_slugs = _slug_table(names, scoped_keeps_at=False)
    bad_sris = collector.index.integrity  # rules' known-bad tarball hashes (``integrity``)
    check_sris = bool(bad_sris)
    where = f"the npm cache {cache}"
    found_sris: set[str] = set()  # rules' hashes a live index entry was reported by
    indexed: set[tuple[str, str]] = set()  # rule-named releases a tarball key was found for
    documents: list[tuple[str, str, str]] = []  # rule names' registry documents: name, key, sri
    lines_read = collector.cache_entries
    # content-v2 blobs an index line accounts for (hex digests): its key names the
    # release the blob holds (a tarball's key), or it is a registry document's key (any URL
    # not a tarball's reads as one: a git host's archive too) and the line says the response
    # was JSON. The other blobs are looked at (``_unaccounted_contents``).
    accounted: set[str] = set()
    if os.path.isdir(index_dir):
        for wd in walk(index_dir, prune=_NO_PRUNE, on_error=collector.dir_error):
            for fname in wd.files:
                bucket = os.path.join(wd.path, fname)
                data = collector.read(bucket, MAX_BUCKET_BYTES)
                if data is None:
                    continue
                entries = _bucket_entries(data, bucket, collector)
                candidates: dict[str, list[tuple[str, str]]] = {}
                listed: set[str] = set()  # keys with a line holding a hash a rule lists
                doc_keys: dict[str, str] = {}  # registry documents of rule names: key -> name
                named: dict[str, int] = {}  # key -> _TARBALL_KEY, _DOCUMENT_KEY, _OTHER_KEY
                for item in entries:
                    key = item.key
                    if (
                        check_sris
                        and key not in listed
                        and item.integrity is not None
                        and any(h in bad_sris for h in integrity_hashes(item.integrity))
                    ):
                        listed.add(key)
                    kind = named.get(key)
                    if kind is None:
                        all_releases = cache_key_releases(key, file_slugs)
                        releases = [r for r in all_releases if r[0] in names]
                        doc_name = None if all_releases else packument_name(key)
                        kind = named[key] = (
                            _TARBALL_KEY
                            if all_releases
                            else _DOCUMENT_KEY
                            if doc_name is not None
                            else _OTHER_KEY
                        )
                        if releases:
                            candidates[key] = releases
                        elif doc_name is not None and doc_name in names:
                            doc_keys[key] = doc_name
                    if kind == _TARBALL_KEY or (kind == _DOCUMENT_KEY and _json_line(item.line)):
                        _account(item, accounted)
                live_entries = _live_entries(entries)
                for key, doc_name in doc_keys.items():
                    live = live_entries.get(key)
                    if live is not None and live.integrity is not None:
                        documents.append((doc_name, key, live.integrity))
                for key in listed:
                    found_sris.update(
                        _cached_bad_integrity(
                            key, live_entries, bucket, collector, f"{where} (index key {key})"
                        )
                    )
                for key, releases in candidates.items():
                    live = live_entries.get(key)
                    if live is not None:
                        _cached_tarball(
                            cache,
                            bucket=bucket,
                            entry=live,
                            releases=releases,
                            collector=collector,
                            where=f"{where} (index key {key})",
                        )
                        indexed.update(releases)
                    elif _unindexed_tarball(
                        cache,
                        entries,
                        key=key,
                        releases=releases,
                        collector=collector,
                        where=where,
                    ):
                        indexed.update(releases)
    reported: set[str] = set()  # blobs reported already: not read again
    for doc_name, key, sri in documents:
        _documented_tarballs(
            cache,
            doc_name,
            key=key,
            sri=sri,
            indexed=indexed,
            reported=reported,
            collector=collector,
            where=where,
        )
    if check_sris:
        reported |= _rule_integrity_contents(cache, found_sris, collector, where)
        # (a live line holding a rule's integrity reported its blob: not read again by name)
        reported.update(p for sri in found_sris if (p := content_path(cache, sri)) is not None)
    has_index = collector.cache_entries > lines_read
    _unaccounted_contents(
        cache,
        accounted=accounted,
        reported=reported,
        has_index=has_index,
        collector=collector,
        where=where,
    )
    npx = os.path.join(cache, "_npx")
    for entry in _listdir(npx, collector):
        if _is_dir(entry):
            tree = os.path.join(entry.path, "node_modules")
            if os.path.isdir(tree):
                scan_tree(tree, collector, kind=FindingType.CACHED, where="the npx cache")


def _cached_bad_integrity(
    key: str, live_entries: dict[str, _Entry], bucket: str, collector: Collector, where: str
) -> list[str]:
    """A live index entry whose tarball's integrity is one a rule lists as malicious: a finding
    whatever the key names (a renamed ``file:`` tarball, any registry). Returns those hashes."""
    live = live_entries.get(key)
    if live is None or live.integrity is None:
        return []
    releases = cache_key_releases(key, {})
    sris = integrity_hashes(live.integrity)
    for sri in sris:
        _integrity_finding(bucket, sri, releases[0] if releases else None, collector, where)
    return [sri for sri in sris if sri in collector.index.integrity]


# A tarball in content-v2 is installed by ``npm ci --offline`` whatever the index says: pacote
# reads the content by the lockfile's integrity (``cacache.get.stream.byDigest``) before it asks
# the index (npm 11.19.1 checked: an index bucket deleted, a line whose sha1 does not verify, a
# line cut short, all with the tarball left, install it; a tarball whose bytes do not hash to its
# name is refused and removed). Such a blob is hashed before it is reported; one larger than
# this is an error, not read.
MAX_CONTENT_BYTES = 1024 * 1024 * 1024


def _content_holds(path: str, sri: str, collector: Collector) -> bool:
    """Is ``path`` (``content_path`` of ``sri``) a regular file whose bytes hash to ``sri``, so
    that cacache would hand it out? An absent file is not; one not read is an error."""
    algorithm, _, b64 = sri.partition("-")
    try:
        expected = base64.b64decode(b64, validate=True).hex()
        os.lstat(path)
    except (ValueError, OSError):  # (absent: cacache has nothing to hand out)
        return False
    digests = hash_file(path, [algorithm], MAX_CONTENT_BYTES)
    if isinstance(digests, str):
        collector.dir_error(path, f"{digests}: whether npm would install it is unknown")
        return False
    return digests[algorithm] == expected


def _recorded_sris(entries: list[_Entry], key: str) -> list[str]:
    """Every hash an entry of a bucket records for ``key``, a deleted entry's earlier ones
    too."""
    out: list[str] = []
    for entry in entries:
        if entry.key == key and entry.integrity is not None:
            out.extend(sri for sri in integrity_hashes(entry.integrity) if sri not in out)
    return out


def _unindexed_tarball(
    cache: str,
    entries: list[_Entry],
    *,
    key: str,
    releases: list[tuple[str, str]],
    collector: Collector,
    where: str,
) -> bool:
    """A rule-named key with no live index entry whose tarball is still in content-v2: npm
    installs it offline from there (by the lockfile's integrity), so it is cached. Returns
    whether one was."""
    for sri in _recorded_sris(entries, key):
        content = content_path(cache, sri)
        if content is None or not _content_holds(content, sri, collector):
            continue
        said = (
            f"{where} (index key {key}: no live index entry names it - deleted, or its line"
            " does not verify - but the tarball it recorded is still in content-v2, which npm"
            " reads by the lockfile's integrity and installs with no network)"
        )
        _npm_cached(collector, releases, path=content, tarball=content, where=said)
        return True
    return False


_TARBALL_KEY, _DOCUMENT_KEY, _OTHER_KEY = 1, 2, 0
_CONTENT_TYPE = b'"content-type":"'


def _json_line(line: bytes) -> bool:
    """Does an index line record a JSON response (``resHeaders``' ``content-type``:
    ``application/json``, or ``application/vnd.npm.install-v1+json`` for an abbreviated
    document)? Read as bytes (make-fetch-happen stores header names in lower case)."""
    at = line.find(_CONTENT_TYPE)
    if at == -1:
        return False
    at += len(_CONTENT_TYPE)
    return b"json" in line[at : line.find(b'"', at)]


def _account(entry: _Entry, accounted: set[str]) -> None:
    """The blobs an index entry records: the hex digest of each hash of its ``integrity`` (the
    content-v2 path's name without its folders; its length tells the algorithm)."""
    for sri in integrity_hashes(entry.integrity or ""):
        try:
            accounted.add(binascii.a2b_base64(sri.partition("-")[2]).hex())
        except (binascii.Error, ValueError):  # (not base64; not ASCII)
            continue


# npm installs a tarball from content-v2 by the lockfile's integrity whatever the index says:
# with no index at all (``index-v5`` deleted whole or emptied; 0090), and with an index whose
# lines do not name it (its bucket and its registry document's deleted, or never written: a
# crash; 0097). npm 11.19.1 checked (tests/host/fixtures/npm-cache-offline/ and
# npm-cache-partial/generate.sh). So content-v2 is listed (only the paths cacache reads:
# ``<algorithm>/<xx>/<yy>/<rest>``) and each blob no index line accounts for (``_account``) is
# read, in memory, to its package.json as node-tar reads it (``fs.digest.root_manifest``,
# ``node_tar``: gzip, zstd or a plain tar; members that npm's extraction may leave at the
# package's root must agree, or the blob is an error), within ``_LIMITS``, this long for the
# whole cache.
MAX_UNINDEXED_SECONDS = 300.0


def _unaccounted_contents(
    cache: str,
    *,
    accounted: set[str],
    reported: set[str],
    has_index: bool,
    collector: Collector,
    where: str,
) -> None:
    """Each content-v2 blob no index line accounts for: a tarball (gzip, zstd or plain tar, as
    node-tar tells them) named by its package.json and matched with the rules, a tarball not
    read an error naming it; anything else (a registry document: JSON) passed over. A note says
    so when the index names no entry (0090) or such a tarball was read. ``reported``: blobs
    found already (a rule's integrity, a registry document)."""
    content = os.path.join(cache, "_cacache", "content-v2")
    deadline = time.monotonic() + MAX_UNINDEXED_SECONDS
    blobs = tarballs = 0
    for folder, algorithm, hexdigest in _content_blobs(content, collector):
        if time.monotonic() > deadline:
            collector.dir_error(
                content,
                f"{where}: the blobs of content-v2 no index line names were not all read within"
                f" {MAX_UNINDEXED_SECONDS:.0f} s ({tarballs} tarballs read): npm installs from"
                " there by the lockfile's integrity, so what it holds is unknown",
            )
            return
        if hexdigest in accounted:
            continue
        blob = f"{folder}{os.sep}{hexdigest[4:]}"
        if blob in reported:
            continue
        blobs += 1
        head = collector.read(blob, MAX_CONTENT_BYTES, head=512)
        if head is None or not _node_tarball(head):
            continue  # (a registry document, or anything else npm cached: not a tarball)
        tarballs += 1
        collector.cache_entries += 1
        _unaccounted_tarball_release(
            blob,
            _sha1_sri(hexdigest, algorithm),
            has_index=has_index,
            collector=collector,
            where=where,
        )
    if blobs and not has_index:
        collector.skipped(
            content,
            f"{where} has no index (index-v5 absent or empty) but content-v2 holds {blobs}"
            f" files, which npm installs from by a lockfile's integrity: the {tarballs}"
            " tarballs among them were read by their package.json",
        )
    elif tarballs:
        collector.skipped(
            content,
            f"{where}: content-v2 holds {blobs} blobs that no tarball's index line names"
            " (registry documents; a tarball there means a crash, or index buckets deleted),"
            " which npm installs from by a lockfile's integrity: the"
            f" {tarballs} tarballs among them were read by their package.json",
        )


def _content_blobs(content: str, collector: Collector) -> Iterator[tuple[str, str, str]]:
    """(folder, algorithm, hex digest) of each entry where cacache looks for content:
    ``content-v2/<algorithm>/<hex[0:2]>/<hex[2:4]>/<hex[4:]>``, the whole name lower-case hex
    of the algorithm's length (cacache's ``hashToSegments``; nothing else is ever read). Names
    only (``os.listdir``): on 55,000 blobs it takes about two thirds of the time ``os.scandir``
    does. A folder below ``content-v2`` that is a symbolic link is not followed: an error names
    it (npm would follow it; cacache never makes one)."""
    for algorithm in _CONTENT_ALGORITHMS:
        top = os.path.join(content, algorithm)
        length = _HEX_LENGTHS[algorithm]
        for first in _names(top, collector):
            if len(first) != 2:
                continue
            first_path = f"{top}{os.sep}{first}"
            for second in _names(first_path, collector):
                if len(second) != 2:
                    continue
                folder = f"{first_path}{os.sep}{second}"
                prefix = first + second
                for name in _names(folder, collector):
                    hexdigest = prefix + name
                    if len(hexdigest) == length and _HEX.match(hexdigest):
                        yield folder, algorithm, hexdigest


_HEX_LENGTHS = {"sha512": 128, "sha384": 96, "sha256": 64, "sha1": 40}
_LISTED = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)


def _names(path: str, collector: Collector) -> list[str]:
    """A folder's names, unsorted; nothing for a file or a folder that is not there; an error
    for a symbolic link (not followed)."""
    try:
        fd = os.open(path, _LISTED)
    except FileNotFoundError:
        return []
    except OSError as exc:
        # (Linux says ENOTDIR for a link opened with O_DIRECTORY | O_NOFOLLOW, others ELOOP)
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(path):
            collector.dir_error(
                path,
                "a symbolic link in the npm cache's content-v2, not followed: npm reads through"
                " it, so what it holds is unknown",
            )
        elif exc.errno != errno.ENOTDIR:
            collector.dir_error(path, f"cannot read directory: {exc.strerror or exc}")
        return []
    try:
        return os.listdir(fd)
    except OSError as exc:
        collector.dir_error(path, f"cannot read directory: {exc.strerror or exc}")
        return []
    finally:
        os.close(fd)


def _node_tarball(head: bytes) -> bool:
    """Would node-tar (npm 11's extractor) read a blob starting with ``head`` (its first 512
    bytes) as an archive? gzip and zstd by their magic bytes, a plain tar by its first header."""
    return head.startswith((GZIP_MAGIC, ZSTD_MAGIC)) or (len(head) == 512 and is_tar_header(head))


def _unaccounted_tarball_release(
    blob: str, sri: str, *, has_index: bool, collector: Collector, where: str
) -> None:
    """One content-v2 tarball no index line names, named by its root package.json; matched
    when it hashes to ``sri``, its path's name (npm refuses it otherwise)."""
    state = "whose index does not name it" if has_index else "with no index"
    try:
        manifest = root_manifest(blob, MAX_MANIFEST_BYTES, _LIMITS, node_tar=True)
    except InputError as exc:
        collector.dir_error(
            blob,
            f"{exc.detail}: a tarball of an npm cache {state}, which npm installs by a"
            " lockfile's integrity: which release it is, is unknown",
        )
        return
    release = manifest_release(manifest) if manifest is not None else None
    if release is None:
        collector.skipped(
            blob,
            f"a tarball of an npm cache {state}, whose package.json names no release"
            " (none at its root, or no name and version): not matched",
        )
        return
    if release[0] not in collector.names:
        return
    if not sri or not _content_holds(blob, sri, collector):
        return
    said = (
        f"{where} (content-v2, {'no index line names this blob' if has_index else 'with no index'}:"
        " its package.json names this release, and npm installs it from there with no network"
        " when a lockfile names its integrity)"
    )
    _npm_cached(collector, [release], path=blob, tarball=blob, where=said)


_REQUEST_CACHE = "make-fetch-happen:request-cache:"


def packument_name(key: str) -> str | None:
    """The package a registry document's ``_cacache`` key names (``<registry>/<name>``,
    ``<registry>/@scope%2fname`` or ``<registry>/@scope/name``), None for any other key."""
    if not key.startswith(_REQUEST_CACHE):
        return None
    url = key[len(_REQUEST_CACHE) :].partition("?")[0].partition("#")[0]
    if "/-/" in url or url.endswith(".tgz") or "://" not in url:
        return None
    path = url.partition("://")[2].partition("/")[2]
    if "%" in path:
        path = unquote(path)
    parent, _, base = path.rpartition("/")
    scope = parent.rpartition("/")[2]
    name = f"{scope}/{base}" if scope.startswith("@") else base
    return name if base and _PNPM_NAME.match(name) else None


class _Dist(msgspec.Struct):
    integrity: str | None = None
    shasum: str | None = None


class _DocVersion(msgspec.Struct):
    dist: _Dist | None = None


class _Document(msgspec.Struct):
    versions: dict[str, _DocVersion] = {}


_DOCUMENT = msgspec.json.Decoder(_Document)
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def _documented_tarballs(
    cache: str,
    name: str,
    *,
    key: str,
    sri: str,
    indexed: set[tuple[str, str]],
    reported: set[str],
    collector: Collector,
    where: str,
) -> None:
    """A rule-named package whose registry document npm cached: the integrity it gives each
    affected version is looked up at its content-v2 path. A tarball there that no index line
    names (its bucket deleted) is one ``npm ci --offline`` installs (npm 11.19.1 checked); its
    path is added to ``reported``."""
    document = content_path(cache, sri)
    if document is None:
        return
    raw = collector.read(document, MAX_DOCUMENT_BYTES)
    if raw is None:
        return
    try:
        doc = _DOCUMENT.decode(raw)
    except msgspec.DecodeError:
        collector.skipped(
            document,
            f"the cached registry document of {name} was not read as one: the tarballs it"
            " names were not looked up",
        )
        return
    for version, meta in doc.versions.items():
        if (name, version) in indexed or meta.dist is None:
            continue
        if not package_hits(collector.index, name, version, LockfileEcosystem.NPM):
            continue
        if meta.dist.integrity:
            sris = integrity_hashes(meta.dist.integrity)
        elif (shasum := meta.dist.shasum or "") and len(shasum) == 40 and _HEX.match(shasum):
            sris = [_sha1_sri(shasum)]
        else:
            continue
        for tarball_sri in sris:
            content = content_path(cache, tarball_sri)
            if content is None or not _content_holds(content, tarball_sri, collector):
                continue
            said = (
                f"{where} (no index line names this tarball; the registry document it cached"
                f" for {name}, index key {key}, gives its integrity, and npm installs it from"
                " content-v2 with no network)"
            )
            _npm_cached(collector, [(name, version)], path=content, tarball=content, where=said)
            reported.add(content)
            break


def _rule_integrity_contents(
    cache: str, found: set[str], collector: Collector, where: str
) -> set[str]:
    """Each integrity a rule lists, looked up at its content-v2 path (one stat each): a tarball
    there is installed by npm offline whatever the index says (deleted, never written).
    Returns the paths reported."""
    reported: set[str] = set()
    for sri in collector.index.integrity:
        if sri in found:
            continue
        content = content_path(cache, sri)
        if content is not None and _content_holds(content, sri, collector):
            reported.add(content)
            _integrity_finding(
                content,
                sri,
                None,
                collector,
                f"{where} (content-v2, whatever the index says: npm installs it from there with"
                " no network when a lockfile names this integrity)",
            )
    return reported


_CONTENT_ALGORITHMS = ("sha512", "sha384", "sha256", "sha1")


def content_path(cache: str, integrity: str) -> str | None:
    """Where ``_cacache`` keeps the content of an integrity string: ``content-v2/<algorithm>/
    <hex[0:2]>/<hex[2:4]>/<hex[4:]>`` (the first hash of a multi-hash string)."""
    algorithm, dash, b64 = next(iter(integrity_hashes(integrity)), "").partition("-")
    if not dash or algorithm not in _CONTENT_ALGORITHMS:
        return None
    try:
        digest = base64.b64decode(b64, validate=True).hex()
    except ValueError:
        return None
    if len(digest) < 8:
        return None
    return os.path.join(
        cache, "_cacache", "content-v2", algorithm, digest[:2], digest[2:4], digest[4:]
    )


def _cached_tarball(
    cache: str,
    *,
    bucket: str,
    entry: _Entry,
    releases: list[tuple[str, str]],
    collector: Collector,
    where: str,
) -> None:
    """A live index entry for rule-named releases: a finding when the version matches (saying
    so when its tarball is gone from content-v2: it was fetched, and npm would fetch it again
    rather than install it offline), and its tarball's files compared with the rules' payload
    hashes."""
    integrity = entry.integrity
    content = content_path(cache, integrity) if integrity is not None else None
    if content is not None and not os.path.isfile(content):
        content = None
        where += (
            ": its tarball is no longer in content-v2 (npm would download it again, not install"
            " it offline): it was fetched"
        )
    _npm_cached(collector, releases, path=bucket, tarball=content, where=where)


def _npm_cached(
    collector: Collector,
    releases: list[tuple[str, str]],
    *,
    path: str,
    tarball: str | None,
    where: str,
) -> None:
    """Rule-named releases npm's cache holds, reported at ``path`` (a finding when the version
    matches), and the tarball's files (``tarball``: its content-v2 blob) compared with the
    rules' payload hashes, once, as the first release's."""
    for name, version in releases:
        collector.report(
            name,
            version,
            path,
            kind=FindingType.CACHED,
            where=where,
            ecosystem=LockfileEcosystem.NPM,
        )
    if collector.payloads is not None and tarball is not None:
        collector.payloads.tarball(tarball, *releases[0], where)


# --- pnpm store ---------------------------------------------------------------------------


def scan_pnpm_store(store: str, collector: Collector) -> None:
    """One index file per package release, in each ``<store>/vN``:

    - ``files/xx/<hash>-index.json`` (pnpm 7-9, a registry package with an integrity);
    - ``index/xx/<hash>-<package id>.json`` (pnpm 10+; the id of a registry package is
      ``<name, / as +>@<version>``; a ``file:`` tarball's is its path, ``/`` as ``+``);
    - ``<package id>/integrity.json`` or ``integrity-not-built.json`` (pnpm 7+: a package with no
      integrity - a registry entry without ``dist.integrity``, a tarball URL, a git repository);
    - ``index.db`` (pnpm 11+: one SQLite row per package, read with its write-ahead log).

    A file whose id names a package is opened only for a rule name; one whose id names none (a
    URL, a path, a name pnpm shortened with a hash) has its first KiB read, like a v3 file."""
    where = f"the pnpm store {store}"
    bad = _pnpm_bad_hexes(collector.index.integrity)
    for vdir in _listdir(store, collector):
        if not (vdir.name[:1] == "v" and vdir.name[1:].isdigit() and _is_dir(vdir)):
            continue
        files_dir = os.path.join(vdir.path, "files")
        if os.path.isdir(files_dir):
            for wd in walk(files_dir, prune=_NO_PRUNE, on_error=collector.dir_error):
                for fname in wd.files:
                    if fname.endswith("-index.json"):
                        collector.cache_entries += 1
                        path = os.path.join(wd.path, fname)
                        sri = bad.get(os.path.basename(wd.path) + fname[:-11]) if bad else None
                        if sri is not None:
                            _pnpm_bad_integrity(path, sri, None, collector, where)
                        _pnpm_index(path, None, collector, where)
        index_dir = os.path.join(vdir.path, "index")
        if os.path.isdir(index_dir):
            for wd in walk(index_dir, prune=_NO_PRUNE, on_error=collector.dir_error):
                for fname in wd.files:
                    if fname.endswith(".json"):
                        collector.cache_entries += 1
                        digest, dash, package_id = fname[:-5].partition("-")
                        sri = bad.get(os.path.basename(wd.path) + digest) if bad else None
                        if sri is not None:
                            path = os.path.join(wd.path, fname)
                            release = _pnpm_id_release(package_id)
                            _pnpm_bad_integrity(path, sri, release, collector, where)
                        if dash:
                            _pnpm_by_id(os.path.join(wd.path, fname), package_id, collector, where)
        _pnpm_id_dirs(vdir.path, collector, where)
        _pnpm_sqlite_index(vdir.path, collector, where)
        _pnpm_links(os.path.join(vdir.path, "links"), collector)


def _pnpm_bad_hexes(bad_sris: Mapping[str, tuple[Rule, ...]]) -> dict[str, str]:
    """The hex digests pnpm names an index file by (``ssri``'s ``hexDigest`` of the package's
    integrity: whole in ``v3/files/xx/<rest>-index.json``, its first 64 digits in pnpm 10's
    ``v10/index/xx/<rest>-<id>.json``) -> the rule's integrity string."""
    out: dict[str, str] = {}
    for sri in bad_sris:
        algorithm, dash, b64 = sri.partition("-")
        if not dash or algorithm not in ("sha1", "sha256", "sha384", "sha512"):
            continue
        try:
            digest = base64.b64decode(b64, validate=True).hex()
        except ValueError:
            continue
        out[digest] = sri
        out.setdefault(digest[:64], sri)
    return out


def _pnpm_bad_integrity(
    path: str,
    sri: str,
    release: tuple[str, str] | None,
    collector: Collector,
    where: str,
) -> None:
    """A pnpm store index file named by an integrity a rule lists as malicious: the store holds
    that tarball's files, whatever its name and version."""
    if release is None:
        head = collector.read(path, MAX_INDEX_BYTES, head=1024)
        m = _PNPM_HEAD.match(head) if head is not None else None
        if m is not None and b"\\" not in m.group(0):
            release = (m.group(1).decode("utf-8", "replace"), m.group(2).decode("utf-8", "replace"))
    _integrity_finding(path, sri, release, collector, where)


def _integrity_finding(
    path: str, sri: str, release: tuple[str, str] | None, collector: Collector, where: str
) -> None:
    """A cached tarball (at ``path``) whose integrity ``sri`` a rule lists as malicious: one
    finding a rule, named by ``release`` when the cache says which (npm, pnpm, yarn caches)."""
    what = f"{release[0]}@{release[1]}" if release else "a tarball"
    for rule in collector.index.integrity.get(sri) or ():
        text = (
            f"{what} is cached in {where} at {path}: its integrity hash is one {rule.id}"
            " lists as malicious (matched by content, whatever its name and version); it"
            " was downloaded to this machine, check where it was installed"
        )
        kind, match = FindingType.CACHED, MatchKind.INTEGRITY
        if release is None:
            finding = rule_finding(rule, kind, match, text, matched_expression=sri, path=path)
        else:
            finding = rule_finding(
                rule,
                kind,
                match,
                text,
                package=release[0],
                version=release[1],
                matched_expression=sri,
                path=path,
            )
        collector.findings.append(finding)


def _pnpm_links(links: str, collector: Collector) -> None:
    """pnpm's global virtual store (``enableGlobalVirtualStore``, pnpm 11+): the packages a
    project's ``node_modules`` links to, installed once per store as
    ``links/<@ or @scope>/<name>/<version>/<hash>/node_modules`` (a tree like ``.pnpm/<id>``; the
    project holds only symlinks into it). Real folders only, each tree as installed packages."""
    where = f"the pnpm global virtual store {links}"
    for scope in _listdir(links, collector):
        if not _is_dir(scope):
            continue
        for name in _listdir(scope.path, collector):
            if not _is_dir(name):
                continue
            for version in _listdir(name.path, collector):
                if not _is_dir(version):
                    continue
                for build in _listdir(version.path, collector):
                    if _is_dir(build):
                        tree = os.path.join(build.path, "node_modules")
                        scan_tree(tree, collector, kind=FindingType.INSTALLED, where=where)


# pnpm 11+ keeps a store's package index in one SQLite database (``v11/index.db``; pnpm 12.24.0
# checked): table ``package_index(key TEXT PRIMARY KEY, data BLOB) WITHOUT ROWID``, one row per
# package, keyed ``<integrity>\t<name>@<version>`` (``<integrity>\tfile:<path>`` for a local
# tarball), the value msgpackr-with-records ``{algo, requiresBuild, manifest: {name, version,
# ...}, files, tarIntegrity}``; ``package_index_alias(key, target)`` maps another integrity of
# the same release to a row and adds no package. It is written through a write-ahead log
# (``index.db-wal``) that holds the newest rows until a checkpoint. SQLite's reader would write the
# ``-shm`` file (or, with ``immutable=1``, ignore the log), so both files are read as bytes, the
# log's committed frames applied in memory (``host.sqlite_image``) and the image queried from
# memory: nothing is written. Each file is read up to ``MAX_PNPM_SQLITE_BYTES``; anything not read
# exactly (a file too large, a bad header, an unknown schema, a malformed page, a value that does
# not decode) is an error naming the file and the row, never a clean store.
PNPM_SQLITE_INDEX = "index.db"
MAX_PNPM_SQLITE_BYTES = 256 * 1024 * 1024


def _pnpm_sqlite_bytes(path: str, collector: Collector, required: bool) -> bytes | None:
    """A regular file's bytes; ``b""`` for an absent optional one; None (an error) otherwise."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if required:
            return None
        return b""
    except OSError as exc:
        collector.dir_error(path, f"cannot stat: {exc.strerror or exc}")
        return None
    if not stat.S_ISREG(st.st_mode):
        collector.dir_error(path, "not a regular file; the pnpm store index is not read")
        return None
    try:
        return read_regular_file(path, MAX_PNPM_SQLITE_BYTES)
    except InputError as exc:
        collector.dir_error(path, exc.detail)
        return None


def _pnpm_sqlite_index(version_dir: str, collector: Collector, where: str) -> None:
    path = os.path.join(version_dir, PNPM_SQLITE_INDEX)
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            return
    except FileNotFoundError:
        return
    except OSError:
        pass  # reported by the read below
    db = _pnpm_sqlite_bytes(path, collector, required=True)
    wal = _pnpm_sqlite_bytes(path + "-wal", collector, required=False)
    journal = _pnpm_sqlite_bytes(path + "-journal", collector, required=False)
    if db is None or wal is None or journal is None:
        return
    if journal:
        collector.dir_error(path + "-journal", "a rollback journal is not applied; not read")
        return
    try:
        image = apply_log(db, wal)
    except ImageError as exc:
        collector.dir_error(path if exc.file == "db" else path + "-wal", exc.message)
        return
    try:
        _pnpm_sqlite_rows(image, path, collector, where)
    except sqlite3.Error as exc:
        reason = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
        collector.dir_error(path, f"not read as a SQLite database ({reason})")


def _pnpm_sqlite_rows(image: bytes, path: str, collector: Collector, where: str) -> None:
    conn = open_image(image)
    try:
        kind = conn.execute("SELECT type FROM sqlite_master WHERE name = 'package_index'")
        columns = [row[1] for row in conn.execute("PRAGMA table_info(package_index)")]
        if kind.fetchall() != [("table",)] or columns != ["key", "data"]:
            collector.dir_error(path, "unknown schema (no table package_index(key, data))")
            return
        rows = conn.execute("SELECT key, data FROM package_index")
        for number, (key, data) in enumerate(rows, start=1):
            collector.cache_entries += 1
            _pnpm_sqlite_row(key, data, f"{path}: package_index row {number}", collector, where)
    finally:
        conn.close()


def _pnpm_sqlite_row(key: object, data: object, at: str, collector: Collector, where: str) -> None:
    """One row: a key ``<integrity>\t<name>@<version>`` gives a candidate, decoded only for a
    rule name and confirmed by the manifest in the value; any other key has its value decoded."""
    if not isinstance(key, str) or not isinstance(data, bytes):
        collector.dir_error(at, "key is not text or value is not a blob; not read")
        return
    sri, _, package_id = key.partition("\t")
    expected = _pnpm_key_release(package_id)
    if sri in collector.index.integrity:
        _integrity_finding(at.partition(": ")[0], sri, expected, collector, f"{where} ({at})")
    if expected is not None and expected[0] not in collector.names:
        return
    try:
        value = msgpackr.unpack(data)
    except ValueError as exc:
        collector.dir_error(at, f"value not read: {exc}")
        return
    manifest = value.get("manifest") if isinstance(value, dict) else None
    release = expected
    if isinstance(manifest, dict):
        name, version = manifest.get("name"), manifest.get("version")
        if isinstance(name, str) and isinstance(version, str):
            release = (name, version)
    if release is None:
        collector.dir_error(at, "names no package (neither its key nor its manifest)")
        return
    path = at.partition(": ")[0]
    key_field = at.partition(": ")[2] + " key"
    releases = _recorded_and_manifest(path, release, expected, key_field, collector)
    if releases and collector.payloads is not None:  # (files at <store>/v11/files/...)
        collector.payloads.pnpm_record(os.path.dirname(path), value, *releases[0], where)
    for name, version in releases:
        collector.report(
            name,
            version,
            path,
            kind=FindingType.CACHED,
            where=where,
            ecosystem=LockfileEcosystem.PNPM,
        )


def _pnpm_key_release(package_id: str) -> tuple[str, str] | None:
    """``<name>@<version>`` (the package part of a pnpm 11+ index key) as (name, version)."""
    at = package_id.rfind("@")
    if at <= 0:
        return None
    name, version = package_id[:at], package_id[at + 1 :]
    if not _PNPM_NAME.match(name) or try_parse_version(version) is None:
        return None
    return name, version


def _pnpm_id_dirs(version_dir: str, collector: Collector, where: str) -> None:
    """``<vN>/<package id>/integrity[-not-built].json``: the index of a package with no
    integrity (not followed through a symlink)."""
    for entry in _listdir(version_dir, collector):
        if entry.name in _PNPM_STORE_DIRS or not _is_dir(entry):
            continue
        release = _pnpm_id_release(entry.name)
        if release is not None and release[0] not in collector.names:
            collector.cache_entries += 1
            continue  # a registry package the rules do not name: its folder is not even listed
        for index_name in PNPM_ID_INDEXES:
            path = os.path.join(entry.path, index_name)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                collector.dir_error(path, f"cannot stat: {exc.strerror or exc}")
                continue
            if stat.S_ISREG(st.st_mode):
                collector.cache_entries += 1
                _pnpm_by_id(path, entry.name, collector, where)


def _pnpm_by_id(path: str, package_id: str, collector: Collector, where: str) -> None:
    release = _pnpm_id_release(package_id)
    if release is None:
        _pnpm_index(path, None, collector, where)
    elif release[0] in collector.names:
        _pnpm_index(path, release, collector, where)


def _pnpm_id_release(package_id: str) -> tuple[str, str] | None:
    """``<name, / as +>@<version>`` (a registry package's id in the store) as (name, version);
    None for any other id (a URL, a path, a git repository, a name shortened with a hash)."""
    at = package_id.rfind("@")
    if at <= 0:
        return None
    name, version = package_id[:at], package_id[at + 1 :]
    if name.startswith("@"):
        scope, plus, base = name[1:].partition("+")
        if not (scope and plus and base) or "+" in base:
            return None
        name = f"@{scope}/{base}"
    if not _PNPM_NAME.match(name) or try_parse_version(version) is None:
        return None
    return name, version


def _pnpm_index(
    path: str, expected: tuple[str, str] | None, collector: Collector, where: str
) -> None:
    """Report the release an index file records; ``expected`` is the one its path names (the
    file must then name the same package, or name none: pnpm before 8 wrote no name)."""
    head = collector.read(path, MAX_INDEX_BYTES, head=1024)
    if head is None:
        return
    m = _PNPM_HEAD.match(head)
    release: tuple[str, str] | None
    if m is not None and b"\\" not in m.group(0):
        release = (m.group(1).decode("utf-8", "replace"), m.group(2).decode("utf-8", "replace"))
    else:
        data = collector.read(path, MAX_INDEX_BYTES)
        if data is None:
            return
        release = manifest_release(data) or expected or _pnpm_listed_manifest(path, data, collector)
    if release is None:
        return
    releases = _recorded_and_manifest(path, release, expected, "its file name", collector)
    if releases and collector.payloads is not None:
        collector.payloads.pnpm_index(path, *releases[0], where)
    for name, version in releases:
        collector.report(
            name,
            version,
            path,
            kind=FindingType.CACHED,
            where=where,
            ecosystem=LockfileEcosystem.PNPM,
        )


def _recorded_and_manifest(
    path: str,
    manifest: tuple[str, str],
    recorded: tuple[str, str] | None,
    field: str,
    collector: Collector,
) -> list[tuple[str, str]]:
    """The releases a cache entry at ``path`` is matched as, among those a rule names: the one
    its package manager's ``recorded`` name for it (from the registry's document: ``field`` of
    ``path``) and the one its copy of the package.json (``manifest``) names; when they differ
    (manifest confusion) both, and a note says so."""
    if recorded is None or same_release(*manifest, RecordedRelease(*recorded, path, field)):
        found = [manifest]
    else:
        found = [recorded, manifest]
        if recorded[0] in collector.names or manifest[0] in collector.names:
            note = disagreement_note(
                *manifest, RecordedRelease(*recorded, path, field), "its copy of the package.json"
            )
            collector.skipped(path, note)
    return [release for release in found if release[0] in collector.names]


def _pnpm_listed_manifest(path: str, index: bytes, collector: Collector) -> tuple[str, str] | None:
    """The release of the ``package.json`` an index file lists, from the store's copy: pnpm 8
    writes no name in the index of a package from a tarball URL, whose id names none either."""
    try:
        doc = json.loads(index)
    except (ValueError, RecursionError):
        return None
    files = doc.get("files") if isinstance(doc, dict) else None
    meta = files.get("package.json") if isinstance(files, dict) else None
    integrity = meta.get("integrity") if isinstance(meta, dict) else None
    if not isinstance(integrity, str) or not integrity.startswith("sha512-"):
        return None
    try:
        digest = base64.b64decode(integrity[7:], validate=True).hex()
    except ValueError:
        return None
    if len(digest) != 128:
        return None
    version_dir = os.path.dirname(os.path.dirname(path))  # vN/<package id>/<index>
    if os.path.basename(path) not in PNPM_ID_INDEXES:
        version_dir = os.path.dirname(version_dir)  # vN/{index,files}/xx/<index>
    data = collector.read(
        os.path.join(version_dir, "files", digest[:2], digest[2:]), MAX_MANIFEST_BYTES
    )
    return manifest_release(data) if data is not None else None


# --- yarn classic -------------------------------------------------------------------------


def scan_yarn_classic_cache(cache: str, collector: Collector) -> None:
    """``<cache>/npm-<name as yarn_classic_slug>-<version>-<hash>[-integrity]/node_modules/<name>/``
    (the slug can be read as several names: the package's metadata decides)."""
    table = _yarn_classic_table(collector.names)
    where = f"the yarn cache {cache}"
    check_sris = bool(collector.index.integrity)
    for entry in _listdir(cache, collector):
        if not entry.name.startswith("npm-") or not _is_dir(entry):
            continue
        collector.cache_entries += 1
        stem = entry.name[4:]
        registry = stem.endswith("-integrity")
        if registry:
            stem = stem[: -len("-integrity")]
        stem, dash, digest = stem.rpartition("-")
        if not dash or not _HEX.match(digest):
            continue
        if check_sris:
            _yarn_classic_integrity(entry.path, digest, collector, where)
        if not registry and len(digest) == 40:  # a tarball's sha1, no integrity: a URL's
            _yarn_classic_unchecked(entry.path, stem, table, collector, where)
            continue
        for name, version in _split_slug_version(stem, table):
            pkg = os.path.join(entry.path, "node_modules", *name.split("/"))
            release = _yarn_classic_release(pkg, collector)
            if release is None:
                continue  # (no node_modules/<name>: the folder's name is not read so)
            if collector.payloads is not None:
                collector.payloads.package_dir(pkg, name, version, FindingType.CACHED, where)
            # yarn names the entry and its package folder from the registry's document; the
            # metadata's manifest is the tarball's package.json
            recorded = (name, version)
            for found in _recorded_and_manifest(
                pkg, release, recorded, "the entry's folder names", collector
            ):
                collector.report(
                    *found,
                    pkg,
                    kind=FindingType.CACHED,
                    where=where,
                    ecosystem=LockfileEcosystem.YARN,
                )


def _yarn_classic_unchecked(
    folder: str, stem: str, table: dict[str, list[str]], collector: Collector, where: str
) -> None:
    """A tarball's entry with no ``-integrity`` (yarn 1.22 writes one for every registry
    package; not for a tarball URL or a ``file:`` tarball, nor in caches of yarn before 1.10;
    a ``file:`` folder's copy is named by a UUID and a time, not a sha1): named by the
    dependency, ``npm-foo-2.1.2-<sha1>`` for ``"foo": "https://registry.npmjs.org/ms/-/ms-2.1.2.tgz"``,
    which holds ms 2.1.2 in ``node_modules/foo``. Each package folder's metadata names the
    package; a rule-named one is a finding (also when the folder's name is another's)."""
    candidates = set(_split_slug_version(stem, table))
    named = {name for name, _ in candidates}
    for pkg in _yarn_classic_packages(os.path.join(folder, "node_modules"), collector):
        release = _yarn_metadata_release(pkg, collector)
        if release is None:  # (then its package.json, which must say)
            data = collector.read(os.path.join(pkg, "package.json"), MAX_MANIFEST_BYTES)
            what = "a yarn 1 cache entry of a tarball URL dependency"
            release = _url_entry_release(data, pkg, what, collector)
        if release is None or release[0] not in collector.names:
            continue
        if collector.payloads is not None:
            collector.payloads.package_dir(pkg, *release, FindingType.CACHED, where)
        if release[0] in named and release not in candidates:
            continue  # the folder names this package at another version: not it (as for any)
        collector.report(
            *release, pkg, kind=FindingType.CACHED, where=where, ecosystem=LockfileEcosystem.YARN
        )


def _sha1_sri(hexdigest: str, algorithm: str = "sha1") -> str:
    """A hex digest (npm's ``shasum``, yarn 1's cache folder suffix: sha1; a content-v2 path's)
    as an integrity string; "" when it is not hex."""
    try:
        return f"{algorithm}-" + base64.b64encode(bytes.fromhex(hexdigest)).decode()
    except ValueError:
        return ""


def _yarn_classic_integrity(folder: str, digest: str, collector: Collector, where: str) -> None:
    """A yarn classic cache entry holding a tarball a rule lists by integrity: its folder name's
    sha1 (the tarball's, from the resolved URL) or its ``.yarn-metadata.json``'s ``remote``
    ``integrity`` / ``cacheIntegrity`` (yarn 1.22.22). Only when a rule lists integrity hashes:
    one metadata read per entry."""
    bad = collector.index.integrity
    sris: list[str] = []
    sha1 = _sha1_sri(digest)
    if sha1 in bad:
        sris.append(sha1)
    release: tuple[str, str] | None = None
    for pkg in _yarn_classic_packages(os.path.join(folder, "node_modules"), collector):
        data = collector.read(os.path.join(pkg, ".yarn-metadata.json"), MAX_MANIFEST_BYTES)
        try:
            meta = json.loads(data) if data is not None else None
        except (ValueError, RecursionError):
            meta = None
        if not isinstance(meta, dict):
            continue
        remote = meta.get("remote")
        if isinstance(remote, dict):
            for field in ("integrity", "cacheIntegrity"):
                value = remote.get(field)
                if isinstance(value, str):
                    sris.extend(sri for sri in integrity_hashes(value) if sri in bad)
        manifest = meta.get("manifest")
        if isinstance(manifest, dict):
            name, version = manifest.get("name"), manifest.get("version")
            if isinstance(name, str) and isinstance(version, str):
                release = (name, version)
        if sris:
            for sri in dict.fromkeys(sris):
                _integrity_finding(pkg, sri, release, collector, where)
            return
    for sri in dict.fromkeys(sris):  # (the folder's name said so; no metadata read)
        _integrity_finding(folder, sri, release, collector, where)


def _url_entry_release(
    data: bytes | None, path: str, what: str, collector: Collector
) -> tuple[str, str] | None:
    """The release a tarball URL dependency's cache entry holds, from its package.json
    (``data``; None: not there or not read), when the rules name its package. The entry is
    named by the dependency, any name, so only this file says which package it holds: one that
    is missing, is no JSON object, names no package, or names a rule's package with no version
    is an error naming ``path`` (``what`` the entry's kind), when the rules name any package."""
    manifest = read_manifest(data) if data is not None else None
    name = manifest.name if manifest is not None else None
    if isinstance(name, str) and name not in collector.names:
        return None
    version = manifest.version if manifest is not None else None
    if isinstance(name, str) and isinstance(version, str):
        return name, version
    if collector.names:
        why = (
            "is missing or was not read"
            if data is None
            else "is no JSON object"
            if manifest is None
            else "names no package"
            if not isinstance(name, str)
            else f"names {shown(name)} with no version"
        )
        collector.dir_error(
            path,
            f"{what}, named by the dependency: its package.json {why}, so which release it"
            " holds is unknown",
        )
    return None


def _yarn_classic_packages(modules: str, collector: Collector) -> list[str]:
    """The package folder(s) of a yarn classic cache entry: ``node_modules/<name>`` or
    ``node_modules/@scope/<name>``."""
    out: list[str] = []
    for entry in _listdir(modules, collector):
        if not _is_dir(entry):
            continue
        if entry.name.startswith("@"):
            out.extend(e.path for e in _listdir(entry.path, collector) if _is_dir(e))
        elif not entry.name.startswith("."):
            out.append(entry.path)
    return out


def _yarn_classic_release(pkg: str, collector: Collector) -> tuple[str, str] | None:
    release = _yarn_metadata_release(pkg, collector)
    if release is not None:
        return release
    data = collector.read(os.path.join(pkg, "package.json"), MAX_MANIFEST_BYTES)
    return manifest_release(data) if data is not None else None


def _yarn_metadata_release(pkg: str, collector: Collector) -> tuple[str, str] | None:
    """The release the manifest of a yarn classic cache entry's ``.yarn-metadata.json`` names."""
    data = collector.read(os.path.join(pkg, ".yarn-metadata.json"), MAX_MANIFEST_BYTES)
    if data is None:
        return None
    try:
        meta = json.loads(data)
    except (ValueError, RecursionError):
        return None
    manifest = meta.get("manifest") if isinstance(meta, dict) else None
    if isinstance(manifest, dict):
        name, version = manifest.get("name"), manifest.get("version")
        if isinstance(name, str) and isinstance(version, str):
            return name, version
    return None


def scan_yarn_offline_mirror(mirror: str, collector: Collector, where: str) -> None:
    """yarn classic's offline mirror (``yarn-offline-mirror`` in a ``.yarnrc``): the registry's
    tarballs kept as ``<name>-<version>.tgz`` (``@scope-name-<version>.tgz`` for a scoped one,
    yarn 1.22.22 ``getTarballMirrorPath``), from which ``yarn install --offline`` installs a
    lockfile's release with no network and no cache (checked: the mirror alone, the cache
    removed, installs ms 2.1.3). The file name a lockfile's URL gives is the one yarn looks
    for, so a candidate is read from it, as for the other caches; a rule's release there is a
    finding and its tarball's files are compared with the rules' payload hashes."""
    table = _slug_table(collector.names, scoped_keeps_at=True)
    for entry in _listdir(mirror, collector):
        if not entry.name.endswith(".tgz"):
            continue
        collector.cache_entries += 1
        for name, version in _split_slug_version(entry.name[:-4], table):
            if collector.payloads is not None:
                collector.payloads.tarball(entry.path, name, version, where)
            collector.report(
                name,
                version,
                entry.path,
                kind=FindingType.CACHED,
                where=where,
                ecosystem=LockfileEcosystem.YARN,
            )


# --- yarn berry ---------------------------------------------------------------------------


def berry_zip_releases(file_name: str, table: dict[str, list[str]]) -> list[tuple[str, str]]:
    """``<ident>-npm-<version>-<hash>-<checksum>.zip`` -> (rule name, version) candidates.

    The ident ``@scope-name`` cannot be split back into scope and name, so it is compared with
    the rule names written the same way; every ``-npm-`` of the file name is tried.
    """
    out: list[tuple[str, str]] = []
    i = file_name.find("-npm-")
    while i > 0:
        names = table.get(file_name[:i])
        if names is not None:
            m = _BERRY_TAIL.match(file_name[i + 5 :])
            if m is not None:
                out.extend((n, m.group(1)) for n in names)
        i = file_name.find("-npm-", i + 1)
    return out


def scan_berry_cache(cache: str, collector: Collector, where: str) -> None:
    """A yarn berry cache: ``<ident>-npm-<version>-<hash>-<checksum>.zip`` named by the rules'
    names, and every zip of another protocol read by its package.json
    (``_berry_other_zip_release``)."""
    table = _slug_table(collector.names, scoped_keeps_at=True)
    for entry in _listdir(cache, collector):
        if not entry.name.endswith(".zip"):
            continue
        collector.cache_entries += 1
        if collector.payloads is not None:
            collector.payloads.zip_archive(entry.path, where)
        found = berry_zip_releases(entry.name, table)
        if not found and _BERRY_ZIP.match(entry.name) and not _berry_npm_zip(entry.name):
            found = _berry_other_zip_release(entry.path, entry.name, collector)
        for name, version in found:
            collector.report(
                name,
                version,
                entry.path,
                kind=FindingType.CACHED,
                where=where,
                ecosystem=LockfileEcosystem.YARN,
            )


# a berry cache zip: <ident slug>-<protocol>[-<version>]-<locator hash>-<checksum or cache key>
# .zip (yarn 4.18.1 slugifyLocator: the version only when the reference's selector is one)
_BERRY_ZIP = re.compile(r"^.+-.+-[0-9a-f]{10}-[0-9a-z]+\.zip$")
# the package's own package.json in a berry zip: node_modules/<ident>/package.json
_BERRY_ZIP_MANIFEST = re.compile(r"^node_modules/((?:@[^/]+/)?[^/@][^/]*)/package\.json$")


def _berry_npm_zip(file_name: str) -> bool:
    """Is this a registry release's zip (``-npm-<version>-<hash>-<checksum>.zip``), named by
    its package and version? (Its name is read for the rules' names, not its bytes.)"""
    i = file_name.find("-npm-")
    while i > 0:
        m = _BERRY_TAIL.match(file_name[i + 5 :])
        if m is not None and try_parse_version(m.group(1)) is not None:
            return True
        i = file_name.find("-npm-", i + 1)
    return False


def _berry_other_zip_release(
    path: str, file_name: str, collector: Collector
) -> list[tuple[str, str]]:
    """The release a zip of another protocol holds (``file:`` - a tarball and a folder are
    named alike -, a tarball URL, ``patch:``, git, ...), when the rules name it: the zip is
    named by the dependency, any name ("foo" for ms 2.1.3's tarball), and holds the package at
    ``node_modules/<ident>/``, its ident the file name's start: that package.json says which
    release it is. A zip that cannot be read (damaged, too big), or whose package.json is not
    there (none, or several that could be it) or does not say, is an error naming it."""

    def manifest(names: list[str]) -> int | None:
        # (as yarn 4.18.1's ZipFS maps a zip: each name not starting with "/" resolved from the
        # root, the last of a path kept; a name zipfile cuts at a NUL byte is not read alike)
        found: dict[str, int] = {}
        for position, name in enumerate(names):
            if "\0" in name:
                return None
            if not name.startswith("/"):
                resolved = posixpath.normpath("/" + name)[1:]
                m = _BERRY_ZIP_MANIFEST.match(resolved)
                if m is not None and file_name.startswith(m.group(1).replace("/", "-") + "-"):
                    found[resolved] = position
        return found.popitem()[1] if len(found) == 1 else None

    what = (
        "a yarn berry cache zip of a dependency that is no registry release (file:, a URL, a"
        " patch, git)"
    )
    try:
        data = zip_member(path, manifest, MAX_MANIFEST_BYTES, _LIMITS, strict=True)
    except InputError as exc:
        collector.dir_error(
            path,
            f"{exc.detail}: {what}, named by the dependency: which release it holds is unknown",
        )
        return []
    release = _url_entry_release(data, path, what, collector)
    return [release] if release is not None else []


_LIMITS = ArchiveLimits()


# --- bun ----------------------------------------------------------------------------------


def scan_bun_cache(cache: str, collector: Collector) -> None:
    """``<cache>/<name>@<version>@@@1/`` and ``<cache>/@scope/<name>@<version>@@@1/`` (with
    ``@@<registry host>`` before ``@@@1`` for a package from another registry); the
    ``<name>/<version>@@@1`` symlinks to them are not entries of their own."""
    names = collector.names
    where = f"the bun cache {cache}"

    def entry_dir(entry: os.DirEntry[str], scope: str | None) -> None:
        m = _BUN_ENTRY.match(entry.name)
        if m is None:
            return
        collector.cache_entries += 1
        name = f"{scope}/{m.group(1)}" if scope else m.group(1)
        if name not in names:
            return
        version = m.group(2)
        tagged = _BUN_TAGGED.match(version)
        if tagged is not None:  # the folder names a hash of the tag: the package.json names it
            read = _bun_tagged_version(entry.path, name, tagged.group(0), collector)
            if read is None:
                return
            version = read
        if collector.payloads is not None:
            collector.payloads.package_dir(entry.path, name, version, FindingType.CACHED, where)
        collector.report(
            name,
            version,
            entry.path,
            kind=FindingType.CACHED,
            where=where,
            ecosystem=LockfileEcosystem.BUN,
        )

    for entry in _listdir(cache, collector):
        if not _is_dir(entry):
            continue
        if _BUN_TARBALL.match(entry.name):
            _bun_tarball_entry(entry.path, collector, where)
        elif entry.name.startswith("@") and "@@@" not in entry.name:
            for sub in _listdir(entry.path, collector):
                if _is_dir(sub):
                    entry_dir(sub, entry.name)
        else:
            entry_dir(entry, None)


def _bun_tarball_entry(folder: str, collector: Collector, where: str) -> None:
    """A tarball dependency's entry, ``@T@<hash of its integrity>@@@1`` (bun 1.4.5; the
    ``<dependency name>/@T@...`` link to it is named by the dependency, any name): the package
    its package.json names, read once the rules are known to name packages (a URL dependency,
    ``"foo": "https://registry.npmjs.org/ms/-/ms-2.1.2.tgz"``, caches the registry's ms 2.1.2)."""
    collector.cache_entries += 1
    data = collector.read(os.path.join(folder, "package.json"), MAX_MANIFEST_BYTES)
    what = "a bun cache entry of a tarball dependency"
    release = _url_entry_release(data, folder, what, collector)
    if release is None:
        return
    if collector.payloads is not None:
        collector.payloads.package_dir(folder, *release, FindingType.CACHED, where)
    collector.report(
        *release, folder, kind=FindingType.CACHED, where=where, ecosystem=LockfileEcosystem.BUN
    )


def _bun_tagged_version(folder: str, name: str, core: str, collector: Collector) -> str | None:
    """The version of a bun cache entry whose folder name carries hashes of the version's tags
    (bun 1.4.5: ``<major>.<minor>.<patch>-<hash of the prerelease>`` and ``+<hash of the build>``;
    gensync 1.0.0-beta.2 is ``gensync@1.0.0-4049f5e8f1219d89@@@1``): its extracted package.json's,
    when that names the same package at a version starting with ``core`` (``1.0.0-``). An entry of
    a rule's package whose package.json is not read, or does not fit, is an error: which release
    it is, is unknown."""
    path = os.path.join(folder, "package.json")
    data = collector.read(path, MAX_MANIFEST_BYTES, package=name)
    if data is None:
        return None
    release = manifest_release(data)
    if release is None or release[0] != name or not release[1].startswith(core):
        collector.dir_error(
            path,
            f"{name} is cached here under a hash of its version's tag and its package.json does"
            " not name that package at such a version: which release it is, is unknown",
        )
        return None
    return release[1]


# --- deno ---------------------------------------------------------------------------------


def scan_deno_cache(cache: str, collector: Collector) -> None:
    """deno's npm cache (decision 0053): ``<cache>/<registry host>/<name>/<version>[_<n>]/`` and
    ``.../@scope/<name>/<version>/``, each an extracted package. Every package folder is an
    entry; the version folders of the rule-named ones are read."""
    names = collector.names
    where = f"the deno npm cache {cache}"

    def package(folder: str, name: str) -> None:
        collector.cache_entries += 1
        if name not in names:
            return
        for entry in _listdir(folder, collector):
            # a version folder, "_<n>" after it for a copy deno made for other peers
            version, sep, copy = entry.name.partition("_")
            if (
                not exact_version(version)
                or (sep and not (copy.isascii() and copy.isdigit()))
                or not _is_dir(entry)
            ):
                continue
            if collector.payloads is not None:
                collector.payloads.package_dir(entry.path, name, version, FindingType.CACHED, where)
            collector.report(
                name, version, entry.path, kind=FindingType.CACHED, where=where, ecosystem=None
            )

    for registry in _listdir(cache, collector):
        if not _is_dir(registry):
            continue
        for entry in _listdir(registry.path, collector):
            if not _is_dir(entry):
                continue
            if entry.name.startswith("@"):
                for sub in _listdir(entry.path, collector):
                    if _is_dir(sub):
                        package(sub.path, f"{entry.name}/{sub.name}")
            else:
                package(entry.path, entry.name)


__all__ = [
    "berry_zip_releases",
    "cache_key_releases",
    "content_path",
    "packument_name",
    "scan_berry_cache",
    "scan_bun_cache",
    "scan_deno_cache",
    "scan_npm_cache",
    "scan_pnpm_store",
    "scan_yarn_classic_cache",
    "scan_yarn_offline_mirror",
    "tarball_url_release",
]
