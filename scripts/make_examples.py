#!/usr/bin/env python
"""(Re)generate the demo clients and the broken workbook in data/examples/, deterministically.

    .venv/bin/python scripts/make_examples.py

Four fictional counties (see the team contracts for the facts other parts of the toolkit rely on):

- qingchuan — 浙江省 临江市 青川县, 智能小家电: clearly qualifies nationally;
- linquan   — 河南省 洛川市 林泉县, 特种纸: fails on output and growth; no green/open evidence;
- minshan   — 四川省 嘉州市 岷山县 (西部), 复合调味料: near the thresholds;
- dongtang  — 江苏省 云港市 东塘县, 高端纺织面料: recognised 2022, preparing its review (复核).

and data/examples/broken/ (a workbook with planted problems, listed in PLANTED.yaml).

Every workbook is written by ``toolkit.intake.blank.build_workbook`` (the same template a county
receives), then its zip entries are given fixed timestamps so that re-running the script changes no
byte. Firm names and credit codes are fictional; the codes carry valid GB 32100-2015 check digits.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from toolkit.intake import credit_code  # noqa: E402

from toolkit.intake import schema  # noqa: E402
from toolkit.intake.blank import build_workbook  # noqa: E402

EXAMPLES = ROOT / "data" / "examples"
YEARS = [2022, 2023, 2024]
FIXED_TIME = (2025, 1, 1, 0, 0, 0)
NO_NEGATIVE = {item["id"]: "否" for item in schema.sheet("negative")["items"]}

EVIDENCE_FILES = {
    "statistics": ("{y}年集群工业总产值统计证明", "统计局产值证明.pdf"),
    "area": ("集群空间范围图及面积说明", "集群空间范围及面积说明.pdf"),
    "brand": ("集群区域品牌证书", "区域品牌证书.pdf"),
    "leading_position": ("细分领域全国排名证明（行业协会）", "细分领域全国排名证明.pdf"),
    "firm_certificates": ("专精特新、高新技术企业等认定文件汇编", "优质企业认定文件汇编.pdf"),
    "cultivation": ("优质中小企业梯度培育工作方案", "梯度培育工作方案.pdf"),
    "supply_chain": ("产业链供应链协作情况说明", "产业链协作情况说明.pdf"),
    "innovation_platform": ("创新平台认定文件", "创新平台认定文件.pdf"),
    "cooperation": ("产学研及大中小企业协同合作协议", "产学研合作协议.pdf"),
    "standards": ("主导或参与制修订标准证明", "标准制修订证明.pdf"),
    "digital": ("数字化转型典型案例及普及率测算说明", "数字化转型材料.pdf"),
    "green": ("绿色工厂、绿色供应链名单", "绿色化发展材料.pdf"),
    "open": ("开放合作与国际交流情况说明", "开放合作情况说明.pdf"),
    "governance": ("集群促进机构设立文件", "集群促进机构设立文件.pdf"),
    "public_service": ("中小企业公共服务示范平台认定文件", "公共服务平台认定文件.pdf"),
    "negative_declaration": ("负面清单承诺书", "负面清单承诺书.pdf"),
    "plan": ("集群三年发展规划", "三年发展规划.pdf"),
    "plan_completion": ("三年发展规划目标完成情况报告", "规划目标完成情况报告.pdf"),
}
NEW_KINDS = [k for k in EVIDENCE_FILES if k != "plan_completion"]

LEGAL = ["有限公司", "股份有限公司", "有限公司", "有限公司", "科技有限公司"]


# -- rosters --------------------------------------------------------------------------------------

def code_for(rng: random.Random, division: str, new_style: bool) -> str:
    """A fictional 统一社会信用代码 with a valid check digit."""
    cs = credit_code.CHARSET
    if new_style:
        body = "MA" + "".join(rng.choice(cs[:10] + cs[10:]) for _ in range(7))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(cs)
    return credit_code.make("91" + division + body)


def roster(seed: int, division: str, prefix: str, words: list[str], industry: str, tiers: list[dict],
           extra: int, extra_words: list[str], large: int = 0) -> list[dict]:
    """``tiers``: one dict per tiered firm (keys of TIERS set to 是); then ``extra`` untitled firms."""
    rng = random.Random(seed)
    rows = []
    names = set()

    def name(word: str, i: int) -> str:
        return f"{prefix}{word}{industry}{LEGAL[i % len(LEGAL)]}"

    for i, t in enumerate(tiers):
        nm = name(words[i % len(words)], i)
        while nm in names:
            nm = nm.replace("有限公司", "制造有限公司", 1)
        names.add(nm)
        row = {"name": nm, "credit_code": code_for(rng, division, i % 3 != 0),
               "is_sme": "否" if i < large else "是", "in_leading_industry": t.pop("leading", "是"),
               "champion": "否", "little_giant": "否", "specialised": "否", "innovative": "否", "high_tech": "否"}
        row.update(t)
        rows.append(row)
    for j in range(extra):
        word = extra_words[j % len(extra_words)]
        nm = f"{prefix}{word}{LEGAL[(j + 1) % len(LEGAL)]}"
        while nm in names:
            nm = nm.replace("有限公司", "实业有限公司", 1)
        names.add(nm)
        rows.append({"name": nm, "credit_code": code_for(rng, division, True), "is_sme": "是",
                     "in_leading_industry": "是" if j % 3 else "否", "champion": "否", "little_giant": "否",
                     "specialised": "否", "innovative": "否", "high_tech": "否"})
    return rows


def evidence(kinds: list[str], latest: int) -> list[dict]:
    return [{"title": EVIDENCE_FILES[k][0].format(y=latest), "file": f"evidence/{EVIDENCE_FILES[k][1]}",
             "kind": schema.evidence_kinds()[k]} for k in kinds]


Y = {"little_giant": "是"}
S = {"specialised": "是"}
I = {"innovative": "是"}
H = {"high_tech": "是"}


def t(*parts, **kw) -> dict:
    out = {}
    for p in parts:
        out.update(p)
    out.update(kw)
    return out


# -- the clients ----------------------------------------------------------------------------------

def qingchuan() -> dict:
    tiers = ([t(H, leading="是"), t(H, leading="是")]  # two large firms (not SMEs)
             + [t(Y, S, H), t(Y, S, H)]
             + [t(S, H), t(S), t(S, H), t(S), t(S, I), t(I), t(I, H), t(H), t(S), t(I)]
             + [t(H, leading="否"), t(I, leading="否")])
    firms = roster(11, "331082", "青川", ["美厨", "智能", "科沃", "悦享", "家联", "迅达", "恒通", "嘉禾",
                                            "博瑞", "鑫源", "凯越", "明辉", "东润", "宏利", "华创"],
                   "电器", tiers, extra=14, extra_words=["精密模具", "塑胶制品", "电机", "五金", "包装材料", "电子",
                                                     "注塑", "物流", "线缆", "温控器件"], large=2)
    firms[0]["name"] = "浙江青川电器股份有限公司"
    firms[1]["name"] = "青川美厨智能家电集团有限公司"
    firms[2]["name"] = "青川智能科技有限公司"
    return {
        "id": "qingchuan", "years": YEARS,
        "basic": {"cluster_name": "青川县智能小家电产业集群", "province": "浙江省", "city": "临江市", "county": "青川县",
                  "leading_industry": "家用电器制造", "sub_field": "智能小家电", "area_km2": 68.5,
                  "applicant": "青川县经济和信息化局", "contact_name": "张敏", "contact_phone": "0576-65500000",
                  "application_type": "新申报", "brand": "“青川小家电”区域品牌",
                  "operating_body": "青川县小家电产业集群促进中心", "provincial_recognition": "是"},
        "indicators": {
            "cluster_output": [52.3, 58.9, 66.1], "leading_output": [40.1, 45.6, 51.8],
            "sme_output": [39.8, 44.7, 50.2], "sme_rd": [15200, 17300, 19900], "platform_rate": [18.5, 22.0, 26.4],
            "standards": [2, 3, 4], "energy_per_va": [0.42, 0.40, 0.37], "exports": [8.1, 9.0, 10.2],
            "enterprises": [412, 428, 445], "smes": [398, 413, 429], "employees": [35200, 36100, 37400],
            "invention_patents": [310, 352, 401]},
        "roster": firms,
        "platforms": [
            {"name": "浙江省智能小家电技术创新中心", "kind": "创新平台", "level": "省级", "host": firms[0]["name"]},
            {"name": "青川县中小企业公共服务中心", "kind": "公共服务机构", "level": "市级"},
            {"name": "青川县小家电产业集群促进中心", "kind": "集群运营机构", "level": "县级"},
            {"name": "浙江大学—青川小家电联合研究院", "kind": "产学研合作", "level": "省级", "host": "浙江大学"},
            {"name": "临江市小家电产品质量检验检测中心", "kind": "检验检测机构", "level": "市级"},
            {"name": "青川小家电工业互联网平台", "kind": "数字化服务商", "level": "县级", "host": firms[2]["name"]},
        ],
        "negative": NO_NEGATIVE,
        "plan": [
            {"name": "集群工业总产值", "indicator": "cluster_output", "unit": "亿元", "base_year": 2024, "base_value": 66.1,
             "target_year": 2027, "target_value": 90, "direction": "越高越好"},
            {"name": "专精特新“小巨人”数", "unit": "家", "base_year": 2024, "base_value": 2, "target_year": 2027,
             "target_value": 4, "direction": "越高越好"},
            {"name": "工业互联网平台应用普及率", "indicator": "platform_rate", "unit": "%", "base_year": 2024,
             "base_value": 26.4, "target_year": 2027, "target_value": 40, "direction": "越高越好"},
            {"name": "中小企业研发经费支出", "indicator": "sme_rd", "unit": "万元", "base_year": 2024, "base_value": 19900,
             "target_year": 2027, "target_value": 27000, "direction": "越高越好"},
        ],
        "evidence": evidence(NEW_KINDS, 2024),
        "passages": QINGCHUAN_PASSAGES,
    }


# The passages the data cannot write, as the county wrote them for qingchuan (passages/<section>.txt):
# with them its forms hold no 【待补充】 and its package is ready, not a draft. Fictional.
QINGCHUAN_PASSAGES = {
    "具有较强核心竞争力": "智能小家电是青川县的首位产业，集群工业总产值占全县规模以上工业总产值的四成以上。"
                         "集群多功能料理机、便携式破壁机等产品的国内市场占有率居行业前列（据中国家用电器协会2024年行业统计）。",
    "优质中小企业梯度培育成效显著": "青川县建立“创新型—专精特新—小巨人”梯度培育库，入库企业86家，"
                                 "县财政每年安排专项资金支持企业技术改造和研发投入。",
    "产业链供应链协作高效": "集群在县域内形成模具、注塑、电机、温控器件到整机装配的完整链条，关键零部件本地配套率约七成；"
                         "龙头企业与本地配套企业建立联合采购和订单共享机制。",
    "具有较强协同创新能力": "集群企业与浙江大学共建联合研究院，近三年联合攻关小家电电机降噪、智能温控等关键技术12项，"
                         "转化成果在集群企业推广应用。",
    "数字化转型效果明显": "青川小家电工业互联网平台接入集群企业200余家，实现订单、产能和质量数据互联互通；"
                       "规模以上企业关键工序数控化率超过七成。",
    "具有较高绿色化发展水平": "集群现有省级绿色工厂5家，推广高效电机和余热回收，单位工业增加值能耗逐年下降。",
    "积极参与产业开放合作": "集群以“青川小家电”区域品牌组团参加广交会和境外展会，产品出口东南亚、中东等40多个国家和地区。",
    "具有较强治理和服务能力": "青川县小家电产业集群促进中心统筹集群发展规划、公共服务和对外合作，"
                           "县中小企业公共服务中心提供融资、人才和检验检测等服务。",
    "三年发展规划": "重点任务：强链补链，引进核心零部件项目；梯度培育，每年新增专精特新中小企业5家以上；"
                  "推进数字化绿色化转型；深化开放合作。保障措施：县政府成立集群发展领导小组，设立专项资金，完善用地和人才保障。",
}


def linquan() -> dict:
    tiers = ([t(H, leading="是")]  # one large firm
             + [t(Y, S, H)]
             + [t(S, H), t(S), t(H), t(I), t(S, I)]
             + [t(H, leading="否")])
    firms = roster(23, "410328", "林泉", ["特种", "新材", "恒达", "华林", "瑞丰", "泉源", "金帆"],
                   "纸业", tiers, extra=16, extra_words=["浆料", "涂布", "化工助剂", "包装", "造纸机械", "物流",
                                                     "纸品加工", "滤材"], large=1)
    firms[0]["name"] = "河南林泉纸业集团股份有限公司"
    firms[1]["name"] = "林泉特种纸科技有限公司"
    kinds = [k for k in NEW_KINDS if k not in ("green", "open")]
    return {
        "id": "linquan", "years": YEARS,
        "basic": {"cluster_name": "林泉县特种纸产业集群", "province": "河南省", "city": "洛川市", "county": "林泉县",
                  "leading_industry": "造纸和纸制品业", "sub_field": "特种纸", "area_km2": 45.2,
                  "applicant": "林泉县工业和信息化局", "contact_name": "王磊", "contact_phone": "0379-66120000",
                  "application_type": "新申报", "brand": "“林泉特纸”集体商标",
                  "operating_body": "林泉县特种纸产业发展服务中心", "provincial_recognition": "否"},
        "indicators": {
            "cluster_output": [33.6, 35.9, 38.4], "leading_output": [28.6, 30.5, 32.6],
            "sme_output": [26.9, 28.7, 30.7], "sme_rd": [6800, 7350, 7930], "platform_rate": [9.0, 10.5, 12.0],
            "standards": [1, 1, 2], "energy_per_va": [0.58, 0.55, 0.52], "exports": [3.2, 3.5, 3.6],
            "enterprises": [186, 191, 197], "smes": [180, 185, 190], "employees": [14800, 15100, 15350],
            "invention_patents": [64, 71, 79]},
        "roster": firms,
        "platforms": [
            {"name": "河南省特种纸工程技术研究中心", "kind": "创新平台", "level": "省级", "host": firms[1]["name"]},
            {"name": "林泉县中小企业服务中心", "kind": "公共服务机构", "level": "县级"},
            {"name": "林泉县特种纸产业发展服务中心", "kind": "集群运营机构", "level": "县级"},
            {"name": "河南工业大学—林泉特种纸产学研合作基地", "kind": "产学研合作", "level": "市级", "host": "河南工业大学"},
            {"name": "林泉纸业企业技术中心", "kind": "创新平台", "level": "市级", "host": firms[0]["name"]},
        ],
        "negative": NO_NEGATIVE,
        "plan": [
            {"name": "集群工业总产值", "indicator": "cluster_output", "unit": "亿元", "base_year": 2024, "base_value": 38.4,
             "target_year": 2027, "target_value": 50, "direction": "越高越好"},
            {"name": "工业互联网平台应用普及率", "indicator": "platform_rate", "unit": "%", "base_year": 2024,
             "base_value": 12, "target_year": 2027, "target_value": 20, "direction": "越高越好"},
            {"name": "单位工业增加值能耗", "indicator": "energy_per_va", "unit": "吨标准煤/万元", "base_year": 2024,
             "base_value": 0.52, "target_year": 2027, "target_value": 0.46, "direction": "越低越好"},
        ],
        "evidence": evidence(kinds, 2024),
    }


def minshan() -> dict:
    # No champion or 小巨人; exactly 9 firms that are 专精特新/创新型/高企 (one short of 10).
    tiers = [t(S, H), t(S), t(S), t(H), t(I), t(S, I), t(H), t(I), t(S)]
    firms = roster(37, "511126", "岷山", ["川味", "蜀香", "岷江", "红油", "椒麻", "鲜厨", "味道", "巴蜀"],
                   "食品", tiers, extra=19, extra_words=["花椒种植", "辣椒加工", "包装印务", "冷链物流", "香料",
                                                     "食品机械", "菜籽油", "豆瓣"])
    firms[0]["name"] = "四川岷山调味食品股份有限公司"
    return {
        "id": "minshan", "years": YEARS,
        "basic": {"cluster_name": "岷山县复合调味料产业集群", "province": "四川省", "city": "嘉州市", "county": "岷山县",
                  "leading_industry": "调味品制造", "sub_field": "复合调味料", "area_km2": 96,
                  "applicant": "岷山县经济信息化和科学技术局", "contact_name": "李娟", "contact_phone": "0833-52610000",
                  "application_type": "新申报", "brand": "“岷山味道”区域公用品牌",
                  "operating_body": "岷山县调味品产业集群发展促进会", "provincial_recognition": "是"},
        "indicators": {
            "cluster_output": [40.8, 44.1, 49.6], "leading_output": [29.4, 31.8, 35.6],
            "sme_output": [29.0, 31.4, 35.2], "sme_rd": [5200, 5746, 6350], "platform_rate": [7.2, 8.3, 9.5],
            "standards": [1, 2, 2], "energy_per_va": [0.21, 0.20, 0.19], "exports": [1.1, 1.3, 1.6],
            "enterprises": [236, 245, 258], "smes": [229, 238, 250], "employees": [18600, 19200, 20300],
            "invention_patents": [38, 45, 53]},
        "roster": firms,
        "platforms": [
            {"name": "四川省复合调味料工程技术研究中心", "kind": "创新平台", "level": "省级", "host": firms[0]["name"]},
            {"name": "岷山县调味品产业集群发展促进会", "kind": "集群运营机构", "level": "县级"},
            {"name": "嘉州市中小企业公共服务平台岷山服务站", "kind": "公共服务机构", "level": "市级"},
            {"name": "嘉州市食品检验检测中心岷山分中心", "kind": "检验检测机构", "level": "市级"},
            {"name": "四川农业大学—岷山调味品研究院", "kind": "产学研合作", "level": "省级", "host": "四川农业大学"},
        ],
        "negative": NO_NEGATIVE,
        "plan": [
            {"name": "集群工业总产值", "indicator": "cluster_output", "unit": "亿元", "base_year": 2024, "base_value": 49.6,
             "target_year": 2027, "target_value": 68, "direction": "越高越好"},
            {"name": "专精特新中小企业数", "unit": "家", "base_year": 2024, "base_value": 5, "target_year": 2027,
             "target_value": 12, "direction": "越高越好"},
            {"name": "工业互联网平台应用普及率", "indicator": "platform_rate", "unit": "%", "base_year": 2024,
             "base_value": 9.5, "target_year": 2027, "target_value": 18, "direction": "越高越好"},
        ],
        "evidence": evidence(NEW_KINDS, 2024),
    }


def dongtang() -> dict:
    tiers = ([t(H), t(H)]  # two large firms
             + [t(Y, S, H), t(Y, S, H), t(Y, S), t(Y, S, H)]
             + [t(S, H), t(S), t(H), t(I), t(S, I), t(H), t(S)]
             + [t(S, leading="否")])
    firms = roster(41, "320723", "东塘", ["锦纶", "华纺", "丝绸", "新纤", "恒锦", "云港", "织造", "东方",
                                            "瑞锦", "经纬", "盛泽", "天成", "汇丰"],
                   "面料", tiers, extra=18, extra_words=["印染", "纺机配件", "化纤", "服饰", "辅料", "物流",
                                                     "检测", "包装"], large=2)
    firms[0]["name"] = "江苏东塘纺织集团股份有限公司"
    firms[2]["name"] = "东塘锦纶新材料科技有限公司"
    return {
        "id": "dongtang", "years": YEARS,
        "basic": {"cluster_name": "东塘县高端纺织面料产业集群", "province": "江苏省", "city": "云港市", "county": "东塘县",
                  "leading_industry": "纺织业", "sub_field": "高端纺织面料", "area_km2": 82.4,
                  "applicant": "东塘县工业和信息化局", "contact_name": "陈静", "contact_phone": "0518-87230000",
                  "application_type": "复核", "recognised_year": 2022, "brand": "“东塘面料”区域品牌",
                  "operating_body": "东塘县纺织面料产业集群促进中心", "provincial_recognition": "是"},
        "indicators": {
            "cluster_output": [61.2, 66.0, 70.3], "leading_output": [49.5, 53.6, 57.4],
            "sme_output": [46.8, 50.1, 53.2], "sme_rd": [21000, 23500, 26100], "platform_rate": [20.0, 25.5, 31.0],
            "standards": [3, 4, 6], "energy_per_va": [0.45, 0.42, 0.39], "exports": [14.6, 15.8, 16.9],
            "enterprises": [520, 534, 548], "smes": [503, 516, 529], "employees": [41200, 42000, 42900],
            "invention_patents": [268, 301, 337]},
        "roster": firms,
        "platforms": [
            {"name": "江苏省高端纺织面料技术创新中心", "kind": "创新平台", "level": "省级", "host": firms[0]["name"]},
            {"name": "国家中小企业公共服务示范平台（东塘纺织服务中心）", "kind": "公共服务机构", "level": "国家级"},
            {"name": "东塘县纺织面料产业集群促进中心", "kind": "集群运营机构", "level": "县级"},
            {"name": "江南大学—东塘纺织面料联合实验室", "kind": "产学研合作", "level": "省级", "host": "江南大学"},
            {"name": "云港市纺织品质量检验中心", "kind": "检验检测机构", "level": "市级"},
        ],
        "negative": NO_NEGATIVE,
        "plan": [
            {"name": "集群工业总产值", "indicator": "cluster_output", "unit": "亿元", "base_year": 2022, "base_value": 61.2,
             "target_year": 2025, "target_value": 75, "actual_value": 70.3, "direction": "越高越好",
             "note": "实际值为2024年数据"},
            {"name": "专精特新“小巨人”数", "unit": "家", "base_year": 2022, "base_value": 2, "target_year": 2025,
             "target_value": 4, "actual_value": 4, "direction": "越高越好"},
            {"name": "工业互联网平台应用普及率", "indicator": "platform_rate", "unit": "%", "base_year": 2022,
             "base_value": 20, "target_year": 2025, "target_value": 35, "actual_value": 31, "direction": "越高越好",
             "note": "实际值为2024年数据"},
            {"name": "单位工业增加值能耗", "indicator": "energy_per_va", "unit": "吨标准煤/万元", "base_year": 2022,
             "base_value": 0.45, "target_year": 2025, "target_value": 0.40, "actual_value": 0.39, "direction": "越低越好",
             "note": "实际值为2024年数据"},
        ],
        "evidence": evidence(NEW_KINDS + ["plan_completion"], 2024),
    }


# -- files ----------------------------------------------------------------------------------------

def tiny_pdf(lines: list[str]) -> bytes:
    """A small, valid one-page PDF (ASCII text, Helvetica) — a stand-in for a scanned certificate."""
    text = "BT /F1 11 Tf 56 780 Td 14 TL " + " ".join(
        "(" + ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for ln in lines) + " ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(text.encode()) + text.encode() + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def normalize_xlsx(data: bytes) -> bytes:
    """Fixed timestamps in the zip entries and in docProps/core.xml, so the bytes are reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>2025-01-01T00:00:00Z\g<3>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def save(wb, path: Path) -> None:
    buf = io.BytesIO()
    wb.properties.created = dt.datetime(2025, 1, 1)
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(normalize_xlsx(buf.getvalue()))


def write_client(spec: dict, out: Path = EXAMPLES) -> Path:
    folder = out / "clients" / spec["id"]
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "evidence").mkdir(parents=True)
    data = {k: spec[k] for k in ("basic", "indicators", "roster", "platforms", "negative", "plan", "evidence")}
    wb = build_workbook(spec["basic"]["cluster_name"], spec["years"], data)
    save(wb, folder / "intake.xlsx")
    kinds = schema.evidence_kinds()
    for row in spec["evidence"]:
        kid = next(k for k, v in kinds.items() if v == row["kind"])
        lines = ["demo evidence (fictional)", f"client: {spec['id']}", f"kind: {kid}",
                 f"years: {spec['years'][0]}-{spec['years'][-1]}"]
        (folder / row["file"]).write_bytes(tiny_pdf(lines))
    if spec.get("passages"):
        (folder / "passages").mkdir()
        for section, text in spec["passages"].items():
            (folder / "passages" / f"{section}.txt").write_text(text + "\n", encoding="utf-8")
    return folder


# -- the broken workbook --------------------------------------------------------------------------

def write_broken(out: Path = EXAMPLES) -> Path:
    """qingchuan's data with problems planted; PLANTED.yaml lists them (and the cells that are fine)."""
    folder = out / "broken"
    # encrypted.xlsx and old-format.xls beside it come from scripts/make_bad_workbooks.py: keep them.
    if (folder / "evidence").exists():
        shutil.rmtree(folder / "evidence")
    (folder / "evidence").mkdir(parents=True)
    spec = qingchuan()
    ind = {k: list(v) for k, v in spec["indicators"].items()}
    basic = dict(spec["basic"])
    roster_rows = [dict(r) for r in spec["roster"][:12]]
    planted: list[dict] = []
    fine: list[dict] = []

    def plant(sheet_key, cell, kind, what):
        planted.append({"sheet": schema.sheet_title(sheet_key), "cell": cell, "kind": kind, "what": what})

    # 基本信息: a required field left blank (所在地市, B4).
    basic["city"] = None
    plant("basic", "B4", "missing_required", "所在地市未填写")
    # 年度指标 (rows: 2 cluster_output, 3 leading, 4 sme, 5 sme_rd, 6 platform, 7 standards, 8 energy,
    # 9 exports, 10 enterprises, 11 smes, 12 employees, 13 patents; columns D E F = 2022 2023 2024).
    ind["leading_output"][1] = "约12亿"
    plant("indicators", "E3", "text_in_number", "「约12亿」写在数字单元格")
    ind["sme_output"][0] = 60
    plant("indicators", "D4", "sme_above_cluster", "中小企业产值 60 高于集群工业总产值 52.3")
    ind["platform_rate"][1] = 220
    plant("indicators", "E6", "share_over_100", "普及率 220%")
    ind["exports"][0] = "9800万"
    plant("indicators", "D9", "wrong_unit", "「9800万」写在亿元栏（换算为 0.98，提示）")
    ind["platform_rate"][2] = None
    plant("indicators", "F6", "missing_year", "2024年工业互联网平台应用普及率未填写")
    ind["smes"][0] = "N/A"
    plant("indicators", "D11", "missing_required", "「N/A」：必填的中小企业数为空")
    ind["employees"][1] = -5
    plant("indicators", "E12", "negative", "从业人员为负数")
    ind["sme_rd"][0] = "１５２００"
    fine.append({"sheet": "年度指标", "cell": "D5", "what": "全角数字，读作 15200"})
    ind["invention_patents"][1] = " 3,520 "
    fine.append({"sheet": "年度指标", "cell": "E13", "what": "千分位与空格，读作 3520"})
    # 企业名单: rows from 3.
    bad = roster_rows[2]["credit_code"]
    last = "0" if bad[-1] != "0" else "1"
    roster_rows[2]["credit_code"] = bad[:-1] + last
    plant("roster", "B5", "bad_credit_code", "统一社会信用代码校验位错误")
    roster_rows[3]["is_sme"] = "不确定"
    plant("roster", "C6", "bad_choice", "下拉项之外的值「不确定」")
    roster_rows[5]["name"] = roster_rows[1]["name"]
    plant("roster", "A8", "duplicate_firm", "与 A4 同名的企业")
    # 负面清单: one item unanswered (row 5: 网络安全事件).
    negative = dict(spec["negative"])
    negative["cyber_incident"] = None
    plant("negative", "C5", "missing_required", "负面清单事项未声明")
    # 佐证材料: a path escaping the client folder.
    ev = [{"title": "2024年集群工业总产值统计证明", "file": "evidence/统计局产值证明.pdf", "kind": "产值等统计数据证明"},
          {"title": "区域品牌证书", "file": "../../secret/品牌证书.pdf", "kind": "集群品牌/区域品牌证明"},
          {"title": "负面清单承诺书", "file": "evidence/负面清单承诺书.pdf", "kind": "承诺书"}]
    plant("evidence", "B4", "path_escape", "文件路径指向客户文件夹之外")
    plant("evidence", "C5", "bad_choice", "证明内容不是可选项")
    data = {"basic": basic, "indicators": ind, "roster": roster_rows, "platforms": spec["platforms"],
            "negative": negative, "plan": spec["plan"], "evidence": ev}
    wb = build_workbook(basic["cluster_name"], YEARS, data)
    ws = wb[schema.sheet_title("indicators")]
    ws["F1"] = "2025年"
    plant("indicators", "F1", "years_not_consecutive", "年度表头 2022、2023、2025 不连续")
    ws["D10"] = dt.datetime(2022, 4, 12)
    ws["D10"].number_format = "yyyy-mm-dd"
    plant("indicators", "D10", "date_in_number", "集群企业数单元格里是日期")
    ws["F8"] = "=D8+E8"
    plant("indicators", "F8", "formula_without_value", "公式没有计算结果")
    wp = wb[schema.sheet_title("platforms")]
    wp.merge_cells("A4:A5")
    plant("platforms", "A4", "merged_cells", "表格中合并了 A4:A5")
    (folder / "evidence" / "统计局产值证明.pdf").write_bytes(tiny_pdf(["clusterkit broken example", "kind: statistics"]))
    save(wb, folder / "intake.xlsx")
    text = ("# Problems planted in intake.xlsx (written by scripts/make_examples.py).\n"
            "# `clusterkit check data/examples/broken` must name each (sheet, cell) under `planted`;\n"
            "# the cells under `fine` hold unusual but valid input and must not be errors.\n")
    text += yaml.safe_dump({"planted": planted, "fine": fine}, allow_unicode=True, sort_keys=False, width=120)
    (folder / "PLANTED.yaml").write_text(text, encoding="utf-8")
    return folder


CLIENTS = [qingchuan, linquan, minshan, dongtang]


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="(Re)generate the demo clients and the broken workbook.")
    parser.add_argument("--out", default=str(EXAMPLES), help="where to write (default: data/examples)")
    out = Path(parser.parse_args(argv).out)
    for make in CLIENTS:
        print("wrote", write_client(make(), out))
    print("wrote", write_broken(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
