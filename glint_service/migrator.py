"""Runs one migration: the source image, read once, streamed to every target.

For each target: open its Glance, skip it if it holds the same content
already (on_conflict=skip_identical), else create an image with the source's
metadata and upload into it from a pipe that the one reader fills. Then check
every target's size and os_hash_value against the source's. Whatever fails or
is cancelled leaves no image behind: Glint deletes it, now or, if that
target's Glance does not answer, later (see ``Workers``).
"""

import threading
import time

from oslo_log import log as logging

from glint_service import cloud_access
from glint_service.db import api as db_api
from glint_service import exception
from glint_service import glance
from glint_service import inspection
from glint_service import outbound
from glint_service import transfer

LOG = logging.getLogger(__name__)

INTERRUPTED = ('interrupted: the Glint process that ran it stopped, or lost '
               'its database, before it ended')


class Cancelled(Exception):
    pass


class SourceError(Exception):
    pass


class Target(object):
    """One target of the running migration, as the runner tracks it."""

    def __init__(self, record):
        self.position = record.position
        self.cloud_id = record.cloud_id
        self.status = record.status
        self.image_id = record.image_id
        self.leftover = record.leftover
        # Whether image_id is an image Glint made, which it may delete (not
        # the identical image a skipped target reports).
        self.made = self.unfinished and self.image_id is not None
        self.error = None
        self.glance = None
        self.pipe = None
        self.thread = None

    @property
    def unfinished(self):
        return self.status in ('queued', 'copying', 'verifying')


class Runner(object):

    def __init__(self, state):
        self.state = state
        self.db = state.db
        self.conf = state.conf.migrations

    # Helpers that record what happens.

    def _set(self, migration, target, **values):
        for name, value in values.items():
            setattr(target, name, value)
        self.db.update_target(migration.id, target.position, **values)

    def _fail(self, migration, target, error):
        """Fail a target.

        Kept in memory if the database cannot take it: the run's end records
        every target's state (see _finish).
        """
        LOG.warning('Migration %s: target %s failed: %s',
                    migration.id, target.cloud_id, error)
        try:
            self._set(migration, target, status='failed', error=error)
        except exception.DatabaseUnavailable:
            pass  # Said in the log already.

    def _remove_image(self, migration, target):
        """Delete the image Glint made at a target that did not succeed."""
        if not target.made or target.glance is None:
            return
        try:
            target.glance.delete_image(target.image_id)
        except Exception as error:
            LOG.warning('Migration %s: image %s at %s not deleted yet (%s); '
                        'will try again', migration.id, target.image_id,
                        target.cloud_id, type(error).__name__)
            self._set(migration, target, leftover=True)

    # The run.

    def run(self, migration_id, caller=None):
        """Run a migration (``caller``: see cloud_access.callers_session)."""
        migration = self.db.get_migration(migration_id)
        targets = [Target(record) for record in migration.targets]
        LOG.info('Migration %s: image %s from %s to %s', migration.id,
                 migration.image_id, migration.source,
                 ', '.join(t.cloud_id for t in targets))
        status = self._transfer(migration, targets, caller)
        if not any(target.leftover for target in targets):
            cloud_access.delete_trust(
                self.state, cloud_access.callers_session(self.state, caller),
                migration)
        return status

    def _transfer(self, migration, targets, caller):
        """All of the run but the trust's end; returns the status."""
        try:
            metadata = self._metadata(migration)
        except Exception as error:
            return self._stop_before_data(migration, targets,
                                          'source: %s' % describe(error))
        # The targets are made ready while the source is opened, side by
        # side: each is a login and a call or two to its own cloud.
        preparing = [threading.Thread(target=self._prepare,
                                      args=(migration, target, metadata))
                     for target in targets]
        for thread in preparing:
            thread.start()
        try:
            data = self._open_source(migration, caller)
        except Exception as error:
            data = None
            reason = 'source: %s' % describe(error)
        for thread in preparing:
            thread.join()
        if data is None:
            return self._stop_before_data(migration, targets, reason)
        LOG.debug('Migration %s: source open, targets ready: %s',
                  migration.id, ', '.join('%s %s' % (t.cloud_id, t.status)
                                          for t in targets))
        with data:
            outcome = self._stream(migration, data, targets, metadata)
        LOG.debug('Migration %s: data streamed', migration.id)
        for target in targets:
            if target.status == 'verifying':
                self._verify(migration, target)
            if target.status in ('failed', 'cancelled'):
                self._remove_image(migration, target)
        return self._finish(migration, targets, error=outcome)

    def _metadata(self, migration):
        """What the copies take from the source image."""
        if migration.image_metadata is not None:
            return migration.image_metadata
        # Queued by a Glint that did not keep it (before revision 0003).
        source = cloud_access.trusted_glance(self.state, migration,
                                             migration.source)
        return glance.copied_metadata(source.get_image(migration.image_id))

    def _open_source(self, migration, caller):
        """The source image's data, as a streamed response."""
        source = cloud_access.source_glance(self.state, migration, caller)
        response = source.open_data(migration.image_id)
        length = response.headers.get('Content-Length')
        if response.status_code != 200 or (
                length is not None and int(length) != migration.size):
            response.close()
            raise SourceError('the source image has no data of its size '
                              'to read')
        return response

    def _stop_before_data(self, migration, targets, reason):
        """The source cannot be read: every target fails, nothing is left."""
        for target in targets:
            if target.unfinished:
                self._fail(migration, target, reason)
                self._remove_image(migration, target)
        return self._finish(migration, targets, error=reason)

    def _prepare(self, migration, target, metadata):
        try:
            target.glance = cloud_access.trusted_glance(
                self.state, migration, target.cloud_id)
            if migration.on_conflict == 'skip_identical':
                identical = target.glance.find_identical(
                    migration.os_hash_algo, migration.os_hash_value)
                if identical is not None:
                    self._set(migration, target, status='skipped',
                              image_id=identical['id'])
                    return
            image_id = target.glance.create_image(
                metadata, migration.name or migration.image_name,
                migration.visibility)
            target.made = True
            self._set(migration, target, status='copying', image_id=image_id)
        except Exception as error:
            self._fail(migration, target, describe(error))

    def _stream(self, migration, data, targets, metadata):
        """Read the source once into every copying target's upload.

        The data is inspected on the way (see inspection): the last chunk
        goes to the targets only once it is known to be safe.

        Returns None, or why the whole transfer stopped.
        """
        copying = [t for t in targets if t.status == 'copying']
        if not copying:
            return None
        for target in copying:
            target.pipe = transfer.Pipe(self.conf.buffer_chunks,
                                        self.conf.stall_timeout)
            # A daemon: an upload stuck sending to a target that stalled is
            # left behind (see _join_upload), not waited for at exit.
            target.thread = threading.Thread(
                target=self._upload, args=(migration, target),
                name='glint-upload-%s-%d' % (migration.id[:8],
                                             target.position), daemon=True)
            target.thread.start()
        progress = Progress(self, migration, copying)
        stopped = None
        try:
            chunks = inspection.inspected(
                transfer.timely_chunks(data.raw, self.conf.chunk_size,
                                       self.conf.stall_timeout),
                metadata.get('disk_format'), metadata.get('container_format'))
            total = transfer.fan_out(chunks, [t.pipe for t in copying],
                                     progress.after_chunk)
            still_copying = any(not t.pipe.closed for t in copying)
            if still_copying and total != migration.size:
                raise SourceError('the source sent a length of data '
                                  'other than its size')
        except Cancelled as error:
            stopped = error
        except inspection.UnsafeImage as error:
            stopped = SourceError('the image is refused: %s' % error)
        except Exception as error:
            stopped = SourceError('source: %s' % describe(error))
        for target in copying:
            target.pipe.end(stopped)
        for target in copying:
            self._join_upload(migration, target)
        progress.save()
        if isinstance(stopped, Cancelled):
            for target in copying:
                if target.unfinished:
                    self._set(migration, target, status='cancelled',
                              error='cancelled')
            return 'cancelled'
        if stopped is not None:
            for target in copying:
                if target.unfinished:
                    self._fail(migration, target, str(stopped))
            return str(stopped)
        return None

    def _join_upload(self, migration, target):
        """Wait for a target's upload to end; fail it if it stalls.

        An upload that takes in no data for stall_timeout (its target
        reads it too slowly) is left to end by itself.
        """
        target.thread.join(self.conf.stall_timeout)
        if target.thread.is_alive():
            target.pipe.stalled = True
            target.pipe.close()
            if target.unfinished:
                self._fail(migration, target, 'upload: the target took no '
                           'data for %g s' % self.conf.stall_timeout)

    def _upload(self, migration, target):
        try:
            target.glance.upload(target.image_id, target.pipe,
                                 migration.size)
            if target.status == 'copying':
                self._set(migration, target, status='verifying')
        except exception.DatabaseUnavailable:
            pass  # Kept in memory: the run's end records it.
        except Exception as error:
            if not target.pipe.stopped_by_reader:
                self._fail(migration, target,
                           'upload: %s' % describe(error))
        finally:
            target.pipe.close()

    def _verify(self, migration, target):
        try:
            copy = target.glance.get_image(target.image_id)
        except Exception as error:
            return self._fail(migration, target,
                              'verify: %s' % describe(error))
        if copy.get('status') != 'active':
            return self._fail(migration, target, 'the copy is %s, not active'
                              % glance.status_of(copy))
        if copy.get('size') != migration.size:
            return self._fail(migration, target, 'the copy does not have the '
                              "source's size")
        if copy.get('os_hash_value') != migration.os_hash_value:
            return self._fail(migration, target, "the copy's os_hash_value "
                              "differs from the source's")
        self._set(migration, target, status='succeeded')

    def _finish(self, migration, targets, error=None):
        statuses = {t.status for t in targets}
        if 'cancelled' in statuses:
            status = 'cancelled'
        elif statuses <= {'succeeded', 'skipped'}:
            status = 'succeeded'
        elif statuses & {'succeeded', 'skipped'}:
            status = 'partial'
        else:
            status = 'failed'
        if error is None and status in ('partial', 'failed'):
            error = '; '.join('%s: %s' % (t.cloud_id, t.error)
                              for t in targets if t.status == 'failed')
        # Every target's end too: one may not have been recorded, if the
        # database could not be reached at that moment.
        self.db.end_migration(
            migration.id,
            {t.position: {'status': t.status, 'error': t.error,
                          'image_id': t.image_id, 'leftover': t.leftover}
             for t in targets},
            status=status, error=error, finished_at=db_api.utcnow())
        LOG.info('Migration %s %s', migration.id, status)
        return status

    # A migration whose process is gone.

    def recover(self, migration_id, reason=INTERRUPTED):
        """End a migration left running, such as by a process that is gone.

        Its unfinished targets fail with ``reason`` and their images are
        deleted.
        """
        migration = self.db.get_migration(migration_id)
        targets = [Target(record) for record in migration.targets]
        LOG.warning('Migration %s was left running: ending it (%s)',
                    migration.id, reason)
        for target in targets:
            if not target.unfinished:
                continue
            self._fail(migration, target, reason)
            if target.image_id:
                try:
                    target.glance = cloud_access.trusted_glance(
                        self.state, migration, target.cloud_id)
                except Exception:
                    self.db.update_target(migration.id, target.position,
                                          leftover=True)
                    continue
                self._remove_image(migration, target)
        self.db.update_migration(migration.id, status='failed',
                                 error=reason, owner=None,
                                 lease_until=None,
                                 finished_at=db_api.utcnow())

    def remove_leftover(self, record):
        """Try again to delete an image Glint left at a target."""
        migration = self.db.get_migration(record.migration_id)
        try:
            cloud_access.trusted_glance(
                self.state, migration, record.cloud_id).delete_image(
                record.image_id)
        except Exception as error:
            LOG.debug('Leftover image %s at %s not deleted yet: %s',
                      record.image_id, record.cloud_id,
                      type(error).__name__)
            return False
        self.db.update_target(migration.id, record.position, leftover=False)
        LOG.info('Migration %s: leftover image %s at %s deleted',
                 migration.id, record.image_id, record.cloud_id)
        return True


class Progress(object):
    """Records the bytes read and written, and checks for a cancel."""

    def __init__(self, runner, migration, targets):
        self.runner = runner
        self.migration = migration
        self.targets = targets
        self.bytes_read = 0
        self.interval = runner.conf.progress_interval
        self.max_rate = runner.conf.max_rate
        # How long the transfer goes on while its database cannot be
        # reached: half its lease, so that it stops well before another
        # process may take it for abandoned.
        self.patience = runner.conf.lease_seconds / 2
        self.started = self.last = self.recorded = time.monotonic()

    def after_chunk(self, bytes_read):
        self.bytes_read = bytes_read
        if self.max_rate:
            ahead = bytes_read / self.max_rate - (
                time.monotonic() - self.started)
            if ahead > 0:
                time.sleep(ahead)
        if time.monotonic() - self.last >= self.interval:
            if self.save():
                raise Cancelled('cancelled')

    def save(self):
        """Record progress; returns whether a cancel was asked for.

        A database that cannot be reached for a moment does not stop the
        transfer: that record is skipped, up to ``patience`` seconds.
        """
        self.last = time.monotonic()
        try:
            cancel = self.runner.db.save_progress(
                self.migration.id, self.bytes_read,
                {t.position: t.pipe.bytes_taken for t in self.targets})
        except exception.DatabaseUnavailable:
            if self.last - self.recorded > self.patience:
                raise
            return False
        self.recorded = self.last
        return cancel


def describe(error):
    """A short account of an error, for a migration's record.

    Glint's own words (see outbound.describe): never a secret, nor what a
    remote end answered.
    """
    if isinstance(error, (SourceError, Cancelled, glance.TooManyPages,
                          transfer.Stalled)):
        return str(error)
    return outbound.describe(error)
