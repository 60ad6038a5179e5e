"""Situations for the chart and briefing tests: demo-like clients built with tests/factories.py (a
clear pass, failing output, missing years and data, an empty roster, a western county near the
thresholds, a Liaoning county with its own provincial deadline, a review with plan targets) and the
demo clients of data/examples/clients, each assessed with the real ``toolkit.assess.assessment.assess``.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.assess.assessment import assess
from toolkit.intake.model import REVIEW, PlanTarget
from toolkit.assess.rounds import load_round
from toolkit.assess.result import Assessment

from factories import make_client

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples" / "clients"


def assessment_for(client, **kw) -> Assessment:
    return assess(client, round=2025, **kw)


def round_2025():
    return load_round(2025)


# --- the situations ---------------------------------------------------------------------------------
def situations() -> dict:
    """name → Client: the demo-like variants the charts and the briefing must handle."""
    from toolkit.intake.model import Firm

    s = {
        "qualifies": make_client(),
        "fails_output": make_client(
            basic={"cluster_name": "林泉县特种纸产业集群", "province": "河南省", "county": "林泉县"},
            indicators={"cluster_output": {2022: 33.6, 2023: 35.9, 2024: 38.4},
                        "leading_output": {2024: 32.6}, "sme_output": {2024: 30.7},
                        "platform_rate": {2024: 12.0}, "sme_rd": {2022: 8000, 2023: 8600, 2024: 9330}},
            folder="/tmp/linquan"),
        "missing_year": make_client(indicators={"cluster_output": {2023: None}, "sme_rd": {2022: None},
                                                "platform_rate": {2024: None}}, folder="/tmp/missing"),
        "empty_roster": make_client(firms=[], basic={"area_km2": None}, folder="/tmp/empty"),
        "western": make_client(basic={"cluster_name": "岷山县复合调味料产业集群", "province": "四川省", "county": "岷山县"},
                               indicators={"cluster_output": {2022: 40.8, 2023: 44.1, 2024: 49.6},
                                           "sme_output": {2024: 35.2}, "leading_output": {2024: 35.6},
                                           "platform_rate": {2024: 9.5}},
                               firms=[Firm(f"岷山企业{i}", None, True, True, frozenset({"specialised"})) for i in range(9)],
                               folder="/tmp/minshan"),
        "liaoning": make_client(basic={"province": "辽宁省", "county": "辽河县", "cluster_name": "辽河县精密轴承产业集群"},
                                folder="/tmp/liaohe"),
        "review": make_client(
            basic={"cluster_name": "东塘县高端纺织面料产业集群", "province": "江苏省", "county": "东塘县",
                   "application_type": REVIEW, "recognised_year": 2022},
            plan=[PlanTarget("集群工业总产值", "cluster_output", "亿元", 2022, 61.2, 2025, 75, 70.3),
                  PlanTarget("专精特新“小巨人”数", None, "家", 2022, 2, 2025, 4, 4),
                  PlanTarget("工业互联网平台应用普及率", "platform_rate", "%", 2022, 20, 2025, 35, 31),
                  PlanTarget("单位工业增加值能耗", "energy_per_va", "吨标准煤/万元", 2022, 0.45, 2025, 0.40, 0.39,
                             higher_is_better=False),
                  PlanTarget("出口交货值", "exports", "亿元", 2022, 8.1, 2025, 12, None)],
            folder="/tmp/dongtang"),
    }
    veto = make_client(basic={"cluster_name": "白河县铸造产业集群", "county": "白河县"}, folder="/tmp/baihe")
    veto.negative[0].occurred = True
    s["veto"] = veto
    s["plan_city"] = make_client(basic={"province": "浙江省", "city": "宁波市", "county": "北仑区", "recommender": "宁波市",
                                        "cluster_name": "北仑区模具产业集群"}, folder="/tmp/beilun")
    s["fails_output"].evidence = [e for e in s["fails_output"].evidence if not set(e.kinds) & {"green", "open"}]
    return s


def demo_clients() -> dict:
    """The demo clients in data/examples/clients, read with toolkit.intake.reader (empty until they exist)."""
    out = {}
    if not EXAMPLES.is_dir():
        return out
    from toolkit.intake.reader import read_client

    for folder in sorted(p for p in EXAMPLES.iterdir() if (p / "intake.xlsx").is_file()):
        out[f"demo_{folder.name}"] = read_client(folder)
    return out
