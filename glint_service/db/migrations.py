"""Migrations as the API asks for, shows, cancels and deletes them."""

import uuid

import sqlalchemy as sa

from glint_service.db import models
from glint_service import exception
from glint_service import states


class Migrations(object):
    """Queries of migrations; a part of ``db.api.Database``."""

    def create_migration(self, values, target_cloud_ids, settings=None,
                         status=states.QUEUED):
        """A queued migration, with a target row per cloud.

        Or one awaiting its data, with ``status``. Each target row takes
        ``settings`` (see models.MigrationTarget).
        """
        now = models.utcnow()
        migration = models.Migration(
            id=str(uuid.uuid4()), status=status, bytes_read=0,
            cancel_requested=False, created_at=now, updated_at=now,
            **values)
        migration.targets = [
            models.MigrationTarget(position=i, cloud_id=cloud_id,
                                   status=states.QUEUED, bytes_written=0,
                                   leftover=False, settings=settings)
            for i, cloud_id in enumerate(target_cloud_ids)]
        with self._session.begin() as session:
            session.add(migration)
        return migration

    def get_migration(self, migration_id, project_id=None):
        """A migration, of ``project_id`` unless it is None."""
        query = sa.select(models.Migration).where(
            models.Migration.id == migration_id)
        if project_id is not None:
            query = query.where(models.Migration.project_id == project_id)
        migration = None
        if models.is_id(migration_id):
            with self._session() as session:
                migration = session.scalars(query).first()
        if migration is None:
            raise exception.NotFound('No migration %s.' % migration_id)
        return migration

    def list_migrations(self, project_id=None, status=None, limit=None,
                        marker=None):
        """Migrations, newest first: of ``project_id`` unless it is None.

        At most ``limit``, those after the migration ``marker`` (a row) in
        that order.
        """
        query = sa.select(models.Migration).order_by(
            models.Migration.created_at.desc(), models.Migration.id.desc())
        if project_id is not None:
            query = query.where(models.Migration.project_id == project_id)
        if status is not None:
            query = query.where(models.Migration.status == status)
        if marker is not None:
            query = query.where(models.made_before(models.Migration, marker))
        if limit is not None:
            query = query.limit(limit)
        with self._session() as session:
            return list(session.scalars(query))

    def prune_migrations(self, before):
        """Delete the records of migrations that ended before ``before``.

        Not those with an image Glint has still to delete. Returns how many.
        """
        leftover = sa.select(models.MigrationTarget.id).where(
            models.MigrationTarget.migration_id == models.Migration.id,
            models.MigrationTarget.leftover.is_(True))
        query = sa.select(models.Migration.id).where(
            models.Migration.status.not_in(states.UNFINISHED),
            models.Migration.finished_at < before, ~leftover.exists())
        with self._session() as session:
            ended = list(session.scalars(query))
        for migration_id in ended:
            self.delete_migration(migration_id)
        return len(ended)

    def count_unfinished_migrations(self, project_id, until=None):
        """A project's queued or running migrations.

        Only those made no later than ``until``, when given.
        """
        query = sa.select(sa.func.count()).select_from(
            models.Migration).where(
            models.Migration.project_id == project_id,
            models.Migration.status.in_(states.UNFINISHED))
        if until is not None:
            query = query.where(models.made_before(
                models.Migration, until, or_itself=True))
        with self._session() as session:
            return session.scalar(query)

    def delete_queued(self, migration_id):
        """Delete a migration no process has claimed; False if one has."""
        with self._session.begin() as session:
            done = session.execute(sa.delete(models.Migration).where(
                models.Migration.id == migration_id,
                models.Migration.status.in_(states.NOT_STARTED))).rowcount
            if done:
                session.execute(sa.delete(models.MigrationTarget).where(
                    models.MigrationTarget.migration_id == migration_id))
        return bool(done)

    def delete_migration(self, migration_id):
        """Delete a migration and its targets.

        The targets explicitly: SQLite does not enforce foreign keys.
        """
        with self._session.begin() as session:
            session.execute(sa.delete(models.MigrationTarget).where(
                models.MigrationTarget.migration_id == migration_id))
            session.execute(sa.delete(models.Migration).where(
                models.Migration.id == migration_id))

    def cancel_queued(self, migration_id):
        """Cancel a migration that no process has claimed; False if one has."""
        return self.end_unstarted(migration_id, states.CANCELLED,
                                  cancel_requested=True)

    def request_cancel(self, migration_id):
        with self._session.begin() as session:
            session.execute(
                sa.update(models.Migration)
                .where(models.Migration.id == migration_id)
                .values(cancel_requested=True))

    def cloud_in_use(self, cloud_id):
        """Whether an unfinished migration reads from or writes to a cloud."""
        unfinished = models.Migration.status.in_(states.UNFINISHED)
        query = sa.select(models.Migration.id).outerjoin(
            models.MigrationTarget).where(unfinished, sa.or_(
                models.Migration.source == cloud_id,
                models.MigrationTarget.cloud_id == cloud_id)).limit(1)
        with self._session() as session:
            return session.scalars(query).first() is not None

    def has_leftovers(self, cloud_id):
        """Whether Glint has still to delete an image it left at a cloud."""
        query = sa.select(models.MigrationTarget.id).where(
            models.MigrationTarget.cloud_id == cloud_id,
            models.MigrationTarget.leftover.is_(True)).limit(1)
        with self._session() as session:
            return session.scalars(query).first() is not None

    def ended_migrations_with_trusts(self, user_id, limit):
        """Ended migrations of ``user_id`` whose trusts are still there.

        Not those with an image left to delete: the engine needs the trust
        to delete one at the local cloud.
        """
        leftover = sa.select(models.MigrationTarget.id).where(
            models.MigrationTarget.migration_id == models.Migration.id,
            models.MigrationTarget.leftover.is_(True))
        query = sa.select(models.Migration).where(
            models.Migration.created_by == user_id,
            models.Migration.trust_id.is_not(None),
            models.Migration.status.not_in(states.UNFINISHED),
            ~leftover.exists()).limit(limit)
        with self._session() as session:
            return list(session.scalars(query))

    def forget_trust(self, migration_id):
        """The migration's trust is deleted: nothing else changes."""
        with self._session.begin() as session:
            session.execute(sa.update(models.Migration).where(
                models.Migration.id == migration_id).values(trust_id=None))
