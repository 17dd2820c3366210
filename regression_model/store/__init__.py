"""The prediction store: where every scored or rejected row is recorded.

Applications read and replay records through ``regression_model.audit``; this
package keeps them: ``location`` (which store, one per process, and its
settings, named in ``variables``), ``urls`` (store URLs, checked and printed), ``store`` (writes and
reads), ``access`` (engine, schema readiness, bounded read and write
transactions, read-only copies), ``engines`` (each backend's timeouts and
durability), ``watchdog`` (the bound on a database that stops answering),
``reads`` (records from packed calls, and the checks of a read's
arguments), ``tables``, ``migrations``, ``revisions`` and ``legacy`` (the
schema, its Alembic history and the records of old schemas), ``models`` (the
models that wrote to the store), ``codec`` (how a call's rows are packed),
``ids`` (prediction ids that name their call and row) and ``export`` (records
as flat tables). Importing it loads no SQLAlchemy: that happens when a store
is opened.
"""

from regression_model.store.location import open_store, resolve_url

__all__ = ["open_store", "resolve_url"]
