"""The DevStack plugin's phases, run against the real first cloud.

DevStack itself is not here: its functions that the plugin calls are played
by the small stand-ins below (services are plain background processes,
nothing is installed; the database is made on the bed's MariaDB server as
DevStack's MySQL functions make it, CHARACTER SET utf8). Everything Glint's own
(glint.conf as the plugin writes it, glint-manage key create, db sync and
register, the API under the plugin's gunicorn command) runs for real, and
the openstack command finds that Glint in the catalog.
"""

import configparser
import os
import signal
import subprocess
import sys

import pytest

from tests import cloudbed
from tests.functional.test_cli import Cli
from tests.functional.test_cli import os_env
from tests import slowdown

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
REGION = 'DevStack'
PANELS = ('_90_project_glint_panel_group.py',
          '_91_project_glint_remote_clouds.py',
          '_92_project_glint_migrate_image.py')

# Stand-ins for the DevStack functions the plugin calls.
DEVSTACK = r'''
set -o errexit
function enable_service { ENABLED_SERVICES+=",$1"; }
function is_service_enabled { [[ ",$ENABLED_SERVICES," == *",$1,"* ]]; }
function echo_summary { echo "$@"; }
function die { shift; echo "die: $*" >&2; exit 1; }
function sudo { "$@"; }
function get_python_exec_prefix { echo "$BIN"; }
function setup_develop { :; }
function pip_install { :; }
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
function run_process {
    setsid bash -c "exec $2" >"$DATA_DIR/$1.log" 2>&1 </dev/null &
    echo $! >"$DATA_DIR/$1.pid"
}
function stop_process {
    kill -INT "$(cat "$DATA_DIR/$1.pid")"
    while kill -0 "$(cat "$DATA_DIR/$1.pid")" 2>/dev/null; do sleep 0.2; done
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
        'BIN': os.path.dirname(sys.executable),
        'DEST': str(tmp_path), 'DATA_DIR': str(tmp_path / 'data'),
        'STACK_USER': str(os.getuid()), 'ENABLED_SERVICES': 'key,horizon',
        # Only the dashboard's files are taken from here: nothing is
        # installed.
        'GLINT_DIR': str(glint_dir), 'HORIZON_DIR': str(horizon),
        'GLINT_CONF_DIR': str(tmp_path / 'etc' / 'glint'),
        'GLINT_SERVICE_PORT': str(cloudbed.free_port()),
        'SERVICE_PROTOCOL': 'http', 'SERVICE_HOST': '127.0.0.1',
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
    yield env
    pid_file = tmp_path / 'data' / 'glint-api.pid'
    if pid_file.exists():
        try:
            os.killpg(int(pid_file.read_text()), signal.SIGKILL)
        except ProcessLookupError:
            pass
    admin = cloud.admin_client()
    for endpoint in admin.endpoints.list(region=REGION):
        admin.endpoints.delete(endpoint)
    if [r for r in admin.regions.list() if r.id == REGION]:
        admin.regions.delete(REGION)


def test_stack_then_unstack_and_clean(bed, devstack, mariadb, tmp_path):
    run_phases(devstack, 'stack install', 'stack post-config', 'stack extra')

    conf = configparser.RawConfigParser()
    conf.read(tmp_path / 'etc' / 'glint' / 'glint.conf')
    assert conf.get('database', 'connection') == mariadb.url('glint', 'utf8')
    assert conf.get('keystone_authtoken', 'auth_url') == (
        bed.clouds[0].auth_url)
    assert os.path.exists(conf.get('crypto', 'key_file'))
    url = 'http://127.0.0.1:%s' % devstack['GLINT_SERVICE_PORT']
    assert conf.get('api', 'public_endpoint') == url

    # The openstack command finds it in the catalog, and it answers.
    cloud = bed.clouds[0]
    cli = Cli(os_env(cloud, cloud.users['demo'], region=REGION),
              str(tmp_path))
    assert cli.json('cloud', 'list') == []
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
    cli.ok('cloud', 'delete', 'devstack-remote')
    enabled = tmp_path / 'horizon' / 'openstack_dashboard' / 'local' / (
        'enabled')
    assert sorted(os.listdir(enabled)) == list(PANELS)
    assert os.readlink(enabled / PANELS[0]) == str(
        tmp_path / 'glint' / 'glint_dashboard' / 'enabled' / PANELS[0])

    run_phases(devstack, 'unstack', 'clean')
    assert cli.run('cloud', 'list').returncode != 0
    assert os.listdir(enabled) == []
    assert not os.path.exists(tmp_path / 'etc' / 'glint')
