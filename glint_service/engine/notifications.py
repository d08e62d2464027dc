"""Notifications of migrations, for the rest of the cloud.

When ``[oslo_messaging_notifications] driver`` is set, glint-engine sends
``glint.migration.start`` when it starts running a migration, and
``glint.migration.end`` (succeeded, partial, cancelled) or
``glint.migration.error`` (failed) once it has ended, through oslo.messaging
as Glance sends its ``image.*`` notifications. The payload is the migration
as the API shows it (views.migration): no secret, no trust. See
doc/source/api-ref/notifications.rst.

A notification that cannot be sent is lost: sending never raises, and gives
up soon when the message broker cannot be reached (see RETRY).
"""

import socket

from oslo_context import context
from oslo_log import log as logging

from glint_service import states
from glint_service import views

LOG = logging.getLogger(__name__)

GROUP = 'oslo_messaging_notifications'
PUBLISHER = 'glint-engine'
# How many times a notification is tried again while the message broker
# cannot be reached, unless [oslo_messaging_notifications] retry sets
# another bound: its default (-1) tries forever, and would hold the
# migration up meanwhile. Once: with RabbitMQ refusing connections, a
# notification is given up within about 3 seconds.
RETRY = 1


class Notifier(object):
    """Sends a migration's notifications; does nothing without a driver.

    oslo.messaging is imported here, not with the module: its import picks
    oslo.service's backend, which glint-engine chooses first (threading).
    """

    def __init__(self, conf):
        import oslo_messaging
        from oslo_messaging import opts as messaging_opts

        for group, opts in messaging_opts.list_opts():
            if group == GROUP:
                conf.register_opts(opts, group=GROUP)
        self._notifier = None
        self._transport = None
        options = conf[GROUP]
        if not options.driver:
            return
        retry = options.retry if options.retry >= 0 else RETRY
        try:
            self._transport = oslo_messaging.get_notification_transport(conf)
            self._notifier = oslo_messaging.Notifier(
                self._transport,
                publisher_id='%s.%s' % (PUBLISHER, socket.gethostname()),
                retry=retry)
        except Exception as error:
            # Its text may hold the transport URL, password and all.
            LOG.warning('Notifications are off: oslo.messaging cannot send '
                        'them as configured (%s)', type(error).__name__)

    @property
    def enabled(self):
        return self._notifier is not None

    def started(self, migration):
        """``glint.migration.start``: the migration starts running."""
        self._send(migration, 'glint.migration.start', 'info')

    def ended(self, migration):
        """``glint.migration.end``, or ``.error`` when it failed."""
        if migration.status == states.FAILED:
            self._send(migration, 'glint.migration.error', 'error')
        else:
            self._send(migration, 'glint.migration.end', 'info')

    def close(self):
        """Close the connections to the message broker."""
        if self._transport is not None:
            self._transport.cleanup()

    def _send(self, migration, event_type, priority):
        """Send one notification; log one line if it cannot be sent.

        oslo.messaging itself logs what a driver could not deliver.
        """
        if self._notifier is None:
            return
        migration_id = None
        try:
            migration_id = migration.id
            payload = views.migration(migration)
            # Who asked for it, as consumers read it from a context.
            ctxt = context.RequestContext(user_id=migration.created_by,
                                          project_id=migration.project_id,
                                          overwrite=False)
            getattr(self._notifier, priority)(ctxt, event_type, payload)
        except Exception as error:
            LOG.warning('Migration %s: notification %s not sent (%s)',
                        migration_id, event_type, type(error).__name__)
