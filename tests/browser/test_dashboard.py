"""What a user sees and does in Horizon, in a real browser, on real clouds.

Each test logs in through the real Keystone and uses Glint's panels as a
user would; what they did is then checked in the real Glint and Glance.
Screenshots of the main pages go to test-output/screenshots.
"""

import hashlib
import os

from tests.browser import conftest
from tests import cloudbed
from tests.functional import conftest as functional

MiB = conftest.MiB
# Each target's progress bar in the migrations table.
BARS = '#migrations .glint-target .progress-bar'


def glint_clouds(stack, user):
    """The user's remote clouds, as Glint's API lists them."""
    token = stack.clouds[0].session(user).get_token()
    response = functional.Api(stack.glint.url, token).get('/v1/clouds')
    assert response.status_code == 200, response.text
    return response.json()['clouds']


def progress(dashboard):
    """The migration row's text and its targets' bar values, read at once.

    In one script: Horizon may replace the row between two reads.
    """
    return dashboard.driver.execute_script(
        "var row = document.querySelector('#migrations tbody tr');"
        "var bars = document.querySelectorAll(arguments[0]);"
        "return [row.innerText, Array.from(bars).map("
        "    function (bar) { return bar.getAttribute('aria-valuenow'); })];",
        BARS)


def messages(dashboard):
    """The text of Horizon's messages, faded out or not."""
    return dashboard.driver.execute_script(
        "return Array.from(document.querySelectorAll('.messages .alert'), "
        "    function (alert) { return alert.textContent; }).join('\\n');")


def open_add_cloud_form(dashboard, name, remote, user, password=None):
    dashboard.open('/project/remote_clouds/')
    dashboard.find('#remote_clouds__action_create').click()
    dashboard.wait_for('#create_cloud_modal #id_name')
    dashboard.fill({'name': name, 'auth_url': remote.auth_url,
                    'username': user['username'],
                    'password': password or user['password'],
                    'project_name': user['project_name']})


def test_refused_credentials_are_shown_on_the_form(stack, dashboard):
    local, remote = stack.clouds[0], stack.clouds[1]
    user = local.users['other']
    dashboard.login(user)
    open_add_cloud_form(dashboard, 'refused', remote, remote.users['demo'],
                        password='not-the-password')
    dashboard.submit_modal()

    error = dashboard.wait_for('#create_cloud_modal .alert-danger')
    assert 'refused the credentials' in error.text
    assert 'not-the-password' not in dashboard.driver.page_source
    dashboard.screenshot('add-remote-cloud-refused')
    assert glint_clouds(stack, user) == []


def test_a_user_adds_two_clouds_and_migrates_an_image_to_both(
        stack, dashboard):
    local, second, third = stack.clouds
    user = local.users['demo']
    data = os.urandom(24 * MiB)
    image = cloudbed.upload_image(local, user, data, 'sample-image')
    dashboard.login(user)

    # Two remote clouds, added through the form.
    for remote in (second, third):
        open_add_cloud_form(dashboard, remote.name, remote,
                            remote.users['demo'])
        dashboard.screenshot('add-remote-cloud-form')
        dashboard.submit_modal()
        dashboard.wait_for('#remote_clouds tr[data-display="%s"]'
                           % remote.name)
    dashboard.screenshot('remote-clouds')
    clouds = glint_clouds(stack, user)
    assert [c['name'] for c in clouds] == ['cloud2', 'cloud3']

    # Check Connection (a row action in the row's menu): Glint logs in to
    # the cloud and says so.
    dashboard.driver.execute_script(
        'document.getElementById(arguments[0]).click();',
        'remote_clouds__row_%s__action_check' % clouds[0]['id'])
    dashboard.wait_until(
        lambda: '"cloud2" answers' in messages(dashboard),
        message='no answer to Check Connection')

    # The image table: a column per cloud, local first; the image is local.
    dashboard.open('/project/migrate_image/')
    row = dashboard.wait_for('#images tr[data-display="sample-image"]')
    headers = [th.text for th in dashboard.find_all('#images thead th')]
    assert headers[-4:] == ['local', 'cloud2', 'cloud3', 'Actions']
    cells = [td.text for td in row.find_elements('css selector', 'td')]
    assert 'sample-image' in cells[-4]
    assert cells[-3:-1] == ['\u2014', '\u2014']
    dashboard.screenshot('migrate-image')

    # Migrate it to both: the two clouds that lack it are already ticked,
    # and the source's cloud is not offered.
    row.find_element('css selector', 'a[id$="action_migrate"]').click()
    dashboard.wait_for('#migrate_image_modal #id_name')
    remote_ids = sorted(c['id'] for c in glint_clouds(stack, user))
    offered = [box.get_attribute('value') for box in
               dashboard.find_all('input[name=targets]')]
    ticked = [box.get_attribute('value') for box in
              dashboard.find_all('input[name=targets]:checked')]
    assert sorted(offered) == sorted(ticked) == remote_ids
    dashboard.screenshot('migrate-image-form')
    dashboard.submit_modal()

    # The row refreshes itself until both bars are full: no page reload.
    dashboard.wait_for('#migrations tbody tr[data-object-id]')
    dashboard.driver.execute_script('window.glintSamePage = true;')
    seen = set()

    def finished():
        text, values = progress(dashboard)
        if set(values) - seen - {'0', '100'} and not seen - {'0', '100'}:
            dashboard.screenshot('migration-progress')
        seen.update(values)
        return 'Succeeded' in text

    dashboard.wait_until(finished,
                         message='the migration did not end')
    assert dashboard.driver.execute_script('return window.glintSamePage;')
    text, values = progress(dashboard)
    assert values == ['100', '100']
    assert '100% \u00b7 24.0\xa0MB / 24.0\xa0MB' in text
    # Some values between 0 and 100 were shown on the way.
    assert len(seen - {'0', '100'}) >= 1, seen

    # The images table is drawn again in place: the copies are there.
    def copied():
        cells = dashboard.driver.execute_script(
            'return Array.from(document.querySelectorAll('
            '\'#images tr[data-display="sample-image"] td\'), '
            'td => td.innerText);')
        return (len(cells) >= 4
                and all('sample-image' in cell for cell in cells[-4:-1]))

    dashboard.wait_until(copied,
                         message='the images table shows no copies')
    assert dashboard.driver.execute_script('return window.glintSamePage;')
    dashboard.screenshot('migration-finished')

    # The image is in both target Glances, byte for byte.
    for remote in (second, third):
        glance = cloudbed.glance_client(remote, remote.users['demo'])
        copies = [i for i in glance.images.list()
                  if i['name'] == 'sample-image']
        assert len(copies) == 1
        assert copies[0]['os_hash_value'] == image['os_hash_value']
        received = b''.join(glance.images.data(copies[0]['id']))
        assert hashlib.sha256(received).digest() == hashlib.sha256(
            data).digest()


def test_a_copy_is_downloaded_straight_from_glint(stack, dashboard):
    """The Download link of a copy: the browser saves it from Glint."""
    local = stack.clouds[0]
    user = local.users['demo']
    data = os.urandom(3 * MiB + 11)
    cloudbed.upload_image(local, user, data, 'download-me')
    dashboard.login(user)
    dashboard.open('/project/migrate_image/')
    row = dashboard.wait_for('#images tr[data-display="download-me"]')
    dashboard.screenshot('download-link')
    row.find_element('css selector', 'a.glint-download').click()
    saved = os.path.join(dashboard.driver.download_dir, 'download-me.raw')

    def whole():
        return os.path.exists(saved) and os.path.getsize(saved) == len(data)
    dashboard.wait_until(whole, message='the download did not end')
    with open(saved, 'rb') as f:
        assert hashlib.sha512(f.read()).digest() == hashlib.sha512(
            data).digest()
    # The bytes came from Glint's download link, not through Horizon.
    with open(stack.glint.log_path) as log:
        assert 'GET /v1/downloads/' in log.read()
