"""False positives of a sweep over the last release of the previous majors of popular packages
(decision 0095).

Each case is our own minimal sample of a construct met in a well-known release (named in the
test's docstring), not its code; each benign case is paired with the technique put back where it
runs, which must still be found.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import heuristic_found as _found
from helpers import heuristic_package as _package

# A package manager's bundle: its manifest reader gives a package holding ``binding.gyp`` the
# default install script (``node-gyp rebuild``, what npm runs for such a package anyway) and
# compares against it; its publish command prints a usage line. Nothing runs at install.
_MANAGER = """const fs = require('fs');
const path = require('path');
function normalize(data) {
  if (data.scripts && data.scripts.install === "node-gyp rebuild" && !data.scripts.preinstall) {
    data.gypfile = true;
  }
  return data;
}
function gypDefault(root, scripts) {
  if (fs.existsSync(path.join(root, "binding.gyp"))) {
    scripts.install = "node-gyp rebuild";
  }
}
function withGyp(pkg) {
  pkg.scripts = { ...pkg.scripts };
  pkg.scripts['install'] = 'node-gyp rebuild';
  return pkg;
}
const publishCommand = {
  name: "publish",
  usages: ["pnpm publish [<tarball>|<dir>] [--tag <tag>] [--access <public|restricted>]"],
  help: () => "Publishes a package to the registry.",
};
module.exports = { normalize, gypDefault, withGyp, publishCommand };
"""


def test_a_managers_gyp_default_install_script_is_no_injection(tmp_path: Path) -> None:
    """pnpm@11.29.0 ``dist/pnpm.mjs`` (16 MB, no install script): plain high
    GH-PROPAGATE-NPM-PUBLISH from its ``pnpm publish`` usage line, because the file "injects a
    lifecycle script": its manifest normalizer's ``data.scripts.install === "node-gyp rebuild"``
    (a comparison) and ``scripts.install = "node-gyp rebuild"`` (the default npm itself gives a
    package with a ``binding.gyp``)."""
    assert "GH-PROPAGATE-NPM-PUBLISH" not in _found(_package(tmp_path, _MANAGER))


@pytest.mark.parametrize(
    "inject",
    [
        'pkg.scripts.postinstall = "node bundle.js";',
        "pkg.scripts['preinstall'] = 'node setup.js';",
        'pkg.scripts.install = "node-gyp rebuild && node bundle.js";',
        "pkg.scripts.install = `node-gyp rebuild; node bundle.js`;",
        'pkg.scripts = { test: "x", install: "node bundle.js" };',
        'pkg.scripts = { install: "node-gyp rebuild", postinstall: "node bundle.js" };',
        "Object.assign(pkg.scripts, { install: 'node-gyp rebuild', preinstall: 'node b.js' });",
        "Object.assign(pkg.scripts, { postinstall: 'node bundle.js' });",
        # the default compared, then the worm's own command assigned
        'if (pkg.scripts.install === "node-gyp rebuild") pkg.scripts.install = "node b.js";',
    ],
)
def test_a_script_injected_beside_the_gyp_default_is_still_found(
    tmp_path: Path, inject: str
) -> None:
    """The worm's step (a lifecycle script of its own put into a manifest, here beside the
    manager's gyp default and its publish usage line) still makes the publish high, run at
    install or not."""
    code = _MANAGER + inject + "\n"
    assert _found(_package(tmp_path, code))["GH-PROPAGATE-NPM-PUBLISH"] == "high"


# A CI scaffolder's postinstall: it renders the installing project's CI files from templates in
# its own folder, one per CI service the project asks for (Travis, AppVeyor, GitHub Actions),
# making the workflows folder first.
_CI_SCAFFOLD = """const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '../..');
const pkg = require(path.join(root, 'package.json'));
const types = (pkg.ci && pkg.ci.type) || ['travis', 'appveyor', 'github'];
function tpl(name) {
  return fs.readFileSync(path.join(__dirname, 'templates', name), 'utf8');
}
for (const type of types) {
  let name;
  let body;
  if (type === 'travis') {
    name = '.travis.yml';
    body = tpl('travis');
  } else if (type === 'appveyor') {
    name = 'appveyor.yml';
    body = tpl('appveyor');
  } else {
    name = '.github/workflows/nodejs.yml';
    body = tpl('github.yml').replace('{{node}}', '20');
    const dir = path.join(root, '.github', 'workflows');
    if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
  }
  fs.writeFileSync(path.join(root, name), body);
}
"""


def test_a_ci_scaffolder_writing_several_services_configs_is_a_review_item(
    tmp_path: Path,
) -> None:
    """egg-ci@1.19.1 ``install.js`` (its postinstall): plain high GH-EXFIL-WORKFLOW-WRITE; it
    writes the installing project's ``.travis.yml``, ``appveyor.yml``, ``azure-pipelines.yml``
    and ``.github/workflows/nodejs.yml`` from its own templates, with no token, no
    ``toJSON(secrets)`` and nothing pushed (egg-ci 2.2.0, GitHub only, was medium)."""
    found = _found(_package(tmp_path, _CI_SCAFFOLD, install=True))
    assert found.get("GH-EXFIL-WORKFLOW-WRITE") == "medium"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # the workflow's body serialises the secrets
        ("body = tpl('github.yml').replace('{{node}}', '20');",
         "body = 'on: push\\njobs:\\n  x:\\n    steps:\\n'\n"
         "      + '      - run: echo ${{ toJSON(secrets) }}';"),
        # a GitHub token beside it
        ("const root = ", "const t = process.env.GITHUB_TOKEN;\nconst root = "),
        # the workflow committed and pushed
        ("fs.writeFileSync(path.join(root, name), body);",
         "fs.writeFileSync(path.join(root, name), body);\n  "
         "require('child_process').execSync('git add -A && git commit -m ci && git push');"),
    ],
)  # fmt: skip
def test_a_workflow_written_at_install_beside_the_worms_steps_stays_high(
    tmp_path: Path, old: str, new: str
) -> None:
    """The same postinstall with the worm's other steps (a secrets dump in the workflow, a
    GitHub token, a push) is still plain high."""
    code = _CI_SCAFFOLD.replace(old, new)
    assert code != _CI_SCAFFOLD
    found = _found(_package(tmp_path, code, install=True))
    assert found.get("GH-EXFIL-WORKFLOW-WRITE") == "high"


def test_a_workflow_writer_naming_other_services_only_in_comments_stays_high(
    tmp_path: Path,
) -> None:
    """Other CI services named on comment lines only: a GitHub workflow written at install,
    plain high as before."""
    code = _CI_SCAFFOLD
    for name in ("'.travis.yml'", "'appveyor.yml'"):
        code = code.replace(f"    name = {name};", f"    // name = {name};")
    assert code.count("// name = ") == 2
    found = _found(_package(tmp_path, code, install=True))
    assert found.get("GH-EXFIL-WORKFLOW-WRITE") == "high"


# A native-addon CLI bundle: a REST client for GitHub with its endpoint table (method name ->
# route), a release command that uploads assets with the GitHub token from the environment and
# logs in to a registry, and, far from both, a ``new`` command writing a project's files, its CI
# workflow among them.
_ENDPOINTS = """const Endpoints = {
  actions: {
    addSelectedRepoToOrgSecret: ["PUT /orgs/{org}/actions/secrets/{secret_name}/repositories/{id}"],
    createRegistrationTokenForOrg: ["POST /orgs/{org}/actions/runners/registration-token"],
    createRegistrationTokenForRepo: [
      "POST /repos/{owner}/{repo}/actions/runners/registration-token",
    ],
    createRegistrationToken: [
      "POST /repos/{owner}/{repo}/actions/runners/registration-token",
      {},
      { renamed: ["actions", "createRegistrationTokenForRepo"] },
    ],
    deleteArtifact: ["DELETE /repos/{owner}/{repo}/actions/artifacts/{artifact_id}"],
    getWorkflow: ["GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}"],
  },
  repos: {
    createOrUpdateFileContents: ["PUT /repos/{owner}/{repo}/contents/{path}"],
    createForAuthenticatedUser: ["POST /user/repos"],
    createInOrg: ["POST /orgs/{org}/repos"],
    get: ["GET /repos/{owner}/{repo}"],
    uploadReleaseAsset: ["POST {origin}/repos/{owner}/{repo}/releases/{release_id}/assets"],
  },
};
"""
_RELEASE = """async function release(tag, files) {
  const gh = new GitHub({ auth: process.env.GITHUB_TOKEN });
  const login = `docker login -u $DOCKER_USERNAME -p $DOCKER_PASSWORD $DOCKER_REGISTRY_URL`;
  const npmToken = process.env.NPM_TOKEN;
  for (const f of files) await gh.repos.uploadReleaseAsset({ tag, data: read(f) });
  return { login, npmToken };
}
"""
_NEW_PROJECT = """class NewProject {
  stage() {
    return spawn("git add .");
  }
  writeFile(name, body) {
    fs.writeFileSync(path.join(this.dir, name), body);
  }
  run() {
    const githubDir = path.join(this.dir, ".github");
    const workflowsDir = path.join(githubDir, "workflows");
    fs.mkdirSync(workflowsDir, { recursive: true });
    this.writeFile(path.join(".github", "workflows", "CI.yml"), ciYml(this.name, this.targets));
    this.writeFile("Cargo.toml", cargoToml(this.name));
  }
}
"""
# Our own filler: the many commands and helpers between the parts of a bundle.
_FILLER = "".join(f"function helper{i}(a, b) {{ return a * {i} + b; }}\n" for i in range(200))
_HEADER = "const fs = require('fs');\nconst path = require('path');\n"


def test_a_rest_clients_endpoint_table_creates_no_repository(tmp_path: Path) -> None:
    """@napi-rs/cli@1.3.5 ``scripts/index.js`` (its bin, a 955 KB bundle): plain high
    GH-EXFIL-GITHUB-REPO from Octokit's endpoint table (``"POST /repos/{owner}/{repo}/actions/
    runners/registration-token"``, ``createForAuthenticatedUser: ["POST /user/repos"]``) in a
    file that takes ``process.env.GITHUB_TOKEN`` to upload release assets."""
    found = _found(_package(tmp_path, _HEADER + _ENDPOINTS + _FILLER + _RELEASE))
    assert "GH-EXFIL-GITHUB-REPO" not in found


@pytest.mark.parametrize(
    "call",
    [
        "gh.rest.repos.createForAuthenticatedUser({ name: 'x', private: false });",
        "gh.request('POST /user/repos', { name: 'x' });",
        'gh.request("POST /repos/{owner}/{repo}/actions/runners/registration-token", {o, r});',
        "fetch('https://api.github.com/user/repos', { method: 'POST', headers: h });",
        "gh.actions.createRegistrationTokenForRepo({ owner, repo });",
    ],
)
def test_a_repository_made_beside_an_endpoint_table_is_still_found(
    tmp_path: Path, call: str
) -> None:
    """A repository created or a runner registered by a call, in the same bundle as the table,
    is still plain high."""
    code = _HEADER + _ENDPOINTS + _FILLER + _RELEASE + call + "\n"
    assert _found(_package(tmp_path, code))["GH-EXFIL-GITHUB-REPO"] == "high"


def test_a_generators_workflow_far_from_the_release_token_is_a_review_item(
    tmp_path: Path,
) -> None:
    """@napi-rs/cli@1.3.5 ``scripts/index.js``: plain high GH-EXFIL-WORKFLOW-WRITE from its
    ``new`` command writing the new project's ``.github/workflows/CI.yml``; the GitHub token was
    its release command's, 81 KB further (``process.env.GITHUB_TOKEN`` for an asset upload), and
    the contents API only its REST client's table entry (``createOrUpdateFileContents: [...]``)
    and git only its version command's ``git add .``."""
    code = _HEADER + _ENDPOINTS + _NEW_PROJECT + _FILLER + _RELEASE
    assert _found(_package(tmp_path, code))["GH-EXFIL-WORKFLOW-WRITE"] == "medium"


@pytest.mark.parametrize(
    "extra",
    [
        # the token taken beside the write
        ("const t = process.env.GITHUB_TOKEN;\n", ""),
        # the workflow pushed, the token anywhere in the file
        ("", "require('child_process').execSync('git add .github && git push');\n"),
        ("", "gh.repos.createOrUpdateFileContents({ owner, repo, path: p, content: c });\n"),
    ],
)
def test_a_workflow_written_near_a_token_or_pushed_stays_high(
    tmp_path: Path, extra: tuple[str, str]
) -> None:
    """The token taken near the write, or the workflow pushed with the token anywhere in the
    file, is still plain high."""
    before, after = extra
    code = _HEADER + before + _ENDPOINTS + _NEW_PROJECT + _FILLER + _RELEASE + after
    assert _found(_package(tmp_path, code))["GH-EXFIL-WORKFLOW-WRITE"] == "high"


# A coding agent's bundle: a review sub-agent's prompt names the workflows folder in prose; far
# away, other prompts and the help text tell the model or the user to push, and name the token.
_AGENT_PROMPT = """const reviewPrompt = `You review the change set. Pay attention to changes to
CI configuration: edits to .github/workflows/*.yml files can run with repository secrets, so
flag any step that prints them or sends them anywhere, and say which job is affected.`;
"""
_AGENT_FAR = "\n".join(f"const note{i} = 'tool output line {i}';" for i in range(200)) + "\n"
_AGENT_HELP = """const commitPrompt = `When the user asks, run git commit and then git push.`;
const help = "Set GH_TOKEN to let the agent open pull requests.";
const token = process.env.GH_TOKEN;
"""


def test_a_workflow_path_in_a_prompt_far_from_any_push_is_a_review_item(tmp_path: Path) -> None:
    """@qwen-code/qwen-code@0.24.4 ``chunks/chunk-WH7PDTZL.js`` (2.2 MB, no install script):
    plain high GH-EXFIL-WORKFLOW-WRITE from ``.github/workflows/*.yml`` in a code-review prompt;
    the file's ``git push`` was in other prompts and help text 54,745 characters away."""
    assert len(_AGENT_FAR) > 4000
    code = _AGENT_PROMPT + _AGENT_FAR + _AGENT_HELP
    assert _found(_package(tmp_path, code))["GH-EXFIL-WORKFLOW-WRITE"] == "medium"


def test_a_workflow_path_pushed_near_it_stays_high(tmp_path: Path) -> None:
    """The same path with the git command that pushes it beside it is still plain high."""
    push = "require('child_process').execSync('git add .github/workflows && git push');\n"
    code = _AGENT_PROMPT + push + _AGENT_FAR + _AGENT_HELP
    assert _found(_package(tmp_path, code))["GH-EXFIL-WORKFLOW-WRITE"] == "high"
