"""Images from web links: an engine fetches the link once, through the
outbound policy, and streams it to every target, against the real clouds.

The links are served by a web server of the test's own on 127.0.0.1 (which
the bed's [outbound] policy allows), as a distribution's mirror serves its
images: files, a checksum file, redirects. A listener on 127.0.0.2 stands
for an address Glint may not reach, and counts any connection.
"""

import bz2
import gzip
import hashlib
import http.server
import lzma
import os
import threading
import urllib.parse
import uuid

import pytest

from tests.functional import conftest
from tests.functional import test_migrations
from tests.functional import test_transfer_failures
from tests import hostile

MiB = 1024 * 1024
images_named = test_migrations.images_named
no_image_left = test_transfer_failures.no_image_left
COMPRESS = {'xz': lzma.compress, 'gzip': gzip.compress,
            'bzip2': bz2.compress}


class Mirror(object):
    """A web server of files on 127.0.0.1, with redirects.

    ``/redirect/PATH`` answers 302 to ``/PATH``; ``redirects`` maps other
    paths to any URL. ``gets`` counts the GETs of each path.
    """

    def __init__(self):
        self.files = {}
        self.redirects = {}
        self.gets = {}
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                mirror.gets[path] = mirror.gets.get(path, 0) + 1
                target = mirror.redirects.get(path)
                if path.startswith('/redirect/'):
                    target = path[len('/redirect'):]
                if target is not None:
                    self.send_response(302)
                    self.send_header('Location', target)
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                    return
                data = mirror.files.get(path)
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header('Content-Type', 'application/octet-stream')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.url = 'http://127.0.0.1:%d' % self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def add(self, name, data):
        self.files['/' + name] = data
        return self.url + '/' + name

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope='module')
def mirror():
    served = Mirror()
    yield served
    served.stop()


@pytest.fixture
def internal():
    listener = hostile.Listener('127.0.0.2')
    yield listener
    listener.stop()


@pytest.fixture(scope='module')
def remotes(bed, api):
    with conftest.remote_clouds(bed, api, 'links') as created:
        yield [c['id'] for c in created]


def unique():
    return 'link-%s' % uuid.uuid4().hex[:6]


def ask(api, source, name, targets, **fields):
    body = dict({'source': source, 'name': name, 'disk_format': 'raw',
                 'container_format': 'bare', 'targets': targets}, **fields)
    return api.post('/v1/migrations', body)


def fetched(api, source, name, targets, **fields):
    """Ask for a link's image, and wait for the migration's end."""
    response = ask(api, source, name, targets, **fields)
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued['source'] == 'url' and queued['status'] == 'queued'
    assert queued['source_link']['url'] == source['url']
    return test_migrations.wait_until_finished(api, queued['id'])


def test_an_xz_image_listed_in_sha256sums_through_a_redirect(
        bed, api, remotes, mirror, tmp_path):
    data = test_migrations.qcow2_image(tmp_path, 3 * MiB)
    name = unique()
    packed = lzma.compress(data)
    mirror.add(name + '.qcow2.xz', packed)
    mirror.add(name + '-SHA256SUMS', (
        '%s  other.qcow2.xz\n%s *%s.qcow2.xz\n' % (
            '0' * 64, hashlib.sha256(packed).hexdigest(), name)).encode())
    migration = fetched(api('demo'), {
        'url': '%s/redirect/%s.qcow2.xz' % (mirror.url, name),
        'checksum_url': '%s/%s-SHA256SUMS' % (mirror.url, name),
        'decompress': 'xz'}, name, ['local'] + remotes, disk_format='qcow2')
    assert migration['status'] == 'succeeded', migration
    assert migration['size'] == migration['bytes_read'] == len(data)
    for cloud in bed.clouds:
        [image] = images_named(cloud, name)
        assert image['size'] == len(data)
        assert image['os_hash_value'] == hashlib.sha512(data).hexdigest()
        assert image['disk_format'] == 'qcow2'
    # Read once, whatever the targets.
    assert mirror.gets['/%s.qcow2.xz' % name] == 1


@pytest.mark.parametrize('decompress', [None, 'gzip', 'bzip2'])
def test_a_link_as_it_is_or_compressed(bed, api, remotes, mirror,
                                       decompress):
    data = os.urandom(MiB + 17)
    name = unique()
    packed = COMPRESS[decompress](data) if decompress else data
    url = mirror.add(name, packed)
    migration = fetched(api('demo'), {'url': url, 'decompress': decompress}
                        if decompress else {'url': url}, name, remotes[:1],
                        checksum=hashlib.md5(data).hexdigest())
    assert migration['status'] == 'succeeded', migration
    [image] = images_named(bed.clouds[1], name)
    assert image['checksum'] == hashlib.md5(data).hexdigest()


@pytest.mark.parametrize('case, said', [
    ('wrong hash', 'hash checksum_url lists'),
    ('not listed', 'checksum_url lists no hash'),
    ('missing', 'the link answered HTTP 404'),
    ('not xz', 'source:'),
    ('redirect loop', 'source:'),
])
def test_a_link_that_is_not_as_said_leaves_nothing(bed, api, remotes,
                                                   mirror, case, said):
    name = unique()
    data = os.urandom(MiB)
    url = mirror.add(name, data)
    source = {'url': url}
    if case == 'wrong hash':
        mirror.add(name + '.sums', ('%s  %s\n' % ('1' * 64, name)).encode())
        source['checksum_url'] = url + '.sums'
    elif case == 'not listed':
        mirror.add(name + '.sums', ('%s  other\n' % ('1' * 64)).encode())
        source['checksum_url'] = url + '.sums'
    elif case == 'missing':
        source['url'] = url + '.gone'
    elif case == 'not xz':
        source['decompress'] = 'xz'
    else:
        mirror.redirects['/' + name + '.loop'] = '/' + name + '.loop'
        source['url'] = url + '.loop'
    migration = fetched(api('demo'), source, name, ['local'] + remotes)
    assert migration['status'] == 'failed', migration
    assert said in migration['error']
    assert no_image_left(bed.clouds, name)


def test_a_link_to_an_address_glint_may_not_reach_is_400(api, remotes,
                                                         internal):
    demo = api('demo')
    before = len(demo.get('/v1/migrations').json()['migrations'])
    for source, field in (({'url': internal.url + '/x.img'}, 'source.url'),
                          ({'url': 'http://127.0.0.1:1/x',
                            'checksum_url': internal.url + '/SUMS'},
                           'source.checksum_url')):
        response = ask(demo, source, unique(), remotes[:1])
        assert response.status_code == 400, response.text
        assert response.json()['errors'][0]['detail'].startswith(field + ':')
    assert internal.connections == 0
    assert len(demo.get('/v1/migrations').json()['migrations']) == before


def test_a_redirect_to_an_address_glint_may_not_reach_fails_the_link(
        bed, api, remotes, mirror, internal):
    name = unique()
    mirror.redirects['/' + name] = internal.url + '/x.img'
    migration = fetched(api('demo'), {'url': mirror.url + '/' + name},
                        name, remotes)
    assert migration['status'] == 'failed', migration
    assert 'address Glint may not connect to' in migration['error']
    assert internal.connections == 0
    assert no_image_left(bed.clouds, name)


@pytest.mark.parametrize('source, extra, detail', [
    ({}, {}, 'source.url: is required'),
    ({'url': 'ftp://mirror/x.img'}, {}, 'source.url: Glint connects only'),
    ({'url': 'http://[::1'}, {}, 'source.url: it is not a valid URL'),
    ({'url': 'http://127.0.0.1/x', 'decompress': 'zip'}, {},
     'source.decompress: must be one of'),
    ({'url': 'http://127.0.0.1/x', 'decompress': 'xz'}, {'decompress': 'xz'},
     'decompress: is given twice'),
    ({'url': 'http://127.0.0.1/x', 'mirror': 'y'}, {},
     'source.mirror: is not a field of a web link'),
    ({'url': 'http://127.0.0.1/x\n'}, {}, 'source.url: must'),
])
def test_a_bad_link_request_is_400_naming_the_field(api, remotes, source,
                                                    extra, detail):
    response = ask(api('demo'), source, unique(), remotes[:1], **extra)
    assert response.status_code == 400, response.text
    assert response.json()['errors'][0]['detail'].startswith(detail)


def test_checksum_url_beside_the_source_is_the_links(api, remotes, mirror):
    name = unique()
    data = os.urandom(1000)
    url = mirror.add(name, data)
    mirror.add(name + '.sha256', (hashlib.sha256(data).hexdigest() +
                                  '\n').encode())
    migration = fetched(api('demo'), {'url': url}, name, remotes[:1],
                        checksum_url=url + '.sha256')
    assert migration['status'] == 'succeeded', migration
    assert migration['source_link']['checksum_url'] == url + '.sha256'
