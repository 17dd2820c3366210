"""Package metadata. The version comes from regression_model/VERSION only."""

from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).resolve().parent
PACKAGE_DIR = HERE / "regression_model"


def requirements(name: str) -> list[str]:
    lines = (HERE / "requirements" / name).read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


setup(
    name="ames-price-model",
    version=(PACKAGE_DIR / "VERSION").read_text(encoding="utf-8").strip(),
    description="Train, version and serve Ames house-price predictions.",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    python_requires=">=3.10",
    # Namespace discovery lists the data folders (revisions, templates, the
    # trained model) as packages too, so setuptools ships them knowingly.
    packages=find_namespace_packages(
        include=("regression_model", "regression_model.*"), exclude=("*.__pycache__",)
    ),
    package_data={
        "regression_model": [
            "VERSION",
            "config.yml",
            "model_fingerprints.json",
            "reference_cv.json",
            "py.typed",
            "datasets/*.csv",
            # The trained model: its skops file, manifest, plan and card, and
            # beside the folder the seal vouching for the manifest.
            "trained_models/*.skops",
            "trained_models/*.json",
            "trained_models/*.md",
            "trained_models/*.png",
            "trained_models.sha256",
            "training/templates/*.md",
            # The store's Alembic revisions: a folder of scripts, not a package.
            "store/revisions/script.py.mako",
            "store/revisions/versions/*.py",
        ]
    },
    include_package_data=True,
    install_requires=requirements("requirements.txt"),
    entry_points={"console_scripts": ["regression-model = regression_model.cli:run"]},
    extras_require={
        "postgres": requirements("postgres_requirements.txt"),
        "parquet": requirements("parquet_requirements.txt"),
        "dask": requirements("dask_requirements.txt"),
        "report": requirements("report_requirements.txt"),
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Operating System :: OS Independent",
    ],
)
