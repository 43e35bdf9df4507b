"""deno.json / deno.jsonc: the npm packages a Deno project's import map declares (decision 0053).

Read by name only, like a package.json without a lockfile: each ``imports`` (and ``scopes``)
target ``npm:<name>[@<range>][/<subpath>]`` is a declared range of ``<name>``, the import key its
alias; an ``https:`` URL of an npm CDN naming an exact release (``https://esm.sh/axios@1.14.1``)
declares that release. A ``deno.lock`` beside it decides, as a lockfile decides for a
package.json; without one, a range that can resolve to an affected release is a finding.
Other targets (``jsr:``, local paths, other URLs) name no npm package.
"""

from __future__ import annotations

import msgspec

from gouvernante.fs.jsonpath import Document
from gouvernante.lockfiles._common import decode_text, json_errors, shape_error
from gouvernante.lockfiles.bun import strip_jsonc
from gouvernante.lockfiles.deno import cdn_release
from gouvernante.lockfiles.package_json import declared_dependency
from gouvernante.model import DeclaredDependency, Importer, LockfileFormat, LockfileGraph


class _Config(msgspec.Struct):
    name: object = None
    imports: dict[str, str] = {}
    scopes: dict[str, dict[str, str]] = {}


_DECODER = msgspec.json.Decoder(_Config)


def sniff(head: bytes) -> bool:
    return False  # by name only


def parse(data: bytes, path: str) -> LockfileGraph:
    text = strip_jsonc(decode_text(data, path)).encode("utf-8")
    with json_errors(path, text):
        try:
            config = _DECODER.decode(text)
        except msgspec.ValidationError as exc:
            raise shape_error(
                path, exc, "deno.json", Document.of_json(text, _DECODER.decode)
            ) from None
    declared: list[DeclaredDependency] = []
    for field, imports in (
        ("imports", config.imports),
        *(("scopes", scope) for scope in config.scopes.values()),
    ):
        for key, target in imports.items():
            dep = declared_import(key, target, field)
            if dep is not None:
                declared.append(dep)
    name = config.name if isinstance(config.name, str) and config.name else "(root)"
    return LockfileGraph(
        LockfileFormat.PACKAGE_JSON, (), (Importer("", name, ""),), tuple(declared)
    )


def declared_import(key: str, target: str, field: str) -> DeclaredDependency | None:
    """The npm package an import map entry declares, or None (``jsr:``, paths, other URLs)."""
    if target[:4].lower() == "npm:":
        spec = target[4:].strip().lstrip("/")
        at = spec.find("@", 1)
        slash = spec.find("/", spec.find("/") + 1 if spec.startswith("@") else 0)
        if at > 0 and (slash < 0 or at < slash):
            version_end = spec.find("/", at)
            spec = spec if version_end < 0 else spec[:version_end]
        elif slash > 0:
            spec = spec[:slash]  # a subpath of the latest release
        if not spec or (spec.startswith("@") and "/" not in spec):
            return None
        dep = declared_dependency(key.rstrip("/") or spec, "npm:" + spec, field)
        return dep if dep.alias != dep.name else msgspec.structs.replace(dep, alias=None)
    if target[:8].lower().startswith(("https://", "http://")):
        found = cdn_release(target)
        if found is not None:
            alias = key.rstrip("/")
            return DeclaredDependency(
                found[0], found[1], field, alias if alias != found[0] else None
            )
    return None
