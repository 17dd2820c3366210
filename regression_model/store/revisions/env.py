"""Alembic's entry point for the prediction store's revisions.

Online, it runs on the connection the package hands it (inside the package's
own transaction, so a migration and the store's first write are one unit);
offline (``regression-model store upgrade --sql``), it prints the SQL for the
URL's dialect instead of running it.
"""

from __future__ import annotations

from alembic import context

from regression_model.store.tables import metadata

if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
else:
    context.configure(connection=context.config.attributes["connection"], target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
