"""Notifications of migrations, through oslo.messaging's own drivers.

oslo.messaging's ``log`` driver writes each notification as JSON to the
logger ``oslo.messaging.notification.EVENT_TYPE``: what it logs is what
would go to the message broker. The broker that cannot be reached is a
loopback port that nothing listens on.
"""

import datetime
import json
import logging
import socket
import time
from unittest import mock

from oslo_config import cfg
from oslo_service import backend
import pytest

from glint_service import conf as glint_conf
from glint_service.db import models
from glint_service.engine import notifications
from glint_service import views

HOST = socket.gethostname()
PASSWORD = 'broker-secret-3f9a'
TRUST_ID = 'trust-4c1d'


@pytest.fixture(scope='module', autouse=True)
def threading_backend():
    """oslo.service's backend as glint-engine chooses it, unless chosen.

    Importing oslo.messaging picks the default one (eventlet) otherwise.
    """
    try:
        backend.init_backend(backend.BackendType.THREADING)
    except backend.exceptions.BackendAlreadySelected:
        pass


def make_conf(tmp_path, **options):
    """Glint's configuration with these [oslo_messaging_notifications]."""
    path = tmp_path / 'glint.conf'
    path.write_text('[oslo_messaging_notifications]\n' + ''.join(
        '%s = %s\n' % item for item in options.items()))
    conf = cfg.ConfigOpts()
    glint_conf.register_opts(conf)
    conf(['--config-file', str(path)], project='glint',
         default_config_files=[])
    return conf


def make_migration(status='running'):
    when = datetime.datetime(2025, 3, 4, 5, 6, 7)
    migration = models.Migration(
        id='6a1f3c2e-0d4b-4e8f-9a7c-5b2d1e0f3a4b', project_id='project-a',
        created_by='user-a', image_id='0b6e3f7a-2c1d-4e5f-8a9b-7c6d5e4f3a2b',
        image_name='alma9', source='local', name=None, visibility='private',
        on_conflict='skip_identical', size=41943040, status=status,
        bytes_read=41943040, error=None, trust_id=TRUST_ID,
        owner='engine-host:123:abcd', lease_until=when,
        created_at=when, updated_at=when,
        finished_at=None if status == 'running' else when)
    migration.targets = [
        models.MigrationTarget(
            position=0, cloud_id='cloud-2', status='succeeded',
            image_id='9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
            bytes_written=41943040, error=None),
        models.MigrationTarget(
            position=1, cloud_id='cloud-3',
            status='failed' if status in ('partial', 'failed') else
            'succeeded', image_id=None, bytes_written=0,
            error='Glance answered 503' if status != 'running' else None),
    ]
    return migration


def sent(caplog):
    """The notifications the log driver wrote, in order."""
    return [(record.levelname, json.loads(record.getMessage()))
            for record in caplog.records
            if record.name.startswith('oslo.messaging.notification.')]


@pytest.fixture
def log_notifier(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    return notifications.Notifier(make_conf(
        tmp_path, driver='log', transport_url='fake://'))


def test_started_sends_the_migration_as_the_api_shows_it(log_notifier,
                                                         caplog):
    migration = make_migration()
    log_notifier.started(migration)
    [(level, message)] = sent(caplog)
    assert level == 'INFO'
    assert message['event_type'] == 'glint.migration.start'
    assert message['priority'] == 'INFO'
    assert message['publisher_id'] == 'glint-engine.%s' % HOST
    assert message['payload'] == views.migration(migration)
    assert message['payload']['status'] == 'running'
    assert message['payload']['created_at'] == '2025-03-04T05:06:07Z'
    assert [t['cloud_id'] for t in message['payload']['targets']] == [
        'cloud-2', 'cloud-3']
    # Neither the trust nor the process running it.
    assert TRUST_ID not in json.dumps(message)
    assert 'owner' not in message['payload']


def test_payload_fields():
    """The fields doc/api-ref.rst lists."""
    payload = views.migration(make_migration('partial'))
    assert sorted(payload) == [
        'bytes_read', 'created_at', 'created_by', 'error', 'finished_at',
        'id', 'image_id', 'image_name', 'name', 'on_conflict', 'project_id',
        'size', 'source', 'source_link', 'status', 'targets', 'updated_at',
        'visibility']
    assert sorted(payload['targets'][0]) == [
        'bytes_written', 'cloud_id', 'error', 'image_id', 'status']


@pytest.mark.parametrize('status, event_type, priority', [
    ('succeeded', 'glint.migration.end', 'INFO'),
    ('partial', 'glint.migration.end', 'INFO'),
    ('cancelled', 'glint.migration.end', 'INFO'),
    ('failed', 'glint.migration.error', 'ERROR'),
])
def test_ended_event_type_by_status(log_notifier, caplog, status,
                                    event_type, priority):
    migration = make_migration(status)
    log_notifier.ended(migration)
    [(level, message)] = sent(caplog)
    assert level == priority
    assert message['event_type'] == event_type
    assert message['priority'] == priority
    assert message['payload']['status'] == status
    assert message['payload'] == views.migration(migration)


def test_no_driver_no_transport_nothing_sent(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    conf = make_conf(tmp_path, transport_url='rabbit://glint:%s@127.0.0.1:1/'
                     % PASSWORD)
    with mock.patch('oslo_messaging.get_notification_transport') as made:
        notifier = notifications.Notifier(conf)
        notifier.started(make_migration())
        notifier.ended(make_migration('failed'))
        notifier.close()
    assert not notifier.enabled
    made.assert_not_called()
    assert sent(caplog) == []


def test_a_broker_that_cannot_be_reached_does_not_stop_the_engine(
        tmp_path, caplog):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    notifier = notifications.Notifier(make_conf(
        tmp_path, driver='messagingv2',
        transport_url='rabbit://glint:%s@127.0.0.1:%d/' % (PASSWORD, port)))
    assert notifier.enabled
    # Retried once, not forever (oslo.messaging's default).
    assert notifier._notifier.retry == notifications.RETRY
    start = time.monotonic()
    notifier.started(make_migration())
    notifier.ended(make_migration('failed'))
    notifier.close()
    # About a second each: far less than a busy machine could make it.
    assert time.monotonic() - start < 60
    assert PASSWORD not in caplog.text


def test_the_operators_bounded_retry_is_kept(tmp_path):
    notifier = notifications.Notifier(make_conf(
        tmp_path, driver='messagingv2', retry=3,
        transport_url='rabbit://glint:%s@127.0.0.1:1/' % PASSWORD))
    assert notifier._notifier.retry == 3


def test_a_failure_to_send_is_one_warning(log_notifier, caplog):
    error = RuntimeError('rabbit://glint:%s@broker/ refused' % PASSWORD)
    with mock.patch.object(log_notifier._notifier, 'error',
                           side_effect=error):
        log_notifier.ended(make_migration('failed'))
    [line] = [r for r in caplog.records
              if r.name == 'glint_service.engine.notifications']
    assert line.levelname == 'WARNING'
    assert line.getMessage() == (
        'Migration 6a1f3c2e-0d4b-4e8f-9a7c-5b2d1e0f3a4b: notification '
        'glint.migration.error not sent (RuntimeError)')
    assert PASSWORD not in caplog.text


def test_a_transport_that_cannot_be_made_turns_notifications_off(
        tmp_path, caplog):
    notifier = notifications.Notifier(make_conf(
        tmp_path, driver='messagingv2',
        transport_url='nosuchbroker://glint:%s@127.0.0.1:1/' % PASSWORD))
    assert not notifier.enabled
    notifier.started(make_migration())
    assert 'Notifications are off' in caplog.text
    assert PASSWORD not in caplog.text
