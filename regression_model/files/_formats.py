"""The file formats ``predict_file`` and the record exports know, and how a
file's name tells which one it is in."""

from __future__ import annotations

from pathlib import Path

from regression_model.errors import InputFileError

__all__ = ["FORMATS", "FORMAT_SUFFIXES", "format_from_name"]

FORMATS = ("csv", "parquet", "jsonl")
FORMAT_SUFFIXES = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


def format_from_name(
    name: str, given: str | None, option: str, compressions: tuple[str, ...] = ()
) -> str:
    """``given``, or the format ``name``'s suffix tells (before one of
    ``compressions``); the message names ``option``, which tells it instead."""
    if given is not None:
        if given not in FORMATS:
            raise InputFileError(name, f"unknown format {given!r}", hint=f"use one of {FORMATS}")
        return given
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] in compressions:
        suffixes.pop()
    if not suffixes or suffixes[-1] not in FORMAT_SUFFIXES:
        compressed = f" (each may end in {', '.join(compressions)})" if compressions else ""
        raise InputFileError(
            name,
            "cannot tell its format from its name",
            hint=f"name it {', '.join(FORMAT_SUFFIXES)}{compressed}, or pass {option}",
        )
    return FORMAT_SUFFIXES[suffixes[-1]]
