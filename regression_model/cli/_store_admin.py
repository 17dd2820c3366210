"""The commands that look after the store: ``models`` and ``store upgrade``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from regression_model.cli._exits import EXIT_OK
from regression_model.errors import PredictionStoreError

if TYPE_CHECKING:
    from regression_model.store.store import PredictionStore


def _store_in_force(purpose: str) -> PredictionStore:
    from regression_model import audit

    target = audit.get_store()
    if target is None:
        raise PredictionStoreError(f"persistence is off ({audit.URL_VARIABLE}=none): {purpose}")
    return target


def existing_store() -> PredictionStore:
    """The store in force, for a command that reads it: one that is not there
    (a mistyped path, an empty database) is an error saying so, never an
    empty store created on the way."""
    target = _store_in_force("there are no records to read")
    target.require_store()
    return target


def models(args: argparse.Namespace) -> int:
    """Every model that wrote to the store, one line each (or JSON lines)."""
    for model in existing_store().models():
        manifest = model["manifest"]
        if args.json:
            print(json.dumps({**model, "first_seen": model["first_seen"].isoformat()}))
            continue
        print(
            f"{model['model_version']:<10} {model['model_identity'][:16]}  first seen "
            f"{model['first_seen'].isoformat(timespec='seconds')}  trained "
            f"{manifest.get('trained_at', '?')}  data "
            f"{str(manifest.get('training_data_sha256', '?'))[:12]}  "
            + " ".join(f"{k}=={v}" for k, v in sorted(manifest.get("libraries", {}).items()))
        )
    return EXIT_OK


def store(args: argparse.Namespace) -> int:
    """``store upgrade``: run the store's pending migrations, or print their SQL.
    A path where there is no store is an error, never a new empty file."""
    from regression_model.store.urls import masked_url

    target = _store_in_force("there is no store to upgrade")
    if args.sql:
        print(target.upgrade_sql(), end="")
        return EXIT_OK
    revision = target.upgrade()
    print(f"prediction store {masked_url(target.url)} is at schema {int(revision)}")
    return EXIT_OK
