"""Commands of the religion service, validated at the edge (pydantic)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.validation import Code, LongText, Name, ShortText

Religion = Literal[
    "Phật giáo",
    "Công giáo",
    "Tin lành",
    "Cao Đài",
    "Phật giáo Hòa Hảo",
    "Hồi giáo",
    "Tịnh độ cư sĩ Phật hội Việt Nam",
    "Bửu Sơn Kỳ Hương",
    "Khác",
]


class RegisterSite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    religion: Religion
    commune_code: str = Field(pattern=r"^\d{5}$")
    address: ShortText = ""
    land_area_m2: float | None = Field(default=None, gt=0, le=100_000_000)
    land_use_origin: ShortText | None = None
    registered_on: date | None = None


class LodgeDossier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lodged_on: date
    note: LongText = ""
    document_refs: list[ShortText] = Field(default_factory=list, max_length=100)
