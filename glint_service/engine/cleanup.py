"""Ending what an engine that is gone left: its migrations and images.

A running migration whose lease has run out is ended as failed, and the
images Glint made for it are deleted (``recover``). An image that could not
be deleted at once is marked as a leftover, and deleted later
(``remove_leftover``), six times per lease until its cloud answers.
"""

import datetime

from oslo_log import log as logging

from glint_service.clouds import access
from glint_service.db import api as db_api
from glint_service.engine import journal as journal_
from glint_service.engine import sources
from glint_service import exception
from glint_service import states

LOG = logging.getLogger(__name__)

INTERRUPTED = ('interrupted: the Glint engine that ran it stopped, or lost '
               'its database, before it ended')
UPLOAD_INTERRUPTED = ('interrupted: the Glint API process that received its '
                      'data stopped, or lost its database, before it ended')


def remove_image(journal, target):
    """Delete the image Glint made at a target that did not succeed."""
    if not target.made or target.glance is None:
        return
    try:
        target.glance.delete_image(target.image_id)
    except Exception as error:
        LOG.warning('Migration %s: image %s at %s not deleted yet (%s); '
                    'will try again', journal.migration.id,
                    target.image_id, target.cloud_id,
                    type(error).__name__)
        journal.set(target, leftover=True)


class Cleanup(object):
    """Ends abandoned migrations and deletes leftover images.

    ``notifier`` (see notifications) is told of each migration it ends.
    """

    def __init__(self, services, notifier):
        self.services = services
        self.db = services.db
        self.lease_seconds = services.conf.engine.lease_seconds
        self.notifier = notifier

    def recover(self, migration_id, reason=INTERRUPTED):
        """End a migration left running, such as by an engine that is gone.

        Its unfinished targets fail with ``reason`` and the images Glint
        made there are deleted.
        """
        migration = self.db.get_migration(migration_id)
        if reason == INTERRUPTED and migration.source == sources.UPLOAD:
            reason = UPLOAD_INTERRUPTED
        journal = journal_.Journal(self.db, migration, self.lease_seconds)
        journal.bytes_read = migration.bytes_read
        clouds = access.MigrationClouds(self.services, migration)
        LOG.warning('Migration %s was left running: ending it (%s)',
                    migration.id, reason)
        for target in journal.targets:
            if not target.unfinished:
                continue
            journal.fail(target, reason)
            if target.made:
                try:
                    target.glance = clouds.glance(target.cloud_id)
                except Exception:
                    journal.set(target, leftover=True)
                    continue
                remove_image(journal, target)
        try:
            journal.end(states.FAILED, reason)
        except exception.LeaseLost:
            # Ended meanwhile: by the run it was taken from (an engine
            # paused past its lease, which went on), or by another engine.
            LOG.info('Migration %s was ended meanwhile', migration.id)
            return
        self.notifier.ended(self.db.get_migration(migration.id))

    def expire_uploads(self, wait_seconds):
        """Fail the uploads whose data has not begun to come in time.

        No image was made for them yet: their records end, nothing else.
        """
        before = db_api.utcnow() - datetime.timedelta(seconds=wait_seconds)
        for migration_id in self.db.expired_upload_ids(before):
            reason = 'no data came within %d s' % wait_seconds
            if self.db.end_unstarted(migration_id, states.FAILED, reason):
                LOG.info('Upload %s failed: %s', migration_id, reason)
                self.notifier.ended(self.db.get_migration(migration_id))

    def remove_leftover(self, record):
        """Try again to delete an image Glint left at a target."""
        migration = self.db.get_migration(record.migration_id)
        clouds = access.MigrationClouds(self.services, migration)
        try:
            clouds.glance(record.cloud_id).delete_image(record.image_id)
        except Exception as error:
            LOG.debug('Leftover image %s at %s not deleted yet: %s',
                      record.image_id, record.cloud_id,
                      type(error).__name__)
            return False
        self.db.update_target(migration.id, record.position, leftover=False)
        LOG.info('Migration %s: leftover image %s at %s deleted',
                 migration.id, record.image_id, record.cloud_id)
        return True
