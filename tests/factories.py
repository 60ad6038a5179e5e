"""Build ``Client`` objects in tests without a workbook.

``make_client()`` is a cluster that meets the national criteria; pass overrides to break it:
``make_client(indicators={"cluster_output": {2024: 35.0}})``, ``make_client(basic={"province": "云南省"})``.
Every value gets a plausible Source so provenance can be checked.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.intake.model import Client, EvidenceItem, Firm, NegativeItem, Platform, PlanTarget, Source, Value

FILE = "intake.xlsx"
YEARS = [2022, 2023, 2024]
_YEAR_COLS = "DEF"
_ROWS = ["cluster_output", "leading_output", "sme_output", "sme_rd", "platform_rate", "standards",
         "energy_per_va", "exports", "enterprises", "smes", "employees", "invention_patents"]

BASE_INDICATORS = {
    "cluster_output": [52.3, 58.9, 66.1],
    "leading_output": [40.1, 45.6, 51.8],
    "sme_output": [39.8, 44.7, 50.2],
    "sme_rd": [15200, 17300, 19900],
    "platform_rate": [18.5, 22.0, 26.4],
    "standards": [2, 3, 4],
    "energy_per_va": [0.42, 0.40, 0.37],
    "exports": [8.1, 9.0, 10.2],
    "enterprises": [412, 428, 445],
    "smes": [398, 413, 429],
    "employees": [35200, 36100, 37400],
    "invention_patents": [310, 352, 401],
}

BASE_BASIC = {
    "cluster_name": "青川县智能小家电产业集群",
    "province": "浙江省",
    "city": "宁海市",
    "county": "青川县",
    "recommender": None,
    "leading_industry": "家用电器制造",
    "sub_field": "智能小家电",
    "area_km2": 68.5,
    "applicant": "青川县经济和信息化局",
    "contact_name": "张敏",
    "contact_phone": "0574-65500000",
    "application_type": "新申报",
    "recognised_year": None,
    "brand": "“青川小家电”区域品牌",
    "operating_body": "青川县小家电产业集群促进中心",
}


def _src(sheet: str, cell: str) -> Source:
    return Source(FILE, sheet, cell)


def make_client(basic: dict | None = None, indicators: dict | None = None, *, firms=None, platforms=None,
                negative=None, plan=None, evidence=None, years=None, folder: Path | str = "/tmp/demo-client") -> Client:
    years = list(years or YEARS)
    b = {**BASE_BASIC, **(basic or {})}
    basic_values = {k: Value(v, _src("基本信息", f"B{i + 2}")) for i, (k, v) in enumerate(b.items())}
    ind = {}
    for r, key in enumerate(_ROWS):
        series = dict(zip(years, BASE_INDICATORS[key]))
        series.update((indicators or {}).get(key, {}))
        ind[key] = {y: Value(series.get(y), _src("年度指标", f"{_YEAR_COLS[i]}{r + 2}")) for i, y in enumerate(years)}
    if firms is None:
        firms = [
            Firm("青川电器股份有限公司", "91330226MA2H000001", True, True, frozenset({"little_giant", "high_tech"}), _src("企业名单", "A3")),
            Firm("青川智能科技有限公司", "91330226MA2H000002", True, True, frozenset({"specialised", "high_tech"}), _src("企业名单", "A4")),
        ] + [
            Firm(f"青川配套企业{i}号有限公司", None, True, True, frozenset({"specialised"} if i < 9 else {"innovative"}), _src("企业名单", f"A{5 + i}"))
            for i in range(12)
        ]
    if platforms is None:
        platforms = [
            Platform("浙江省小家电技术创新中心", "创新平台", "省级", "青川电器股份有限公司", _src("平台机构", "A3")),
            Platform("青川县中小企业公共服务中心", "公共服务机构", "市级", "", _src("平台机构", "A4")),
            Platform("青川县小家电产业集群促进中心", "集群运营机构", "县级", "", _src("平台机构", "A5")),
            Platform("浙江大学—青川小家电联合研究院", "产学研合作", "省级", "浙江大学", _src("平台机构", "A6")),
        ]
    if negative is None:
        negative = [NegativeItem(i, label, False, "", _src("负面清单", f"C{n + 2}")) for n, (i, label) in enumerate([
            ("safety_accident", "安全事故"), ("quality_accident", "质量事故"), ("pollution_accident", "环境污染事故"),
            ("cyber_incident", "网络安全事件"), ("data_incident", "数据安全事件"), ("tax_evasion", "偷税漏税"),
            ("violation", "违法违规"), ("dishonesty", "严重失信"), ("other_major", "其他重大问题")])]
    if plan is None:
        plan = [PlanTarget("集群工业总产值", "cluster_output", "亿元", 2024, 66.1, 2027, 90.0, None, _src("发展规划", "A3"))]
    if evidence is None:
        kinds = ["statistics", "area", "brand", "leading_position", "firm_certificates", "cultivation", "supply_chain",
                 "innovation_platform", "cooperation", "standards", "digital", "green", "open", "governance",
                 "public_service", "negative_declaration", "plan"]
        evidence = [EvidenceItem(f"材料{k}", f"evidence/{k}.pdf", (k,), _src("佐证材料", f"A{n + 3}"), True)
                    for n, k in enumerate(kinds)]
    folder = Path(folder)
    return Client(id=folder.name, folder=folder, workbook=folder / FILE, template_version="2025.1",
                  basic=basic_values, years=years, indicators=ind, firms=firms, platforms=platforms,
                  negative=negative, plan=plan, evidence=evidence, sha256="0" * 64)
