"""Who seals and who gives an opinion: ``data/reference/authorities.yaml``, read in one place.

- ``authority_of(recommender)`` — the provincial SME authority (省级中小企业主管部门) of a 推荐单位, who
  seals 附件2 and 附件4 (e.g. 江苏省工业和信息化厅); never the province's bare name. A 推荐单位 the file
  does not know gives ``{推荐单位}中小企业主管部门``, a name the consultant corrects in the file.
- ``city_opinion(province)`` — whether the province routes a county's application through the city,
  so that the forms carry a 市级意见 line.
"""

from __future__ import annotations

import functools

from toolkit.core.paths import data_dir

FILE = "reference/authorities.yaml"


@functools.lru_cache(maxsize=1)
def _data() -> dict:
    from toolkit.core.yamlfile import YAMLError, load_yaml

    path = data_dir() / FILE
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def authority_of(recommender: str) -> str:
    names = _data().get("authorities") or {}
    name = names.get(str(recommender or "").strip()) if isinstance(names, dict) else None
    return str(name) if name else f"{recommender or ''}中小企业主管部门"


def city_opinion(province: str) -> bool:
    routed = _data().get("city_opinion") or []
    return str(province or "").strip() in {str(x) for x in routed}
