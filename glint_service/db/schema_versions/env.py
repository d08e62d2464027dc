from alembic import context
import sqlalchemy as sa

from glint_service.db import models


def run_migrations():
    connection = context.config.attributes.get('connection')
    if connection is None:
        engine = sa.create_engine(
            context.config.get_main_option('sqlalchemy.url'))
        with engine.begin() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection):
    context.configure(connection=connection,
                      target_metadata=models.Base.metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
