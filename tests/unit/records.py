"""Records put straight into a state, for tests that start from it."""

import sqlalchemy as sa

from glint_service.db import models


def update_migration(db, migration_id, **values):
    """Set a migration's columns, as no Glint process does by itself."""
    values.setdefault('updated_at', models.utcnow())
    with db.sql_engine.begin() as connection:
        connection.execute(sa.update(models.Migration).where(
            models.Migration.id == migration_id).values(**values))
