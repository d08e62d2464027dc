"""The database schema's versions, with alembic (``glint-manage db sync``)."""

from alembic import command
from alembic import config as alembic_config
from alembic import migration
from alembic import script
import sqlalchemy as sa


def _alembic_config(url):
    config = alembic_config.Config()
    config.set_main_option('script_location',
                           'glint_service.db:schema_versions')
    config.set_main_option('sqlalchemy.url', url.replace('%', '%%'))
    return config


def current_revision(engine):
    with engine.connect() as connection:
        return migration.MigrationContext.configure(
            connection).get_current_revision()


def head_revision(url):
    return script.ScriptDirectory.from_config(
        _alembic_config(url)).get_current_head()


def upgrade(url):
    """Bring the database at ``url`` to the newest schema.

    Returns the revisions before and after.
    """
    engine = sa.create_engine(url)
    try:
        before = current_revision(engine)
        config = _alembic_config(url)
        with engine.begin() as connection:
            config.attributes['connection'] = connection
            command.upgrade(config, 'head')
        return before, current_revision(engine)
    finally:
        engine.dispose()
