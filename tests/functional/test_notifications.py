"""Notifications of migrations, on a real RabbitMQ server.

A Glint of its own sends its notifications to the bed's RabbitMQ
(``[oslo_messaging_notifications] driver = messagingv2``), where a
notification listener of oslo.messaging's, as Ceilometer's, takes them.
"""

import glob
import json
import os
import socket
import threading
import uuid

from oslo_config import cfg
import oslo_messaging
import pytest

from tests import cloudbed
from tests.functional.conftest import add_remote_cloud
from tests.functional.conftest import as_user
from tests.functional.conftest import glint_of_its_own
from tests.functional.test_migrations import migrate

MiB = 1024 * 1024


class Received(object):
    """Every notification the listener takes, as dicts."""

    def __init__(self):
        self.notifications = []
        self._lock = threading.Lock()

    def _take(self, priority, publisher_id, event_type, payload):
        with self._lock:
            self.notifications.append({
                'priority': priority, 'publisher_id': publisher_id,
                'event_type': event_type, 'payload': payload})

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._take('INFO', publisher_id, event_type, payload)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        self._take('ERROR', publisher_id, event_type, payload)

    def of(self, migration_id):
        with self._lock:
            return [n for n in self.notifications
                    if n['payload'].get('id') == migration_id]

    def wait_for(self, migration_id, *event_types):
        """The migration's notifications once ``event_types`` have come.

        In the order they were taken.
        """
        def came():
            received = self.of(migration_id)
            if set(event_types) <= {n['event_type'] for n in received}:
                return received
        return cloudbed.wait_for(came, cloudbed.WAIT,
                                 'notifications %s of migration %s'
                                 % (', '.join(event_types), migration_id))


@pytest.fixture(scope='module')
def received(rabbitmq):
    conf = cfg.ConfigOpts()
    conf([])
    transport = oslo_messaging.get_notification_transport(conf,
                                                          url=rabbitmq.url)
    endpoint = Received()
    listener = oslo_messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic='notifications')],
        [endpoint], executor='threading')
    listener.start()
    yield endpoint
    listener.stop()
    listener.wait()
    transport.cleanup()


@pytest.fixture(scope='module')
def notifying(bed, rabbitmq, tmp_path_factory):
    """A Glint that sends its notifications to the bed's RabbitMQ."""
    with glint_of_its_own(
            bed, tmp_path_factory.mktemp('notify'), 'glint-notify',
            options={'oslo_messaging_notifications': {
                'driver': 'messagingv2', 'transport_url': rabbitmq.url,
                'topics': 'notifications'}}) as glint:
        yield glint


@pytest.fixture(scope='module')
def demo(bed, notifying):
    """That Glint's API as the demo user, cloud2 one of its remote clouds."""
    api = as_user(bed, notifying)
    api.remote = add_remote_cloud(api, bed.clouds[1])
    return api


def upload_source(bed):
    local = bed.clouds[0]
    return cloudbed.upload_image(local, local.users['demo'],
                                 os.urandom(MiB),
                                 'notify-%s' % uuid.uuid4().hex[:6])


def test_a_migration_sends_start_then_end(bed, demo, received, notifying,
                                          rabbitmq):
    source = upload_source(bed)
    migration = migrate(demo, {'image_id': source['id'],
                               'targets': [demo.remote]})
    assert migration['status'] == 'succeeded', migration
    start, end = received.wait_for(migration['id'], 'glint.migration.start',
                                   'glint.migration.end')
    assert start['event_type'] == 'glint.migration.start'
    assert end['event_type'] == 'glint.migration.end'
    assert start['priority'] == end['priority'] == 'INFO'
    assert start['publisher_id'] == 'glint-engine.%s' % socket.gethostname()
    assert start['payload']['status'] == 'running'
    assert start['payload']['image_id'] == source['id']
    assert start['payload']['finished_at'] is None
    # The migration as the API shows it once it has ended.
    payload = end['payload']
    assert sorted(payload) == sorted(migration)
    for field in ('id', 'image_id', 'image_name', 'source', 'status',
                  'size', 'bytes_read', 'project_id', 'created_by',
                  'created_at', 'finished_at', 'targets'):
        assert payload[field] == migration[field], field
    [target] = payload['targets']
    assert target['cloud_id'] == demo.remote
    assert target['status'] == 'succeeded'
    assert target['bytes_written'] == MiB
    # No trust, no password, and the broker's password in no log.
    sent = json.dumps([start, end])
    assert 'trust' not in sent
    assert bed.clouds[1].users['demo']['password'] not in sent
    logs = glob.glob(os.path.join(notifying.root, '*.log'))
    assert logs
    for path in logs:
        with open(path) as log:
            assert rabbitmq.password not in log.read(), path


def test_a_failed_migration_sends_error(bed, demo, received):
    # Glance lets only an admin make a public image: the target refuses it.
    source = upload_source(bed)
    migration = migrate(demo, {'image_id': source['id'],
                               'targets': [demo.remote],
                               'visibility': 'public'})
    assert migration['status'] == 'failed', migration
    sent = received.wait_for(migration['id'], 'glint.migration.start',
                             'glint.migration.error')
    assert sorted(n['event_type'] for n in sent) == [
        'glint.migration.error', 'glint.migration.start']
    [error] = [n for n in sent if n['event_type'] == 'glint.migration.error']
    assert error['priority'] == 'ERROR'
    assert error['payload']['status'] == 'failed'
    assert error['payload']['error'] == migration['error']
    [target] = error['payload']['targets']
    assert target['status'] == 'failed' and target['error']
