"""Province tables: sorted by readiness, quota applied (province and 计划单列市), one cluster per 细分领域,
ineligible clusters use no place; 附件2/附件4 written as .docx and .xlsx from the packages."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import types
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

import office
from factories import make_client
from toolkit import notebook as nbk
from toolkit.assess.assessment import assess
from toolkit.core.naming import package_dir
from toolkit.province import tables as province
from toolkit.cli import main
from toolkit.package import writer
from toolkit.package.manifest import PackageRecord, read_package, summary
from toolkit.package.writer import build_package
from toolkit.core.errors import ToolkitError
from toolkit.core.paths import examples_dir
from toolkit.province.briefing import write_province_brief
from toolkit.province.decision import (NOT_QUALIFIED, OVER_QUOTA, QUOTA_UNKNOWN, RECOMMEND, RECOMMEND_INCOMPLETE,
                                       SAME_FIELD, decide_recommendations, decide_reviews, decide_round)
from toolkit.assess.rounds import load_round
from toolkit.assess.result import ELIGIBLE, INCOMPLETE, NOT_ELIGIBLE


def cand(name, readiness, overall=ELIGIBLE, sub_field=None, review=False, **fields) -> PackageRecord:
    return PackageRecord(client_id=name, cluster_name=name, recommender="浙江省", overall=overall, readiness=readiness,
                         application_type="复核" if review else "新申报", sub_field=sub_field or name, **fields)


def test_quota_sorted_by_readiness():
    rows = decide_recommendations([cand(f"集群{i}", 50 + i) for i in range(10)], quota=8)
    assert [c.name for c in rows] == [f"集群{i}" for i in range(9, -1, -1)]
    assert [c.rank for c in rows] == list(range(1, 11))
    assert [c.status for c in rows] == [RECOMMEND] * 8 + [OVER_QUOTA] * 2
    assert [c.place for c in rows] == [1, 2, 3, 4, 5, 6, 7, 8, None, None]
    assert "超出推荐名额（8个）" in rows[-1].reasons[0]


def test_ineligible_uses_no_place_and_incomplete_is_marked():
    rows = decide_recommendations([cand("甲", 90, NOT_ELIGIBLE), cand("乙", 80, INCOMPLETE), cand("丙", 70),
                                   cand("丁", 60)], quota=2)
    d = {c.name: c.status for c in rows}
    assert d == {"甲": NOT_QUALIFIED, "乙": RECOMMEND_INCOMPLETE, "丙": RECOMMEND, "丁": OVER_QUOTA}


def test_two_candidates_in_one_sub_field_are_flagged_and_only_the_better_is_recommended():
    rows = decide_recommendations([cand("甲", 90, sub_field="特种纸"), cand("乙", 95, sub_field="特种纸"),
                                   cand("丙", 70, sub_field="调味料")], quota=8)
    d = {c.name: c for c in rows}
    assert d["乙"].status == RECOMMEND and d["甲"].status == SAME_FIELD and d["丙"].status == RECOMMEND
    assert "特种纸" in d["甲"].reasons[0] and "特种纸" in d["乙"].reasons[0]
    assert not d["丙"].reasons
    # where a round explicitly drops the rule, both are flagged but both can be recommended
    rows = decide_recommendations([cand("甲", 90, sub_field="特种纸"), cand("乙", 95, sub_field="特种纸")], quota=8,
                                  one_per_sub_field=False)
    assert [c.status for c in rows] == [RECOMMEND, RECOMMEND] and all(c.reasons for c in rows)


def test_unknown_quota_is_said():
    rows = decide_recommendations([cand("甲", 90)], quota=None)
    assert rows[0].status == QUOTA_UNKNOWN and "名额" in rows[0].reasons[0]


def test_plan_city_and_corps_quota_come_from_the_round():
    rnd = load_round(2025)
    assert rnd.quota_for("宁波市") == 2 and rnd.quota_for("新疆生产建设兵团") == 2 and rnd.quota_for("浙江省") == 8


def test_reviews_are_separate_and_flag_the_batch():
    rows = decide_reviews([cand("甲", 90, review=True, recognised_year=2022), cand("乙", 60, INCOMPLETE, review=True,
                                                                              recognised_year=2023),
                           cand("丙", 99)], review_batch=2022)
    assert [c.name for c in rows] == ["甲", "乙"]
    assert rows[0].status == "建议通过复核" and rows[1].status == "补充完善后复核"
    assert any("2023" in f for f in rows[1].reasons)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Packages of: four 宁波市 clusters (quota 2; two share a 细分领域), and the four demo clients. Built once."""
    tmp_path = tmp_path_factory.mktemp("province")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(writer, "write_brief", lambda client, assessment, round, out_dir, **k: {})
        return _build(tmp_path)


@pytest.fixture
def packages(built, tmp_path):
    """A private copy of the built packages, for a test to change."""
    out = tmp_path / "output"
    shutil.copytree(built, out)
    return out


def _build(tmp_path: Path) -> Path:
    out = tmp_path / "output"
    specs = [("nb1", "宁波甲县智能小家电产业集群", "智能小家电", {}),
             ("nb2", "宁波乙县汽车零部件产业集群", "汽车零部件", {"cluster_output": {2024: 67.0}}),
             ("nb3", "宁波丙县电子元器件产业集群", "电子元器件", {"cluster_output": {2024: 66.5}}),
             ("nb4", "宁波丁县智能小家电产业集群", "智能小家电", {"cluster_output": {2024: 66.3}})]
    for cid, name, field, ind in specs:
        client = make_client(basic={"cluster_name": name, "sub_field": field, "recommender": "宁波市",
                                    "county": name[:3]}, indicators=ind, folder=tmp_path / "clients" / cid)
        build_package(client, round=2025, output=out)
    # a 青岛市 cluster whose name says 家电 and whose workbook declares the 细分领域 智能小家电
    client = make_client(basic={"cluster_name": "城阳区家电产业集群", "sub_field": "智能小家电", "recommender": "青岛市",
                                "province": "山东省", "city": "青岛市", "county": "城阳区"},
                         folder=tmp_path / "clients" / "qd1")
    build_package(client, round=2025, output=out)
    for cid in ("qingchuan", "linquan", "minshan", "dongtang"):
        build_package(examples_dir() / "clients" / cid, round=2025, output=out)
    return out


def test_the_declared_sub_field_is_what_every_table_shows(packages):
    folder = packages / "2025" / "青岛市" / "qd1"
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["summary"]["sub_field"] == "智能小家电"
    assert read_package(folder).sub_field == "智能小家电"
    decisions, problems = decide_round(packages, 2025)
    assert not problems
    notebook = nbk.collect_packages(decisions).set_index("客户")
    assert notebook.loc["qd1", "细分领域"] == "智能小家电"  # not 家电, guessed from the cluster's name
    province.write_province_tables(packages, 2025)
    ws = load_workbook(packages / "2025" / "青岛市" / "附件2_推荐汇总表.xlsx").active
    row = dict(zip([c.value for c in ws[2]], [c.value for c in ws[3]]))
    assert row["集群名称"] == "城阳区家电产业集群" and row["主导产业及细分领域"].endswith("智能小家电")
    ws = load_workbook(packages / "2025" / "青岛市" / f"青岛市{province.INTERNAL_SUFFIX}")["推荐排序"]
    row = dict(zip([c.value for c in ws[1]], [c.value for c in ws[2]]))
    assert row["集群名称"] == "城阳区家电产业集群" and row["细分领域"] == "智能小家电"


def _stub_package(output: Path, client, overall: str, readiness: float) -> Path:
    """A package's two records as build_package writes them, with the verdict and score set by hand."""
    a = assess(client, round=2025)
    a.overall, a.readiness = overall, readiness
    folder = package_dir(output, 2025, client.recommender, client.id)
    folder.mkdir(parents=True)
    (folder / "assessment.json").write_text(json.dumps(a.to_dict(), ensure_ascii=False, default=str), encoding="utf-8")
    manifest = {"client_id": client.id, "round": 2025, "summary": summary(client, a), "files": []}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, default=str), encoding="utf-8")
    return folder


def test_a_plan_city_with_two_places_and_an_ineligible_candidate_reads_the_same_everywhere(tmp_path):
    """宁波市 (quota 2): 符合条件 100, 不符合条件 59, 待补充完善 50. The cluster that does not qualify uses
    no place (recommendations are made 在符合认定标准的基础上), so the third takes the second place: 附件2,
    the province briefing and the province notebook all say so."""
    out = tmp_path / "output"
    for cid, name, field, overall, score in [("a", "宁波甲区模具产业集群", "模具", ELIGIBLE, 100.0),
                                             ("b", "宁波乙区汽车零部件产业集群", "汽车零部件", NOT_ELIGIBLE, 59.0),
                                             ("c", "宁波丙区电子元器件产业集群", "电子元器件", INCOMPLETE, 50.0)]:
        client = make_client(basic={"cluster_name": name, "sub_field": field, "recommender": "宁波市",
                                    "city": "宁波市", "county": name[:4]}, folder=tmp_path / "clients" / cid)
        _stub_package(out, client, overall, score)
    expected = ["拟推荐", "暂不推荐", "拟推荐（须补充完善）"]

    province.write_province_tables(out, 2025)
    ws = load_workbook(out / "2025" / "宁波市" / "附件2_推荐汇总表.xlsx").active
    header = [c.value for c in ws[2]]
    table = [dict(zip(header, [c.value for c in r])) for r in ws.iter_rows(min_row=3, max_row=4)]
    assert [(r["集群名称"], r["推荐排序"]) for r in table] == [("宁波甲区模具产业集群", "1"), ("宁波丙区电子元器件产业集群", "2")]
    assert "准备度" not in header and "推荐意见" not in header   # the province's columns only
    ws = load_workbook(out / "2025" / "宁波市" / f"宁波市{province.INTERNAL_SUFFIX}")["推荐排序"]
    header = [c.value for c in ws[1]]
    table = [dict(zip(header, [c.value for c in r])) for r in ws.iter_rows(min_row=2, max_row=4)]
    assert [r["推荐意见"] for r in table] == expected

    (decision,), _ = decide_round(out, 2025)
    files = write_province_brief(decision, tmp_path / "brief", today=dt.date(2025, 5, 10))
    doc = Document(str(files["province_brief"]))
    rows = [[c.text for c in row.cells] for row in doc.tables[0].rows[1:]]
    assert [r[4].split("；")[0] for r in rows] == expected  # 推荐意见
    assert not any("超出名额" in c for r in rows for c in r)
    assert "推荐名额上限2个，候选3个，拟推荐2个，未超出名额" in "".join(p.text for p in doc.paragraphs)

    quota = nbk.quota_table([decision]).iloc[0]
    assert (quota["名额"], quota["拟推荐"], quota["超出名额"]) == (2, 2, 0)
    assert list(nbk.ranking([decision])["推荐意见"]) == expected


def test_tables_from_packages(packages, tmp_path):
    files = province.write_province_tables(packages, 2025)
    names = {p.relative_to(packages / "2025").as_posix() for p in files}
    assert {"宁波市/附件2_推荐汇总表.docx", "宁波市/附件2_推荐汇总表.xlsx", "江苏省/附件4_复核情况汇总表.docx",
            "江苏省/附件4_复核情况汇总表.xlsx", "浙江省/附件2_推荐汇总表.docx", "河南省/附件2_推荐汇总表.xlsx",
            "四川省/附件2_推荐汇总表.docx"} <= names
    assert not (packages / "2025" / "江苏省" / "附件2_推荐汇总表.docx").exists()  # only a review there

    ws = load_workbook(packages / "2025" / "宁波市" / f"宁波市{province.INTERNAL_SUFFIX}")["推荐排序"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r])) for r in ws.iter_rows(min_row=2, max_row=5)]
    assert [r["集群名称"] for r in rows][0] is not None and len(rows) == 4
    decisions = [r["推荐意见"] for r in rows]
    assert decisions.count(SAME_FIELD) == 1
    assert decisions.count(OVER_QUOTA) == 1  # quota 2 for a 计划单列市
    assert sum(d.startswith("拟推荐") for d in decisions) == 2
    readiness = [float(r["准备度"]) for r in rows]
    assert readiness == sorted(readiness, reverse=True)

    pdf = office.to_pdf(packages / "2025" / "宁波市" / "附件2_推荐汇总表.docx", tmp_path / "pdf")
    text = office.pdf_text(pdf)
    flat = "".join(text.split())
    for needle in ("附件2", "2025年度中小企业特色产业集群推荐汇总表", "推荐单位（盖章）：宁波市经济和信息化局", "推荐排序"):
        assert needle in flat, needle
    for ours in ("超出名额", "同领域不推荐", "准备度", "官方表样未获取", "区间"):
        assert ours not in flat, ours
    assert "{{" not in text and "None" not in text and "nan" not in text

    ws = load_workbook(packages / "2025" / "江苏省" / "附件4_复核情况汇总表.xlsx").active
    assert ws.cell(3, 2).value == "东塘县高端纺织面料产业集群" and ws.cell(3, 4).value == "2022"
    text = office.pdf_text(office.to_pdf(packages / "2025" / "江苏省" / "附件4_复核情况汇总表.docx", tmp_path / "pdf"))
    flat = "".join(text.split())
    for needle in ("附件4", "2022年度中小企业特色产业集群复核情况汇总表", "东塘县", "初审意见", "不通过", "江苏省工业和信息化厅"):
        assert needle in flat, needle


def test_the_table_notes_are_templates_a_consultancy_may_restyle(packages, tmp_path, monkeypatch):
    from toolkit.core.paths import templates_dir
    from toolkit.documents import narrative

    folder = tmp_path / "templates"
    shutil.copytree(templates_dir(), folder)
    note = folder / "province" / "recommendations_note.j2"
    note.write_text(note.read_text(encoding="utf-8").replace("排序：按准备度由高到低。", "排序依据：准备度从高到低。"),
                    encoding="utf-8")
    monkeypatch.setattr(narrative, "templates_dir", lambda: folder)
    province.write_province_tables(packages, 2025)
    ws = load_workbook(packages / "2025" / "宁波市" / f"宁波市{province.INTERNAL_SUFFIX}")["方法"]
    notes = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "准备度从高到低" in c.value]
    assert notes and "宁波市本轮推荐名额2个" in notes[0]


def test_province_xlsx_tables_hold_no_formula(packages):
    from xlsx_scan import live_formulas, unquoted_risky_text

    tables = [p for p in province.write_province_tables(packages, 2025) if p.suffix == ".xlsx"]
    assert len(tables) >= 4
    for path in tables:
        assert live_formulas(path, allowed={}) == [] and unquoted_risky_text(path) == [], path


def test_a_damaged_package_is_skipped_with_a_warning(packages, capsys):
    (packages / "2025" / "浙江省" / "qingchuan" / "manifest.json").write_text("{broken", encoding="utf-8")
    files = province.write_province_tables(packages, 2025)
    assert "manifest.json" in capsys.readouterr().err
    assert not any(p.parent.name == "浙江省" for p in files)


def test_cmd_province(packages, capsys):
    assert main(["province", str(packages), "--round", "2025"]) == 0
    assert "附件2_推荐汇总表.docx" in capsys.readouterr().out


def test_cmd_province_without_packages(tmp_path, capsys):
    assert main(["province", str(tmp_path), "--round", "2025"]) == 1
    assert "clusterkit package" in capsys.readouterr().err


def test_a_truncated_assessment_leaves_the_client_out_says_so_and_exits_nonzero(packages, capsys):
    a = packages / "2025" / "浙江省" / "qingchuan" / "assessment.json"
    a.write_text(a.read_text(encoding="utf-8")[:200], encoding="utf-8")
    assert main(["province", str(packages), "--round", "2025"]) == 1
    captured = capsys.readouterr()
    assert "附件2_推荐汇总表.docx" in captured.out  # the other clients' tables are written
    assert "assessment.json" in captured.err and "文件不完整或已损坏" in captured.err
    assert "clusterkit package" in captured.err and "cannot" not in captured.err


def test_province_tables_in_python_refuse_a_missing_folder_or_a_file(tmp_path):
    # before, a mistyped folder gave an empty list and a warning; the notebook showed no table and no error
    with pytest.raises(ToolkitError, match="找不到输出文件夹"):
        province.write_province_tables(tmp_path / "nope", 2025)
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ToolkitError, match="是文件，不是输出文件夹"):
        province.write_province_tables(tmp_path / "a.txt", 2025)


def test_cmd_province_on_a_missing_folder_or_a_file(tmp_path, capsys):
    assert main(["province", str(tmp_path / "nope"), "--round", "2025"]) == 2
    assert "找不到输出文件夹" in capsys.readouterr().err
    f = tmp_path / "a.txt"
    f.write_text("x", encoding="utf-8")
    assert main(["province", str(f), "--round", "2025"]) == 2
    assert "是文件，不是输出文件夹" in capsys.readouterr().err
    assert main(["province", str(tmp_path), "--round", "abc"]) == 2
    assert "不是年度" in capsys.readouterr().err


def test_the_rank_intervals_ask_the_same_province_decision():
    """The Monte Carlo of toolkit.province.uncertainty counts a draw as recommended exactly when the province
    decision would: the cluster that does not qualify takes no place, so the third is in."""
    from toolkit.province.uncertainty import province_decide

    rows = [(types.SimpleNamespace(key=k, name=k, sub_field=k), score, overall)
            for k, score, overall in [("a", 100.0, ELIGIBLE), ("b", 59.0, NOT_ELIGIBLE), ("c", 50.0, INCOMPLETE)]]
    assert province_decide(2)(rows) == {"a", "c"}
    assert province_decide(1)(rows) == {"a"}
