"""The queue the engines work from: claims, leases, progress and ends.

The database is the queue: a migration is queued as a row, claimed by one
engine at a time with a lease that engine renews, and ended there.
"""

import datetime
import functools

import sqlalchemy as sa

from glint_service.db import models
from glint_service import exception
from glint_service import states


@functools.lru_cache()
def _first_waiting(dialect_name):
    """The queries of Database._turns, built once for each database kind.

    An idle engine runs the first every [engine] poll_interval. The first
    query gives the first project's oldest queued migration, its count of
    running migrations and its last start; the second the same for the
    next project after ``:after``.
    """
    migration = models.Migration
    running = migration.__table__.alias('busy')
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
            running.c.status == states.RUNNING,
            running.c.project_id == migration.project_id)
        .scalar_subquery(),
        last_start.order_by(started.c.started_at.desc()).limit(1)
        .scalar_subquery()).where(
        migration.status == states.QUEUED).order_by(
        migration.project_id, migration.created_at).limit(1)
    return first, first.where(migration.project_id > sa.bindparam('after'))


# The database's own clock, in UTC, where it is another host's: leases are
# timed by it, so that engines whose clocks differ agree on when a lease
# runs out. SQLite is a file on the engine's own host.
_NOW = {
    'mysql': 'SELECT UTC_TIMESTAMP(6)',
    'postgresql': "SELECT clock_timestamp() AT TIME ZONE 'UTC'",
}


class Queue(object):
    """What engines do with migrations; a part of ``db.api.Database``."""

    def _now(self, connection):
        """Now by the database's clock (see _NOW), as the columns keep it."""
        query = _NOW.get(self.sql_engine.dialect.name)
        if query is None:
            return models.utcnow()
        return connection.execute(sa.text(query)).scalar()

    def claim_next(self, owner, lease_seconds):
        """Take the next queued migration, fairly; its id, or None.

        See claim_next_of.
        """
        claimed = self.claim_next_of(owner, lease_seconds)
        return claimed[0] if claimed else None

    def claim_next_of(self, owner, lease_seconds, skip_projects=()):
        """Take the next queued migration, fairly: (its id, its project).

        None if there is none, of the projects but ``skip_projects`` (those
        the claimer runs enough of already).

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
        with self.sql_engine.connect() as connection:
            for project_id, oldest in self._turns(connection):
                if project_id in skip_projects:
                    continue
                migration_id = self._claim_oldest(
                    connection, project_id, oldest, owner, lease_seconds)
                if migration_id is not None:
                    return migration_id, project_id
        return None

    @staticmethod
    def _turns(connection):
        """(Project, its oldest queued time) pairs, in the order they go.

        One small query per such project, each reading one entry of the
        queue's index: the oldest queued migration of the next project in
        the index's order, with that project's count of running migrations
        (from the same index) and its last start (one entry of the index of
        last starts). A loose index scan, which neither
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
        now = self._now(connection)
        query = sa.select(models.Migration.id).where(
            models.Migration.status == states.QUEUED,
            models.Migration.project_id == project_id,
            models.Migration.created_at >= oldest).order_by(
            models.Migration.created_at).limit(1)
        if self.sql_engine.dialect.name != 'sqlite':
            query = query.with_for_update(skip_locked=True)
        while True:
            migration_id = connection.execute(query).scalar()
            if migration_id is None:
                return None
            done = connection.execute(
                sa.update(models.Migration)
                .where(models.Migration.id == migration_id,
                       models.Migration.status == states.QUEUED)
                .values(status=states.RUNNING, owner=owner, updated_at=now,
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
        with self._session.begin() as session:
            now = self._now(session)
            lease = now + datetime.timedelta(seconds=lease_seconds)
            claimable = sa.or_(
                models.Migration.status == states.QUEUED,
                sa.and_(models.Migration.status == states.RUNNING,
                        models.Migration.lease_until < now))
            done = session.execute(
                sa.update(models.Migration)
                .where(models.Migration.id == migration_id, claimable)
                .values(status=states.RUNNING, owner=owner, lease_until=lease,
                        updated_at=now)).rowcount
        return bool(done)

    def claim_upload(self, migration_id, owner, lease_seconds, size):
        """Take an upload awaiting its data, to run it as the data comes.

        Atomic, as ``claim``: of several requests, one only gets it. Its
        ``size`` is recorded with the claim. Returns whether this one did.
        """
        with self._session.begin() as session:
            now = self._now(session)
            done = session.execute(
                sa.update(models.Migration)
                .where(models.Migration.id == migration_id,
                       models.Migration.status == states.AWAITING_DATA)
                .values(status=states.RUNNING, owner=owner, size=size,
                        lease_until=now + datetime.timedelta(
                            seconds=lease_seconds),
                        updated_at=now, started_at=now)).rowcount
        return bool(done)

    def expired_upload_ids(self, created_before):
        """Uploads still awaiting their data, asked for before a time."""
        query = sa.select(models.Migration.id).where(
            models.Migration.status == states.AWAITING_DATA,
            models.Migration.created_at < created_before)
        with self._session() as session:
            return list(session.scalars(query))

    def end_unstarted(self, migration_id, status, error=None, **values):
        """End a migration no process has claimed, and its targets.

        As ``status``, with ``error`` and other ``values`` of the
        migration's; False if a process has claimed it meanwhile.
        """
        now = models.utcnow()
        with self._session.begin() as session:
            done = session.execute(
                sa.update(models.Migration)
                .where(models.Migration.id == migration_id,
                       models.Migration.status.in_(states.NOT_STARTED))
                .values(status=status, error=error, updated_at=now,
                        finished_at=now, **values)).rowcount
            if done:
                session.execute(
                    sa.update(models.MigrationTarget)
                    .where(models.MigrationTarget.migration_id ==
                           migration_id)
                    .values(status=status, error=error))
        return bool(done)

    def renew_leases(self, owner, migration_ids, lease_seconds):
        """Extend the claims ``owner`` holds on these running migrations."""
        self._lease(owner, migration_ids, lease_seconds)

    def _lease(self, owner, migration_ids, lease_seconds):
        """``owner``'s claims on these migrations end in ``lease_seconds``."""
        if not migration_ids:
            return
        with self._session.begin() as session:
            until = self._now(session) + datetime.timedelta(
                seconds=lease_seconds)
            session.execute(
                sa.update(models.Migration)
                .where(models.Migration.owner == owner,
                       models.Migration.id.in_(migration_ids),
                       models.Migration.status == states.RUNNING)
                .values(lease_until=until))

    def abandoned_migration_ids(self):
        """Running migrations whose process is gone: their lease ran out."""
        with self._session() as session:
            return list(session.scalars(sa.select(models.Migration.id).where(
                models.Migration.status == states.RUNNING,
                models.Migration.lease_until < self._now(session))))

    def end_migration(self, migration_id, targets, owner=None, **values):
        """Record a migration's end, and its targets' at once.

        ``targets``: {position: values}. The migration's claim ends with it.
        With ``owner``, only while the claim is still that owner's
        (LeaseLost otherwise, and nothing is written).
        """
        values.update(owner=None, lease_until=None, updated_at=models.utcnow())
        with self._session.begin() as session:
            done = session.execute(sa.update(models.Migration).where(
                models.Migration.id == migration_id,
                *self._owned_by(owner)).values(**values)).rowcount
            if not done and owner is not None:
                raise exception.LeaseLost(migration_id)
            self._update_targets(session, migration_id, targets)

    def update_target(self, migration_id, position, **values):
        with self._session.begin() as session:
            session.execute(sa.update(models.MigrationTarget).where(
                models.MigrationTarget.migration_id == migration_id,
                models.MigrationTarget.position == position).values(**values))

    def save_progress(self, migration_id, bytes_read, targets, owner=None):
        """Record a running migration's progress and its targets' state.

        ``targets``: {position: values}. Returns whether a cancel was asked
        for. With ``owner``, only while the claim is still that owner's
        (LeaseLost otherwise, and nothing is written).
        """
        # Written every progress_interval by every running migration: on a
        # connection, without the cost of an ORM session.
        with self.sql_engine.begin() as connection:
            done = connection.execute(sa.update(models.Migration).where(
                models.Migration.id == migration_id,
                *self._owned_by(owner)).values(
                bytes_read=bytes_read, updated_at=models.utcnow())).rowcount
            if not done and owner is not None:
                raise exception.LeaseLost(migration_id)
            self._update_targets(connection, migration_id, targets)
            return connection.execute(
                sa.select(models.Migration.cancel_requested).where(
                    models.Migration.id == migration_id)).scalar()

    def requeue_migration(self, migration_id, owner):
        """Put ``owner``'s running migration back in the queue, as asked.

        Its claim ends; it is run again from the start by the next engine
        that claims it. LeaseLost, and nothing written, if the claim is no
        longer ``owner``'s.
        """
        with self._session.begin() as session:
            done = session.execute(sa.update(models.Migration).where(
                models.Migration.id == migration_id,
                *self._owned_by(owner)).values(
                status=states.QUEUED, bytes_read=0, owner=None,
                lease_until=None, updated_at=models.utcnow())).rowcount
            if not done:
                raise exception.LeaseLost(migration_id)
            session.execute(sa.update(models.MigrationTarget).where(
                models.MigrationTarget.migration_id == migration_id).values(
                status=states.QUEUED, image_id=None, error=None,
                bytes_written=0, leftover=False))

    def release_leases(self, owner, migration_ids):
        """End ``owner``'s claims on these migrations now.

        Not at their lease's end: another engine may take them at once.
        """
        self._lease(owner, migration_ids, 0)

    @staticmethod
    def _owned_by(owner):
        """The conditions of a write of ``owner``'s running migration."""
        if owner is None:
            return ()
        return (models.Migration.owner == owner,
                models.Migration.status == states.RUNNING)

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
