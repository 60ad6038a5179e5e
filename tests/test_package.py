"""The package: complete or nothing, a manifest that traces every input, a zip of it all, names that
cannot escape the output folder, and the briefing step called with the client's assessment."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from factories import make_client
from toolkit.package import writer as package
from toolkit.core.naming import package_dir
from toolkit.cli import main
from toolkit.core.errors import ToolkitError
from toolkit.core.paths import examples_dir

QINGCHUAN = examples_dir() / "clients" / "qingchuan"


@pytest.fixture
def brief_calls(monkeypatch):
    """A stand-in for the briefing (charts, memo and proposal take seconds): records calls, writes one file."""
    calls = []

    def write_brief(client, assessment, round, out_dir, *, today=None, charts=None, chart_output=None):
        calls.append((client.id, assessment.overall, getattr(round, "year", round), Path(out_dir), today))
        out = Path(out_dir) / "简报.docx"
        out.write_bytes(b"brief")
        return {"memo": out}

    monkeypatch.setattr(package, "write_brief", write_brief)
    # these tests are about the folder, the manifest and the names: no LibreOffice (test_submission converts)
    monkeypatch.setattr(package, "_convert_pdfs", lambda docs, outdir, notices: {})
    return calls


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_package_of_a_demo_client(tmp_path, brief_calls):
    res = package.build_package(QINGCHUAN, round=2025, output=tmp_path / "out")
    assert res.path == (tmp_path / "out" / "2025" / "浙江省" / "qingchuan").resolve()
    names = {p.relative_to(res.path).as_posix() for p in res.path.rglob("*")}
    assert {"申报材料/附件1_申报表.docx", "申报材料/佐证材料清单.docx", "咨询材料/申报材料文字稿.md", "assessment.json",
            "manifest.json", "qingchuan.zip", "申报材料/佐证材料", "咨询材料/简报.docx", "咨询材料/诊断表.xlsx"} <= names
    m = json.loads((res.path / "manifest.json").read_text(encoding="utf-8"))
    assert m["rulebook"] == {"id": "national-2022", "version": res.assessment.rulebook_version}
    assert m["round"] == 2025 and m["toolkit_version"] and m["generated_at"].startswith("20")
    intake = next(i for i in m["inputs"] if i["role"] == "intake")
    assert intake["sha256"] == _sha(QINGCHUAN / "intake.xlsx")
    ev = [i for i in m["inputs"] if i["role"] == "evidence"]
    assert ev and all(i["exists"] and i["sha256"] == _sha(QINGCHUAN / i["path"]) for i in ev)
    for f in m["files"]:
        assert _sha(res.path / f["path"]) == f["sha256"]
    with zipfile.ZipFile(res.path / "qingchuan.zip") as z:  # everything but the evidence, held once in the folder,
        # and the bound copy, which holds it again
        assert set(z.namelist()) == {f["path"] for f in m["files"] if not f["path"].startswith("申报材料/佐证材料/")
                                     and f["path"] != "申报材料/合订本.pdf"} | {"manifest.json"}
    assert any(f["path"].startswith("申报材料/佐证材料/") for f in m["files"])
    assert m["summary"]["sub_field"] == "智能小家电" and m["summary"]["overall"] == res.assessment.overall
    assert json.loads((res.path / "assessment.json").read_text(encoding="utf-8"))["client_id"] == "qingchuan"
    assert brief_calls and brief_calls[0][0] == "qingchuan" and brief_calls[0][2] == 2025
    assert m["brief"] == {"memo": "咨询材料/简报.docx"}
    assert [p.name for p in res.path.parent.iterdir() if p.name.startswith(".")] == []


def test_a_given_assessment_and_narrative_are_packaged_as_they_are(tmp_path, brief_calls, monkeypatch):
    """The client notebook passes what it showed: the package holds exactly that, computed once."""
    import toolkit.assess.assessment
    import toolkit.documents.narrative
    from toolkit.intake.reader import read_client

    client = read_client(QINGCHUAN)
    shown = toolkit.assess.assessment.assess(client, None, 2025)
    narrative = toolkit.documents.narrative.draft(client, shown)

    def not_again(*a, **k):
        raise AssertionError("computed a second time")

    real_draft = toolkit.documents.narrative.draft

    def applicant_only(*a, applicant=False, **k):  # the forms' text is the applicant's view, made from `shown`
        if not applicant:
            raise AssertionError("computed a second time")
        assert a[1] is shown
        return real_draft(*a, applicant=True, **k)

    monkeypatch.setattr(toolkit.assess.assessment, "assess", not_again)
    monkeypatch.setattr(toolkit.documents.narrative, "draft", applicant_only)
    res = package.build_package(client, round=2025, output=tmp_path, assessment=shown, narrative=narrative)
    assert res.assessment is shown
    assert (res.path / package.CONSULTANCY / package.NARRATIVE_FILE).read_text(encoding="utf-8") == narrative.to_markdown()


def test_a_review_client_gets_the_review_form(tmp_path, brief_calls):
    res = package.build_package(examples_dir() / "clients" / "dongtang", round=2025, output=tmp_path)
    assert (res.path / package.SUBMISSION / "附件3_复核申报表.docx").is_file()
    assert not (res.path / package.SUBMISSION / "附件1_申报表.docx").exists()
    assert res.manifest["rulebook"]["id"] == "review-2022"


def test_a_failed_rerun_leaves_the_old_package_and_no_temporary_folder(tmp_path, brief_calls, monkeypatch):
    first = package.build_package(QINGCHUAN, round=2025, output=tmp_path)
    before = {p.relative_to(first.path): p.read_bytes() for p in first.path.rglob("*") if p.is_file()}

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("toolkit.documents.forms.write_evidence_checklist", boom)
    with pytest.raises(RuntimeError):
        package.build_package(QINGCHUAN, round=2025, output=tmp_path)
    after = {p.relative_to(first.path): p.read_bytes() for p in first.path.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in first.path.parent.iterdir()] == ["qingchuan"]


def test_a_rerun_replaces_the_package_once_complete_and_keeps_what_the_consultant_added(tmp_path, brief_calls):
    first = package.build_package(QINGCHUAN, round=2025, output=tmp_path)
    (first.path / "notes.txt").write_text("old", encoding="utf-8")
    (first.path / package.SUBMISSION / "~$附件1_申报表.docx").write_bytes(b"lock")  # Word's lock file: not kept
    second = package.build_package(QINGCHUAN, round=2025, output=tmp_path)
    assert second.path == first.path and (second.path / "notes.txt").read_text(encoding="utf-8") == "old"
    assert second.kept == [{"path": "notes.txt", "why": "顾问添加"}] and second.manifest["kept"] == second.kept
    assert not (second.path / package.SUBMISSION / "~$附件1_申报表.docx").exists()
    assert [p.name for p in first.path.parent.iterdir()] == ["qingchuan"]


@pytest.mark.parametrize("recommender, client_id", [
    ("../../etc", "../x"), ("/abs/path", "a/b"), ("浙江省 & <东部>", ".."), ("..", "."), ("", "&&"),
])
def test_names_never_leave_the_output_root(tmp_path, recommender, client_id):
    root = tmp_path / "out"
    path = package_dir(root, 2025, recommender, client_id)
    assert root.resolve() in path.parents
    assert path.parent.parent == (root / "2025").resolve()


def test_a_client_named_with_markup_and_slashes_is_packaged_inside_the_root(tmp_path, brief_calls):
    folder = tmp_path / "clients" / "a&b..c"
    client = make_client(basic={"cluster_name": "青川县\"智能\"<小家电>&产业集群'", "recommender": "../../宁波市"},
                         folder=folder, evidence=[])
    res = package.build_package(client, round=2025, output=tmp_path / "out")
    assert (tmp_path / "out").resolve() in res.path.parents
    assert res.path.name == "a_b_c" and res.path.parent.name == "宁波市"
    assert (res.path / package.SUBMISSION / "附件1_申报表.docx").is_file()
    intake = next(i for i in res.manifest["inputs"] if i["role"] == "intake")
    assert intake["exists"] is False and intake["sha256"] == client.sha256  # no workbook: the reader's hash


def test_missing_evidence_files_are_listed_not_a_crash(tmp_path, brief_calls):
    from toolkit.intake.model import EvidenceItem

    client = make_client(folder=tmp_path / "c", evidence=[EvidenceItem("产值证明", "evidence/none.pdf", ("statistics",))])
    res = package.build_package(client, round=2025, output=tmp_path / "out")
    ev = [i for i in res.manifest["inputs"] if i["role"] == "evidence"]
    assert ev == [{"role": "evidence", "title": "产值证明", "path": "evidence/none.pdf", "exists": False}]
    assert res.manifest["evidence_copied"] == []


SECRET = b"the consultant's own file, never to leave this machine"


def _all_bytes(folder: Path) -> bytes:
    """Every byte under ``folder``, zip members unpacked."""
    out = b""
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            out += p.read_bytes()
            if p.suffix == ".zip":
                with zipfile.ZipFile(p) as z:
                    out += b"".join(z.read(n) for n in z.namelist())
    return out


def _evidence_tricks(tmp_path: Path) -> tuple[Path, Path]:
    """A client folder whose evidence/ holds one real file and links of every kind to ``secret``."""
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    folder = tmp_path / "clients" / "qingchuan"
    shutil.copytree(QINGCHUAN, folder)
    ev = folder / "evidence"
    (ev / "link.pdf").symlink_to(secret)
    os.link(secret, ev / "hard.pdf")
    (ev / "loop.pdf").symlink_to("loop.pdf")
    (ev / "sub").symlink_to(tmp_path, target_is_directory=True)
    return folder, secret


def test_a_package_never_copies_or_hashes_a_file_from_outside_the_client_folder(tmp_path, brief_calls):
    from toolkit.intake.model import EvidenceItem

    folder, secret = _evidence_tricks(tmp_path)
    typed = [str(secret), "../secret.txt", "evidence/link.pdf", "evidence/hard.pdf", "evidence/loop.pdf",
             "evidence/sub/secret.txt", "evidence/" + "材" * 86 + ".pdf", "evidence/统计局产值证明.pdf"]
    client = make_client(folder=folder, evidence=[EvidenceItem(f"材料{i}", t, ("statistics",)) for i, t in enumerate(typed)])
    res = package.build_package(client, round=2025, output=tmp_path / "out")
    assert SECRET not in _all_bytes(res.path)
    ev = [i for i in res.manifest["inputs"] if i["role"] == "evidence"]
    assert [i["exists"] for i in ev] == [False] * 7 + [True]
    assert res.manifest["evidence_copied"] == ["08_统计局产值证明.pdf"]
    assert ev[-1]["sha256"] == _sha(folder / "evidence" / "统计局产值证明.pdf")


def test_cmd_package_refuses_a_workbook_whose_evidence_reaches_outside(tmp_path, brief_calls, capsys):
    import openpyxl

    folder, secret = _evidence_tricks(tmp_path)
    wb = openpyxl.load_workbook(folder / "intake.xlsx")
    for cell, typed in {"B3": str(secret).replace("/", "／"), "B4": "．．／．．／secret.txt", "B5": "evidence／link.pdf",
                        "B6": "evidence/hard.pdf", "B7": "evidence/loop.pdf"}.items():
        wb["佐证材料"][cell] = typed
    wb.save(folder / "intake.xlsx")
    assert main(["package", str(folder), "--round", "2025", "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "佐证材料 › B3" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() or SECRET not in _all_bytes(tmp_path / "out")


def test_cmd_package_prints_the_folder_and_files(tmp_path, brief_calls, capsys):
    assert main(["package", str(QINGCHUAN), "--round", "2025", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "2025" / "浙江省" / "qingchuan") in out
    assert "附件1_申报表.docx" in out and "manifest.json" in out and "qingchuan.zip" in out


def test_cmd_package_on_a_missing_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["package", str(tmp_path / "nothere"), "--output", str(tmp_path)]) == 2
    assert "nothere" in capsys.readouterr().err


def test_unknown_round_is_a_toolkit_error(tmp_path, brief_calls):
    with pytest.raises(ToolkitError):
        package.build_package(QINGCHUAN, round=1999, output=tmp_path)


@pytest.mark.parametrize("bad", ["abc", "20.5"])
def test_a_round_that_is_not_a_year_is_a_clear_error_and_writes_nothing(tmp_path, brief_calls, capsys, bad):
    assert main(["package", str(QINGCHUAN), "--round", bad, "--output", str(tmp_path)]) == 2
    assert f"“{bad}”不是年度" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_a_mistyped_today_is_a_toolkit_error_and_writes_nothing(tmp_path, brief_calls):
    with pytest.raises(ToolkitError, match="“2025-13-45”不是有效日期"):
        package.build_package(QINGCHUAN, round=2025, output=tmp_path, today="2025-13-45")
    assert not any(tmp_path.iterdir())


def test_an_output_that_is_a_file_is_a_clear_error(tmp_path, brief_calls, capsys):
    f = tmp_path / "output"
    f.write_text("x", encoding="utf-8")
    assert main(["package", str(QINGCHUAN), "--output", str(f)]) == 2
    err = capsys.readouterr().err
    assert "是文件，不是文件夹" in err and "Traceback" not in err


def test_package_with_the_real_briefing_step(tmp_path):
    res = package.build_package(QINGCHUAN, round=2025, output=tmp_path, today="2025-05-01")
    assert set(res.manifest["brief"]) >= {"memo", "proposal"}
    with zipfile.ZipFile(res.zip) as z:
        names = set(z.namelist())
    for name in res.manifest["brief"].values():
        assert any(n.endswith(name) for n in names), name
    assert res.manifest["today"] == "2025-05-01"


def _county_answers(folder: Path, *, hostile_names: bool) -> None:
    """Answer 是 for 偷税漏税, 违法违规 and 严重失信 in a copy of a demo workbook; optionally name a
    小巨人 firm and the brand as counties do (Latin letters, a long decimal, braces)."""
    from openpyxl import load_workbook

    wb = load_workbook(folder / "intake.xlsx")
    ws = wb["负面清单"]
    for row in range(2, ws.max_row + 1):
        if any(w in str(ws.cell(row, 2).value) for w in ("偷税漏税", "违法违规", "严重失信")):   # the rows by their 事项
            ws.cell(row, 3).value = "是"
            ws.cell(row, 4).value = "2023年已整改，见佐证材料"
    if hostile_names:
        roster = wb["企业名单"]
        giant = next(r for r in range(3, roster.max_row + 1) if roster.cell(r, 6).value == "是")
        roster.cell(giant, 1).value = "INF精密机械（浙江）有限公司"
        basic = wb["基本信息"]
        brand = next(r for r in range(2, basic.max_row + 1) if basic.cell(r, 1).value == "集群品牌")
        basic.cell(brand, 2).value = "{{青川}}小家电 0.529999"
    wb.save(folder / "intake.xlsx")


@pytest.mark.parametrize("client_id", ["qingchuan", "linquan", "minshan", "dongtang"])
def test_a_client_declaring_negative_list_events_is_packaged_with_the_declaration(tmp_path, brief_calls, client_id):
    import shutil

    import docx

    from toolkit.intake.reader import check_workbook

    folder = tmp_path / client_id
    shutil.copytree(examples_dir() / "clients" / client_id, folder)
    _county_answers(folder, hostile_names=client_id == "qingchuan")
    assert not [p for p in check_workbook(folder).problems if p.severity == "error"]
    res = package.build_package(folder, round=2025, output=tmp_path / "out")
    assert res.assessment.overall == "不符合条件"
    assert [r.verdict for r in res.assessment.results if r.id == "0.3"] == ["一票否决"]
    form = next((res.path / package.SUBMISSION).glob("附件*_*申报表.docx"))
    text = "\n".join(p.text for p in docx.Document(form).paragraphs)
    text += "\n".join(c.text for t in docx.Document(form).tables for row in t.rows for c in row.cells)
    assert "近三年存在偷税漏税行为" in text and "真实性负责" in text
    assert res.manifest["status"]["draft"] and "一票否决" in "".join(res.manifest["status"]["reasons"])
    if client_id == "qingchuan":
        narrative = (res.path / package.CONSULTANCY / package.NARRATIVE_FILE).read_text(encoding="utf-8")
        assert "INF精密机械（浙江）有限公司" in narrative and "{{青川}}小家电 0.529999" in narrative


def _disk(paths) -> int:
    return sum(p.stat().st_blocks * 512 for p in paths if p.is_file())


def test_evidence_is_stored_once_the_zip_does_not_hold_it_again(tmp_path, brief_calls):
    """A package takes its evidence once plus its documents: the 佐证材料/ folder is the one copy (a
    reflink where the file system shares blocks, else a copy that keeps holes); the zip holds the rest."""
    from toolkit.intake.model import EvidenceItem

    folder = tmp_path / "clients" / "qingchuan"
    shutil.copytree(QINGCHUAN, folder)
    scan = folder / "evidence" / "扫描件.pdf"
    scan.write_bytes(os.urandom(3 << 20))  # a scan: incompressible
    sparse = folder / "evidence" / "稀疏.bin"
    with open(sparse, "wb") as f:  # 64 MiB of which 1 byte was ever written
        f.truncate(64 << 20)
        f.seek(1 << 20)
        f.write(b"x")
    client = make_client(folder=folder, evidence=[EvidenceItem("扫描件", "evidence/扫描件.pdf", ("statistics",)),
                                                  EvidenceItem("稀疏", "evidence/稀疏.bin", ("statistics",))])
    res = package.build_package(client, round=2025, output=tmp_path / "out", pdf=False)  # the bound PDF aside
    stored = sorted((res.path / package.SUBMISSION / package.EVIDENCE_FOLDER).iterdir())
    assert [p.read_bytes() == src.read_bytes() for p, src in zip(stored, (scan, sparse))] == [True, True]
    ev = [i for i in res.manifest["inputs"] if i["role"] == "evidence"]
    assert [i["sha256"] for i in ev] == [_sha(scan), _sha(sparse)]
    files = [p for p in res.path.rglob("*") if p.is_file()]
    documents = [p for p in files if package.EVIDENCE_FOLDER not in p.relative_to(res.path).parts]
    evidence_bytes = scan.stat().st_size + sparse.stat().st_blocks * 512
    assert _disk(files) <= 1.1 * evidence_bytes + _disk(documents)
    with zipfile.ZipFile(res.zip) as z:
        assert not [n for n in z.namelist() if n.startswith(f"{package.SUBMISSION}/{package.EVIDENCE_FOLDER}/")]
    assert res.manifest["evidence_stored"] in (["copy"], ["reflink"])
