"""Where a host keeps installed packages and package caches, from a ``HostContext``.

Every location is computed from the context (home, OS, environment, ``system_root``), so tests
fake a Linux, macOS or Windows machine on any machine. Paths written Windows-style are turned
into this machine's separators, so a faked Windows home works on Linux. Locations that do not
exist are left out; the same directory named twice is scanned once.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from gouvernante.fs.read import UnreadKind, read_small
from gouvernante.host.configs import berry_rc_folders, bunfig_cache_dir, yarnrc_folder
from gouvernante.host.context import HostContext
from gouvernante.host.mounts import mount_table
from gouvernante.host.paths import glob_paths
from gouvernante.model import ScanIssue
from gouvernante.rules.model import OperatingSystem

MAX_RC_BYTES = 1024 * 1024
# File systems no project is installed on (kernel views), and autofs, whose mount points mount
# on a lookup (a network one may hang): their roots are not looked at for a pnpm store.
_NO_PROJECTS = frozenset(
    {
        "autofs",
        "binfmt_misc",
        "bpf",
        "cgroup",
        "cgroup2",
        "configfs",
        "debugfs",
        "devpts",
        "fusectl",
        "hugetlbfs",
        "mqueue",
        "nsfs",
        "proc",
        "pstore",
        "rpc_pipefs",
        "securityfs",
        "sysfs",
        "tracefs",
    }
)
# npm 11's @npmcli/config env-replace.js: ``${NAME}`` (any name without ``$ { } ?``), ``${NAME?}``
# (empty when unset), the backslashes before it halved and an odd count escaping it.
_RC_VAR = re.compile(r"(?<!\\)(\\*)\$\{([^${}?]+)(\?)?\}")


class LocationKind(StrEnum):
    INSTALLED = "installed"  # a node_modules tree
    # <dir>/<name>/<version>/: each version folder the package <name> itself, package.json at
    # its top (corepack's and volta's package managers); their node_modules are INSTALLED too
    PACKAGE_VERSIONS = "package-versions"
    NPM_CACHE = "npm-cache"  # holds _cacache and _npx
    PNPM_STORE = "pnpm-store"
    YARN_CACHE = "yarn-cache"  # yarn classic (v6)
    YARN_MIRROR = "yarn-offline-mirror"  # yarn classic's yarn-offline-mirror: <name>-<version>.tgz
    BERRY_CACHE = "berry-cache"  # yarn berry zip cache
    BUN_CACHE = "bun-cache"
    DENO_CACHE = "deno-cache"  # $DENO_DIR/npm


@dataclass(frozen=True, slots=True)
class Location:
    kind: LocationKind
    path: str
    label: str  # "nvm", "npm global prefix (~/.npmrc)", ...


def native(path: str) -> str:
    return path.replace("\\", "/") if os.sep == "/" else path


def read_rc(path: str, ctx: HostContext, errors: list[ScanIssue]) -> dict[str, str]:
    """``key=value`` lines of an ``.npmrc``-style file, ``${VAR}`` and a leading ``~`` expanded
    (read as npm reads it: UTF-8, a bad byte replaced). A file that is there but not read (a
    FIFO, too large, unreadable) is an error in ``errors`` naming it: the folders it may set (a
    cache, a store, a global prefix) are unknown, never taken as unset. A folder, a dangling
    link or a link loop is no settings, as for npm (its load error is ignored)."""
    data = read_small(path, MAX_RC_BYTES)
    if not isinstance(data, bytes):
        if data.kind is not UnreadKind.ABSENT and os.path.exists(path) and not os.path.isdir(path):
            errors.append(
                ScanIssue(
                    path,
                    f"npm-style config file not read ({data.reason}): the cache, store or"
                    " global folder it may set is unknown",
                )
            )
        return {}
    out: dict[str, str] = {}
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        value = env_replace(value, ctx)
        if value == "~" or value.startswith(("~/", "~\\")):
            value = ctx.home + value[1:]
        out[env_replace(key.strip(), ctx).lower()] = value
    return out


def env_replace(text: str, ctx: HostContext) -> str:
    """``text`` with its environment references replaced as npm 11 replaces them in an
    ``.npmrc`` key or value (env-replace.js): a variable that is not set leaves the reference as
    written (``npm config get cache`` prints ``/x/${UNSET}/y``; ``${UNSET?}`` is empty), a set
    one, even empty, its value."""

    def one(match: re.Match[str]) -> str:
        escapes, name, optional = match.group(1), match.group(2), match.group(3)
        if len(escapes) % 2:
            return match.group(0)[(len(escapes) + 1) // 2 :]
        value = ctx.getenv(name)
        if value is None:
            value = "" if optional else "${" + name + "}"
        return escapes[len(escapes) // 2 :] + value

    return _RC_VAR.sub(one, text) if "${" in text else text


class _Finder:
    def __init__(
        self, ctx: HostContext, errors: list[ScanIssue], projects: Sequence[str] = ()
    ) -> None:
        self.ctx = ctx
        self.projects = projects
        self.errors = errors
        self.win = ctx.os is OperatingSystem.WINDOWS
        self.mac = ctx.os is OperatingSystem.MACOS
        self.out: list[Location] = []
        self.seen: set[tuple[LocationKind, str]] = set()
        userconfig = self.env("NPM_CONFIG_USERCONFIG", "npm_config_userconfig")
        self.npmrc = read_rc(native(userconfig or self.home(".npmrc")), ctx, errors)
        self._pnpm_rc: dict[str, str] | None = None

    def env(self, *names: str) -> str | None:
        for name in names:
            value = self.ctx.getenv(name)
            if value:
                return native(value)
        return None

    def home(self, *parts: str) -> str:
        return os.path.join(native(self.ctx.home), *parts)

    def system(self, path: str) -> str:
        return native(self.ctx.system_root.rstrip("/\\") + path) if self.ctx.system_root else path

    def appdata(self) -> str:
        return self.env("APPDATA") or self.home("AppData", "Roaming")

    def localappdata(self) -> str:
        return self.env("LOCALAPPDATA") or self.home("AppData", "Local")

    def xdg(self, var: str, *default: str) -> str:
        return self.env(var) or self.home(*default)

    def add(self, kind: LocationKind, path: str, label: str) -> None:
        path = native(path)
        candidates = glob_paths(path).paths if any(c in path for c in "*?[") else (path,)
        for candidate in candidates:
            if not os.path.isdir(candidate):
                continue
            key = (kind, os.path.realpath(candidate))
            if key in self.seen:
                continue
            self.seen.add(key)
            self.out.append(Location(kind, candidate, label))

    def lib(self, prefix: str) -> str:
        return os.path.join(
            prefix, "node_modules" if self.win else os.path.join("lib", "node_modules")
        )

    def installed(self) -> None:
        inst = LocationKind.INSTALLED
        prefix = self.env("NPM_CONFIG_PREFIX", "npm_config_prefix")
        if prefix:
            self.add(inst, self.lib(prefix), "npm global prefix (NPM_CONFIG_PREFIX)")
        if self.npmrc.get("prefix"):
            self.add(inst, self.lib(native(self.npmrc["prefix"])), "npm global prefix (~/.npmrc)")
        for rc in self.npm_config_files():
            rc_prefix = read_rc(rc, self.ctx, self.errors).get("prefix")
            if rc_prefix:
                self.add(inst, self.lib(native(rc_prefix)), f"npm global prefix ({rc})")
        if self.win:
            self.add(inst, os.path.join(self.appdata(), "npm", "node_modules"), "npm global")
            program_files = self.env("ProgramFiles")
            if program_files:
                self.add(inst, os.path.join(program_files, "nodejs", "node_modules"), "node")
        else:
            self.add(inst, self.system("/usr/local/lib/node_modules"), "npm global (OS default)")
            if self.mac:
                self.add(inst, self.system("/opt/homebrew/lib/node_modules"), "homebrew")
            else:
                self.add(inst, self.system("/usr/lib/node_modules"), "npm global (OS default)")
                linuxbrew = self.system("/home/linuxbrew/.linuxbrew/lib/node_modules")
                self.add(inst, linuxbrew, "homebrew")
        # Version managers: every installed node version has its own global node_modules.
        self.version_managers()
        self.package_manager_images()
        fnm_dirs = [self.env("FNM_DIR"), self.home(".fnm")]
        if self.win:
            fnm_dirs.append(os.path.join(self.appdata(), "fnm"))
        elif self.mac:
            fnm_dirs.append(self.home("Library", "Application Support", "fnm"))
        else:
            fnm_dirs.append(os.path.join(self.xdg("XDG_DATA_HOME", ".local", "share"), "fnm"))
        for fnm in fnm_dirs:
            if fnm:
                base = os.path.join(fnm, "node-versions", "*", "installation")
                self.add(inst, self.lib(base), "fnm")
        asdf = self.env("ASDF_DATA_DIR") or self.home(".asdf")
        self.add(inst, os.path.join(asdf, "installs", "nodejs", "*", "lib", "node_modules"), "asdf")
        mise = self.env("MISE_DATA_DIR") or os.path.join(
            self.xdg("XDG_DATA_HOME", ".local", "share"), "mise"
        )
        self.add(inst, os.path.join(mise, "installs", "node", "*", "lib", "node_modules"), "mise")
        for pnpm_home in self.pnpm_homes():
            self.pnpm_global(os.path.join(pnpm_home, "global"))
            # pnpm env use: node versions; manage-package-manager-versions: pnpm itself
            self.add(inst, os.path.join(pnpm_home, "nodejs"), "pnpm env")
            self.add(inst, os.path.join(pnpm_home, ".tools"), "pnpm tools")
        for yarn_global in self.yarn_classic_dirs("data", "global"):
            self.add(inst, os.path.join(yarn_global, "node_modules"), "yarn global")
        self.configured_globals()
        # pre-commit's node hooks (language: node): a nodeenv per hook repository, the hook
        # installed into it with `npm install -g` (pre-commit 3.x/4.x: $PRE_COMMIT_HOME, else
        # $XDG_CACHE_HOME/pre-commit or ~/.cache/pre-commit on every OS)
        pre_commit = self.env("PRE_COMMIT_HOME") or os.path.join(
            self.xdg("XDG_CACHE_HOME", ".cache"), "pre-commit"
        )
        envs = os.path.join(pre_commit, "*", "node_env-*")
        self.add(inst, self.lib(envs), "pre-commit")
        if self.win:
            self.add(inst, os.path.join(envs, "Scripts", "node_modules"), "pre-commit")
        self.bun_globals()

    def bun_globals(self) -> None:
        inst = LocationKind.INSTALLED
        bun_globals = [self.env("BUN_INSTALL_GLOBAL_DIR")] + [
            os.path.join(base, "install", "global") for base in self.bun_installs()
        ]
        for bun_global in bun_globals:
            if bun_global:
                self.add(inst, os.path.join(bun_global, "node_modules"), "bun global")

    def npm_config_files(self) -> list[str]:
        """npm's global config (``globalconfig``: ``<node prefix>/etc/npmrc``, or where the
        environment or ~/.npmrc moves it) and builtin config (the ``npmrc`` in npm's own
        folder) of each node install looked for: either may set the ``prefix`` global packages
        go to (``npm config set --global prefix``; a distribution's builtin file). Every one
        found is read: scanning a folder too many never hides a package."""
        files = [self.env("NPM_CONFIG_GLOBALCONFIG", "npm_config_globalconfig") or ""]
        files.append(native(self.npmrc.get("globalconfig", "")))
        if self.win:
            prefixes = [os.path.join(self.appdata(), "npm")]
            program_files = self.env("ProgramFiles")
            if program_files:
                prefixes.append(os.path.join(program_files, "nodejs"))
        else:
            prefixes = [self.system(p) for p in ("/usr/local", "/usr", "/opt/homebrew")]
            prefixes.append(self.system("/home/linuxbrew/.linuxbrew"))
            for nvm in self.nvm_dirs():
                prefixes.extend(glob_paths(os.path.join(nvm, "versions", "node", "*")).paths)
        for prefix in prefixes:
            files.append(os.path.join(prefix, "etc", "npmrc"))
            files.append(os.path.join(self.lib(prefix), "npm", "npmrc"))
        return [f for f in dict.fromkeys(files) if f and os.path.isfile(f)]

    def package_manager_images(self) -> None:
        """volta's and corepack's package managers, each ``<name>/<version>/`` the package
        itself (package.json at its top), its bundled ``node_modules`` a tree."""
        inst = LocationKind.INSTALLED
        volta = self.env("VOLTA_HOME") or (
            os.path.join(self.localappdata(), "Volta") if self.win else self.home(".volta")
        )
        # packages/<tool>/, node/<version>/, and the package managers volta fetched
        # (npm/<version>/node_modules, pnpm/<version>/dist/node_modules): one tree
        self.add(inst, os.path.join(volta, "tools", "image"), "volta")
        for tool in ("npm", "pnpm", "yarn"):
            image = os.path.join(volta, "tools", "image", tool)
            self.add(LocationKind.PACKAGE_VERSIONS, image, "volta")
        # corepack's package managers (v1/<name>/<version>/)
        corepack = self.env("COREPACK_HOME") or os.path.join(
            self.env("XDG_CACHE_HOME", "LOCALAPPDATA")
            or self.home(os.path.join("AppData", "Local") if self.win else ".cache"),
            "node",
            "corepack",
        )
        self.add(inst, corepack, "corepack")
        self.add(LocationKind.PACKAGE_VERSIONS, os.path.join(corepack, "v1", "*"), "corepack")

    def nvm_dirs(self) -> list[str]:
        """``$NVM_DIR``, else where nvm's install script puts it: ``$XDG_CONFIG_HOME/nvm`` when
        that is set (``~/.config/nvm`` looked at too), else ``~/.nvm``."""
        dirs = [self.env("NVM_DIR"), os.path.join(self.xdg("XDG_CONFIG_HOME", ".config"), "nvm")]
        dirs.append(self.home(".nvm"))
        return [d for d in dict.fromkeys(dirs) if d]

    def version_managers(self) -> None:
        """nvm, nodenv, n and nvs: each installed node version's own global node_modules."""
        inst = LocationKind.INSTALLED
        for nvm in self.nvm_dirs():
            self.add(inst, os.path.join(nvm, "versions", "node", "*", "lib", "node_modules"), "nvm")
        if self.win:
            nvm_home = self.env("NVM_HOME") or os.path.join(self.appdata(), "nvm")
            self.add(inst, os.path.join(nvm_home, "*", "node_modules"), "nvm-windows")
        nodenv = self.env("NODENV_ROOT") or self.home(".nodenv")
        self.add(inst, self.lib(os.path.join(nodenv, "versions", "*")), "nodenv")
        n_prefix = self.env("N_PREFIX")
        n_versions = os.path.join("n", "versions", "node", "*")
        if n_prefix:
            # the active version is installed into N_PREFIX itself, as into /usr/local
            self.add(inst, self.lib(n_prefix), "n (N_PREFIX)")
            self.add(inst, self.lib(os.path.join(n_prefix, n_versions)), "n")
        elif not self.win:
            self.add(inst, self.system("/usr/local/" + n_versions + "/lib/node_modules"), "n")
        nvs = self.env("NVS_HOME") or (
            os.path.join(self.localappdata(), "nvs") if self.win else self.home(".nvs")
        )
        self.add(inst, self.lib(os.path.join(nvs, "node", "*", "*")), "nvs")

    def yarn_classic_dirs(self, category: str, *parts: str) -> list[str]:
        """yarn classic's ``data`` folder (global installs: ``global``) or ``cache`` folder
        (``v6``), every place yarn 1.22.22 may put it (``constants.js``): ``$XDG_DATA_HOME/yarn``,
        else its config folder ``~/.config/yarn`` (``$XDG_CONFIG_HOME/yarn`` also looked at);
        ``$XDG_CACHE_HOME/yarn``, ``~/Library/Caches/Yarn`` (macOS), else ``~/.cache/yarn``. Run
        as root (CI, containers) yarn's home is ``/usr/local/share``, not ``$HOME``."""
        if self.win:
            sub = "Data" if category == "data" else "Cache"
            return [os.path.join(self.localappdata(), "Yarn", sub, *parts)]
        homes = [self.home(), self.system("/usr/local/share")]
        if category == "data":
            dirs = [os.path.join(v, "yarn") for v in (self.env("XDG_DATA_HOME"),) if v]
            dirs.append(os.path.join(self.xdg("XDG_CONFIG_HOME", ".config"), "yarn"))
            dirs.extend(os.path.join(h, ".config", "yarn") for h in homes)
        else:
            dirs = [os.path.join(v, "yarn") for v in (self.env("XDG_CACHE_HOME"),) if v]
            if self.mac:
                dirs.extend(os.path.join(h, "Library", "Caches", "Yarn") for h in homes)
            dirs.extend(os.path.join(h, ".cache", "yarn") for h in homes)
        return [os.path.join(d, *parts) for d in dict.fromkeys(dirs)]

    def yarnrc_files(self) -> list[str]:
        """yarn 1's rc files outside a project (yarn 1.22.22 ``getPossibleConfigLocations``):
        ``~/.yarnrc``; run as root its home is ``/usr/local/share`` (``yarn config set`` writes
        ``/usr/local/share/.yarnrc``, and ``$HOME/.yarnrc`` is read too); and
        ``<global prefix>/etc/yarnrc`` (``$PREFIX``, else node's: ``/usr/local``, ``/usr``)."""
        files = [self.home(".yarnrc")]
        if not self.win:
            files.append(self.system("/usr/local/share/.yarnrc"))
            files.extend(self.system(p + "/etc/yarnrc") for p in ("/usr/local", "/usr"))
            prefix = self.env("PREFIX")  # yarn's global prefix when set
            if prefix:
                files.append(os.path.join(prefix, "etc", "yarnrc"))
        return list(dict.fromkeys(files))

    def yarn_temp_caches(self) -> list[str]:
        """yarn classic's fallbacks when its cache folder is not writable (yarn 1.22.22
        ``getPreferredCacheDirectories``): ``<os.tmpdir()>/.yarn-cache-<uid>`` (not on Windows)
        and ``<os.tmpdir()>/.yarn-cache``, each holding ``v6``; every uid's is looked at."""
        if self.win:
            temps = [self.env("TEMP", "TMP") or os.path.join(self.localappdata(), "Temp")]
            names = [".yarn-cache"]
        else:
            temps = [self.env("TMPDIR") or "", self.system("/tmp")]  # noqa: S108 - read
            names = [".yarn-cache-[0-9]*", ".yarn-cache"]
        return [
            os.path.join(t.rstrip("/\\") or os.sep, n, "v6")
            for t in dict.fromkeys(temps)
            if t
            for n in names
        ]

    def pnpm_global(self, global_dir: str) -> None:
        """pnpm's global installs (``pnpm add -g``, pnpm 9 and 10): ``<global dir>/<layout>/``
        holds a project whose ``node_modules`` only links to its virtual store one level up
        (``virtualStoreDir: ../.pnpm``): ``.pnpm/<id>/node_modules/<name>``, the real folders."""
        inst = LocationKind.INSTALLED
        self.add(inst, os.path.join(global_dir, "*", "node_modules"), "pnpm global")
        self.add(inst, os.path.join(global_dir, "*", ".pnpm"), "pnpm global")

    def pnpm_rc(self) -> dict[str, str]:
        """pnpm's own global config file (``pnpm config set --global``)."""
        if self.win:
            rc = os.path.join(self.localappdata(), "pnpm", "config", "rc")
        elif self.mac:
            rc = self.home("Library", "Preferences", "pnpm", "rc")
        else:
            rc = os.path.join(self.xdg("XDG_CONFIG_HOME", ".config"), "pnpm", "rc")
        if self._pnpm_rc is None:  # (read once: a file not read is one error)
            self._pnpm_rc = read_rc(rc, self.ctx, self.errors)
        return self._pnpm_rc

    def configured_globals(self) -> None:
        """Global folders moved by a setting: pnpm's ``global-dir`` (environment, ~/.npmrc,
        pnpm's rc) and yarn classic's ``global-folder`` (``YARN_GLOBAL_FOLDER``, ~/.yarnrc)."""
        inst = LocationKind.INSTALLED
        for value in (
            self.env("NPM_CONFIG_GLOBAL_DIR", "npm_config_global_dir"),
            self.npmrc.get("global-dir"),
            self.pnpm_rc().get("global-dir"),
        ):
            if value:
                self.pnpm_global(native(value))
        values = [self.env("YARN_GLOBAL_FOLDER")]
        for rc in self.yarnrc_files():
            values.append(yarnrc_folder(rc, "global-folder", self.ctx.home, self.errors))
        for value in values:
            if value:
                self.add(inst, os.path.join(native(value), "node_modules"), "yarn global")

    def pnpm_homes(self) -> list[str]:
        homes = [self.env("PNPM_HOME")]
        if self.win:
            homes.append(os.path.join(self.localappdata(), "pnpm"))
        elif self.mac:
            homes.append(self.home("Library", "pnpm"))
        else:
            homes.append(os.path.join(self.xdg("XDG_DATA_HOME", ".local", "share"), "pnpm"))
        return [h for h in homes if h]

    def bun_installs(self) -> list[str]:
        """bun's own folder (bun 1.4.5: ``$BUN_INSTALL``, else ``$XDG_CACHE_HOME/.bun`` when that
        is set, else ``~/.bun``): every one looked at, ``~/.cache/.bun`` too (a scan may not run
        with the environment bun ran with)."""
        bases = [
            self.env("BUN_INSTALL"),
            os.path.join(self.xdg("XDG_CACHE_HOME", ".cache"), ".bun"),
        ]
        bases.append(self.home(".bun"))
        return [b for b in dict.fromkeys(bases) if b]

    def caches(self) -> None:
        npm_cache = self.env("NPM_CONFIG_CACHE", "npm_config_cache") or (
            native(self.npmrc["cache"]) if self.npmrc.get("cache") else None
        )
        if npm_cache:
            self.add(LocationKind.NPM_CACHE, npm_cache, "npm cache (configured)")
        default = os.path.join(self.localappdata(), "npm-cache") if self.win else self.home(".npm")
        self.add(LocationKind.NPM_CACHE, default, "npm cache")

        store = LocationKind.PNPM_STORE
        configured = [self.env("NPM_CONFIG_STORE_DIR", "npm_config_store_dir")]
        configured.append(self.npmrc.get("store-dir"))
        configured.append(self.pnpm_rc().get("store-dir"))
        for path in configured:
            if path:
                self.add(store, native(path), "pnpm store (configured)")
        for pnpm_home in self.pnpm_homes():
            self.add(store, os.path.join(pnpm_home, "store"), "pnpm store")
        self.add(store, self.home(".pnpm-store"), "pnpm store")
        self.pnpm_fs_root_stores()

        self.yarn_caches()
        self.bun_caches()

        deno_dir = self.env("DENO_DIR") or (
            os.path.join(self.localappdata(), "deno")
            if self.win
            else self.home("Library", "Caches", "deno")
            if self.mac
            else os.path.join(self.xdg("XDG_CACHE_HOME", ".cache"), "deno")
        )
        self.add(LocationKind.DENO_CACHE, os.path.join(native(deno_dir), "npm"), "deno npm cache")

    def pnpm_fs_root_stores(self) -> None:
        """pnpm (``@pnpm/store-path``, pnpm 9 and 10 checked) puts its store in the home when a
        project's folder can be hard-linked to it; else at ``<D>/.pnpm-store``, ``D`` the folder
        nearest the file system's root, among the project's own folders above it, that a link can
        be made in: the root of that file system when it is writable. So: ``.pnpm-store`` of
        every folder above each scanned project (those inside it are the project walk's), and of
        every mount point (Linux: the kernel's mount table; macOS: ``/``, ``/Volumes/*``;
        Windows: each drive's root)."""
        store = LocationKind.PNPM_STORE
        for project in self.projects:
            folder = os.path.dirname(os.path.abspath(project))
            while True:
                self.add(store, os.path.join(folder, ".pnpm-store"), "pnpm store (above a project)")
                parent = os.path.dirname(folder)
                if parent == folder:
                    break
                folder = parent
        if self.win:
            drives = string.ascii_uppercase[2:]  # C: to Z:
            roots = [f"{d}:\\" for d in drives] if os.name == "nt" else []
        elif self.mac:
            roots = [self.system("/"), self.system("/Volumes/*")]
        else:
            mountinfo = os.path.join(self.ctx.proc_root, "self", "mountinfo")
            mounts = mount_table(mountinfo)
            roots = [self.system(m.point) for m in mounts if m.fs_type not in _NO_PROJECTS]
            roots = roots or [self.system("/")]
        for root in roots:
            path = os.path.join(root, ".pnpm-store")
            self.add(store, path, "pnpm store (root of a file system)")

    def yarn_caches(self) -> None:
        """yarn classic's and yarn berry's caches."""
        yarn_folder = self.env("YARN_CACHE_FOLDER")
        if yarn_folder:
            self.add(LocationKind.YARN_CACHE, yarn_folder, "yarn cache (YARN_CACHE_FOLDER)")
            self.add(LocationKind.YARN_CACHE, os.path.join(yarn_folder, "v6"), "yarn cache")
            self.add(LocationKind.BERRY_CACHE, yarn_folder, "yarn berry cache (YARN_CACHE_FOLDER)")
        for rc in self.yarnrc_files():
            yarnrc = yarnrc_folder(rc, "cache-folder", self.ctx.home, self.errors)
            if yarnrc:
                for path in (yarnrc, os.path.join(yarnrc, "v6")):
                    self.add(LocationKind.YARN_CACHE, path, f"yarn cache (cache-folder in {rc})")
            mirror = yarnrc_folder(rc, "yarn-offline-mirror", self.ctx.home, self.errors)
            if mirror:
                label = f"yarn offline mirror (yarn-offline-mirror in {rc})"
                self.add(LocationKind.YARN_MIRROR, mirror, label)
        for classic in self.yarn_classic_dirs("cache", "v6"):
            self.add(LocationKind.YARN_CACHE, classic, "yarn cache")
        for fallback in self.yarn_temp_caches():
            self.add(LocationKind.YARN_CACHE, fallback, "yarn cache (temp folder fallback)")
        # yarn berry's globalFolder (getDefaultGlobalFolder, yarn 4.x): YARN_GLOBAL_FOLDER, else
        # %LOCALAPPDATA%\Yarn\Berry, $XDG_DATA_HOME/yarn/berry or ~/.yarn/berry
        berry_globals = [self.env("YARN_GLOBAL_FOLDER")]
        if self.win:
            berry_globals.append(os.path.join(self.localappdata(), "Yarn", "Berry"))
        else:
            xdg_data = self.env("XDG_DATA_HOME")
            berry_globals.append(os.path.join(xdg_data, "yarn", "berry") if xdg_data else None)
            berry_globals.append(self.home(".yarn", "berry"))
        rc_name = self.env("YARN_RC_FILENAME") or ".yarnrc.yml"
        berry_rc = berry_rc_folders(self.home(rc_name), self.ctx.getenv, self.errors)
        if "cacheFolder" in berry_rc:
            label = f"yarn berry cache (cacheFolder in ~/{rc_name})"
            self.add(LocationKind.BERRY_CACHE, berry_rc["cacheFolder"], label)
        berry_globals.append(berry_rc.get("globalFolder"))
        for berry_global in berry_globals:
            if berry_global:
                cache = os.path.join(berry_global, "cache")
                self.add(LocationKind.BERRY_CACHE, cache, "yarn berry cache")

    def bun_caches(self) -> None:
        bun_caches = [self.env("BUN_INSTALL_CACHE_DIR")] + [
            os.path.join(base, "install", "cache") for base in self.bun_installs()
        ]
        for bun_cache in bun_caches:
            if bun_cache:
                self.add(LocationKind.BUN_CACHE, bun_cache, "bun cache")
        # bun's global config: $XDG_CONFIG_HOME/.bunfig.toml, else ~/.bunfig.toml (bun 1.x)
        bunfigs = [os.path.join(v, ".bunfig.toml") for v in (self.env("XDG_CONFIG_HOME"),) if v]
        bunfigs.append(self.home(".bunfig.toml"))
        for bunfig in dict.fromkeys(bunfigs):
            bun_dir = bunfig_cache_dir(bunfig, self.ctx.home, self.errors)
            if bun_dir:
                self.add(LocationKind.BUN_CACHE, bun_dir, f"bun cache (install.cache in {bunfig})")


def host_locations(
    ctx: HostContext, errors: list[ScanIssue] | None = None, projects: Sequence[str] = ()
) -> list[Location]:
    """Global installs and caches of this host that exist, in a stable order. ``errors`` gets
    the config files that may move a cache and were not read exactly; ``projects``: the scanned
    project folders (pnpm may put its store in a folder above one)."""
    finder = _Finder(ctx, errors if errors is not None else [], projects)
    finder.installed()
    finder.caches()
    return finder.out
