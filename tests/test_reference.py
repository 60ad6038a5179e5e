"""Recognised clusters: the seed keeps every row's source; a consultant's full list loads; overlaps."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from toolkit.province import reference
from toolkit.core.errors import ToolkitError

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "reference" / "recognised_clusters.csv"


def test_seed_keeps_every_row_and_its_source():
    with open(SEED, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["source"].strip() for r in rows)
    clusters = reference.load_recognised(SEED.parent)
    by_name = {c.cluster_name: c for c in clusters if c.list_file == reference.SEED_FILE}
    for r in rows:
        assert by_name[r["cluster_name"]].source == r["source"]
    uncertain = [c for c in clusters if c.year_uncertain]
    assert {c.year_text for c in uncertain} >= {"2023?", "?"}


@pytest.mark.parametrize("name, county, expected", [
    ("江苏省常熟市电子氟材料产业集群", "常熟市", "电子氟材料"),
    ("无锡市惠山区智能基础零部件制造产业集群", "惠山区", "智能基础零部件制造"),
    ("路北区智能特种机器人产业集群 (唐山市)", "路北区", "智能特种机器人"),
    ("高阳县毛巾纺织产业集群 (exact official wording not seen)", "高阳县", "毛巾纺织"),
    ("青川县智能小家电产业集群", "", "智能小家电"),
])
def test_sub_field_from_cluster_name(name, county, expected):
    assert reference.sub_field_of(name, county) == expected


def test_consultant_loads_full_list_from_xlsx(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["2025年度中小企业特色产业集群名单"])
    ws.append(["序号", "省份", "县（市、区）", "集群名称", "批次"])
    ws.append([1, "浙江省", "青川县", "青川县智能厨电产业集群", "2025"])
    ws.append([2, "广东省", "廉江市", "廉江市小家电产业集群", "2022"])
    src = tmp_path / "名单.xlsx"
    wb.save(src)
    folder = tmp_path / "reference"
    folder.mkdir()
    (folder / reference.SEED_FILE).write_bytes(SEED.read_bytes())
    read = reference.import_official_list(src, folder / reference.OFFICIAL_FILE)
    dest = read.dest
    clusters = reference.load_recognised(folder)
    official = [c for c in clusters if c.list_file == reference.OFFICIAL_FILE]
    assert len(official) == 2 and dest.is_file()
    assert official[0].source == "名单.xlsx 第3行" and official[0].sub_field == "智能厨电"
    # the seed's 廉江 row is the same cluster: listed once, from the official list
    assert sum(1 for c in clusters if c.county == "廉江市") == 1


def test_list_without_cluster_name_column_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("省份,县\n浙江省,青川县\n", encoding="utf-8")
    with pytest.raises(ToolkitError, match="集群名称"):
        reference.read_list(bad)


def test_overlaps_need_same_province_and_matching_sub_field():
    recognised = reference.load_recognised(SEED.parent)
    candidates = [
        {"客户": "a", "省份": "广东省", "细分领域": "智能小家电"},  # contains 小家电 (廉江市, 广东省)
        {"客户": "b", "省份": "浙江省", "细分领域": "智能小家电"},  # same field, other province
        {"客户": "c", "省份": "江苏省", "细分领域": "电子氟材料"},  # identical
    ]
    found = reference.overlaps(candidates, recognised)
    assert dict(zip(found["客户"], found["匹配"])) == {"a": "包含", "c": "相同"}
    assert all(found["来源"].str.len() > 0)


def test_shared_sub_fields_between_candidates():
    df = reference.shared_sub_fields([
        {"客户": "a", "省份": "浙江省", "细分领域": "智能小家电"},
        {"客户": "b", "省份": "浙江省", "细分领域": "小家电"},
        {"客户": "c", "省份": "河南省", "细分领域": "特种纸"},
    ])
    assert len(df) == 1 and df.iloc[0]["匹配"] == "包含" and bool(df.iloc[0]["同省"])


def test_seed_is_the_shared_partial_list():
    with open(SEED, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 74
    assert {r["year"].rstrip("?") for r in rows} >= {"2022", "2023", "2024"}


def test_merged_header_rows_other_names_and_odd_years_are_read_and_named(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年度中小企业特色产业集群名单"])
    ws.append(["序号", "所在地区", None, "产业集群名称", "认定批次"])
    ws.merge_cells("B2:C2")
    ws.append([None, "省份", "县区", None, None])
    ws.append([1, "福建省", "晋江市", "晋江市运动鞋服产业集群", "2024?"])
    ws.append([2, "福建省", "德化县", "德化县陶瓷产业集群", None])
    ws.append([3, None, "某县", "某县特种纸产业集群", "第三批"])
    ws.append([4, "福建省", "南安市", None, "2024"])
    src = tmp_path / "名单.xlsx"
    wb.save(src)
    read = reference.read_list(src)
    assert [r["cluster_name"] for r in read.rows] == ["晋江市运动鞋服产业集群", "德化县陶瓷产业集群", "某县特种纸产业集群"]
    assert read.rows[0]["province"] == "福建省" and read.rows[0]["county"] == "晋江市"
    assert read.rows[0]["source"] == "名单.xlsx 第4行"
    text = "\n".join(read.problems)
    assert "名单.xlsx 第5行（德化县陶瓷产业集群）：认定年份空白" in text
    assert "第6行（某县特种纸产业集群）：没有省份" in text and "“第三批”不是年份" in text
    assert "名单.xlsx 第7行：没有集群名称" in text
    assert not any("第4行" in p for p in read.problems)   # 2024? is uncertain, not wrong


def test_a_file_that_is_not_a_workbook_is_named(tmp_path):
    bad = tmp_path / "名单.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ToolkitError, match="名单.xlsx.*不是可读取的 Excel 工作簿"):
        reference.read_list(bad)


def test_similarity_shows_why_two_sub_fields_match():
    m = reference.similarity("智能小家电", "小家电")
    assert (m.kind, m.score) == ("包含", 0.6)
    assert m.explain().startswith("细分领域包含（相似度0.60；共有字组：")
    assert reference.similarity("特种纸", "电子氟材料") is None
    assert reference.similarity("电子氟材料", "电子氟材料").score == 1.0


def test_competition_in_the_province_and_nationally_with_the_matched_row():
    recognised = reference.load_recognised(SEED.parent)
    df = reference.competition([
        {"客户": "a", "省份": "浙江省", "细分领域": "智能小家电"},          # 廉江市小家电, 广东省: national
        {"客户": "b", "省份": "广东省", "细分领域": "智能小家电"},          # the same cluster: in its province
        {"客户": "c", "省份": "河南省", "细分领域": "", "主导产业": "电子氟材料"},  # matched on 主导产业
    ], recognised)
    a = df[df["客户"] == "a"]
    assert "廉江市小家电产业集群" in set(a["已认定集群"]) and set(a["范围"]) == {"全国"}
    b = df[(df["客户"] == "b") & (df["已认定集群"] == "廉江市小家电产业集群")].iloc[0]
    assert b["范围"] == "本省" and b["匹配"] == "包含" and b["来源"].startswith("http")
    c = df[df["客户"] == "c"]
    assert list(c["范围"]) == ["本省", "全国"]                    # its own province first
    assert c.iloc[0]["已认定集群"] == "洛阳市孟津区电子化工材料产业集群" and c.iloc[0]["匹配"] == "相近"
    assert c.iloc[1]["依据"] == "主导产业相同（相似度1.00）" and c.iloc[1]["已认定集群"] == "江苏省常熟市电子氟材料产业集群"


def test_clusterkit_reference_import_and_list(tmp_path, capsys):
    from toolkit.cli import main

    src = tmp_path / "名单.csv"
    src.write_text("省份,县（市、区）,集群名称,批次\n浙江省,青川县,青川县智能厨电产业集群,2025\n", encoding="utf-8")
    dest = tmp_path / "official.csv"
    assert main(["reference", "import", str(src), str(dest)]) == 0
    assert "已导入" in capsys.readouterr().out
    with open(dest, encoding="utf-8") as f:
        assert [r["cluster_name"] for r in csv.DictReader(f)] == ["青川县智能厨电产业集群"]
    bad = tmp_path / "bad.csv"
    bad.write_text("省份,县\n浙江省,青川县\n", encoding="utf-8")
    assert main(["reference", "import", str(bad), str(tmp_path / "none.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "集群名称" in err and "Traceback" not in err
    assert not (tmp_path / "none.csv").exists()
    assert main(["reference", "list"]) == 0
    assert "电子氟材料" in capsys.readouterr().out
