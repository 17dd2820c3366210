"""The numbers that set how a call's work is cut up, each with why it is what
it is: row counts where one way of working gives way to another, block sizes,
thread counts.

None of them changes an answer. Prices, ranges, errors and warnings are the
same bits on either side of each threshold (the tests of each module cross
them), so a value here may be tuned to a machine without a new model
version. The figures behind them come from the scripts in ``benchmarks/``.
Modules read them here when they run (``tuning.NAME``), so a test may move
one to reach the other side of it.
"""

from __future__ import annotations

__all__ = [
    "BLAS_FROM_ROWS",
    "COLUMNWISE_FROM_ROWS",
    "IDENTITY_HASH_FROM_CELLS",
    "IDENTITY_HEAD_CELLS",
    "IDENTITY_MOST_DISTINCT",
    "JOINT_BLOCK_ROWS",
    "MALLOC_TUNE_FROM_ROWS",
    "MOST_PARTS",
    "PACK_ASIDE_FROM_ROWS",
    "ROWS_PER_PART",
    "SPLINE_MOST_TABLED",
    "SPLINE_PER_VARIABLE_FROM",
    "STORE_COLUMNS_FROM_ROWS",
    "STORE_COMPRESSION_LEVEL",
    "STORE_MOST_THREADS",
    "STORE_SHARED_VALUES",
]

# --- validating ---------------------------------------------------------------
# Below this many rows pydantic validates record by record, the faster way for
# a few rows; a DataFrame this small is read as records too. From it on,
# columns are checked with numpy.
COLUMNWISE_FROM_ROWS = 32

# --- factorising text ---------------------------------------------------------
# Below this many cells pandas' hash table factorises a column sooner than the
# identity hash is built (a fixed cost per column, whatever its length).
IDENTITY_HASH_FROM_CELLS = 4096
# The head of a column whose distinct objects the identity hash learns first
# (every distinct value of a real column shows up early), and the most
# distinct objects it takes: beyond that the cells are mostly objects of their
# own (rows parsed one by one), and pandas' table is the way.
IDENTITY_HEAD_CELLS = 1024
IDENTITY_MOST_DISTINCT = 256

# --- pricing ------------------------------------------------------------------
# A call of at least twice this many rows is priced in parts, one per thread:
# numpy and pandas release the GIL, so parts run side by side on spare cores;
# smaller parts pay each column's and step's fixed cost too often.
ROWS_PER_PART = 10_000
# At most this many parts (threads), and never more than the machine's cores.
MOST_PARTS = 4
# From this many rows the spline is evaluated one variable at a time (its
# arrays stay in the processor's cache); fewer rows go all variables at once,
# a dozen numpy calls in all.
SPLINE_PER_VARIABLE_FROM = 256
# A spline variable whose table of whole numbers would hold more entries than
# this (512 KiB) keeps the polynomials.
SPLINE_MOST_TABLED = 1 << 16
# Rows per block of the joint-range check's matrix product: the block's
# stacked columns stay in the cache, and the numpy calls per block are few
# (of 2,048 to 16,384 rows, the fastest on the machine it was tuned on).
JOINT_BLOCK_ROWS = 8192

# --- the host process (only when it opts in) ----------------------------------
# From this many rows the plan's matrix products are large enough for OpenBLAS
# to share them among threads (a 37 x 37 product of about 200 rows), so the
# opted-in hold of BLAS to one thread starts here.
BLAS_FROM_ROWS = 200
# The first call of this many rows or more tunes malloc (when opted in): below
# it a call frees too little for the kept memory to matter.
MALLOC_TUNE_FROM_ROWS = 10_000

# --- recording ----------------------------------------------------------------
# From this many rows a stored call's inputs are packed on a thread of their
# own while its rows are priced (two chunks: below that there is little to
# overlap).
PACK_ASIDE_FROM_ROWS = 20_000
# At most this many threads compress a call's chunks (zlib releases the GIL);
# each one that allocates keeps a malloc arena, so more cost memory.
STORE_MOST_THREADS = 4
# From this many rows, records that share their fields are stored column by
# column, as a DataFrame is, not as a JSON document a row. Below it (and below
# COLUMNWISE_FROM_ROWS, where validation has not cut the columns nor imported
# pandas) JSON lines cost less.
STORE_COLUMNS_FROM_ROWS = 32
# A text column with at most this many distinct values is coded once per call
# (each chunk lists them all), not once per chunk.
STORE_SHARED_VALUES = 256
# zlib's level for stored inputs: 1 is fast, and the packed codes are already
# a byte or two a value, so higher levels shrink them little.
STORE_COMPRESSION_LEVEL = 1
