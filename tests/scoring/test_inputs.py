"""as_table: what callers pass, as a table with the reference's names."""

from __future__ import annotations

import pytest

from regression_model.config.core import Config
from regression_model.errors import InvalidInputError
from regression_model.scoring.inputs import RecordsInput, as_table

RENAMES = {"1stFlrSF": "FirstFlrSF"}


def _gathered(records: list[dict[str, object]], name: str) -> list[object]:
    """A column gathered record by record: the value under either spelling, else None."""
    original = {v: k for k, v in RENAMES.items()}.get(name, name)
    return [r.get(name, r.get(original)) for r in records]


@pytest.mark.parametrize(
    "records",
    [
        # the same fields, in different orders
        [{"GrLivArea": i, "1stFlrSF": i * 2, "Street": "Pave"} for i in range(40)]
        + [{"Street": "Grvl", "1stFlrSF": 7, "GrLivArea": 8}],
        # a field missing from some records, another added to one
        [{"GrLivArea": i, "1stFlrSF": i} for i in range(40)]
        + [{"GrLivArea": 1}, {"GrLivArea": 2, "Alley": "Pave"}],
    ],
    ids=["shared fields", "differing fields"],
)
def test_columns_of_records_are_each_records_value(records: list[dict[str, object]]) -> None:
    """Each column holds every record's value under the renamed name, None where
    a record lacks the field, whether or not the records share their fields."""
    table = RecordsInput(records, RENAMES)
    assert set(table.column_names) == {RENAMES.get(k, k) for r in records for k in r}
    for name in table.column_names:
        assert list(table.column(name)) == _gathered(records, name)
    assert table.column("NotThere") is None


def test_a_bad_name_in_a_later_record_is_found(config: Config) -> None:
    """Records that do not share their fields are each checked: a field given
    under both spellings in the 41st record is named with its position."""
    records: list[dict[str, object]] = [{"GrLivArea": 1} for _ in range(40)]
    records.append({"1stFlrSF": 1, "FirstFlrSF": 1})
    with pytest.raises(InvalidInputError, match=r"input_data\[40\]: columns \['1stFlrSF'\]"):
        as_table(records, config)


def test_a_bad_name_shared_by_every_record_is_found(config: Config) -> None:
    """Records that share a field given under both spellings are refused, the
    first record named."""
    records = [{"1stFlrSF": 1, "FirstFlrSF": 1} for _ in range(40)]
    with pytest.raises(InvalidInputError, match=r"input_data\[0\]: columns"):
        as_table(records, config)
