"""The data layer: every query Glint makes goes through a ``Database``."""

import datetime
import uuid

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from glint_service.db import migration
from glint_service.db import models
from glint_service import exception


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Database(object):

    def __init__(self, url):
        connect_args = {}
        if url.startswith('sqlite'):
            # Wait for a writer in another thread or process, not fail.
            connect_args['timeout'] = 30
        self.url = url
        self.engine = sa.create_engine(url, connect_args=connect_args,
                                       pool_pre_ping=True)
        self._session = orm.sessionmaker(self.engine, expire_on_commit=False)

    def ping(self):
        with self.engine.connect() as connection:
            connection.execute(sa.text('SELECT 1'))

    def check_schema(self):
        """Raise unless the schema is the newest one."""
        current = migration.current_revision(self.engine)
        head = migration.head_revision(self.url)
        if current != head:
            raise exception.GlintError(
                'The database schema is at revision %s, not %s: run '
                '"glint-manage db sync".' % (current, head))

    # Remote clouds.

    def create_cloud(self, values):
        now = utcnow()
        cloud = models.Cloud(id=str(uuid.uuid4()), created_at=now,
                             updated_at=now, **values)
        with self._session.begin() as session:
            session.add(cloud)
            self._flush_or_conflict(session, values['name'])
        return cloud

    def get_cloud(self, cloud_id, project_id):
        with self._session() as session:
            return self._get_cloud(session, cloud_id, project_id)

    def list_clouds(self, project_id=None):
        """The clouds of ``project_id``, or of every project if None."""
        query = sa.select(models.Cloud).order_by(models.Cloud.created_at)
        if project_id is not None:
            query = query.where(models.Cloud.project_id == project_id)
        with self._session() as session:
            return list(session.scalars(query))

    def update_cloud(self, cloud_id, project_id, values):
        with self._session.begin() as session:
            cloud = self._get_cloud(session, cloud_id, project_id)
            for name, value in values.items():
                setattr(cloud, name, value)
            cloud.updated_at = utcnow()
            self._flush_or_conflict(session, cloud.name)
        return cloud

    def delete_cloud(self, cloud_id, project_id):
        with self._session.begin() as session:
            session.delete(self._get_cloud(session, cloud_id, project_id))

    @staticmethod
    def _get_cloud(session, cloud_id, project_id):
        cloud = session.scalars(sa.select(models.Cloud).where(
            models.Cloud.id == cloud_id,
            models.Cloud.project_id == project_id)).first()
        if cloud is None:
            raise exception.NotFound('No remote cloud %s.' % cloud_id)
        return cloud

    @staticmethod
    def _flush_or_conflict(session, name):
        try:
            session.flush()
        except sa_exc.IntegrityError:
            raise exception.Conflict(
                'name: the project already has a remote cloud named %r.'
                % name)
