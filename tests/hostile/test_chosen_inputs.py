"""Files the user chose (decision 0161): a link into /proc, /sys or /dev is refused unread.

``fstat`` calls ``/proc/self/environ`` a regular file, so ``fs.read``'s open alone lets it through.
Rule files were refused since 0158 (``pseudo_refusal``); the feeds ``rules import`` reads, the
reports ``collect`` reads, a ``-ignore`` file and the files ``inventory add`` takes went through
plain ``read_regular``: a folder of OSV records holding ``x.json -> /proc/self/environ`` was read
(the error then named a JSON position of this process's environment). Now every such reader is
``fs.read.read_chosen`` (one mechanism): refused before any open, by its path only.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.errors import SuppressionError
from gouvernante.fs import read as read_mod
from gouvernante.inventory.external import report_source, sbom_source
from gouvernante.suppress import load_suppressions

REFUSAL = "resolves into /proc, /sys or /dev; refusing to read it"

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/environ"), reason="no /proc")


def _plant(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / name
    os.symlink("/proc/self/environ", link)
    return link


def _cases(tmp: Path) -> list[tuple[str, list[str], Path]]:
    """(label, argv, planted link) for every reader of user-chosen files."""
    feeds = tmp / "feeds"
    return [
        (
            "osv folder",
            ["rules", "import", "osv", str(feeds), "-o", str(tmp / "out")],
            feeds / "r.json",
        ),
        (
            "osv file",
            ["rules", "import", "osv", str(tmp / "one.json"), "-o", str(tmp / "o")],
            tmp / "one.json",
        ),
        (
            "osv zip",
            ["rules", "import", "osv", str(tmp / "all.zip"), "-o", str(tmp / "o")],
            tmp / "all.zip",
        ),
        (
            "csv",
            ["rules", "import", "csv", str(tmp / "f.csv"), "-o", str(tmp / "o")],
            tmp / "f.csv",
        ),
        (
            "list",
            ["rules", "import", "list", str(tmp / "l.txt"), "-o", str(tmp / "o")],
            tmp / "l.txt",
        ),
        ("collect folder", ["collect", str(tmp / "reports")], tmp / "reports" / "r.json"),
        ("collect file", ["collect", str(tmp / "one-report.json")], tmp / "one-report.json"),
    ]


LABELS = ["osv folder", "osv file", "osv zip", "csv", "list", "collect folder", "collect file"]


@pytest.mark.parametrize("label", LABELS)
def test_a_link_into_proc_given_to_a_reader_of_chosen_files_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, label: str
) -> None:
    case = {c[0]: c for c in _cases(tmp_path)}[label]
    _, argv, link = case
    _plant(link.parent, link.name)
    opened: list[str] = []
    real_open = read_mod.open_regular

    def spy(path: str, display: str | None = None) -> int:
        opened.append(path)
        return real_open(path, display)

    monkeypatch.setattr(read_mod, "open_regular", spy)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    text = out.getvalue() + err.getvalue()
    assert code == 1, text
    assert REFUSAL in text, text
    assert str(link) not in opened
    assert "Traceback" not in text


def test_an_ignore_file_linked_into_proc_is_refused(tmp_path: Path) -> None:
    link = _plant(tmp_path, "ignore.json")
    with pytest.raises(SuppressionError, match="resolves into /proc"):
        load_suppressions(str(link))


def test_an_sbom_or_report_linked_into_proc_is_an_issue(tmp_path: Path) -> None:
    link = _plant(tmp_path, "bom.json")
    for issue in (sbom_source(str(link), "host", 0), report_source(str(link), "host")):
        assert REFUSAL in getattr(issue, "detail", str(issue))


def test_a_regular_file_reached_through_a_link_is_still_read(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.txt"
    real.write_bytes(b"left-pad@1.3.0\n")
    os.symlink(real, tmp_path / "l.txt")
    assert read_mod.read_chosen_file(str(tmp_path / "l.txt"), 100) == b"left-pad@1.3.0\n"
