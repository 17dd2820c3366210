"""The prediction store: where every scored or rejected row is recorded.

Applications read and replay records through ``regression_model.audit``; this
package keeps them: ``location`` (which store, one per process), ``store``
(writes and reads), ``tables``, ``migrations``, ``revisions`` and ``legacy``
(the schema, its Alembic history and the records of old schemas), ``models``
(the models that wrote to the store), ``codec`` (how a call's rows are
packed), ``ids`` (prediction ids that name their call and row) and
``export`` (records as flat tables). Importing it loads no SQLAlchemy: that
happens when a store is opened.
"""

from regression_model.store.location import open_store, resolve_url

__all__ = ["open_store", "resolve_url"]
