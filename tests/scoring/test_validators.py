"""The input contract: the pydantic schema and the row-by-row check on it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError

from regression_model.config.core import Config
from regression_model.processing.validation import (
    HouseDataInputSchema,
    MultipleHouseDataInputs,
    validate_inputs,
)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("GrLivArea", -1, "greater than or equal to 0"),
        ("GrLivArea", 10**9, "less than or equal to"),
        ("GrLivArea", True, "not a boolean"),
        ("GrLivArea", "1500", "not str"),
        ("LotFrontage", float("inf"), "less than or equal to"),
        ("FullBath", 1.5, "fractional part"),
        ("FullBath", -1, "greater than or equal to 0"),
        ("OverallQual", 11, "less than or equal to 10"),
        ("OverallQual", 0, "greater than or equal to 1"),
        ("YearBuilt", 1200, "greater than or equal to 1800"),
        ("MoSold", 13, "less than or equal to 12"),
        ("MSSubClass", 25, "dwelling type code"),
        ("Neighborhood", "Nowhere", "'CollgCr'"),
        ("KitchenQual", "Excellent", "'Ex'"),
        ("Street", 1, "Input should be"),
        ("BsmtQual", ["Gd"], "Input should be"),
    ],
)
def test_schema_rejects(field: str, value: Any, fragment: str) -> None:
    """Each out-of-contract value is refused, with a message saying why."""
    with pytest.raises(ValidationError) as info:
        HouseDataInputSchema.model_validate({field: value})
    errors = info.value.errors()
    assert [e["loc"][0] for e in errors] == [field]
    assert fragment in errors[0]["msg"]


def test_schema_accepts_both_spellings_and_na_as_absent() -> None:
    """Dictionary and data-file spellings are both valid; "NA" means absent."""
    record = HouseDataInputSchema.model_validate(
        {
            "BldgType": "Duplex",
            "Exterior2nd": "Wd Shng",
            "BsmtQual": "NA",
            "GarageType": None,
            "MasVnrType": "None",
            "FullBath": 2.0,
            "MSSubClass": 150,
        }
    )
    assert record.BldgType == "Duplex" and record.Exterior2nd == "Wd Shng"
    assert record.BsmtQual is None and record.GarageType is None
    assert record.MasVnrType == "None"
    assert record.FullBath == 2 and record.MSSubClass == 150


def test_many_records_model() -> None:
    """MultipleHouseDataInputs validates a list of records."""
    many = MultipleHouseDataInputs.model_validate({"inputs": [{"GrLivArea": 1}, {}]})
    assert len(many.inputs) == 2
    with pytest.raises(ValidationError):
        MultipleHouseDataInputs.model_validate({"inputs": [{"GrLivArea": -1}]})


def test_validate_inputs_names_rows_and_fields(config: Config, house: dict[str, Any]) -> None:
    """Invalid rows get errors with their position and field; valid rows are kept."""
    bad_area = {**house, "GrLivArea": -10}
    no_hood = {**house, "Neighborhood": None}
    frame = pd.DataFrame([house, bad_area, house, no_hood], index=[10, 20, 30, 40])
    valid, errors = validate_inputs(input_data=frame, config=config)
    assert list(valid.index) == [0, 2]
    assert [(e.row, e.field) for e in errors] == [(1, "GrLivArea"), (3, "Neighborhood")]
    assert "required" in errors[1].message


def test_validate_inputs_gives_pipeline_dtypes(config: Config, test_frame: pd.DataFrame) -> None:
    """Numbers come out float64, categories as objects, dwelling codes as strings."""
    valid, errors = validate_inputs(input_data=test_frame, config=config)
    assert errors == []
    assert len(valid) == len(test_frame)
    assert valid["GrLivArea"].dtype == "float64"
    assert valid["Neighborhood"].dtype == object
    assert set(valid["MSSubClass"].dropna()) <= {
        str(c) for c in (20, 30, 40, 45, 50, 60, 70, 75, 80, 85, 90, 120, 150, 160, 180, 190)
    }


def test_every_ordinal_mapping_covers_the_allowed_categories(config: Config) -> None:
    """Each category the schema allows for a mapped column has a number, so a valid
    row can never fail inside the pipeline."""
    import typing

    for group in config.model_config.ordinal_mappings.values():
        for column in group.variables:
            annotation = HouseDataInputSchema.model_fields[column].annotation
            allowed: set[str] = set()
            for arg in typing.get_args(annotation):
                allowed |= set(typing.get_args(arg))
            allowed.discard("NA")
            assert allowed, column
            assert allowed <= set(group.mapping), (column, allowed - set(group.mapping))
