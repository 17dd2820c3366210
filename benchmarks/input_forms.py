"""The forms in which callers hand houses to ``make_prediction``: one table of
builders, shared by the benchmarks and the tests. Each builder takes rows as
``pandas.read_csv`` reads them (NaN for gaps) and gives the same houses in its
form. It runs under the reference package's pandas 1.5 as well as ours.
"""

import json

import numpy as np


def as_records(raw):
    """A list of dicts with None for gaps: what a JSON client sends."""
    return json.loads(raw.to_json(orient="records"))


def course_frame(raw):
    """The course's FastAPI app: ``pd.DataFrame(jsonable_encoder(inputs))``, then
    ``.replace({np.nan: None})``: object columns holding None."""
    import pandas as pd

    return pd.DataFrame(as_records(raw)).replace({np.nan: None})


def jsonable_frame(raw):
    """``pd.DataFrame(jsonable_encoder(inputs))`` without the replace."""
    import pandas as pd

    return pd.DataFrame(as_records(raw))


def csv_frame(raw):
    """As ``pandas.read_csv`` gives it: float columns with NaN."""
    return raw.reset_index(drop=True)


def nullable_frame(raw):
    """pandas' nullable dtypes (``Int64``, ``string``, ``Float64``)."""
    return raw.reset_index(drop=True).convert_dtypes()


def category_frame(raw):
    """Text columns as ``category``."""
    text = [name for name in raw.columns if raw[name].dtype.kind not in "biuf"]
    return raw.reset_index(drop=True).astype({name: "category" for name in text})


def arrow_frame(raw):
    """pyarrow-backed columns (``dtype_backend="pyarrow"``)."""
    return raw.reset_index(drop=True).convert_dtypes(dtype_backend="pyarrow")


def columns_dict(raw):
    """A dict of columns (name -> list), None for gaps."""
    records = as_records(raw)
    return {name: [record[name] for record in records] for name in raw.columns}


FORMS = {
    "records": as_records,
    "course DataFrame": course_frame,
    "jsonable DataFrame": jsonable_frame,
    "read_csv DataFrame": csv_frame,
    "nullable dtypes": nullable_frame,
    "category dtype": category_frame,
    "pyarrow dtypes": arrow_frame,
    "dict of columns": columns_dict,
}


def available_forms():
    """The forms this environment can build: pyarrow's only where it is installed
    and pandas is 2 or later."""
    import pandas as pd

    try:
        import pyarrow  # noqa: F401
    except ImportError:
        has_arrow = False
    else:
        has_arrow = int(pd.__version__.split(".")[0]) >= 2
    return {name: build for name, build in FORMS.items() if has_arrow or name != "pyarrow dtypes"}
