"""The input contract: pydantic v2 models of one and of many house records.

``HouseDataInputSchema`` is the single statement of what one house record may
hold: types, plausible ranges, and the categories the data dictionary allows.
The validators in ``batch.py`` apply it row by row or column by column.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

__all__ = [
    "DWELLING_TYPE_CODES",
    "MAX_AREA_SQFT",
    "MAX_COUNT",
    "MAX_LOT_AREA_SQFT",
    "MAX_MISC_VALUE",
    "MAX_ROOMS",
    "SALE_YEAR_MIN",
    "Absent",
    "AbsentAsNone",
    "Area",
    "BasementFinish",
    "Condition",
    "Count",
    "DwellingCode",
    "Exterior",
    "HouseDataInputSchema",
    "MultipleHouseDataInputs",
    "NumberOnly",
    "Quality",
    "Rating",
    "RowError",
    "RowWarning",
    "Year",
    "absent_as_none",
    "known_dwelling_code",
    "row_errors",
]

YEAR_MIN, YEAR_MAX = 1800, 2100
SALE_YEAR_MIN = 1990
MAX_AREA_SQFT = 100_000.0
MAX_LOT_AREA_SQFT = 5_000_000.0
MAX_COUNT = 20
MAX_ROOMS = 50
MAX_MISC_VALUE = 10_000_000.0

DWELLING_TYPE_CODES = (20, 30, 40, 45, 50, 60, 70, 75, 80, 85, 90, 120, 150, 160, 180, 190)


def _number_only(value: Any) -> Any:
    """Refuse booleans and strings where a number is expected.

    pydantic's lax mode would read ``True`` as 1 and ``"1500"`` as 1500; a
    caller sending either has a bug we should report, not guess around.
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError("Input should be a number, not a boolean")
    if value is not None and not isinstance(value, numbers.Number):
        raise ValueError(f"Input should be a number, not {type(value).__name__}")
    return value


def absent_as_none(value: Any) -> Any:
    """The data files write "NA" for "the house has none"."""
    return None if value == "NA" else value


def known_dwelling_code(value: int) -> int:
    if value not in DWELLING_TYPE_CODES:
        codes = ", ".join(map(str, DWELLING_TYPE_CODES))
        raise ValueError(f"Input should be a dwelling type code, one of {codes}")
    return value


NumberOnly = BeforeValidator(_number_only)
AbsentAsNone = BeforeValidator(absent_as_none)

T = TypeVar("T")
# A categorical attribute whose missing value means "the house has none".
Absent = Annotated[T | None, AbsentAsNone]

Area = Annotated[float, NumberOnly, Field(ge=0, le=MAX_AREA_SQFT, allow_inf_nan=False)]
Count = Annotated[int, NumberOnly, Field(ge=0, le=MAX_COUNT)]
Year = Annotated[int, NumberOnly, Field(ge=YEAR_MIN, le=YEAR_MAX)]
Rating = Annotated[int, NumberOnly, Field(ge=1, le=10)]
DwellingCode = Annotated[int, NumberOnly, AfterValidator(known_dwelling_code)]

Quality = Literal["Ex", "Gd", "TA", "Fa", "Po"]
Condition = Literal["Artery", "Feedr", "Norm", "RRNn", "RRAn", "PosN", "PosA", "RRNe", "RRAe"]
BasementFinish = Literal["GLQ", "ALQ", "BLQ", "Rec", "LwQ", "Unf"]
# Both the data dictionary's and the data files' spellings.
Exterior = Literal[
    "AsbShng", "AsphShn", "BrkComm", "Brk Cmn", "BrkFace", "CBlock", "CemntBd", "CmentBd",
    "HdBoard", "ImStucc", "MetalSd", "Other", "Plywood", "PreCast", "Stone", "Stucco",
    "VinylSd", "Wd Sdng", "WdShing", "Wd Shng",
]  # fmt: skip


class HouseDataInputSchema(BaseModel):
    """One house record, with the reference package's field names.

    Every field may be missing (``None``); the model imputes it, except the
    config's ``required_features``. Numbers must be numbers (not booleans or
    strings) within plausible bounds; categories must be ones the Ames data
    dictionary defines (the spellings of both the dictionary and the data
    files are accepted). For the attributes where the data files write ``NA``
    for "the house has none", ``"NA"`` and a missing value both mean absent.
    Unknown keys are ignored.

    Examples
    --------
    >>> from regression_model.scoring.schema import HouseDataInputSchema
    >>> HouseDataInputSchema(GrLivArea=1710, Neighborhood="CollgCr").GrLivArea
    1710.0
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    Id: Annotated[int, NumberOnly] | None = None
    MSSubClass: DwellingCode | None = None
    MSZoning: Literal["A", "C", "C (all)", "FV", "I", "RH", "RL", "RP", "RM"] | None = None
    LotFrontage: (
        Annotated[float, NumberOnly, Field(ge=0, le=10_000, allow_inf_nan=False)] | None
    ) = None
    LotArea: (
        Annotated[float, NumberOnly, Field(ge=0, le=MAX_LOT_AREA_SQFT, allow_inf_nan=False)] | None
    ) = None
    Street: Literal["Grvl", "Pave"] | None = None
    Alley: Absent[Literal["Grvl", "Pave"]] = None
    LotShape: Literal["Reg", "IR1", "IR2", "IR3"] | None = None
    LandContour: Literal["Lvl", "Bnk", "HLS", "Low"] | None = None
    Utilities: Literal["AllPub", "NoSewr", "NoSeWa", "ELO"] | None = None
    LotConfig: Literal["Inside", "Corner", "CulDSac", "FR2", "FR3"] | None = None
    LandSlope: Literal["Gtl", "Mod", "Sev"] | None = None
    Neighborhood: Literal[
        "Blmngtn", "Blueste", "BrDale", "BrkSide", "ClearCr", "CollgCr", "Crawfor", "Edwards",
        "Gilbert", "IDOTRR", "MeadowV", "Mitchel", "NAmes", "Names", "NoRidge", "NPkVill",
        "NridgHt", "NWAmes", "OldTown", "SWISU", "Sawyer", "SawyerW", "Somerst", "StoneBr",
        "Timber", "Veenker",
    ] | None = None  # fmt: skip
    Condition1: Condition | None = None
    Condition2: Condition | None = None
    BldgType: (
        Literal["1Fam", "2FmCon", "2fmCon", "Duplx", "Duplex", "TwnhsE", "TwnhsI", "Twnhs"] | None
    ) = None
    HouseStyle: (
        Literal["1Story", "1.5Fin", "1.5Unf", "2Story", "2.5Fin", "2.5Unf", "SFoyer", "SLvl"] | None
    ) = None
    OverallQual: Rating | None = None
    OverallCond: Rating | None = None
    YearBuilt: Year | None = None
    YearRemodAdd: Year | None = None
    RoofStyle: Literal["Flat", "Gable", "Gambrel", "Hip", "Mansard", "Shed"] | None = None
    RoofMatl: (
        Literal["ClyTile", "CompShg", "Membran", "Metal", "Roll", "Tar&Grv", "WdShake", "WdShngl"]
        | None
    ) = None
    Exterior1st: Exterior | None = None
    Exterior2nd: Exterior | None = None
    MasVnrType: Literal["BrkCmn", "BrkFace", "CBlock", "None", "Stone"] | None = None
    MasVnrArea: Area | None = None
    ExterQual: Quality | None = None
    ExterCond: Quality | None = None
    Foundation: Literal["BrkTil", "CBlock", "PConc", "Slab", "Stone", "Wood"] | None = None
    BsmtQual: Absent[Quality] = None
    BsmtCond: Absent[Quality] = None
    BsmtExposure: Absent[Literal["Gd", "Av", "Mn", "No"]] = None
    BsmtFinType1: Absent[BasementFinish] = None
    BsmtFinSF1: Area | None = None
    BsmtFinType2: Absent[BasementFinish] = None
    BsmtFinSF2: Area | None = None
    BsmtUnfSF: Area | None = None
    TotalBsmtSF: Area | None = None
    Heating: Literal["Floor", "GasA", "GasW", "Grav", "OthW", "Wall"] | None = None
    HeatingQC: Quality | None = None
    CentralAir: Literal["N", "Y"] | None = None
    Electrical: Literal["SBrkr", "FuseA", "FuseF", "FuseP", "Mix"] | None = None
    FirstFlrSF: Area | None = None
    SecondFlrSF: Area | None = None
    LowQualFinSF: Area | None = None
    GrLivArea: Area | None = None
    BsmtFullBath: Count | None = None
    BsmtHalfBath: Count | None = None
    FullBath: Count | None = None
    HalfBath: Count | None = None
    BedroomAbvGr: Count | None = None
    KitchenAbvGr: Count | None = None
    KitchenQual: Quality | None = None
    TotRmsAbvGrd: Annotated[int, NumberOnly, Field(ge=0, le=MAX_ROOMS)] | None = None
    Functional: Literal["Typ", "Min1", "Min2", "Mod", "Maj1", "Maj2", "Sev", "Sal"] | None = None
    Fireplaces: Count | None = None
    FireplaceQu: Absent[Quality] = None
    GarageType: Absent[Literal["2Types", "Attchd", "Basment", "BuiltIn", "CarPort", "Detchd"]] = (
        None
    )
    # Not a model feature: loose bounds, since test.csv holds a 2207.
    GarageYrBlt: (
        Annotated[float, NumberOnly, Field(ge=0, le=10_000, allow_inf_nan=False)] | None
    ) = None
    GarageFinish: Absent[Literal["Fin", "RFn", "Unf"]] = None
    GarageCars: Count | None = None
    GarageArea: Area | None = None
    GarageQual: Absent[Quality] = None
    GarageCond: Absent[Quality] = None
    PavedDrive: Literal["Y", "P", "N"] | None = None
    WoodDeckSF: Area | None = None
    OpenPorchSF: Area | None = None
    EnclosedPorch: Area | None = None
    ThreeSsnPortch: Area | None = None
    ScreenPorch: Area | None = None
    PoolArea: Area | None = None
    PoolQC: Absent[Quality] = None
    Fence: Absent[Literal["GdPrv", "MnPrv", "GdWo", "MnWw"]] = None
    MiscFeature: Absent[Literal["Elev", "Gar2", "Othr", "Shed", "TenC"]] = None
    MiscVal: (
        Annotated[float, NumberOnly, Field(ge=0, le=MAX_MISC_VALUE, allow_inf_nan=False)] | None
    ) = None
    MoSold: Annotated[int, NumberOnly, Field(ge=1, le=12)] | None = None
    YrSold: Annotated[int, NumberOnly, Field(ge=SALE_YEAR_MIN, le=YEAR_MAX)] | None = None
    SaleType: (
        Literal["WD", "CWD", "VWD", "New", "COD", "Con", "ConLw", "ConLI", "ConLD", "Oth"] | None
    ) = None
    SaleCondition: Literal["Normal", "Abnorml", "AdjLand", "Alloca", "Family", "Partial"] | None = (
        None
    )


class MultipleHouseDataInputs(BaseModel):
    """Many house records: ``{"inputs": [record, ...]}``.

    Examples
    --------
    >>> from regression_model.scoring.schema import MultipleHouseDataInputs
    >>> len(MultipleHouseDataInputs(inputs=[{"GrLivArea": 900}]).inputs)
    1
    """

    inputs: list[HouseDataInputSchema]


@dataclass(frozen=True)
class RowError:
    """A problem with one field (or the whole row, ``field=None``) of one row."""

    row: int
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class RowWarning:
    """A priced row the caller should look at: ``kind`` says why (a category
    never seen in training, a value beyond the training range, an unusual
    combination of values); ``field`` names the column(s), or is None."""

    row: int
    field: str | None
    kind: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "kind": self.kind, "message": self.message}


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def row_errors(row: int, error: ValidationError) -> list[RowError]:
    found = []
    for item in error.errors(include_url=False):
        field = str(item["loc"][0]) if item["loc"] else None
        message = str(item["msg"]).removeprefix("Value error, ")
        found.append(RowError(row, field, f"{field}: {message} (got {_describe(item['input'])})"))
    return found
