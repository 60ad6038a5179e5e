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
    dest = reference.import_official_list(src, folder / reference.OFFICIAL_FILE)
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
