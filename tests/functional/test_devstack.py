"""The DevStack plugin's phases, run against the real first cloud.

DevStack itself is not here: its functions that the plugin calls are played
by the small stand-ins below (services are plain background processes,
stopped as systemd stops DevStack's units; nothing is installed; the
database is made on the bed's MariaDB server as DevStack's MySQL functions
make it, CHARACTER SET utf8; the uWSGI configuration is written as
DevStack's write_uwsgi_config writes it). Everything Glint's own (glint.conf
as the plugin writes it, glint-manage key create, db sync and register, the
API under uWSGI and glint-engine as the plugin runs them) runs for real: the
openstack command finds that Glint in the catalog, and its engine migrates
an image to a remote cloud.
"""

import configparser
import json
import os
import re
import signal
import subprocess
import sys
import uuid

import pytest
import requests

from tests import cloudbed
from tests.functional.test_cli import Cli
from tests.functional.test_cli import os_env
from tests import pki
from tests import slowdown

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
MiB = 1024 * 1024
REGION = 'DevStack'
PANELS = ('_90_project_glint_panel_group.py',
          '_91_project_glint_remote_clouds.py',
          '_92_project_glint_migrate_image.py',
          '_93_identity_glint_certificate_users.py')

# Stand-ins for the DevStack functions the plugin calls.
DEVSTACK = r'''
set -o errexit
function enable_service {
    local service
    for service in "$@"; do ENABLED_SERVICES+=",$service"; done
}
# As DevStack's: whether any of the services given is enabled.
function is_service_enabled {
    local service
    for service in "$@"; do
        [[ ",$ENABLED_SERVICES," == *",$service,"* ]] && return 0
    done
    return 1
}
function echo_summary { echo "$@"; }
function die { shift; echo "die: $*" >&2; exit 1; }
function sudo { "$@"; }
function get_python_exec_prefix { echo "$BIN"; }
function setup_develop { :; }
function setup_logging { :; }
function recreate_database {
    mariadb --no-defaults -h 127.0.0.1 -P "$DATABASE_PORT" -u glint \
        -p"$DATABASE_PASSWORD" -e "DROP DATABASE IF EXISTS $1;
        CREATE DATABASE $1 CHARACTER SET utf8;"
}
function database_connection_url {
    local server="glint:$DATABASE_PASSWORD@127.0.0.1:$DATABASE_PORT"
    echo "mysql+pymysql://$server/$1?charset=utf8"
}
function iniset {
    "$BIN/python" - "$@" <<'EOF'
import configparser, sys
path, section, option, value = sys.argv[1:]
ini = configparser.RawConfigParser()
ini.read(path)
if section != 'DEFAULT' and not ini.has_section(section):
    ini.add_section(section)
ini.set(section, option, value)
with open(path, 'w') as f:
    ini.write(f)
EOF
}
# As DevStack's: the service user in the service project.
function configure_keystone_authtoken_middleware {
    iniset "$1" keystone_authtoken auth_type password
    iniset "$1" keystone_authtoken interface public
    iniset "$1" keystone_authtoken auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$1" keystone_authtoken username "$2"
    iniset "$1" keystone_authtoken password "$SERVICE_PASSWORD"
    iniset "$1" keystone_authtoken user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$1" keystone_authtoken project_name "$SERVICE_PROJECT_NAME"
    iniset "$1" keystone_authtoken project_domain_name "$SERVICE_DOMAIN_NAME"
}
# As DevStack's, for a service on a port of its own ($4): the same uWSGI
# options, but no "plugins" (uWSGI from PyPI has http and python built in).
function write_uwsgi_config {
    local conf=$1 wsgi=$2 http=$4
    [[ -n "$http" ]] || die $LINENO "write_uwsgi_config: no port given"
    rm -rf "$conf"
    iniset "$conf" uwsgi module "$wsgi"
    iniset "$conf" uwsgi processes "$API_WORKERS"
    iniset "$conf" uwsgi master true
    iniset "$conf" uwsgi die-on-term true
    iniset "$conf" uwsgi exit-on-reload false
    iniset "$conf" uwsgi worker-reload-mercy "$WORKER_TIMEOUT"
    iniset "$conf" uwsgi enable-threads true
    iniset "$conf" uwsgi thunder-lock true
    iniset "$conf" uwsgi hook-master-start \
        "unix_signal:15 gracefully_kill_them_all"
    iniset "$conf" uwsgi buffer-size 65535
    iniset "$conf" uwsgi add-header "Connection: close"
    iniset "$conf" uwsgi lazy-apps true
    iniset "$conf" uwsgi start-time %t
    iniset "$conf" uwsgi http "$http"
}
function remove_uwsgi_config { rm -rf "$1"; }
function iniget {
    "$BIN/python" - "$@" <<'EOF'
import configparser, sys
path, section, option = sys.argv[1:]
ini = configparser.RawConfigParser()
ini.read(path)
print(ini.get(section, option, fallback=''))
EOF
}
# Restarts are recorded: the bed's Keystone runs as it is.
function restart_service { echo "$1" >>"$DATA_DIR/restarted"; }
function restart_apache_server { echo apache >>"$DATA_DIR/restarted"; }
# A process group of its own, whose leader is the service's process.
function run_process {
    is_service_enabled "$1" || return 0
    setsid bash -c "exec $2" >"$DATA_DIR/$1.log" 2>&1 </dev/null &
    echo $! >"$DATA_DIR/$1.pid"
}
# As systemd stops DevStack's units: SIGTERM to the service's process,
# which must then be gone with every process it started, within systemd's
# TimeoutStopSec.
function stop_process {
    is_service_enabled "$1" || return 0
    local pid deadline=$((SECONDS + 300))
    pid=$(cat "$DATA_DIR/$1.pid")
    kill -TERM "$pid" || die $LINENO "$1 is not running"
    while kill -0 -- "-$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || die $LINENO "$1 did not stop"
        sleep 0.2
    done
}
function wait_for_service {
    "$BIN/python" - "$@" <<'EOF'
import sys, time, urllib.request
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(sys.argv[2], timeout=30)
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
EOF
}
source devstack/settings
for phase in "$@"; do
    source devstack/plugin.sh $phase
done
'''


def run_phases(env, *phases):
    """Source the plugin in each phase ("stack install", "unstack", ...)."""
    # On a slowed machine, what the plugin starts shares the bed's core.
    argv = slowdown.prefix() + ['bash', '-c', DEVSTACK, 'devstack'] + list(
        phases)
    result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=cloudbed.WAIT * 2,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def devstack(bed, mariadb, tmp_path):
    """DevStack's variables, on the first cloud, in a region of its own."""
    cloud = bed.clouds[0]
    glint_dir = tmp_path / 'glint'
    (glint_dir / 'glint_dashboard' / 'enabled').mkdir(parents=True)
    for panel in PANELS:
        (glint_dir / 'glint_dashboard' / 'enabled' / panel).write_text('')
    horizon = tmp_path / 'horizon'
    (horizon / 'openstack_dashboard' / 'local' / 'enabled').mkdir(
        parents=True)
    (tmp_path / 'data').mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update({
        'BIN': BIN, 'PATH': os.pathsep.join([BIN, os.environ['PATH']]),
        'DEST': str(tmp_path), 'DATA_DIR': str(tmp_path / 'data'),
        'STACK_USER': str(os.getuid()), 'ENABLED_SERVICES': 'key,horizon',
        # Only the dashboard's files are taken from here: nothing is
        # installed.
        'GLINT_DIR': str(glint_dir), 'HORIZON_DIR': str(horizon),
        'GLINT_CONF_DIR': str(tmp_path / 'etc' / 'glint'),
        'GLINT_SERVICE_PORT': str(cloudbed.free_port()),
        'SERVICE_PROTOCOL': 'http', 'SERVICE_HOST': '127.0.0.1',
        'SERVICE_LISTEN_ADDRESS': '127.0.0.1',
        'API_WORKERS': '2', 'WORKER_TIMEOUT': '80',
        'SERVICE_TIMEOUT': str(cloudbed.START_TIMEOUT), 'REGION_NAME': REGION,
        'ENABLE_DEBUG_LOG_LEVEL': 'True',
        'KEYSTONE_SERVICE_URI': cloud.keystone_url,
        'KEYSTONE_SERVICE_URI_V3': cloud.auth_url,
        'ADMIN_PASSWORD': cloud.admin_password,
        # The glint service user exists already, with this password.
        'SERVICE_PASSWORD': bed.glint.password,
        'SERVICE_DOMAIN_NAME': 'Default', 'SERVICE_PROJECT_NAME': 'service',
        'DATABASE_PORT': str(mariadb.port),
        'DATABASE_PASSWORD': mariadb.password,
        # The bed's other clouds are on loopback, as a LAN's would be on a
        # private network.
        'GLINT_OUTBOUND_ALLOWED_NETWORKS': cloudbed.ALLOWED_NETWORK,
    })
    # The first cloud's Glance in that region too, as DevStack's Glance is
    # in REGION_NAME: Glint's local cloud ([local_cloud] region_name).
    admin = cloud.admin_client()
    admin.regions.create(id=REGION)
    [glance] = admin.services.list(type='image')
    admin.endpoints.create(service=glance, url=cloud.glance_url,
                           interface='public', region=REGION)
    yield env
    for service in ('glint-api', 'glint-engine'):
        pid_file = tmp_path / 'data' / (service + '.pid')
        if pid_file.exists():
            try:
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass
    for endpoint in admin.endpoints.list(region=REGION):
        admin.endpoints.delete(endpoint)
    if [r for r in admin.regions.list() if r.id == REGION]:
        admin.regions.delete(REGION)


def service_pid(tmp_path, service):
    """The process id of a service the stand-in run_process started."""
    return int((tmp_path / 'data' / (service + '.pid')).read_text())


def command_line(pid):
    """A running process's command line (a list), or [] once it exited."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            if f.read().rsplit(')', 1)[1].split()[0] == 'Z':
                return []
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read().decode().split('\0')
    except FileNotFoundError:
        return []


@pytest.fixture
def x509_ca(bed, devstack, tmp_path):
    """GLINT_X509_CA: a CA of its own, its identity provider removed after.

    DevStack's Keystone is the bed's first cloud's, which runs as it is:
    its keystone.conf here is a copy the plugin edits.
    """
    ca = pki.Authority.create('DevStack CA %s' % uuid.uuid4().hex[:6])
    ca_path = str(tmp_path / 'devstack-ca.pem')
    pki.write_bundle(ca_path, [ca])
    keystone = tmp_path / 'keystone'
    (keystone / 'etc').mkdir(parents=True)
    (keystone / 'etc' / 'sso_callback_template.html').write_text('<form/>')
    with open(keystone / 'keystone.conf', 'w') as f:
        f.write('[auth]\nmethods = password,token\n')
    idp = 'devstack-' + uuid.uuid4().hex[:6]
    devstack.update({
        'GLINT_X509_CA': ca_path, 'GLINT_X509_IDP': idp,
        'GLINT_X509_KEYSTONE_URL': 'https://127.0.0.1:5443/identity/v3',
        'KEYSTONE_CONF': str(keystone / 'keystone.conf'),
        'KEYSTONE_CONF_DIR': str(keystone), 'KEYSTONE_DIR': str(keystone)})
    ca.idp = idp
    yield ca
    admin = bed.clouds[0].admin_client()
    if idp in [i.id for i in admin.federation.identity_providers.list()]:
        admin.federation.identity_providers.delete(idp)
        admin.federation.mappings.delete(idp + '_x509')


def test_stack_then_unstack_and_clean(bed, devstack, mariadb, x509_ca,
                                      tmp_path):
    run_phases(devstack, 'stack install', 'stack post-config', 'stack extra')

    conf = configparser.RawConfigParser()
    conf.read(tmp_path / 'etc' / 'glint' / 'glint.conf')
    assert conf.get('database', 'connection') == mariadb.url('glint', 'utf8')
    assert conf.get('keystone_authtoken', 'auth_url') == (
        bed.clouds[0].auth_url)
    assert os.path.exists(conf.get('crypto', 'key_file'))
    url = 'http://127.0.0.1:%s' % devstack['GLINT_SERVICE_PORT']
    assert conf.get('api', 'public_endpoint') == url

    # The API runs under uWSGI, on Glint's own port, and glint-engine
    # beside it: DevStack's services glint-api and glint-engine.
    uwsgi = configparser.RawConfigParser()
    uwsgi.read(tmp_path / 'etc' / 'glint' / 'glint-api-uwsgi.ini')
    assert uwsgi.get('uwsgi', 'module') == (
        'glint_service.wsgi.api:application')
    assert uwsgi.get('uwsgi', 'http') == (
        '127.0.0.1:%s' % devstack['GLINT_SERVICE_PORT'])
    assert uwsgi.get('uwsgi', 'env') == 'OS_GLINT_CONFIG_FILES=%s' % (
        tmp_path / 'etc' / 'glint' / 'glint.conf')
    api = service_pid(tmp_path, 'glint-api')
    assert command_line(api)
    assert os.readlink('/proc/%d/exe' % api) == os.path.realpath(
        os.path.join(BIN, 'uwsgi'))
    engine = service_pid(tmp_path, 'glint-engine')

    def engine_runs():
        # The plugin does not wait for the engine: the shell run_process
        # started may not have become glint-engine yet. Once it has, its
        # command line is its process title ("glint-engine: master ...").
        argv = command_line(engine)
        assert argv, 'glint-engine exited:\n' + cloudbed.tail(
            str(tmp_path / 'data' / 'glint-engine.log'))
        return (os.readlink('/proc/%d/exe' % engine) == os.path.realpath(
            sys.executable) and 'glint-engine' in ' '.join(argv))

    cloudbed.wait_for(engine_runs, cloudbed.START_TIMEOUT,
                      'glint-engine running')

    # The openstack command finds it in the catalog, and uWSGI answers.
    cloud = bed.clouds[0]
    cli = Cli(os_env(cloud, cloud.users['demo'], region=REGION),
              str(tmp_path))
    assert cli.json('cloud', 'list') == []
    with open(tmp_path / 'data' / 'glint-api.log') as f:
        assert re.search(r'^\[pid: \d+\|app: 0\|req: \d+/\d+\] .* '
                         r'GET /v1/clouds ', f.read(), re.MULTILINE)
    # Horizon's pages may send an upload's file to it, through uWSGI;
    # another origin's may not.
    assert conf.get('cors', 'allowed_origin') == 'http://127.0.0.1'
    for origin, allowed in (('http://127.0.0.1', True),
                            ('http://127.0.0.1:8080', False)):
        answer = requests.options(
            url + '/v1/migrations/%s/file' % uuid.uuid4(),
            headers={'Origin': origin,
                     'Access-Control-Request-Method': 'PUT',
                     'Access-Control-Request-Headers':
                         'x-auth-token,content-type'},
            timeout=cloudbed.REQUEST_TIMEOUT)
        assert answer.status_code == 200
        assert answer.headers.get('Access-Control-Allow-Origin') == (
            origin if allowed else None)
    # The remote clouds of the network it was told of can be added.
    assert conf.get('outbound', 'allowed_networks') == (
        cloudbed.ALLOWED_NETWORK)
    remote = bed.clouds[1]
    user = remote.users['demo']
    added = cli.json('cloud', 'create', 'devstack-remote', '--auth-url',
                     remote.auth_url, '--username', user['username'],
                     '--password=' + user['password'], '--project-name',
                     'demo')
    assert added['image_endpoint'] == remote.glance_url

    # The engine migrates an image there.
    name = 'devstack-%s' % uuid.uuid4().hex[:6]
    source = cloudbed.upload_image(cloud, cloud.users['demo'],
                                   os.urandom(3 * MiB), name)
    migration = json.loads(cli.ok('migrate', name, '--to', 'devstack-remote',
                                  '--wait', '-f', 'json').stdout)
    assert migration['status'] == 'succeeded'
    assert migration['source'] == 'local'
    [target] = migration['targets']
    remote_images = cloudbed.glance_client(remote, user).images
    copy = remote_images.get(target['image_id'])
    assert copy['name'] == name
    assert copy['status'] == 'active'
    assert copy['os_hash_value'] == source['os_hash_value']
    remote_images.delete(copy['id'])
    cloudbed.glance_client(cloud, cloud.users['demo']).images.delete(
        source['id'])
    cli.ok('cloud', 'delete', 'devstack-remote')
    enabled = tmp_path / 'horizon' / 'openstack_dashboard' / 'local' / (
        'enabled')
    assert sorted(os.listdir(enabled)) == list(PANELS)
    assert os.readlink(enabled / PANELS[0]) == str(
        tmp_path / 'glint' / 'glint_dashboard' / 'enabled' / PANELS[0])

    # GLINT_X509_CA: Keystone's x509 method and WebSSO, the CA set up in
    # the real Keystone, Horizon's login page offering the certificate.
    keystone_conf = configparser.RawConfigParser()
    keystone_conf.read(devstack['KEYSTONE_CONF'])
    assert keystone_conf.get('auth', 'methods') == 'password,token,x509'
    assert keystone_conf.get('federation', 'trusted_dashboard') == (
        'http://127.0.0.1/dashboard/auth/websso/')
    assert os.path.exists(keystone_conf.get('federation',
                                            'sso_callback_template'))
    with open(tmp_path / 'data' / 'restarted') as f:
        assert f.read().split() == ['devstack@keystone', 'apache']
    admin = cloud.admin_client()
    idp = admin.federation.identity_providers.get(x509_ca.idp)
    assert x509_ca.subject in idp.remote_ids
    [protocol] = admin.federation.protocols.list(x509_ca.idp)
    assert protocol.id == 'x509'
    settings_d = tmp_path / 'horizon' / 'openstack_dashboard' / 'local' / (
        'local_settings.d')
    websso = {}
    exec((settings_d / '_90_glint_x509.py').read_text(), websso)
    assert websso['WEBSSO_ENABLED'] is True
    assert ('x509', 'X.509 certificate') in websso['WEBSSO_CHOICES']
    assert websso['WEBSSO_IDP_MAPPING'] == {'x509': (x509_ca.idp, 'x509')}
    assert websso['WEBSSO_KEYSTONE_URL'] == (
        'https://127.0.0.1:5443/identity/v3')
    assert websso['WEBSSO_USE_HTTP_REFERER'] is False
    assert websso['OPENSTACK_SSL_CACERT'] == devstack['GLINT_X509_CA']

    run_phases(devstack, 'unstack', 'clean')
    assert cli.run('cloud', 'list').returncode != 0
    assert os.listdir(enabled) == []
    assert os.listdir(settings_d) == []
    assert not os.path.exists(tmp_path / 'etc' / 'glint')
