"""The data layer: every query Glint makes goes through a ``Database``."""

import datetime
import functools
import uuid

from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from glint_service.db import models
from glint_service.db import schema
from glint_service import exception

LOG = logging.getLogger(__name__)


@functools.lru_cache()
def _first_waiting(dialect_name):
    """The queries of Database._turns, built once for each database kind.

    An idle engine runs the first every [engine] poll_interval. The first
    query gives the first project's oldest queued migration, its count of
    running migrations and its last start; the second the same for the
    next project after ``:after``.
    """
    migration = models.Migration
    running = migration.__table__.alias('running')
    started = migration.__table__.alias('started')
    last_start = sa.select(started.c.started_at).where(
        started.c.project_id == migration.project_id)
    if dialect_name == 'postgresql':
        # Its descending order puts the never started (NULL) first;
        # MariaDB's, MySQL's and SQLite's put them last, so that the scan
        # stops at once, where "IS NOT NULL" would make MariaDB read every
        # migration of a project that never started one.
        last_start = last_start.where(started.c.started_at.is_not(None))
    first = sa.select(
        migration.project_id, migration.created_at,
        sa.select(sa.func.count()).where(
            running.c.status == 'running',
            running.c.project_id == migration.project_id)
        .scalar_subquery(),
        last_start.order_by(started.c.started_at.desc()).limit(1)
        .scalar_subquery()).where(
        migration.status == 'queued').order_by(
        migration.project_id, migration.created_at).limit(1)
    return first, first.where(migration.project_id > sa.bindparam('after'))


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _unreachable(context):
    """A database that cannot be reached: one line in the log, and a 503."""
    if context.is_pre_ping:
        return  # The pool tries a new connection.
    # No connection: the error came when connecting.
    if context.is_disconnect or context.connection is None:
        LOG.error("Glint's database cannot be reached: %s",
                  context.original_exception)
        raise exception.DatabaseUnavailable()


class Database(object):

    def __init__(self, url):
        connect_args = {}
        if url.startswith('sqlite'):
            # Wait for a writer in another thread or process, not fail.
            connect_args['timeout'] = 30
        self.url = url
        self.engine = sa.create_engine(url, connect_args=connect_args,
                                       pool_pre_ping=True)
        sa.event.listen(self.engine, 'handle_error', _unreachable)
        self._session = orm.sessionmaker(self.engine, expire_on_commit=False)

    def ping(self):
        with self.engine.connect() as connection:
            connection.execute(sa.text('SELECT 1'))

    def check_schema(self):
        """Raise unless the schema is the newest one."""
        current = schema.current_revision(self.engine)
        head = schema.head_revision(self.url)
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

    def cloud_ids(self):
        with self._session() as session:
            return set(session.scalars(sa.select(models.Cloud.id)))

    def count_clouds(self, project_id):
        query = sa.select(sa.func.count()).select_from(models.Cloud).where(
            models.Cloud.project_id == project_id)
        with self._session() as session:
            return session.scalar(query)

    def count_unfinished_migrations(self, project_id):
        query = sa.select(sa.func.count()).select_from(
            models.Migration).where(
            models.Migration.project_id == project_id,
            models.Migration.status.in_(('queued', 'running')))
        with self._session() as session:
            return session.scalar(query)

    def reseal_clouds(self, reseal):
        """Store every cloud's secrets as ``reseal(sealed)`` gives them.

        In one transaction; the clouds are otherwise unchanged (their
        updated_at too). Returns how many there are.
        """
        with self._session.begin() as session:
            clouds = list(session.scalars(sa.select(models.Cloud)))
            for cloud in clouds:
                cloud.sealed_secrets = reseal(cloud.sealed_secrets)
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

    # Migrations.

    def create_migration(self, values, target_cloud_ids, settings=None):
        """A queued migration, with a target row per cloud.

        Each target row takes ``settings`` (see models.MigrationTarget).
        """
        now = utcnow()
        migration = models.Migration(
            id=str(uuid.uuid4()), status='queued', bytes_read=0,
            cancel_requested=False, created_at=now, updated_at=now,
            **values)
        migration.targets = [
            models.MigrationTarget(position=i, cloud_id=cloud_id,
                                   status='queued', bytes_written=0,
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
        with self._session() as session:
            migration = session.scalars(query).first()
        if migration is None:
            raise exception.NotFound('No migration %s.' % migration_id)
        return migration

    def list_migrations(self, project_id=None, status=None):
        query = sa.select(models.Migration).order_by(
            models.Migration.created_at.desc())
        if project_id is not None:
            query = query.where(models.Migration.project_id == project_id)
        if status is not None:
            query = query.where(models.Migration.status == status)
        with self._session() as session:
            return list(session.scalars(query))

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
        now = utcnow()
        with self._session.begin() as session:
            done = session.execute(
                sa.update(models.Migration)
                .where(models.Migration.id == migration_id,
                       models.Migration.status == 'queued')
                .values(status='cancelled', cancel_requested=True,
                        updated_at=now, finished_at=now)).rowcount
            if done:
                session.execute(
                    sa.update(models.MigrationTarget)
                    .where(models.MigrationTarget.migration_id ==
                           migration_id)
                    .values(status='cancelled'))
        return bool(done)

    def request_cancel(self, migration_id):
        with self._session.begin() as session:
            session.execute(
                sa.update(models.Migration)
                .where(models.Migration.id == migration_id)
                .values(cancel_requested=True))

    def cloud_in_use(self, cloud_id):
        """Whether an unfinished migration reads from or writes to a cloud."""
        unfinished = models.Migration.status.in_(('queued', 'running'))
        query = sa.select(models.Migration.id).outerjoin(
            models.MigrationTarget).where(unfinished, sa.or_(
                models.Migration.source == cloud_id,
                models.MigrationTarget.cloud_id == cloud_id)).limit(1)
        with self._session() as session:
            return session.scalars(query).first() is not None

    # What the workers do with migrations.

    def claim_next(self, owner, lease_seconds):
        """Take the next queued migration, fairly; its id, or None.

        The project with the fewest migrations running goes first, its
        oldest queued migration taken; of those with as many, the one
        whose last start is the oldest (or that has none), so that
        projects take turns. So a project's thousand queued migrations hold
        another project's one back by one claim at most (by one claim per
        claimer when several claim at the same moment), even with one
        engine running one transfer at a time.

        Its cost does not grow with the queue: the queue is never read
        whole, only its first entry for each project (see _turns), and
        then one row, the oldest of a project, is locked. Where the
        database has it (MariaDB, MySQL 8, PostgreSQL), with SKIP LOCKED:
        claimers at the same moment take different rows instead of racing
        for one. SQLite has one writer at a time; the conditional update
        settles a race there. All in one transaction.
        """
        with self.engine.connect() as connection:
            for project_id, oldest in self._turns(connection):
                migration_id = self._claim_oldest(
                    connection, project_id, oldest, owner, lease_seconds)
                if migration_id is not None:
                    return migration_id
        return None

    @staticmethod
    def _turns(connection):
        """(Project, its oldest queued time) pairs, in the order they go.

        One small query per such project, each reading one entry of the
        queue's index (revision 0005's): the oldest queued migration of the
        next project in the index's order, with that project's count of
        running migrations (from the same index) and its last start (one
        entry of revision 0007's index). A loose index scan, which neither
        MariaDB nor PostgreSQL makes of a GROUP BY: theirs read every queued
        row. The running migrations are as many as the engines' limits
        allow, whatever the queue's length.
        """
        first, after = _first_waiting(connection.dialect.name)
        waiting = []
        row = connection.execute(first).first()
        while row is not None:
            waiting.append(row)
            row = connection.execute(after, {'after': row.project_id}).first()
        # Fewest running first; of those, the last started longest ago, or
        # never; then the oldest queued.
        waiting.sort(key=lambda row: (
            row[2], row[3] is not None, row[3] or row[1], row[1]))
        return [(row.project_id, row.created_at) for row in waiting]

    def _claim_oldest(self, connection, project_id, oldest, owner,
                      lease_seconds):
        """Claim the oldest queued migration of a project; its id, or None.

        The oldest that no other claimer holds, from ``oldest`` on, and in
        the transaction of ``connection``, committed when it is claimed.
        From ``oldest`` on, so that whichever index the database takes
        reads from there: PostgreSQL's planner takes the index on
        created_at, once the table has been updated a few thousand times,
        and without it read every older migration of every project.
        """
        now = utcnow()
        query = sa.select(models.Migration.id).where(
            models.Migration.status == 'queued',
            models.Migration.project_id == project_id,
            models.Migration.created_at >= oldest).order_by(
            models.Migration.created_at).limit(1)
        if self.engine.dialect.name != 'sqlite':
            query = query.with_for_update(skip_locked=True)
        while True:
            migration_id = connection.execute(query).scalar()
            if migration_id is None:
                return None
            done = connection.execute(
                sa.update(models.Migration)
                .where(models.Migration.id == migration_id,
                       models.Migration.status == 'queued')
                .values(status='running', owner=owner, updated_at=now,
                        started_at=now, lease_until=now + datetime.timedelta(
                            seconds=lease_seconds))).rowcount
            if done:
                connection.commit()
                return migration_id
            # Taken by another claimer in between (SQLite): the next one.

    def claim(self, migration_id, owner, lease_seconds):
        """Take a queued migration, or a running one whose lease ran out.

        Atomic: of several processes, one only gets it. Returns whether this
        one did.
        """
        now = utcnow()
        lease = now + datetime.timedelta(seconds=lease_seconds)
        claimable = sa.or_(
            models.Migration.status == 'queued',
            sa.and_(models.Migration.status == 'running',
                    models.Migration.lease_until < now))
        with self._session.begin() as session:
            done = session.execute(
                sa.update(models.Migration)
                .where(models.Migration.id == migration_id, claimable)
                .values(status='running', owner=owner, lease_until=lease,
                        updated_at=now)).rowcount
        return bool(done)

    def renew_leases(self, owner, migration_ids, lease_seconds):
        """Extend the claims ``owner`` holds on these running migrations."""
        self._lease(owner, migration_ids,
                    utcnow() + datetime.timedelta(seconds=lease_seconds))

    def _lease(self, owner, migration_ids, until):
        if not migration_ids:
            return
        with self._session.begin() as session:
            session.execute(
                sa.update(models.Migration)
                .where(models.Migration.owner == owner,
                       models.Migration.id.in_(migration_ids),
                       models.Migration.status == 'running')
                .values(lease_until=until))

    def abandoned_migration_ids(self):
        """Running migrations whose process is gone: their lease ran out."""
        query = sa.select(models.Migration.id).where(
            models.Migration.status == 'running',
            models.Migration.lease_until < utcnow())
        with self._session() as session:
            return list(session.scalars(query))

    def ended_migrations_with_trusts(self, user_id, limit):
        """Ended migrations of ``user_id`` whose trusts are still there."""
        query = sa.select(models.Migration).where(
            models.Migration.created_by == user_id,
            models.Migration.trust_id.is_not(None),
            models.Migration.status.not_in(('queued', 'running'))).limit(
            limit)
        with self._session() as session:
            return list(session.scalars(query))

    def forget_trust(self, migration_id):
        """The migration's trust is deleted: nothing else changes."""
        with self._session.begin() as session:
            session.execute(sa.update(models.Migration).where(
                models.Migration.id == migration_id).values(trust_id=None))

    def update_migration(self, migration_id, **values):
        values['updated_at'] = utcnow()
        with self._session.begin() as session:
            session.execute(sa.update(models.Migration).where(
                models.Migration.id == migration_id).values(**values))

    def end_migration(self, migration_id, targets, **values):
        """Record a migration's end, and its targets' at once.

        ``targets``: {position: values}. The migration's claim ends with it.
        """
        values.update(owner=None, lease_until=None, updated_at=utcnow())
        with self._session.begin() as session:
            self._update_targets(session, migration_id, targets)
            session.execute(sa.update(models.Migration).where(
                models.Migration.id == migration_id).values(**values))

    def update_target(self, migration_id, position, **values):
        with self._session.begin() as session:
            session.execute(sa.update(models.MigrationTarget).where(
                models.MigrationTarget.migration_id == migration_id,
                models.MigrationTarget.position == position).values(**values))

    def save_progress(self, migration_id, bytes_read, targets):
        """Record a running migration's progress and its targets' state.

        ``targets``: {position: values}. Returns whether a cancel was asked
        for.
        """
        # Written every progress_interval by every running migration: on a
        # connection, without an ORM session (a third less CPU).
        with self.engine.begin() as connection:
            connection.execute(sa.update(models.Migration).where(
                models.Migration.id == migration_id).values(
                bytes_read=bytes_read, updated_at=utcnow()))
            self._update_targets(connection, migration_id, targets)
            return connection.execute(
                sa.select(models.Migration.cancel_requested).where(
                    models.Migration.id == migration_id)).scalar()

    def requeue_migration(self, migration_id):
        """Put a running migration back in the queue, as it was asked for.

        Its claim ends; it is run again from the start by the next engine
        that claims it.
        """
        with self._session.begin() as session:
            session.execute(sa.update(models.MigrationTarget).where(
                models.MigrationTarget.migration_id == migration_id).values(
                status='queued', image_id=None, error=None, bytes_written=0,
                leftover=False))
            session.execute(sa.update(models.Migration).where(
                models.Migration.id == migration_id,
                models.Migration.status == 'running').values(
                status='queued', bytes_read=0, owner=None, lease_until=None,
                updated_at=utcnow()))

    def release_leases(self, owner, migration_ids):
        """End ``owner``'s claims on these migrations now.

        Not at their lease's end: another engine may take them at once.
        """
        self._lease(owner, migration_ids, utcnow())

    @staticmethod
    def _update_targets(connection, migration_id, targets):
        """Write {position: values}, in a session or on a connection."""
        for position, values in targets.items():
            connection.execute(sa.update(models.MigrationTarget).where(
                models.MigrationTarget.migration_id == migration_id,
                models.MigrationTarget.position == position).values(
                **values))

    def leftovers(self):
        """The targets whose images Glint still has to delete."""
        query = sa.select(models.MigrationTarget).where(
            models.MigrationTarget.leftover.is_(True))
        with self._session() as session:
            return list(session.scalars(query))
