"""Glint under attack by a project member, against the real bed.

The attacker registers "clouds" that are a hostile server of the test's own
(tests/hostile.py) and tries to make Glint reach the control plane, steal a
colleague's stored secret, or hold Glint up. The bed's Glint may reach
127.0.0.1 only ([outbound] allowed_networks): a listener on 127.0.0.2
stands for the control plane's own addresses, and counts any connection.
"""

import contextlib
import hashlib
import os
import subprocess
import uuid

import pytest

from tests import cloudbed
from tests.functional.conftest import Api
from tests.functional.conftest import glint_of_its_own
from tests.functional.test_migrations import images_named
from tests.functional.test_migrations import wait_until_finished
from tests import hostile

INTERNAL_HOST = '127.0.0.2'
# The hostile clouds' calls are given little time: only this Glint talks
# to them, so that how long a trickling answer holds it up is seen fast.
DEADLINE = 5
MiB = 1024 * 1024
# That Glint's transfers are slowed down, to last longer than the deadline.
RATE = 2 * MiB
# And they wait this long for a chunk to come, or to be taken.
STALL = 5
# Remote clouds a project may have there.
CLOUDS_QUOTA = 2


@pytest.fixture
def internal():
    listener = hostile.Listener(INTERNAL_HOST)
    yield listener
    listener.stop()


@pytest.fixture
def attacker():
    cloud = hostile.HostileCloud().start()
    yield cloud
    cloud.stop()


@pytest.fixture(scope='module')
def guarded(bed, tmp_path_factory):
    """A Glint of the bed's Keystone whose remote calls have short limits."""
    with glint_of_its_own(
            bed, tmp_path_factory.mktemp('guarded'), 'glint-guarded',
            options={'remote_clouds': {'deadline': DEADLINE,
                                       'max_listing_pages': 5},
                     'migrations': {'max_rate': RATE,
                                    'stall_timeout': STALL},
                     'quota': {'clouds': CLOUDS_QUOTA}}) as glint:
        yield glint


def as_user(bed, glint, name='demo'):
    cloud = bed.clouds[0]
    return Api(glint.url, cloud.session(cloud.users[name]).get_token())


def hostile_cloud(prefix, auth_url, password='mallory-secret'):
    return {'name': unique(prefix), 'auth_url': auth_url,
            'username': 'mallory', 'password': password,
            'project_name': 'mallory'}


def bed_cloud(prefix, cloud):
    """One of the bed's clouds, as its demo user."""
    user = cloud.users['demo']
    return {'name': unique(prefix), 'auth_url': cloud.auth_url,
            'username': user['username'], 'password': user['password'],
            'project_name': user['project_name']}


def unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:6])


@contextlib.contextmanager
def added(api, *bodies):
    """Remote clouds added through ``api`` for the block: their ids."""
    ids = []
    try:
        for body in bodies:
            response = api.post('/v1/clouds', body)
            assert response.status_code == 201, response.text
            ids.append(response.json()['id'])
        yield ids
    finally:
        for cloud_id in ids:
            assert api.delete('/v1/clouds/%s' % cloud_id).status_code == 204


def error_of(response, status):
    assert response.status_code == status, response.text
    return response.json()['errors'][0]


def clouds_named(api, name):
    return [c for c in api.get('/v1/clouds').json()['clouds']
            if c['name'] == name]


@pytest.mark.parametrize('host', [
    INTERNAL_HOST, '0x7f000002', '2130706434', '[::ffff:127.0.0.2]',
    '127.2', '[::127.0.0.2]', '[64:ff9b::127.0.0.2]',
    '[::ffff:0:127.0.0.2]', '[2002:7f00:2::]'])
def test_an_internal_auth_url_is_refused_and_never_reached(
        bed, api, internal, host):
    demo = api('demo')
    body = hostile_cloud('internal', 'http://%s:%d/v3'
                         % (host, internal.port))
    error = error_of(demo.post('/v1/clouds', body), 400)
    assert error['code'] == 'glint.invalid_field'
    assert error['detail'].startswith('auth_url: ')
    assert '127.0.0.2' not in error['detail']
    assert internal.connections == 0
    assert clouds_named(demo, body['name']) == []


def test_a_catalog_pointing_inside_is_refused(bed, api, attacker, internal):
    attacker.image_endpoint = internal.url
    demo = api('demo')
    body = hostile_cloud('inside-catalog', attacker.auth_url)
    error = error_of(demo.post('/v1/clouds', body), 400)
    assert error['code'] == 'glint.remote_cloud_rejected'
    assert "image endpoint cannot be used" in error['detail']
    assert internal.url not in error['detail']
    assert internal.connections == 0
    assert clouds_named(demo, body['name']) == []


def test_a_login_redirected_inside_is_refused_with_the_secret_kept(
        bed, api, attacker, internal):
    attacker.answers[('POST', '/v3/auth/tokens')] = attacker.redirect_to(
        internal.url + '/v3/auth/tokens')
    demo = api('demo')
    body = hostile_cloud('redirected-login', attacker.auth_url)
    error = error_of(demo.post('/v1/clouds', body), 400)
    assert 'redirect' in error['detail']
    assert internal.connections == 0
    assert clouds_named(demo, body['name']) == []


def migrate_to_local(api, source):
    """The attacker's image migrated from ``source`` to local: its end."""
    response = api.post('/v1/migrations', {
        'image_id': hostile.IMAGE_ID, 'source': source,
        'targets': ['local'], 'on_conflict': 'copy'})
    assert response.status_code == 202, response.text
    return wait_until_finished(api, response.json()['id'])


@pytest.fixture
def registered(bed, api, attacker):
    """The attacker's cloud, registered in the demo project: its id."""
    with added(api('demo'), hostile_cloud('hostile', attacker.auth_url)) as (
            cloud_id,):
        yield cloud_id


def test_image_data_redirected_inside_is_never_fetched(
        bed, api, attacker, registered, internal):
    """The SSRF of the review: a source image whose /file redirects."""
    attacker.answers[('GET', '/v2/images/%s/file' % hostile.IMAGE_ID)] = (
        attacker.redirect_to(internal.url + '/latest/meta-data/'))
    demo = api('demo')
    migration = migrate_to_local(demo, registered)
    assert migration['status'] == 'failed', migration
    [target] = migration['targets']
    assert 'redirect' in target['error']
    assert internal.url not in target['error'] and '4096' not in str(
        migration['error'])
    assert internal.connections == 0
    assert images_named(bed.clouds[0], hostile.IMAGE['name']) == []


def test_a_catalog_moved_inside_after_registration_is_never_reached(
        bed, api, attacker, registered, internal):
    attacker.image_endpoint = internal.url
    demo = api('demo')
    listing = demo.get('/v1/images?cloud=%s' % registered)
    assert listing.status_code == 200, listing.text
    [cloud] = listing.json()['clouds']
    assert cloud['reachable'] is False
    assert 'may not connect' in cloud['error']
    assert internal.url not in cloud['error']
    assert internal.connections == 0


@pytest.mark.parametrize('misbehaviour, said', [
    ('gzip_bomb', 'compressed'),
    ('endless_pages', 'more than 5 pages'),
    ('drip', 'did not answer in time'),
])
def test_a_listing_that_never_ends_is_cut_short(
        bed, guarded, attacker, misbehaviour, said):
    demo = as_user(bed, guarded)
    attacker.answers[('GET', '/v2/images')] = getattr(
        attacker, misbehaviour)()
    with added(demo, hostile_cloud('lister', attacker.auth_url)) as (
            cloud_id,):
        listing = demo.get('/v1/images')
        assert listing.status_code == 200, listing.text
        clouds = {c['id']: c for c in listing.json()['clouds']}
        assert clouds[cloud_id]['reachable'] is False
        assert said in clouds[cloud_id]['error']
        # The local cloud is listed all the same.
        assert clouds['local']['reachable'] is True
    if misbehaviour == 'endless_pages':
        assert attacker.asked('/v2/images') == 5


def test_a_colleague_cannot_redirect_or_remove_a_clouds_credentials(
        bed, api, attacker):
    """The credential theft of the review, and the rule against it."""
    remote = bed.clouds[1]
    owner = remote.users['demo']
    demo, colleague = api('demo'), api('colleague')
    with added(demo, bed_cloud('shared', remote)) as (cloud_id,):
        path = '/v1/clouds/%s' % cloud_id
        # The colleague sees and uses it, but cannot change or remove it.
        assert colleague.get(path).status_code == 200
        listing = colleague.get('/v1/images?cloud=%s' % cloud_id)
        assert listing.json()['clouds'][0]['reachable'] is True
        moved = colleague.patch(path, {'auth_url': attacker.auth_url})
        assert error_of(moved, 403)['code'] == 'glint.forbidden'
        assert error_of(colleague.delete(path), 403)
        # Even its creator sends the secret elsewhere only by giving it.
        error = error_of(demo.patch(path, {'auth_url': attacker.auth_url}),
                         400)
        assert error['detail'].startswith('password: must be given again')
        assert attacker.requests == []
        assert not attacker.received(owner['password'])
        assert demo.get(path).json()['auth_url'] == remote.auth_url


def test_an_upload_may_last_longer_than_the_deadline(bed, guarded):
    """The deadline bounds each answer of a remote cloud, not a transfer."""
    local, remote = bed.clouds[0], bed.clouds[1]
    demo = as_user(bed, guarded)
    name = unique('long-upload')
    source = cloudbed.upload_image(local, local.users['demo'],
                                   os.urandom(3 * DEADLINE * RATE), name)
    with added(demo, bed_cloud('long-upload', remote)) as (cloud_id,):
        response = demo.post('/v1/migrations', {'image_id': source['id'],
                                                'targets': [cloud_id]})
        assert response.status_code == 202, response.text
        migration = wait_until_finished(demo, response.json()['id'])
        assert migration['status'] == 'succeeded', migration
        [copy] = images_named(remote, name)
        assert copy['os_hash_value'] == source['os_hash_value']


def test_a_source_that_trickles_fails_its_migration(bed, guarded, attacker):
    def trickle(handler):
        handler.send_response(200)
        handler.send_header('Content-Length', str(hostile.IMAGE['size']))
        handler.end_headers()
        for _ in range(hostile.IMAGE['size']):
            handler.wfile.write(b'x')
            handler.wfile.flush()
            if attacker._stop.wait(0.5):
                return

    attacker.answers[('GET', '/v2/images/%s/file' % hostile.IMAGE_ID)] = (
        trickle)
    demo = as_user(bed, guarded)
    with added(demo, hostile_cloud('trickling', attacker.auth_url)) as (
            cloud_id,):
        migration = migrate_to_local(demo, cloud_id)
        assert migration['status'] == 'failed', migration
        assert 'less than a chunk in %d s' % STALL in migration['error']
        assert images_named(bed.clouds[0], hostile.IMAGE['name']) == []


def test_a_target_that_takes_nothing_fails_alone(bed, guarded, attacker):
    """A hostile target that stops reading: the other target goes on."""
    def slow_reader(handler):
        # It takes a byte now and then, and never answers.
        while not attacker._stop.wait(1):
            handler.rfile.read(1)

    image_id = str(uuid.uuid4())
    attacker.answers[('POST', '/v2/images')] = lambda h: h.send(
        201, {'id': image_id, 'status': 'queued'})
    attacker.answers[('PUT', '/v2/images/%s/file' % image_id)] = slow_reader
    local, remote = bed.clouds[0], bed.clouds[1]
    demo = as_user(bed, guarded)
    name = unique('past-a-sink')
    # More than the pipe and the sockets' buffers hold.
    source = cloudbed.upload_image(local, local.users['demo'],
                                   os.urandom(32 * MiB), name)
    with added(demo, hostile_cloud('sink', attacker.auth_url),
               bed_cloud('fine', remote)) as clouds:
        response = demo.post('/v1/migrations', {'image_id': source['id'],
                                                'targets': clouds})
        assert response.status_code == 202, response.text
        migration = wait_until_finished(demo, response.json()['id'])
        assert migration['status'] == 'partial', migration
        sink, fine = migration['targets']
        assert sink['status'] == 'failed'
        assert 'took no data for %d s' % STALL in sink['error']
        assert fine['status'] == 'succeeded'
        [copy] = images_named(remote, name)
        assert copy['os_hash_value'] == source['os_hash_value']


def test_a_project_adds_no_more_clouds_than_its_quota(bed, guarded,
                                                      attacker):
    demo = as_user(bed, guarded)
    many = [hostile_cloud('many', attacker.auth_url)
            for _ in range(CLOUDS_QUOTA)]
    with added(demo, *many):
        logins = attacker.asked('/v3/auth/tokens')
        body = hostile_cloud('one-too-many', attacker.auth_url)
        error = error_of(demo.post('/v1/clouds', body), 403)
        assert error['code'] == 'glint.quota_exceeded'
        assert '[quota] clouds' in error['detail']
        assert attacker.asked('/v3/auth/tokens') == logins
        assert clouds_named(demo, body['name']) == []
        # Another project is not held by this one's clouds.
        with added(as_user(bed, guarded, 'other'),
                   hostile_cloud('theirs', attacker.auth_url)):
            pass


def test_a_qcow2_with_a_backing_file_never_becomes_an_image(
        bed, api, attacker, registered, tmp_path):
    """A real qcow2 (qemu-img) whose backing file is a host's file."""
    path = tmp_path / 'backed.qcow2'
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b',
                    '/etc/hostname', '-F', 'raw', str(path), '1M'],
                   check=True)
    data = path.read_bytes()
    image = dict(hostile.IMAGE, disk_format='qcow2', size=len(data),
                 name='backed-%s' % uuid.uuid4().hex[:6],
                 os_hash_value=hashlib.sha512(data).hexdigest())
    attacker.answers[('GET', '/v2/images/%s' % hostile.IMAGE_ID)] = (
        lambda h: h.send(200, image))
    attacker.answers[('GET', '/v2/images/%s/file' % hostile.IMAGE_ID)] = (
        lambda h: h.send(200, data, {'Content-Length': str(len(data))}))
    demo = api('demo')
    migration = migrate_to_local(demo, registered)
    assert migration['status'] == 'failed', migration
    assert 'the image is refused' in migration['error']
    assert 'backing_file' in migration['error']
    assert images_named(bed.clouds[0], image['name']) == []


@pytest.mark.parametrize('change, said', [
    ({'size': 'all of it'}, 'its size is not a number of bytes'),
    ({'name': 'n' * 5000}, 'name is not text of at most 255'),
    ({'status': '<html>an internal page</html>'},
     'is in an unknown state, not active'),
    ({'id': None}, 'it has no id'),
    ({'id': str(uuid.uuid4())}, 'it is the record of another image'),
    ({'size': 2 ** 64}, 'its size is not a number of bytes'),
    ({'hw_deep': [[[[['x']]]]]}, 'its properties nest more than 4 levels'),
])
def test_a_source_image_that_lies_is_refused_and_nothing_queued(
        bed, api, attacker, registered, change, said):
    image = dict(hostile.IMAGE, **change)
    attacker.answers[('GET', '/v2/images/%s' % hostile.IMAGE_ID)] = (
        lambda h: h.send(200, image))
    demo = api('demo')
    before = len(demo.get('/v1/migrations').json()['migrations'])
    error = error_of(demo.post('/v1/migrations', {
        'image_id': hostile.IMAGE_ID, 'source': registered,
        'targets': ['local']}), 400)
    assert said in error['detail']
    assert 'internal page' not in error['detail']
    assert len(demo.get('/v1/migrations').json()['migrations']) == before


def test_a_catalog_url_longer_than_glint_keeps_is_refused(bed, api,
                                                          attacker):
    attacker.image_endpoint = attacker.url + '/' + 'x' * 1100
    demo = api('demo')
    body = hostile_cloud('long-catalog', attacker.auth_url)
    error = error_of(demo.post('/v1/clouds', body), 400)
    assert 'longer than 1024 characters' in error['detail']
    assert clouds_named(demo, body['name']) == []


@pytest.mark.parametrize('entries', [
    [{}], [hostile.IMAGE, {'id': 'x', 'name': ['not', 'text']}], ['x']])
def test_a_listing_entry_that_is_not_an_image_flags_that_cloud_alone(
        bed, api, attacker, registered, entries):
    attacker.answers[('GET', '/v2/images')] = lambda h: h.send(
        200, {'images': entries})
    listing = api('demo').get('/v1/images')
    assert listing.status_code == 200, listing.text
    clouds = {c['id']: c for c in listing.json()['clouds']}
    assert clouds[registered]['reachable'] is False
    assert clouds[registered]['error'] == (
        'the cloud gave an answer Glint cannot read')
    assert clouds['local']['reachable'] is True


def test_a_verification_that_is_not_an_image_fails_that_target_alone(
        bed, api, attacker, registered):
    """The other target's good copy stays, and the migration is partial."""
    image_id = str(uuid.uuid4())
    path = '/v2/images/%s' % image_id
    attacker.answers[('POST', '/v2/images')] = lambda h: h.send(
        201, {'id': image_id, 'status': 'queued'})
    attacker.answers[('PUT', path + '/file')] = lambda h: h.send(204)
    attacker.answers[('GET', path)] = lambda h: h.send(200, b'null', {
        'Content-Type': 'application/json'})
    attacker.answers[('DELETE', path)] = lambda h: h.send(204)
    local, remote = bed.clouds[0], bed.clouds[1]
    demo = api('demo')
    name = unique('verified')
    source = cloudbed.upload_image(local, local.users['demo'],
                                   os.urandom(64 * 1024), name)
    with added(demo, bed_cloud('fine', remote)) as (cloud_id,):
        response = demo.post('/v1/migrations', {
            'image_id': source['id'], 'targets': [registered, cloud_id]})
        assert response.status_code == 202, response.text
        migration = wait_until_finished(demo, response.json()['id'])
        assert migration['status'] == 'partial', migration
        liar, fine = migration['targets']
        assert liar['status'] == 'failed'
        assert liar['error'] == (
            'verify: the cloud gave an answer Glint cannot read')
        assert fine['status'] == 'succeeded'
        [copy] = images_named(remote, name)
        assert copy['os_hash_value'] == source['os_hash_value']
        assert attacker.asked(path) >= 2  # Verified, then deleted.


def test_a_login_whose_headers_never_end_is_over_at_the_deadline(
        bed, guarded, attacker):
    """Each byte well within the read timeout: the call ends all the same."""
    attacker.answers[('POST', '/v3/auth/tokens')] = attacker.drip_headers()
    demo = as_user(bed, guarded)
    body = hostile_cloud('slow-headers', attacker.auth_url)
    error = error_of(demo.post('/v1/clouds', body), 400)
    assert error['detail'] == (
        'auth_url: the remote end did not answer in time.')
    assert clouds_named(demo, body['name']) == []


@pytest.mark.parametrize('status, content_type', [
    (500, 'text/html'), (200, 'application/json')])
def test_a_source_answering_its_data_without_end_is_cut_short(
        bed, api, attacker, registered, status, content_type):
    """An error or a JSON answer, read whole by keystoneauth before."""
    attacker.answers[('GET', '/v2/images/%s/file' % hostile.IMAGE_ID)] = (
        attacker.endless(status, content_type))
    migration = migrate_to_local(api('demo'), registered)
    assert migration['status'] == 'failed', migration
    assert 'sent more than Glint reads' in migration['error']
    assert images_named(bed.clouds[0], hostile.IMAGE['name']) == []


def serve_image_data(attacker, data, **image):
    """The attacker's image, with ``data`` and the metadata given."""
    record = dict(hostile.IMAGE, size=len(data), **image)
    path = '/v2/images/%s' % hostile.IMAGE_ID
    attacker.answers[('GET', path)] = lambda h: h.send(200, record)
    attacker.answers[('GET', path + '/file')] = lambda h: h.send(
        200, data, {'Content-Type': 'application/octet-stream'})


def test_a_source_without_a_hash_is_verified_by_glints_own(
        bed, api, attacker, registered):
    """An image from before Glance's os_hash_value (Rocky)."""
    data = os.urandom(8192)
    serve_image_data(attacker, data, os_hash_algo=None, os_hash_value=None)
    name = unique('unhashed')
    demo = api('demo')
    response = demo.post('/v1/migrations', {
        'image_id': hostile.IMAGE_ID, 'source': registered,
        'targets': ['local'], 'name': name})
    assert response.status_code == 202, response.text
    migration = wait_until_finished(demo, response.json()['id'])
    assert migration['status'] == 'succeeded', migration
    [copy] = images_named(bed.clouds[0], name)
    assert copy['os_hash_value'] == hashlib.sha512(data).hexdigest()


def test_a_source_whose_data_is_not_its_hash_leaves_nothing(
        bed, api, attacker, registered):
    data = os.urandom(8192)
    serve_image_data(attacker, data, os_hash_algo='sha512',
                     os_hash_value=hashlib.sha512(b'other').hexdigest())
    migration = migrate_to_local(api('demo'), registered)
    assert migration['status'] == 'failed', migration
    assert "does not match the source image's os_hash_value" in (
        migration['error'])
    assert images_named(bed.clouds[0], hostile.IMAGE['name']) == []


def descendants(pid):
    """A process and every process under it."""
    found = [pid]
    for task in os.listdir('/proc/%d/task' % pid):
        try:
            with open('/proc/%d/task/%s/children' % (pid, task)) as f:
                for child in f.read().split():
                    found += descendants(int(child))
        except OSError:
            pass  # Gone meanwhile.
    return found


def peak_rss(server):
    """The largest peak resident memory of a server's processes, bytes."""
    peaks = [0]
    for pid in descendants(server.process.pid):
        try:
            with open('/proc/%d/status' % pid) as f:
                peaks += [int(line.split()[1]) * 1024 for line in f
                          if line.startswith('VmHWM:')]
        except OSError:
            pass
    return max(peaks)


# What an API or engine process of Glint may reach at its peak, streams
# without end or not: about 100-220 MiB measured.
MAX_RSS = 512 * MiB


def test_memory_stays_bounded_while_a_cloud_sends_without_end(
        bed, guarded, attacker, capsys):
    """Pages without end, image data and errors without end."""
    demo = as_user(bed, guarded)
    with added(demo, hostile_cloud('endless', attacker.auth_url)) as (
            cloud_id,):
        attacker.answers[('GET', '/v2/images')] = attacker.endless_pages()
        listing = demo.get('/v1/images?cloud=%s' % cloud_id)
        assert listing.status_code == 200, listing.text
        attacker.answers[('GET', '/v2/images')] = attacker.endless()
        listing = demo.get('/v1/images?cloud=%s' % cloud_id)
        assert listing.json()['clouds'][0]['reachable'] is False
        for status in (200, 500):
            attacker.answers[(
                'GET', '/v2/images/%s/file' % hostile.IMAGE_ID)] = (
                attacker.endless(status, 'application/octet-stream'
                                 if status == 200 else 'text/html'))
            migration = migrate_to_local(demo, cloud_id)
            assert migration['status'] == 'failed', migration
    api = peak_rss(guarded.server)
    engine = max(peak_rss(e.server) for e in guarded.engines)
    with capsys.disabled():
        print('\nPeak RSS under endless answers: API %.0f MiB, engine '
              '%.0f MiB' % (api / MiB, engine / MiB))
    assert api < MAX_RSS and engine < MAX_RSS
