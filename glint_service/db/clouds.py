"""The remote clouds of projects, their credentials encrypted."""

import datetime
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

    def update_cloud(self, cloud_id, project_id, values, updated_at,
                     sealed_secrets=None):
        """Change a cloud as it was at ``updated_at``: its version.

        Conflict if another change came in between, which this one would
        undo: the caller reads the cloud again and retries. With
        ``sealed_secrets``, the secrets too must still be those (a refresh
        token rotated meanwhile is not undone).
        """
        values = dict(values, updated_at=models.utcnow())
        same = [models.Cloud.id == cloud_id,
                models.Cloud.project_id == project_id,
                models.Cloud.updated_at == updated_at]
        if sealed_secrets is not None:
            same.append(models.Cloud.sealed_secrets == sealed_secrets)
        with self._session.begin() as session:
            try:
                done = session.execute(sa.update(models.Cloud).where(
                    *same).values(**values)).rowcount
            except sa_exc.IntegrityError:
                raise self._name_taken(values.get('name'))
            cloud = self._get_cloud(session, cloud_id, project_id)
            if not done:
                raise exception.Conflict(
                    'Remote cloud %s was changed by another request '
                    'meanwhile; read it again and retry.' % cloud_id)
        return cloud

    def cloud_ids(self):
        with self._session() as session:
            return set(session.scalars(sa.select(models.Cloud.id)))

    def count_clouds(self, project_id, until=None):
        """A project's clouds; only those made no later than ``until``."""
        query = sa.select(sa.func.count()).select_from(models.Cloud).where(
            models.Cloud.project_id == project_id)
        if until is not None:
            query = query.where(models.made_before(models.Cloud, until,
                                                   or_itself=True))
        with self._session() as session:
            return session.scalar(query)

    def reencrypt_clouds(self, reencrypt):
        """Store every cloud's secrets as ``reencrypt(sealed)`` gives them.

        The clouds are otherwise unchanged (their updated_at too). Each is
        written only if its secrets are still those read: a secret changed
        by a request meanwhile is read again, never undone. Returns how
        many clouds there are.
        """
        with self._session() as session:
            cloud_ids = list(session.scalars(sa.select(models.Cloud.id)))
        count = 0
        for cloud_id in cloud_ids:
            while True:
                with self.sql_engine.begin() as connection:
                    sealed = connection.execute(
                        sa.select(models.Cloud.sealed_secrets).where(
                            models.Cloud.id == cloud_id)).scalar()
                    if sealed is None:
                        break  # Deleted meanwhile.
                    done = connection.execute(
                        sa.update(models.Cloud).where(
                            models.Cloud.id == cloud_id,
                            models.Cloud.sealed_secrets == sealed).values(
                            sealed_secrets=reencrypt(sealed))).rowcount
                if done:
                    count += 1
                    break
        return count

    def mark_credentials_refused(self, cloud_id, updated_at, reason):
        """Record that the remote end refused the cloud's credentials.

        Only those of the cloud as it was at ``updated_at``: credentials
        replaced meanwhile are not marked. Its updated_at stays as it is
        (no change a user made).
        """
        with self._session.begin() as session:
            session.execute(sa.update(models.Cloud).where(
                models.Cloud.id == cloud_id,
                models.Cloud.updated_at == updated_at).values(
                credentials_refused_at=models.utcnow(),
                credentials_refused_reason=reason[:255]))

    def clear_credentials_refused(self, cloud_id, updated_at):
        """Forget a refusal: a login with the same credentials worked."""
        with self._session.begin() as session:
            session.execute(sa.update(models.Cloud).where(
                models.Cloud.id == cloud_id,
                models.Cloud.updated_at == updated_at,
                models.Cloud.credentials_refused_at.is_not(None)).values(
                credentials_refused_at=None,
                credentials_refused_reason=None))

    def take_refresh_lease(self, cloud_id, seconds):
        """Be the one process exchanging a cloud's refresh token.

        For ``seconds`` at most, by the database's clock. Returns the
        lease's end (to give back to release_refresh_lease), or None if
        another process holds it.
        """
        with self.sql_engine.begin() as connection:
            now = self._now(connection)
            until = now + datetime.timedelta(seconds=seconds)
            done = connection.execute(sa.update(models.Cloud).where(
                models.Cloud.id == cloud_id,
                sa.or_(models.Cloud.refresh_lease_until.is_(None),
                       models.Cloud.refresh_lease_until < now)).values(
                refresh_lease_until=until)).rowcount
        return until if done else None

    def release_refresh_lease(self, cloud_id, until):
        with self.sql_engine.begin() as connection:
            connection.execute(sa.update(models.Cloud).where(
                models.Cloud.id == cloud_id,
                models.Cloud.refresh_lease_until == until).values(
                refresh_lease_until=None))

    def cloud_secrets(self, cloud_id):
        """A cloud's sealed secrets as they are now; None if it is gone."""
        with self.sql_engine.connect() as connection:
            return connection.execute(
                sa.select(models.Cloud.sealed_secrets).where(
                    models.Cloud.id == cloud_id)).scalar()

    def replace_secrets(self, cloud_id, sealed, new_sealed):
        """Store ``new_sealed`` if the secrets are still ``sealed``.

        A rotated refresh token: the cloud is otherwise unchanged (its
        updated_at too, so that every process keeps its session). Returns
        whether it was stored (not if the secrets were replaced meanwhile).
        """
        with self.sql_engine.begin() as connection:
            return bool(connection.execute(sa.update(models.Cloud).where(
                models.Cloud.id == cloud_id,
                models.Cloud.sealed_secrets == sealed).values(
                sealed_secrets=new_sealed)).rowcount)

    def sealed_secrets(self):
        with self._session() as session:
            return list(session.scalars(sa.select(
                models.Cloud.sealed_secrets)))

    def delete_cloud(self, cloud_id, project_id):
        with self._session.begin() as session:
            session.delete(self._get_cloud(session, cloud_id, project_id))

    @staticmethod
    def _get_cloud(session, cloud_id, project_id):
        cloud = None
        if models.is_id(cloud_id):
            cloud = session.scalars(sa.select(models.Cloud).where(
                models.Cloud.id == cloud_id,
                models.Cloud.project_id == project_id)).first()
        if cloud is None:
            raise exception.NotFound('No remote cloud %s.' % cloud_id)
        return cloud

    @classmethod
    def _flush_or_conflict(cls, session, name):
        try:
            session.flush()
        except sa_exc.IntegrityError:
            raise cls._name_taken(name)

    @staticmethod
    def _name_taken(name):
        return exception.Conflict(
            'name: the project already has a remote cloud named %r.' % name)
