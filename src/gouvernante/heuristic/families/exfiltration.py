"""Exfiltration and propagation: webhooks, GitHub repositories and workflows, npm publish."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

from gouvernante.heuristic.signals import (
    ARG_SEP,
    MAX_LIVE,
    PATH_SEP,
    PROCESS_FN,
    RX_ENTRY_KEY,
    RX_GH_REPO,
    RX_GH_TOKEN_SRC,
    RX_PROCESS_CALL,
    RX_TOKEN,
    FileSignals,
    first_live,
    in_comment_line,
    string_literal_at,
)
from gouvernante.heuristic.unit import HIGH, MEDIUM, Detection, Pattern, found
from gouvernante.heuristic.views import TextView, rx
from gouvernante.vocab import Severity

# A DNS query whose name is built from data before a domain (``dns.resolve(`${hex}.x.tld`)``,
# ``dns.lookup(sub + '.x.tld')``): the query itself carries the data to the domain's name server,
# no HTTP needed. The resolver is named (``dns``, ``dnsPromises``, ``require('node:dns')``,
# ``resolver``), or the function is taken from the ``dns`` module (``const { lookup } =
# require('dns')``: ``lookup(`` or ``resolve4(``…, not a promise's ``resolve(``), and the name has
# two labels or more after the data.
_DOMAIN_TAIL = r"\.[\w-]{1,63}\.[A-Za-z][\w.-]{0,200}"
_BUILT_NAME = (
    r"\s*\(\s*(?:`\$\{[^}`]{1,120}\}" + _DOMAIN_TAIL + r"`"
    r"|[\w$.()\[\]]{1,120}\s*\+\s*['\"`]" + _DOMAIN_TAIL + r"['\"`])"
)
RX_DNS_CALLBACK = rx(
    r"(?:(?<![\w$])[\w$]{0,30}?(?:dns|Dns|DNS|[Rr]esolver)[\w$]{0,30}(?:\.promises)?|['\"](?:node:)?dns['\"]\s*\))"
    r"\s*\.\s*(?:resolve\w{0,5}|lookup)" + _BUILT_NAME,
    anchors=("dns", "resolver"),
)
RX_DNS_MODULE = re.compile(r"""['"](?:node:)?dns(?:/promises)?['"]""")
RX_DNS_BARE = re.compile(
    r"(?<![\w$.])(?:lookup|resolve(?:4|6|Txt|Any|Cname|Mx|Ns|Srv))" + _BUILT_NAME
)


def _dns_callback(t: TextView) -> int | None:
    at = t.search(RX_DNS_CALLBACK)
    if at is None and RX_DNS_MODULE.search(t.text):
        m = RX_DNS_BARE.search(t.text)
        at = m.start() if m is not None else None
    return at if at is not None and not in_comment_line(t.text, at) else None


def _webhook(s: FileSignals) -> Detection | None:
    if s.exfil is not None and (s.install or s.net is not None):
        return found(HIGH if s.install or s.secrets_touched else MEDIUM, s.exfil)
    if s.install:
        at = _dns_callback(s.t)
        if at is not None:
            return found(HIGH, at)
    return None


WEBHOOK = Pattern(
    id="GH-EXFIL-WEBHOOK",
    severity=Severity.HIGH,
    confidence=HIGH,
    title="Code posts to a paste or webhook collection service",
    why=(
        "webhook.site, pipedream, requestbin, Discord/Telegram bot webhooks, paste sites and "
        "OAST hosts are where stolen data is dropped; high confidence when the same file "
        "touches secrets or runs at install time."
    ),
    origin="Shai-Hulud (Sep 2025): validated secrets posted to a webhook.site URL",
    reference=(
        "https://www.cisa.gov/news-events/alerts/2025/09/23/"
        "widespread-supply-chain-compromise-impacting-npm-ecosystem"
    ),
    detect=_webhook,
)


# A REST client's endpoint table (Octokit's, bundled by many CLIs): a method name keyed to its
# route, ``createForAuthenticatedUser: ["POST /user/repos"]``, among other routes. An entry (the
# key, the route first in its array, the name quoted whole) with ``ROUTE_MIN`` routes within
# ``ROUTE_REACH`` characters is the client's list, not a call; a call of the method or a request
# of the route (``.createForAuthenticatedUser({…})``, ``request("POST /user/repos", …)``) counts
# as before.
RX_ROUTE = re.compile(
    r"""['"`](?:GET|POST|PUT|PATCH|DELETE) (?:\{origin\})?/[^'"`\s]{0,200}['"`]"""
)
RX_TABLE_KEY = re.compile(r"""\s*:\s*\[\s*['"`](?:GET|POST|PUT|PATCH|DELETE) """)
RX_ARRAY_OPEN = re.compile(r"\[\s*$")
ROUTE_REACH = 400
ROUTE_MIN = 4


def _endpoint_entry(text: str, m: re.Match[str]) -> bool:
    """Is the match ``m`` (a repository made, a runner registered, a file put through the
    contents API) an entry of an endpoint table?"""
    at = m.start()
    if RX_TABLE_KEY.match(text, m.end()) is None:
        lit = string_literal_at(text, at)
        if lit is None:
            return False
        # the method's name quoted whole (a renamed entry's note, ``["actions", "…ForRepo"]``)
        named = lit == (m.start() - 1, m.end() + 1)
        if not named and (
            RX_ROUTE.fullmatch(text, lit[0], lit[1]) is None
            or RX_ARRAY_OPEN.search(text, max(0, lit[0] - 20), lit[0]) is None
        ):
            return False
    routes = RX_ROUTE.findall(text, max(0, at - ROUTE_REACH), at + ROUTE_REACH)
    return len(routes) >= ROUTE_MIN


def _not_an_entry(t: TextView, rx_: re.Pattern[str], *, hidden_too: bool = True) -> int | None:
    """The first match of ``rx_`` that is no endpoint table's entry (past ``MAX_LIVE`` entries
    the next match counts); with ``hidden_too``, one hidden in an encoded literal always
    counts."""
    for i, m in enumerate(t.matches(rx_, MAX_LIVE + 1)):
        if i == MAX_LIVE or not _endpoint_entry(t.text, m):
            return m.start()
    hidden = next(t.matches(rx_, 1, decoded=True), None) if hidden_too else None
    return t.map_decoded(hidden.start()) if hidden is not None else None


def _github_repo(s: FileSignals) -> Detection | None:
    if not s.t.may(RX_GH_REPO) or not s.gh_token:
        return None
    at = _not_an_entry(s.t, RX_GH_REPO)
    if at is None:
        return None
    families, cats = s.env[0], s.cred[0]
    strong = s.install or (s.secrets_touched and (len(families) >= 2 or bool(cats)))
    return found(HIGH if strong or s.exfil is not None else MEDIUM, at)


GITHUB_REPO = Pattern(
    id="GH-EXFIL-GITHUB-REPO",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Code creates GitHub repositories or registers runners with a harvested token",
    why=(
        "POST /user/repos or a runner registration token requested with a token taken from "
        "the environment or `gh auth token` is how nx and Shai-Hulud published stolen "
        "secrets and planted self-hosted runners."
    ),
    origin="nx 's1ngularity-repository' (Aug 2025); Shai-Hulud 1 and 2 (2025)",
    reference="https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c",
    detect=_github_repo,
)

# The workflows folder, its parts also given to ``path.join`` apart (``join(dir, '.github',
# 'workflows')``).
RX_WORKFLOW = rx(r"\.github" + PATH_SEP + r"workflows\b", anchors=(".github",))
RX_TOJSON_SECRETS = rx(r"toJSON\(\s*secrets\s*\)", anchors=("tojson(",))
# Written through GitHub (the contents API by URL or Octokit's method) or committed with git (a
# command line, or ``execFileSync('git', ['push'])``). ``git add`` alone only stages (a CLI's
# version command staging its bump: @napi-rs/cli 1.3.5).
RX_GH_CONTENTS = rx(
    r"/contents/\.github|createOrUpdateFileContents\b|git" + ARG_SEP + r"(?:commit|push)\b",
    anchors=("/contents/.github", "createorupdatefilecontents", "git"),
)


# A write call, or the folder made to write into (``mkdirSync(join(dir, '.github', 'workflows'))``).
RX_WRITE_CALL = re.compile(
    r"(?:writeFile(?:Sync)?|appendFile(?:Sync)?|createWriteStream|Bun\.write|outputFile(?:Sync)?"
    r"|mkdir(?:Sync|p)?|ensureDir(?:Sync)?|copyFile(?:Sync)?)\s*\("
)
WRITE_REACH = 400  # characters from a write call to the workflow path it writes


# The workflow path kept in a variable (``const dir = path.join(root, '.github', 'workflows')``),
# then given to a write call (``mkdirSync(dir, …)``, ``writeFileSync(path.join(dir, 'x.yml'), …)``).
RX_PATH_HOLDER = re.compile(r"\b(?:const|let|var)\s+([\w$]+)\s*=[^;\n=]{0,120}$")
HOLDER_REACH = 2000  # characters after the path where its variable is written to


# A read of the path: its call opens the statement the path is in (``readFileSync(join(root,
# '.github', 'workflows', 'ci.yml'))``, ``existsSync('.github/workflows')``).
RX_READ_CALL = re.compile(
    r"(?:readFile(?:Sync)?|existsSync|createReadStream|readdir(?:Sync)?|readJson(?:Sync)?"
    r"|(?:l?stat|access)Sync)\s*\([^;\n()]{0,120}(?:\([^;\n()]{0,120})?$"
)
READ_REACH = 250  # characters back from the path to its read call


def _written(text: str, at: int) -> bool:
    """Is the workflow path at ``at`` written: right after a write call, or through the variable
    its statement assigns?"""
    if RX_WRITE_CALL.search(text, max(0, at - WRITE_REACH), at):
        return True
    holder = RX_PATH_HOLDER.search(text, max(0, at - 160), at)
    if holder is None:
        return False
    name = re.escape(holder.group(1))
    rx_use = rf"{RX_WRITE_CALL.pattern}\s*(?:[\w$.]+\(\s*)?{name}(?![\w$])"
    return re.search(rx_use, text[at : at + HOLDER_REACH]) is not None


# The configuration file of another CI service, as a string (``'.travis.yml'``, ``"appveyor.yml"``,
# ``'.gitlab-ci.yml'``, ``'.circleci/config.yml'``…): a file writing it beside a GitHub workflow
# scaffolds the project's CI for several services (egg-ci's postinstall renders each from its
# templates); the worm plants a GitHub workflow only.
RX_OTHER_CI = re.compile(
    r"""['"`/\\](?:\.?travis\.ya?ml|\.?appveyor\.ya?ml|azure-pipelines\.ya?ml|\.gitlab-ci\.ya?ml"""
    r"""|\.circleci[/\\]+config\.ya?ml|bitbucket-pipelines\.ya?ml|\.drone\.ya?ml"""
    r"""|\.cirrus\.ya?ml|\.buildkite[/\\]+pipeline\.ya?ml|Jenkinsfile)['"`]"""
)


TOKEN_REACH = 4000  # characters from a workflow path written on disk to the token taken
PUSH_REACH = 4000  # characters from a workflow path to the git command or API call pushing it


def _names_other_ci(text: str) -> bool:
    """Does the file name another CI service's configuration outside comment lines (the first
    ``MAX_LIVE``)?"""
    return any(
        not in_comment_line(text, m.start()) for m in islice(RX_OTHER_CI.finditer(text), MAX_LIVE)
    )


def _workflow_write(s: FileSignals) -> Detection | None:
    t = s.t
    if not t.may(RX_WORKFLOW):
        return None
    # the contents API or git (an endpoint table's entry is no call of it)
    contents = _not_an_entry(t, RX_GH_CONTENTS, hidden_too=False) is not None
    if not (s.fs_write or contents):
        return None
    # The workflow path where code can use it: a comment naming the CI workflow that runs these
    # tests (`// .github/workflows/test.yaml runs this on Windows too`) writes nothing. A path
    # hidden in an encoded literal always counts.
    at = first_live(t, RX_WORKFLOW)
    if at is None:
        return None
    # A workflow path right after a write call (or the contents API / git) is a workflow written;
    # a tool that reads workflow files and writes some other file is only worth a look.
    text = s.text
    live = [
        m.start()
        for m in islice(RX_WORKFLOW.finditer(text), MAX_LIVE)
        if not in_comment_line(text, m.start())
    ]
    # the contents API or git beside workflow paths that are only read (a test reading its own
    # ``.github/workflows/ci.yml`` to check it; oh-my-claude-sisyphus 5.5.0) writes no workflow
    written_at = [at for at in live if _written(text, at)]
    # ... and git or the contents API pushes a workflow path near it (a worm's commit of its
    # workflow is one step; a coding agent's 2.2 MB bundle naming `.github/workflows/*.yml` in a
    # prompt's prose, `git push` in help text 54,745 characters away, pushes nothing:
    # @qwen-code/qwen-code 0.24.4)
    pushed = contents and any(
        t.near(RX_GH_CONTENTS, at - PUSH_REACH, at + PUSH_REACH)
        and not RX_READ_CALL.search(text, max(0, at - READ_REACH), at)
        for at in live
    )
    written = bool(written_at) or pushed
    # a GitHub token makes a workflow written on disk strong when it is taken near the write (a
    # CLI bundle's release command 81 KB away, @napi-rs/cli 1.3.5, is another command); with the
    # workflow pushed (contents API, git), anywhere in the file
    token = s.gh_token and (
        contents
        or any(t.near(RX_GH_TOKEN_SRC, at - TOKEN_REACH, at + TOKEN_REACH) for at in written_at)
    )
    # at install time, a workflow written among other CI services' configuration files, with
    # nothing pushed, no token and no secrets dump, is a CI scaffolder's: a review item
    scaffold = s.install and not contents and _names_other_ci(text)
    strong = (s.install and not scaffold) or t.find(RX_TOJSON_SECRETS) is not None or token
    return found(HIGH if strong and written else MEDIUM, at)


WORKFLOW_WRITE = Pattern(
    id="GH-EXFIL-WORKFLOW-WRITE",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Code writes GitHub Actions workflows",
    why=(
        "A dependency writing .github/workflows/*.yml (worst: one that serialises "
        "`toJSON(secrets)`) turns every later CI run into an exfiltration job."
    ),
    origin="Shai-Hulud (Sep 2025): .github/workflows/shai-hulud-workflow.yml",
    reference="https://panther.com/blog/shai-hulud-npm-supply-chain-attack",
    detect=_workflow_write,
)

# ``npm publish`` as a command line (``pnpm publish``, ``yarn npm publish`` hold it; ``bun
# publish`` and Windows' ``npm.cmd publish`` are the same step), or ``publish`` first in an
# argument list (``spawn(npm, ['publish', '--access', ...])``; ``[yalcBin, 'publish', '--push']``
# is another tool's verb), or any list starting with ``publish`` given to a package manager named
# right before it (``npm.cmd``, ``bun``, the end of a ternary): ``execFileSync('npm', ['publish',
# dir])``. Options may come before the verb (``npm --registry R publish``).
RX_NPM_PUBLISH = rx(
    r"(?:npm|bun)(?:\.cmd|\.exe)?\s+(?:--?[\w-]+(?:=[^\s'\"`]+|\s+[^\s'\"`-][^\s'\"`]*)?\s+){0,4}"
    r"publish\b|\[\s*['\"]publish['\"]\s*,\s*['\"]--"
    r"|['\"](?:p?npm|yarn|bun)(?:\.cmd|\.exe)?['\"]\s*\)?\s*,\s*\[\s*['\"]publish['\"]"
    r"|(?<![\w$.])(?P<prog>[A-Za-z_$][\w$]{0,40})\s*,\s*\[\s*['\"]publish['\"]"
    r"(?!\s*,\s*['\"]--)",
    anchors=("publish",),
)
# The program of ``spawn(npmBin, ['publish'])`` held in a variable: given a package manager's name
# (``npmBin = win ? 'npm.cmd' : 'npm'``) before the call; ``yalcBin = join(…, 'yalc')`` is not.
RX_MANAGER_VALUE = r"\s*=(?!=)[^;\n]{0,120}?['\"`](?:p?npm|yarn|bun)(?:\.cmd|\.exe)?['\"`]"
VALUE_BACK = 3000  # characters back from the call to the variable's assignment
# Inside the ``scripts`` table of a manifest a bundle carries (``scripts:{..., pub:"npm publish
# ./dist"}``, or declared on its own as a JSON plugin inlines a manifest field by field, ``var
# scripts = {...}``, ``scripts$1`` when renamed): the text of a script its authors run, not a
# command this code starts. An assignment to an existing object's ``scripts`` is not a table.
RX_SCRIPTS_TABLE = re.compile(
    r"""(?:\bscripts['"]?\s*:|\b(?:var|let|const)\s+(?P<var>scripts(?:\$\d+)?)\s*=)\s*\{[^{}]*$"""
)
TABLE_BACK = 2000  # characters back to the table's opening brace (a long scripts table)
# A usage example a CLI prints in its help: the command line of an ``examples: [[description,
# command], ...]`` table (clipanion's, as in the yarn release bundles packages vendor), or the
# first argument of yargs' ``.example(command, description)``; the string the command is in
# begins at the end of the match (pairs may end with a comma, as TypeScript's output writes them).
RX_USAGE_EXAMPLE = re.compile(
    r"""(?:\bexamples\s*:\s*\[\s*(?:\[\s*(?P<q1>['"`])(?:(?!(?P=q1))[^\\\n]|\\.)*(?P=q1)\s*,\s*"""
    r"""(?P<q2>['"`])(?:(?!(?P=q2))[^\\\n]|\\.)*(?P=q2)\s*,?\s*\]\s*,\s*)*"""
    r"""\[\s*(?P<q3>['"`])(?:(?!(?P=q3))[^\\\n]|\\.)*(?P=q3)\s*,\s*"""
    r"""|\.example\s*\(\s*)(?P<q4>['"`])[^'"`\n]*$"""
)
EXAMPLE_BACK = 1000  # characters back to the examples table's opening bracket
RX_NPM_WHOAMI = rx(r"npm\s+whoami\b|/-/whoami\b", anchors=("whoami",))
RX_MAINTAINER_ENUM = rx(
    r"/-/v1/search\?[^'\"`\s]*maintainer|maintainer:\$\{|maintainer:['\"]?\s*\+",
    anchors=("maintainer",),
)
# A lifecycle script put into a manifest: one key assigned (``pkg.scripts.postinstall = …``), or a
# whole table with an install key assigned to an object's ``scripts``, merged into it
# (``Object.assign(pkg.scripts, {…})``) or spread with the old one (``scripts: {...pkg.scripts,
# preinstall: …}``): the worm's step that makes the next install run it. A comparison
# (``scripts.install === …``) assigns nothing.
_INSTALL_KEY = r"""[^{}]{0,400}?['"]?\b(?:pre|post)?install['"]?\s*:"""
RX_INJECT_SCRIPT = rx(
    r"scripts\s*\.\s*(?:pre|post)?install\s*=(?!=)"
    r"|scripts\s*\[\s*['\"](?:pre|post)?install['\"]\s*\]\s*=(?!=)"
    r"|\.\s*scripts\s*=\s*\{"
    + _INSTALL_KEY
    + r"|Object\.assign\(\s*[\w$.]*scripts\s*,\s*\{"
    + _INSTALL_KEY
    + r"|scripts['\"]?\s*:\s*\{\s*\.\.\."
    + _INSTALL_KEY,
    anchors=("scripts",),
)
# The install script a package manager itself gives a package holding ``binding.gyp`` (npm, pnpm
# and yarn normalise a manifest so, and run ``node-gyp rebuild`` for it with or without the key),
# assigned as one key: the whole string, nothing chained after it. A table is judged as before
# (its other keys are not read one by one).
RX_GYP_DEFAULT = re.compile(r"""\s*(['"`])node-gyp rebuild\1""")


def _injects(t: TextView) -> bool:
    """Does the file put a lifecycle script of its own into a manifest (``RX_INJECT_SCRIPT``),
    other than the gyp default assigned as one key? Past ``MAX_LIVE`` gyp defaults, a further
    match counts."""
    for i, m in enumerate(t.matches(RX_INJECT_SCRIPT, MAX_LIVE + 1)):
        one_key = m.group(0).endswith("=")
        if i == MAX_LIVE or not one_key or RX_GYP_DEFAULT.match(t.text, m.end()) is None:
            return True
    return False


RX_TARBALL = rx(
    r"npm\s+pack\b|\.tgz\b|tar\s+-?[xczf]{2,}|package/package\.json",
    anchors=("npm pack", ".tgz", "tar ", "package/package.json"),
)


# Prose naming the command (``'Allow npm publish for this publisher'``, ``"a broken `npm
# publish`. Please ..."``): three words in a row before it on its line or right after it (a
# command is followed by its options or a folder), and nothing before it on the line that runs a
# command or chains one (an exec/spawn call, a shell operator).
RX_PROSE_BEFORE = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,},? [A-Za-z]{2,}")
RX_PROSE_AFTER = re.compile(r"`? [A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}")
RX_RUNS_BEFORE = re.compile(r"exec|spawn|system|run|&&|\|\||[;|]|\$\(|\\n")
PROSE_BACK = 80  # characters before the command on its line


def _in_prose(text: str, m: re.Match[str]) -> bool:
    at = m.start()
    lo = max(0, at - PROSE_BACK)
    nl = text.rfind("\n", lo, at)
    before = text[nl + 1 if nl >= 0 else lo : at]
    if RX_RUNS_BEFORE.search(before) is not None:
        return False
    return (
        RX_PROSE_BEFORE.search(before) is not None
        or RX_PROSE_AFTER.match(text, m.end(), m.end() + 40) is not None
    )


# A process call whose arguments name a word (``execSync(scripts.pub)``, ``(0, cp.execSync)(
# usage.examples[0][1])``, zx's ``$`${scripts.pub}` ``): ``{word}`` is filled in per site.
_RUNS_WORD = (
    r"(?:\b" + PROCESS_FN + r"\)?\s*\([^;{{}}]{{0,160}}?"
    r"|\$`[^`]{{0,160}}?\$\{{[^}}]{{0,80}}?){word}"
)
# A table variable used other than as the value of a property or a shorthand (``scripts:
# scripts``, ``{name, scripts}``: the manifest assembled), or the key of one (``scripts:``).
RX_ASSEMBLED = re.compile(r"\s*[,}]")
RX_KEY_AFTER = re.compile(r"\s*:(?!:)")
RX_VALUE_BEFORE = re.compile(r"[:{,]\s*$")
MAX_TABLE_USES = 30
# ``example`` defined in the file (a method, a property, a function) with a process call in its
# first lines: an exec wrapper named so, not yargs' help.
RX_EXAMPLE_DEF = re.compile(
    r"(?<![\w$])example\s*(?:[:=]\s*(?:async\s*)?(?:function\b[^{]{0,80}|\([^()]{0,80}\)\s*=>"
    r"|[\w$]+\s*=>)|\([^()]{0,80}\)\s*\{)|function\s+example\s*\([^()]{0,80}\)"
)
DEF_REACH = 300  # characters of an ``example`` definition's body looked at
# A scripts table walked: its entries taken one by one (to run them, in a worm's hands).
RX_TABLE_WALK = re.compile(
    r"\b(?:values|entries|keys)\(\s*[\w$.]*\bscripts(?:\$\d+)?\s*\)"
    r"|\bin\s+[\w$.]*\bscripts(?:\$\d+)?\s*\)"
)


class _Reads:
    """Whether a file reads its tables and examples as commands; each file-wide search is done
    once per file (a hostile file may hold ``MAX_LIVE`` tables)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._runs: dict[tuple[str, bool], bool] = {}
        self._vars: dict[str, bool] = {}
        self._wrapper: bool | None = None
        self._walked: bool | None = None

    def runs(self, word: str, *, member: bool = False) -> bool:
        """Does a process call's argument name ``word`` as code (``member``: as a property,
        ``.pub`` or ``["pub"]``), not inside a string (``--no-scripts``)?"""
        got = self._runs.get((word, member))
        if got is None:
            w = re.escape(word)
            if member:
                ref = rf"(?:\.\s*{w}(?![\w$])|\[\s*['\"]{w}['\"]\s*\])"
            else:
                ref = rf"(?<![\w$'\"`/-]){w}(?![\w$'\"`-])"
            got = re.search(_RUNS_WORD.format(word=ref), self.text) is not None
            self._runs[(word, member)] = got
        return got

    def variable(self, name: str) -> bool:
        """Is the table variable ``name`` read other than into a manifest object?"""
        got = self._vars.get(name)
        if got is None:
            got = self._vars[name] = _variable_read(self.text, name)
        return got

    def table(self, table: re.Match[str], at: int) -> bool:
        """Is the scripts table holding the command at ``at`` read as commands: its variable
        used other than into a manifest object, or its name or the command's key in a process
        call?"""
        name = table.group("var")
        if name is not None and self.variable(name):
            return True
        entry = RX_ENTRY_KEY.search(self.text, max(0, at - 80), at)
        key = (entry.group("key") or entry.group("qkey")) if entry is not None else None
        if self.runs("scripts") or self.walked():
            return True
        return key is not None and (self.runs(key, member=True) or self.entry_read(key))

    def walked(self) -> bool:
        """Is a scripts table walked (``Object.values(meta.scripts)``, ``for (k in scripts)``)?"""
        if self._walked is None:
            self._walked = RX_TABLE_WALK.search(self.text) is not None
        return self._walked

    def entry_read(self, key: str) -> bool:
        """Is the table's entry read as a value (``const c = meta.scripts.pub``), not assigned?"""
        k = re.escape(key)
        rx_read = (
            rf"\bscripts(?:\$\d+)?\s*(?:\.\s*{k}(?![\w$])|\[\s*['\"]{k}['\"]\s*\])(?!\s*=(?!=))"
        )
        return re.search(rx_read, self.text) is not None

    def example(self, example: re.Match[str]) -> bool:
        """Is the usage example read as a command: the examples table in a process call, or
        ``.example`` defined here as a function that starts a process?"""
        if not example.group(0).startswith("."):
            return self.runs("examples")
        if self._wrapper is None:
            text = self.text
            self._wrapper = any(
                RX_PROCESS_CALL.search(text, d.end(), d.end() + DEF_REACH)
                for d in islice(RX_EXAMPLE_DEF.finditer(text), MAX_TABLE_USES)
            )
        return self._wrapper


def _variable_read(text: str, name: str) -> bool:
    """Is the table variable ``name`` read other than into a manifest object (past
    ``MAX_TABLE_USES`` uses it counts as read)?"""
    uses = re.finditer(rf"(?<![\w$.'\"`/-]){re.escape(name)}(?![\w$'\"`-])", text)
    for i, use in enumerate(uses):
        if i >= MAX_TABLE_USES:
            return True
        before = text[max(0, use.start() - 20) : use.start()]
        if RX_KEY_AFTER.match(text, use.end()) or (
            RX_VALUE_BEFORE.search(before) and RX_ASSEMBLED.match(text, use.end())
        ):
            continue  # a key, a value placed into an object, a shorthand
        if RX_DECLARED.search(before) and RX_ASSIGN.match(text, use.end()):
            continue  # the declaration
        return True
    return False


RX_DECLARED = re.compile(r"(?:var|let|const)\s+$")
RX_ASSIGN = re.compile(r"\s*=(?!=)")


# Every form names ``publish``: each occurrence is looked at in a window around it (one search
# of the alternation over the whole file tries its quote-led branches at every quote).
RX_PUBLISH_WORD = re.compile("publish")
PUBLISH_BACK = 300  # characters back from ``publish`` to the start of a form (options between)
PUBLISH_AHEAD = 40  # characters after it (``'publish', '--access'``)
MAX_PUBLISH_WORDS = 2000


def _publish_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``RX_NPM_PUBLISH`` in order (the first ``MAX_LIVE``), found around each
    ``publish`` (the first ``MAX_PUBLISH_WORDS``)."""
    last, n = -1, 0
    for word in islice(RX_PUBLISH_WORD.finditer(text), MAX_PUBLISH_WORDS):
        lo = max(last + 1, word.start() - PUBLISH_BACK)
        for m in RX_NPM_PUBLISH.finditer(text, lo, word.end() + PUBLISH_AHEAD):
            if m.start() > last and m.end() >= word.end():
                last, n = m.start(), n + 1
                yield m
                if n >= MAX_LIVE:
                    return
                break


def _names_manager(text: str, m: re.Match[str]) -> bool:
    """Does the match name its package manager (a variable's only when it was given one)?"""
    prog = m.groupdict().get("prog")
    if prog is None:
        return True
    pattern = r"(?<![\w$.])" + re.escape(prog) + RX_MANAGER_VALUE
    return re.search(pattern, text[max(0, m.start() - VALUE_BACK) : m.start()]) is not None


def _publish_sites(t: TextView, data_is_help: bool = True) -> Iterator[tuple[int, bool]]:
    """Each ``npm publish`` that can run, in order, and whether it is hidden: not on a comment
    line, not a script of a bundled manifest or a usage example (while nothing reads them as
    commands and ``data_is_help``), not named in prose; the first in the decoded view (hidden)
    always, last."""
    text = t.text
    reads = _Reads(text)
    for m in _publish_matches(text) if t.may(RX_NPM_PUBLISH) else ():
        at = m.start()
        if in_comment_line(text, at) or not _names_manager(text, m):
            continue
        table = RX_SCRIPTS_TABLE.search(text, max(0, at - TABLE_BACK), at)
        if table is not None and data_is_help and not reads.table(table, at):
            continue
        example = RX_USAGE_EXAMPLE.search(text, max(0, at - EXAMPLE_BACK), at)
        if example is not None and data_is_help and not reads.example(example):
            continue
        if _in_prose(text, m):
            continue
        yield at, False
    hidden = next(t.matches(RX_NPM_PUBLISH, 1, decoded=True), None)
    if hidden is not None:
        yield t.map_decoded(hidden.start()), True


def _publish_site(t: TextView, data_is_help: bool = True) -> int | None:
    """The first ``npm publish`` that can run (``_publish_sites``)."""
    return next((at for at, _hidden in _publish_sites(t, data_is_help)), None)


# A script serving several npm scripts dispatches on the task it is given (``switch (task) {
# case 'postinstall': …; case 'release': release(); }``; mediasoup's ``npm-scripts.mjs``, run by
# its postinstall as ``node npm-scripts.mjs postinstall``). Code under another task's label, and
# functions that only such code names, do not run at install time.
RX_CASE_LABEL = re.compile(r"\b(?:case\s*(['\"`])(?P<w>[^'\"`\n]{1,60})\1|default)\s*:")
RX_CASE_EXIT = re.compile(r"\b(?:break|return|throw|continue)\b|\bprocess\.exit\s*\(")
# A function declared with a body: ``function f(…) {``, ``const f = async (…) => {``,
# ``let f = function (…) {`` (the parameters without parentheses inside; other forms are not
# told apart: what they name counts for the code around them, which reaches more, never less).
_PARAMS = r"\([^()]{0,300}\)"
RX_FUNC_DECL = re.compile(
    rf"\bfunction\s*\*?\s*(?P<a>[\w$]+)\s*{_PARAMS}\s*\{{"
    rf"|\b(?:const|let|var)\s+(?P<b>[\w$]+)\s*=\s*(?:async\s*)?"
    rf"(?:function\b\s*\*?\s*[\w$]*\s*{_PARAMS}|(?:{_PARAMS}|[\w$]+)\s*=>)\s*\{{"
)
RX_WORD = re.compile(r"[\w$]+")
TASK_FILE_MAX = 1_000_000  # characters of a file whose tasks are told apart
MAX_LABELS = 400
MAX_SWITCHES = 40  # blocks holding labels; past them the file is not read for tasks
_K = TypeVar("_K")
MAX_FUNCS = 2000


def _blocks(text: str) -> tuple[dict[int, int], list[int]] | None:
    """Each ``{``'s offset -> its ``}``'s (strings, template literals and comments skipped), and
    where each comment starts and ends (in order, flat); None when the braces do not balance (a
    regex literal holding a brace or a quote): not read."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    comments: list[int] = []
    for tok in RX_TOKEN.finditer(text):
        op = tok.group("op")
        if op == "{":
            stack.append(tok.start())
        elif op == "}":
            if not stack:
                return None
            pairs[stack.pop()] = tok.start()
        elif op is None and text.startswith(("//", "/*"), tok.start()):
            comments += (tok.start(), tok.end())
    return (pairs, comments) if not stack else None


RX_SWITCH_HEAD = re.compile(r"\bswitch\s*\(\s*(?P<d>[\w$.\[\]]{1,80})\s*\)\s*$")


def _on_argv(text: str, brace: int) -> bool:
    """Does the ``switch`` whose block opens at ``brace`` test the command line's argument
    (``switch (process.argv[2])``, or a name given it: ``const task = process.argv[2]``,
    ``const [, , task] = process.argv``)?"""
    head = RX_SWITCH_HEAD.search(text, max(0, brace - 120), brace)
    if head is None:
        return False
    d = head.group("d")
    if d.startswith("process.argv"):
        return True
    if not re.fullmatch(r"[\w$]+", d):
        return False
    name = re.escape(d)
    given = rf"(?<![\w$.]){name}\s*=(?!=)[^;\n]{{0,80}}\bprocess\.argv\b"
    spread = rf"\[[^\]\n]{{0,80}}(?<![\w$.]){name}\b[^\]\n]{{0,80}}\]\s*=\s*process\.argv\b"
    return re.search(f"{given}|{spread}", text) is not None


def _dead_cases(
    text: str, labels: list[re.Match[str]], pairs: dict[int, int], tasks: frozenset[str]
) -> list[tuple[int, int]] | None:
    """The code of the other labels of a ``switch`` that has an install task's label: from such
    a label to the next one (its block's end for the last), unless code reached by an install
    task's label falls into it (no exit between)."""
    blocks = sorted((lo, lo, hi) for lo, hi in pairs.items())
    by_switch: dict[int, list[re.Match[str]]] = {}  # the innermost block's "{" -> its labels
    for m, lo in zip(labels, _owners((m.start() for m in labels), blocks, -1), strict=True):
        by_switch.setdefault(lo, []).append(m)
    if len(by_switch) > MAX_SWITCHES:
        return None
    dead: list[tuple[int, int]] = []
    for lo, group in by_switch.items():
        if lo < 0 or not any(m.group("w") in tasks for m in group) or not _on_argv(text, lo):
            continue  # a switch on something else (a platform, an option): every case may run
        hi = pairs[lo]
        entered = False  # reached by an install task, directly or falling through
        for i, m in enumerate(group):
            end = group[i + 1].start() if i + 1 < len(group) else hi
            falls = entered and not RX_CASE_EXIT.search(text, group[i - 1].end(), m.start())
            entered = m.group("w") in tasks or falls
            if not entered:
                dead.append((m.start(), end))  # (the label's own text names nothing)
    return dead


def _in_comment(text: str, comments: list[int], at: int) -> bool:
    """Is ``at`` inside a comment (``comments``: starts and ends, flat) on a comment line? A doc
    comment naming a function calls nothing; both readings must agree (a ``//`` inside a regex
    literal is no comment, nor a line led by ``*`` that multiplies)."""
    return bisect_right(comments, at) % 2 == 1 and in_comment_line(text, at)


def _other_task(text: str, tasks: frozenset[str]) -> Callable[[int], bool] | None:
    """Whether code at an offset sits under a task label the install hooks do not give, directly
    or in a declared function that only such code names (however deep); None when the file does
    not read plainly (no label of an install task, unbalanced braces). Code that runs on load,
    or in a function any live code names (a string naming it too; a comment does not), is not
    another task's."""
    if len(text) > TASK_FILE_MAX:
        return None
    labels = list(islice(RX_CASE_LABEL.finditer(text), MAX_LABELS))
    if not any(m.group("w") in tasks for m in labels):
        return None
    read = _blocks(text)
    if read is None:
        return None
    pairs, comments = read
    dead = _dead_cases(text, labels, pairs, tasks)
    if dead is None:
        return None
    merged: list[list[int]] = []  # the dead stretches, disjoint and in order
    for lo, hi in sorted(dead):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    starts = [lo for lo, _hi in merged]

    def live(pos: int) -> bool:
        i = bisect_right(starts, pos) - 1
        return i < 0 or pos >= merged[i][1]

    funcs: list[tuple[str, int, int]] = []  # name, body's "{", its "}"
    declared: set[int] = set()  # where each name is declared (not a use)
    for f in islice(RX_FUNC_DECL.finditer(text), MAX_FUNCS):
        group = "a" if f.group("a") else "b"
        funcs.append((f.group(group), f.end() - 1, pairs.get(f.end() - 1, f.end() - 1)))
        declared.add(f.start(group))
    names = {name for name, _lo, _hi in funcs}
    funcs.sort(key=lambda f: f[1])
    uses = [
        w
        for w in RX_WORD.finditer(text)
        if w.group(0) in names
        and text[w.start() - 1 : w.start()] != "."  # ``os.release()`` calls no local ``release``
        and w.start() not in declared
        and live(w.start())
        and not _in_comment(text, comments, w.start())
    ]
    calls: dict[str, set[str]] = {}
    for here, w in zip(_owners((w.start() for w in uses), funcs, ""), uses, strict=True):
        calls.setdefault(here, set()).add(w.group(0))
    reached, todo = {""}, [""]
    while todo:
        for name in calls.get(todo.pop(), ()):
            if name not in reached:
                reached.add(name)
                todo.append(name)

    def other(at: int) -> bool:
        return not (live(at) and next(_owners([at], funcs, "")) in reached)

    return other


def _owners(offsets: Iterable[int], spans: list[tuple[_K, int, int]], outside: _K) -> Iterator[_K]:
    """The key of the innermost span holding each offset (``outside`` for none), for offsets
    in order; ``spans`` (key, start, end) sorted by start, nested: one sweep."""
    stack: list[tuple[_K, int]] = []  # (key, end) of the spans open here
    nxt = 0
    for pos in offsets:
        while nxt < len(spans) and spans[nxt][1] < pos:
            key, lo, hi = spans[nxt]
            while stack and stack[-1][1] <= lo:
                stack.pop()
            stack.append((key, hi))
            nxt += 1
        while stack and stack[-1][1] <= pos:
            stack.pop()
        yield stack[-1][0] if stack else outside


def _npm_publish(s: FileSignals) -> Detection | None:
    t = s.t
    if not t.may(RX_NPM_PUBLISH):
        return None
    inject = _injects(t)
    enum = t.search(RX_MAINTAINER_ENUM) is not None
    # beside the worm's other steps (a script injected, a maintainer's packages listed), a
    # command kept in a scripts table or a usage example is no help text
    sites = _publish_sites(t, data_is_help=not (inject or enum))
    at, hidden = next(sites, (None, False))
    if at is None:
        return None
    if inject or enum:
        return found(HIGH, at)
    if s.install:
        # another task of a script serving several npm scripts (its release task) is a look, not
        # a verdict; not when a publish is hidden or the file evaluates code (what it runs by
        # name at run time could reach it)
        other = (
            None
            if hidden or not s.tasks or s.eval_sink is not None
            else (_other_task(s.text, s.tasks))
        )

        # a command held as data (an option's default, ``publishCommand: 'npm publish'``) in a
        # file that starts no process and evaluates no code: what runs it is elsewhere, if
        # anywhere (publish-please 5.5.2's options module, reached by its postinstall)
        def runs(pos: int, pos_hidden: bool) -> bool:
            if not pos_hidden and s.held_as_data(pos):
                return False
            return pos_hidden or other is None or not other(pos)

        if runs(at, hidden):
            return found(HIGH, at)
        for more, more_hidden in sites:
            if runs(more, more_hidden):
                return found(HIGH, more)
        return found(MEDIUM, at)
    if t.search(RX_NPM_WHOAMI) is not None and t.find(RX_TARBALL):
        return found(MEDIUM, at)
    return None


NPM_PUBLISH = Pattern(
    id="GH-PROPAGATE-NPM-PUBLISH",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Code publishes npm packages with the installer's token (worm propagation)",
    why=(
        "`npm whoami` / maintainer search followed by `npm publish`, or injecting a "
        "postinstall into another package's manifest, from code that runs at install time is "
        "the Shai-Hulud worm loop; release tools (semantic-release...) are not install-time."
    ),
    origin="Shai-Hulud (Sep 2025): republished every package the stolen token could write",
    reference=(
        "https://www.cisa.gov/news-events/alerts/2025/09/23/"
        "widespread-supply-chain-compromise-impacting-npm-ecosystem"
    ),
    detect=_npm_publish,
)

UNITS = (WEBHOOK, GITHUB_REPO, WORKFLOW_WRITE, NPM_PUBLISH)
