"""The remote clouds of projects, their credentials encrypted."""

import uuid

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from glint_service.db import models
from glint_service import exception


class Clouds(object):
    """Queries of remote clouds; a part of ``db.api.Database``."""

    def create_cloud(self, values):
        now = models.utcnow()
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
            cloud.updated_at = models.utcnow()
            self._flush_or_conflict(session, cloud.name)
        return cloud

    def cloud_ids(self):
        with self._session() as session:
            return set(session.scalars(sa.select(models.Cloud.id)))

    def count_clouds(self, project_id):
        query = sa.select(sa.func.count()).select_from(models.Cloud).where(
            models.Cloud.project_id == project_id)
        with self._session() as session:
            return session.scalar(query)

    def reencrypt_clouds(self, reencrypt):
        """Store every cloud's secrets as ``reencrypt(sealed)`` gives them.

        In one transaction; the clouds are otherwise unchanged (their
        updated_at too). Returns how many there are.
        """
        with self._session.begin() as session:
            clouds = list(session.scalars(sa.select(models.Cloud)))
            for cloud in clouds:
                cloud.sealed_secrets = reencrypt(cloud.sealed_secrets)
            return len(clouds)

    def sealed_secrets(self):
        with self._session() as session:
            return list(session.scalars(sa.select(
                models.Cloud.sealed_secrets)))

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
