"""``openstack glint ...`` as a user runs it, against the real clouds.

The real ``openstack`` command of the virtual environment runs as a
subprocess, as the demo user of the first cloud (by OS_* variables, or by
an entry of a clouds.yaml), and finds Glint in that cloud's catalog.
"""

import hashlib
import json
import os
import subprocess
import sys
import uuid

import pytest
import yaml

from tests import cloudbed
from tests.functional import conftest

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')
MiB = 1024 * 1024
SLOW_REGION = 'Slow'


class Cli(object):
    """The openstack command with OS_* variables ``env`` and nothing else."""

    def __init__(self, env, cwd):
        self.env = env
        self.cwd = cwd

    def environ(self):
        environ = {k: v for k, v in os.environ.items()
                   if not k.startswith('OS_')}
        environ.update(self.env)
        return environ

    def argv(self, args):
        return [OPENSTACK, 'glint'] + list(args)

    def run(self, *args):
        return subprocess.run(self.argv(args), env=self.environ(),
                              cwd=self.cwd, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=cloudbed.WAIT)

    def ok(self, *args):
        result = self.run(*args)
        assert result.returncode == 0, result.stderr
        return result

    def json(self, *args):
        return json.loads(self.ok(*(args + ('-f', 'json'))).stdout)

    def popen(self, *args):
        return subprocess.Popen(self.argv(args), env=self.environ(),
                                cwd=self.cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL)


def os_env(cloud, user, region=cloudbed.REGION):
    return {'OS_AUTH_URL': cloud.auth_url,
            'OS_USERNAME': user['username'],
            'OS_PASSWORD': user['password'],
            'OS_PROJECT_NAME': user['project_name'],
            'OS_USER_DOMAIN_NAME': 'Default',
            'OS_PROJECT_DOMAIN_NAME': 'Default',
            'OS_REGION_NAME': region,
            'OS_INTERFACE': 'public',
            'OS_IDENTITY_API_VERSION': '3'}


def clouds_yaml_entry(auth_url, user):
    return {'auth': {'auth_url': auth_url, 'username': user['username'],
                     'password': user['password'],
                     'project_name': user['project_name'],
                     'user_domain_name': 'Default',
                     'project_domain_name': 'Default'},
            'region_name': cloudbed.REGION, 'interface': 'public',
            'identity_api_version': 3}


@pytest.fixture(scope='module')
def home(bed, tmp_path_factory):
    """A folder with a clouds.yaml of two entries.

    ``home`` is cloud1's demo user; ``far`` is cloud3's, by its Keystone's
    URL without /v3, as a clouds.yaml often has it.
    """
    folder = tmp_path_factory.mktemp('cli')
    first, third = bed.clouds[0], bed.clouds[2]
    with open(folder / 'clouds.yaml', 'w') as f:
        yaml.safe_dump({'clouds': {
            'home': clouds_yaml_entry(first.auth_url, first.users['demo']),
            'far': clouds_yaml_entry(third.keystone_url,
                                     third.users['demo']),
        }}, f)
    return folder


@pytest.fixture(scope='module')
def cli(bed, home):
    """The openstack command as cloud1's demo user, by OS_* variables."""
    cloud = bed.clouds[0]
    env = dict(os_env(cloud, cloud.users['demo']),
               OS_CLIENT_CONFIG_FILE=str(home / 'clouds.yaml'))
    return Cli(env, str(home))


@pytest.fixture(scope='module')
def remotes(bed, api):
    """cloud2 and cloud3 as remote clouds of the demo project: their names."""
    with conftest.remote_clouds(bed, api, 'cli') as created:
        yield [c['name'] for c in created]


def unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:6])


def test_remote_cloud_create_list_show_set_delete(bed, cli):
    remote = bed.clouds[1]
    user = remote.users['demo']
    name = unique('cli-cloud')
    # One word with its option: a password may start with "-".
    created = cli.ok('cloud', 'create', name, '--auth-url', remote.auth_url,
                     '--username', user['username'],
                     '--password=' + user['password'], '--project-name',
                     'demo', '--debug', '-f', 'json')
    cloud = json.loads(created.stdout)
    assert cloud['name'] == name
    assert cloud['image_endpoint'] == remote.glance_url
    assert 'password' not in cloud
    assert user['password'] not in created.stdout + created.stderr

    table = cli.ok('cloud', 'list').stdout
    assert 'Image Endpoint' in table and name in table
    listed = cli.json('cloud', 'list')
    assert {'ID': cloud['id'], 'Name': name, 'Auth URL': remote.auth_url,
            'Region': None, 'Auth Type': 'password', 'Credentials': 'ok',
            'Image Endpoint': remote.glance_url} in listed

    shown = cli.ok('cloud', 'show', name, '-f', 'json')
    assert json.loads(shown.stdout)['id'] == cloud['id']
    assert 'password' not in json.loads(shown.stdout)
    assert user['password'] not in shown.stdout

    renamed = unique('cli-renamed')
    cli.ok('cloud', 'set', cloud['id'], '--name', renamed, '--region',
           cloudbed.REGION)
    changed = cli.json('cloud', 'show', renamed)
    assert changed['region_name'] == cloudbed.REGION
    assert changed['id'] == cloud['id']

    cli.ok('cloud', 'delete', renamed)
    assert cloud['id'] not in [c['ID'] for c in cli.json('cloud', 'list')]
    gone = cli.run('cloud', 'show', renamed)
    assert gone.returncode != 0
    assert 'No remote cloud named or with id %s' % renamed in gone.stderr


def test_remote_cloud_from_an_entry_of_clouds_yaml(bed, home):
    # Logged in by clouds.yaml too: OS_CLOUD names the entry.
    cli = Cli({'OS_CLIENT_CONFIG_FILE': str(home / 'clouds.yaml'),
               'OS_CLOUD': 'home'}, str(home))
    name = unique('cli-far')
    cloud = cli.json('cloud', 'create', name, '--from-clouds-yaml', 'far')
    third = bed.clouds[2]
    assert cloud['auth_url'] == third.auth_url
    assert cloud['username'] == 'demo'
    assert cloud['region_name'] == cloudbed.REGION
    assert cloud['image_endpoint'] == third.glance_url
    cli.ok('cloud', 'delete', name)


def test_refused_credentials_give_glints_message(bed, cli):
    remote = bed.clouds[1]
    result = cli.run('cloud', 'create', unique('cli-refused'), '--auth-url',
                     remote.auth_url, '--username', 'demo', '--password',
                     'not-the-password', '--project-name', 'demo')
    assert result.returncode != 0
    assert ('The remote Keystone refused the credentials (HTTP 401).'
            in result.stderr)
    assert '(HTTP 400, request req-' in result.stderr
    assert 'not-the-password' not in result.stdout + result.stderr


def test_cloud_check_says_whether_a_cloud_answers_and_why_not(bed, cli):
    remote = bed.clouds[1]
    admin = remote.admin_client()
    user = remote.make_user(admin, unique('cli-checked'),
                            admin.projects.find(name='demo'),
                            admin.roles.find(name='member'))
    name = unique('cli-checked')
    cli.ok('cloud', 'create', name, '--auth-url', remote.auth_url,
           '--username', user['username'], '--password=' + user['password'],
           '--project-name', 'demo')
    try:
        checked = cli.json('cloud', 'check', name)
        assert (checked['name'], checked['reachable']) == (name, True)
        # The remote cloud refuses the user from now on.
        admin.users.update(user['id'], enabled=False)
        refused = cli.run('cloud', 'check', name)
        assert refused.returncode == 1
        assert ('Remote cloud %s does not answer: the cloud refused the '
                'credentials (HTTP 401)' % name) in refused.stderr
        assert user['password'] not in refused.stdout + refused.stderr
    finally:
        cli.ok('cloud', 'delete', name)
        admin.users.delete(user['id'])


def test_image_list_shows_a_conflict(bed, cli, remotes):
    local, remote = bed.clouds[0], bed.clouds[1]
    name = unique('cli-same-name')
    here = cloudbed.upload_image(local, local.users['demo'], os.urandom(4096),
                                 name)
    there = cloudbed.upload_image(remote, remote.users['demo'],
                                  os.urandom(4096), name)
    rows = cli.json('image', 'list', '--cloud', 'local', '--cloud',
                    remotes[0])
    mine = [r for r in rows if r['Name'] == name]
    assert len(mine) == 2
    assert {c['image_id'] for row in mine for cloud in ('local', remotes[0])
            for c in row[cloud]} == {here['id'], there['id']}
    for row in mine:
        assert {c['type'] for c in row['Conflicts']} == {'content_mismatch'}
    table = cli.ok('image', 'list', '--cloud', 'local', '--cloud',
                   remotes[0]).stdout
    assert 'content_mismatch (%s)' % remotes[0] in table


def test_migrate_and_wait_to_two_remote_clouds(bed, cli, remotes):
    local = bed.clouds[0]
    name = unique('cli-migrate')
    source = cloudbed.upload_image(local, local.users['demo'],
                                   os.urandom(3 * MiB), name)
    result = cli.ok('migrate', name, '--to', remotes[0], '--to', remotes[1],
                    '--wait', '-f', 'json')
    migration = json.loads(result.stdout)
    assert migration['status'] == 'succeeded'
    assert migration['source'] == 'local'
    for remote in remotes:
        assert '%s [##########] 100%%  3.0/3.0 MiB  succeeded' % remote \
            in result.stderr
    for target, cloud, remote in zip(migration['targets'], bed.clouds[1:],
                                     remotes):
        assert target['cloud'] == remote
        client = cloudbed.glance_client(cloud, cloud.users['demo'])
        copy = client.images.get(target['image_id'])
        assert copy['name'] == name
        assert copy['status'] == 'active'
        assert copy['os_hash_value'] == source['os_hash_value']


def test_migrate_an_unknown_image(cli, remotes):
    missing = str(uuid.uuid4())
    result = cli.run('migrate', missing, '--to', remotes[0])
    assert result.returncode != 0
    assert 'image_id' in result.stderr and 'HTTP 400' in result.stderr
    result = cli.run('migrate', unique('no-such-image'), '--to', remotes[0])
    assert result.returncode != 0
    assert 'No image named no-such-image-' in result.stderr


@pytest.fixture(scope='module')
def slow_cli(bed, home, tmp_path_factory):
    """The openstack command on a Glint of its own, slowed to 1 MiB/s.

    That Glint is in the catalog in a region of its own, which the command
    chooses with OS_REGION_NAME; cloud2 is its remote cloud ``slow-cloud2``.
    """
    cloud = bed.clouds[0]
    glint = cloudbed.Glint(
        cloud, str(tmp_path_factory.mktemp('cli-slow')), name='glint-slow',
        password=bed.glint.password,
        options={'migrations': {'max_rate': MiB,
                                'progress_interval': 0.2}})
    glint.setup(register=False)
    glint.manage('register', '--public-url', glint.url, '--region',
                 SLOW_REGION, admin=True)
    glint.start()
    try:
        cli = Cli(os_env(cloud, cloud.users['demo'], region=SLOW_REGION),
                  str(home))
        remote = bed.clouds[1]
        cli.ok('cloud', 'create', 'slow-cloud2', '--auth-url',
               remote.auth_url, '--username', 'demo',
               '--password=' + remote.users['demo']['password'],
               '--project-name', 'demo')
        yield cli
    finally:
        glint.stop()
        admin = cloud.admin_client()
        for endpoint in admin.endpoints.list(region=SLOW_REGION):
            admin.endpoints.delete(endpoint)
        admin.regions.delete(SLOW_REGION)


def test_migration_list_show_cancel_while_waiting(bed, slow_cli):
    local = bed.clouds[0]
    name = unique('cli-cancel')
    # Some two minutes at 1 MiB/s: longer than the commands below take on
    # a slow machine (each starts the openstack command anew).
    cloudbed.upload_image(local, local.users['demo'], os.urandom(128 * MiB),
                          name)
    waiting = slow_cli.popen('migrate', name, '--to', 'slow-cloud2',
                             '--wait', '-f', 'json')
    try:
        first = waiting.stderr.readline()
        assert first.startswith('Migration '), first
        migration_id = first.split()[1].rstrip(':')
        listed = slow_cli.json('migration', 'list', '--status', 'running')
        assert [m['ID'] for m in listed] == [migration_id]
        assert listed[0]['Image Name'] == name
        shown = slow_cli.json('migration', 'show', migration_id)
        assert shown['status'] == 'running'
        assert shown['targets'][0]['cloud'] == 'slow-cloud2'
        slow_cli.ok('migration', 'cancel', migration_id)
        out, err = waiting.communicate(timeout=cloudbed.WAIT)
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait()
    assert waiting.returncode == 1
    assert 'Migration %s ended cancelled' % migration_id in err
    assert 'slow-cloud2 [' in err
    assert json.loads(out)['status'] == 'cancelled'

    again = slow_cli.run('migration', 'cancel', migration_id)
    assert again.returncode != 0
    assert 'it has already ended (cancelled)' in again.stderr
    slow_cli.ok('migration', 'delete', migration_id)
    gone = slow_cli.run('migration', 'show', migration_id)
    assert gone.returncode != 0 and 'HTTP 404' in gone.stderr


def test_image_save_downloads_resumes_and_checks_the_hash(bed, cli, remotes,
                                                          tmp_path):
    remote = bed.clouds[1]
    data = os.urandom(3 * MiB + 777)
    name = unique('cli-save')
    cloudbed.upload_image(remote, remote.users['demo'], data, name)
    path = tmp_path / 'saved.img'
    part = tmp_path / 'saved.img.part'

    result = cli.ok('image', 'save', name, '--cloud', remotes[0],
                    '--file', str(path))
    assert path.read_bytes() == data
    assert not part.exists()
    assert 'saved.img [##########] 100%' in result.stderr

    # A download cut short: the rest is asked for with a Range.
    path.unlink()
    part.write_bytes(data[:MiB])
    cli.ok('image', 'save', name, '--cloud', remotes[0], '--file', str(path))
    assert path.read_bytes() == data

    # A part whose first byte is wrong: resumed, then refused by the hash
    # (a download from the start would have overwritten it).
    path.unlink()
    part.write_bytes(b'\0' + data[1:MiB])
    result = cli.run('image', 'save', name, '--cloud', remotes[0],
                     '--file', str(path))
    assert result.returncode != 0
    assert 'does not have its sha512 hash' in result.stderr
    assert not path.exists() and not part.exists()

    # A part that is not of this image at all.
    part.write_bytes(bytes([data[MiB - 1] ^ 0xff]) * MiB)
    result = cli.run('image', 'save', name, '--cloud', remotes[0],
                     '--file', str(path))
    assert result.returncode != 0
    assert 'is not of this image' in result.stderr


def test_image_upload_sends_a_file_once_to_two_clouds(bed, cli, remotes,
                                                      tmp_path):
    data = os.urandom(2 * MiB + 3)
    path = tmp_path / 'upload.raw'
    path.write_bytes(data)
    name = unique('cli-upload')
    result = cli.ok('image', 'upload', str(path), '--name', name,
                    '--disk-format', 'raw', '--to', remotes[0], '--to',
                    'local', '--property', 'os_distro=alma', '--wait',
                    '-f', 'json')
    migration = json.loads(result.stdout)
    assert migration['status'] == 'succeeded', migration
    assert '%s [##########] 100%%' % name in result.stderr
    assert 'sending' in result.stderr
    for cloud in (bed.clouds[1], bed.clouds[0]):
        [image] = [dict(i) for i in cloudbed.glance_client(
            cloud, cloud.users['demo']).images.list(filters={'name': name})]
        assert image['size'] == len(data)
        assert image['os_distro'] == 'alma'

    # Data that is not its disk format: nothing is left, and with --wait
    # the command says so and exits non-zero.
    result = cli.run('image', 'upload', str(path), '--name', name + '-q',
                     '--disk-format', 'qcow2', '--to', remotes[0], '--wait')
    assert result.returncode != 0
    assert 'ended failed' in result.stderr


def test_image_create_fetches_a_web_link_into_a_cloud(bed, cli, remotes):
    from tests.functional import test_links

    mirror = test_links.Mirror()
    try:
        data = os.urandom(MiB + 9)
        name = unique('cli-link')
        packed = test_links.COMPRESS['xz'](data)
        url = mirror.add(name + '.img.xz', packed)
        sums = mirror.add(name + '.SHA256SUMS', ('%s  %s.img.xz\n' % (
            hashlib.sha256(packed).hexdigest(), name)).encode())
        result = cli.ok('image', 'create', '--url', url, '--checksum-url',
                        sums, '--decompress', 'xz', '--disk-format', 'raw',
                        '--to', remotes[0], '--wait', '-f', 'json')
    finally:
        mirror.stop()
    migration = json.loads(result.stdout)
    assert migration['status'] == 'succeeded', migration
    # Named after the file, without its compression's extension.
    assert migration['image_name'] == name + '.img'
    assert '[##########] 100%' in result.stderr
    [image] = [dict(i) for i in cloudbed.glance_client(
        bed.clouds[1], bed.clouds[1].users['demo']).images.list(
        filters={'name': name + '.img'})]
    assert image['size'] == len(data)
