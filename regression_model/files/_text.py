"""Telling text from what is not: binary formats by their first bytes, and
where a file stops being UTF-8."""

from __future__ import annotations

from regression_model.errors import InputFileError

# What a file starts with when it is not text, and what to do about it.
_MAGIC = {
    b"PAR1": ("a Parquet file", "name it .parquet or pass --input-format parquet"),
    b"\x1f\x8b": ("gzip-compressed", "add .gz to its name"),
    b"BZh": ("bzip2-compressed", "add .bz2 to its name"),
    b"\xfd7zXZ\x00": ("xz-compressed", "add .xz to its name"),
    b"\x28\xb5\x2f\xfd": ("zstd-compressed", "add .zst to its name"),
    b"PK\x03\x04": ("a zip archive (or an Excel workbook)", "add .zip, or export it as CSV"),
    b"\xd0\xcf\x11\xe0": ("an old Excel or Office file", "export it as CSV (UTF-8)"),
    b"%PDF": ("a PDF document", "export the table as CSV (UTF-8)"),
    b"\xff\xfe": ("UTF-16 text", "save it as UTF-8"),
    b"\xfe\xff": ("UTF-16 text", "save it as UTF-8"),
}
_SAVE_AS_UTF8 = "save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')"


def refuse_non_text(first: bytes, name: str, fmt: str) -> None:
    """Fail early on an empty stream or one that starts like a known binary format."""
    if not first:
        raise InputFileError(name, "is empty", hint=f"it should hold {fmt} text")
    for magic, (kind, hint) in _MAGIC.items():
        if first.startswith(magic):
            raise InputFileError(name, f"is {kind}, not {fmt} text", hint=hint)


def not_utf8(name: str, block: bytes, position: int, lines_before: int) -> InputFileError:
    start = block.rfind(b"\n", 0, position) + 1
    byte = block[position : position + 1].hex() or "??"
    line = lines_before + block.count(b"\n", 0, position) + 1
    controls = sum(1 for b in block[:4096] if b < 9 or 13 < b < 32)
    if controls > len(block[:4096]) // 20:
        return InputFileError(name, "is binary, not text", line=line, hint="give a UTF-8 text file")
    return InputFileError(
        name,
        f"is not UTF-8 text (byte 0x{byte} at column {position - start + 1}); "
        "it may be Latin-1 or Windows-1252",
        line=line,
        hint=_SAVE_AS_UTF8,
    )
