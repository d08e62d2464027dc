"""What a user sees and does in Horizon, in a real browser, on real clouds.

Each test logs in through the real Keystone and uses Glint's panels as a
user would; what they did is then checked in the real Glint and Glance.
Screenshots of the main pages go to test-output/screenshots. The tests are
in one file: the file runs whole in one test process, with one stack.
"""

import hashlib
import html
import os
import re
import secrets
import uuid

import pytest
import requests

from glint_service.clouds import federation
from tests.browser import conftest
from tests import cloudbed
from tests.functional import conftest as functional
from tests import oidc_provider

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
    # Nothing stored (the user's project may have other clouds: see the
    # uploads' tests).
    assert 'refused' not in [c['name'] for c in glint_clouds(stack, user)]


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


# Records, across page loads, each XMLHttpRequest the page sends: its
# method, URL, the sizes of the files in its body and its X-Auth-Token;
# and the progress the browser reports while it sends a body (what
# Horizon's bar shows), as [bytes sent, bytes in all].
RECORD_REQUESTS = '''
sessionStorage.setItem('glintSent', '[]');
sessionStorage.setItem('glintProgress', '[]');
var open = XMLHttpRequest.prototype.open;
var setRequestHeader = XMLHttpRequest.prototype.setRequestHeader;
var send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.open = function (method, url) {
  this.glintRequest = {method: method, url: String(url), files: [],
                       token: null};
  return open.apply(this, arguments);
};
XMLHttpRequest.prototype.setRequestHeader = function (name, value) {
  if (name.toLowerCase() === 'x-auth-token') {
    this.glintRequest.token = value;
  }
  return setRequestHeader.apply(this, arguments);
};
XMLHttpRequest.prototype.send = function (body) {
  var files = this.glintRequest.files;
  if (body instanceof FormData) {
    body.forEach(function (value) {
      if (value instanceof File) { files.push(value.size); }
    });
  } else if (body instanceof Blob) {
    files.push(body.size);
  }
  var sent = JSON.parse(sessionStorage.getItem('glintSent'));
  sent.push(this.glintRequest);
  sessionStorage.setItem('glintSent', JSON.stringify(sent));
  this.upload.addEventListener('progress', function (event) {
    var seen = JSON.parse(sessionStorage.getItem('glintProgress'));
    seen.push([event.loaded, event.total]);
    sessionStorage.setItem('glintProgress', JSON.stringify(seen));
  });
  return send.apply(this, arguments);
};
'''


def choose(dashboard, select_id, value):
    """Choose an option of one of Horizon's themable selects, as a user."""
    select = dashboard.find('#' + select_id)
    menu = select.find_element('xpath', '..')
    menu.find_element('css selector', 'button.dropdown-toggle').click()
    menu.find_element('css selector',
                      'a[data-select-value="%s"]' % value).click()
    assert select.get_attribute('value') == value


def test_a_user_uploads_a_file_from_the_browser_to_two_clouds(
        stack, dashboard, tmp_path):
    local, second = stack.clouds[0], stack.clouds[1]
    user = local.users['other']
    api = functional.Api(stack.glint.url,
                         local.session(user).get_token())
    remote_id = functional.add_remote_cloud(api, second, 'other')
    # Some 16 s at the bed's 2 MiB/s, more than the sockets between the
    # browser and Glint hold: the browser sends it as Glint takes it.
    data = os.urandom(32 * MiB)
    path = tmp_path / 'upload-sample.img'
    path.write_bytes(data)
    dashboard.login(user)
    dashboard.open('/project/migrate_image/')
    dashboard.find('#images__action_upload').click()
    dashboard.wait_for('#upload_image_modal #id_image_file')

    # The targets: the local cloud first.
    offered = [box.get_attribute('value') for box in
               dashboard.find_all('input[name=targets]')]
    assert offered == ['local', remote_id]
    dashboard.find('#id_image_file').send_keys(str(path))
    # The form took the file's name and size.
    assert dashboard.find('#id_name').get_attribute('value') == (
        'upload-sample.img')
    assert dashboard.find('#id_size').get_attribute('value') == str(
        len(data))
    choose(dashboard, 'id_disk_format', 'raw')
    for box in dashboard.find_all('input[name=targets]'):
        dashboard.find('label[for="%s"]'
                       % box.get_attribute('id')).click()
    assert len(dashboard.find_all('input[name=targets]:checked')) == 2
    dashboard.screenshot('upload-image-form')

    dashboard.driver.execute_script(RECORD_REQUESTS)
    dashboard.submit_modal()

    # A progress bar while the browser sends the file; then the
    # migrations table, the upload's row refreshing itself.
    shown = set()

    def sent_and_back():
        width = dashboard.driver.execute_script(
            "var bar = document.querySelector("
            "    '#modal_wrapper .progress-bar');"
            "return bar && bar.style.width;")
        if width and width not in shown and width not in ('0%', '100%'):
            if not shown:
                dashboard.screenshot('upload-image-progress')
            shown.add(width)
        return dashboard.find_all(
            '#migrations tr[data-display="upload-sample.img"]')

    dashboard.wait_until(sent_and_back,
                         message='the upload did not end')
    dashboard.wait_until(
        lambda: 'Succeeded' in progress(dashboard)[0],
        message='the upload did not succeed')
    text, values = progress(dashboard)
    assert 'upload-sample.img' in text
    assert values == ['100', '100']
    # The browser told of the file's progress while it sent it.
    reported = dashboard.driver.execute_script(
        "return JSON.parse(sessionStorage.getItem('glintProgress'));")
    assert any(0 < loaded < total for loaded, total in reported), reported
    dashboard.screenshot('upload-image-finished')

    # The form went to Horizon without the file; the file went to
    # Glint's public endpoint, with the user's token.
    sent = [request for request in dashboard.driver.execute_script(
        "return JSON.parse(sessionStorage.getItem('glintSent'));")
        if request['method'] in ('POST', 'PUT')]
    [migration] = [m for m in api.get('/v1/migrations').json()[
        'migrations'] if m['image_name'] == 'upload-sample.img']
    assert [(r['method'], r['url'], r['files']) for r in sent] == [
        ('POST', '/project/migrate_image/upload/', []),
        ('PUT', '%s/v1/migrations/%s/file' % (stack.glint.url,
                                              migration['id']),
         [len(data)])]
    token = sent[1]['token']
    assert token and sent[0]['token'] is None
    assert migration['status'] == 'succeeded'
    assert migration['size'] == len(data)

    # In both clouds, byte for byte.
    targets = {t['cloud_id']: t for t in migration['targets']}
    for cloud, cloud_id in ((local, 'local'), (second, remote_id)):
        glance = cloudbed.glance_client(cloud, cloud.users['other'])
        copy = glance.images.get(targets[cloud_id]['image_id'])
        assert copy['name'] == 'upload-sample.img'
        assert copy['status'] == 'active'
        received = b''.join(glance.images.data(copy['id']))
        assert hashlib.sha256(received).digest() == hashlib.sha256(
            data).digest()

    # The token is in no log of Horizon's or Glint's.
    for log_path in (stack.horizon.server.log_path,
                     stack.glint.log_path):
        with open(log_path, errors='replace') as log:
            assert token not in log.read()


def test_an_upload_glint_refuses_is_told_of_and_can_be_cancelled(
        stack, dashboard, tmp_path):
    local = stack.clouds[0]
    user = local.users['other']
    api = functional.Api(stack.glint.url, local.session(user).get_token())
    path = tmp_path / 'refused.img'
    path.write_bytes(os.urandom(MiB))
    dashboard.login(user)
    dashboard.open('/project/migrate_image/')
    dashboard.find('#images__action_upload').click()
    dashboard.wait_for('#upload_image_modal #id_image_file')
    dashboard.find('#id_image_file').send_keys(str(path))
    choose(dashboard, 'id_disk_format', 'raw')
    dashboard.find('label[for="id_targets_0"]').click()
    # Glint refuses the data: it is not of the size the upload said.
    dashboard.driver.execute_script(
        "document.getElementById('id_size').value = '5';")
    dashboard.driver.execute_script('window.glintSamePage = true;')
    dashboard.submit_modal()

    # Glint's reason, and the upload awaiting its data in the table, drawn
    # again in place.
    def page_says(text, css='body'):
        return lambda: any(text in element.text
                           for element in dashboard.find_all(css))

    dashboard.wait_until(page_says('the body has %d bytes' % MiB),
                         message="Glint's reason is not shown")
    row = '#migrations tr[data-display="refused.img"]'
    dashboard.wait_until(page_says('Awaiting data', row),
                         message='the upload is not in the table')
    assert dashboard.driver.execute_script('return window.glintSamePage;')
    dashboard.screenshot('upload-image-refused')

    # Cancelled from its row, as a migration is.
    [migration] = [m for m in api.get('/v1/migrations').json()['migrations']
                   if m['image_name'] == 'refused.img']
    assert migration['status'] == 'awaiting_data'
    dashboard.find('#migrations__row_%s__action_cancel'
                   % migration['id']).click()
    dashboard.wait_until(page_says('Cancelled', row),
                         message='the upload was not cancelled')
    assert api.get('/v1/migrations/%s' % migration['id']).json()[
        'status'] == 'cancelled'


# Certificates: the admin's panel, and the X.509 login.
#
# An admin adds a certificate's DN in Identity > Certificate Users. The
# certificate then logs in to Horizon through WebSSO: its login page sends
# the browser to the TLS front of Keystone, which verifies the certificate
# and posts a token back to Horizon. Headless Chromium is not given the
# certificate here (that needs an NSS database and a system-wide policy to
# choose it): requests presents it for the WebSSO exchange, and Chromium
# goes on with the Horizon session that exchange yields. (In this file, so
# that the browser tests share one stack.)

PANEL = '/identity/certificate_users/'


@pytest.fixture(scope='module')
def ca(stack):
    """The front's first CA, set up as conftest.X509_IDP."""
    cloud = stack.clouds[0]
    ca = cloud.x509.start().cas[0]
    federation.setup(cloud.session(cloud.admin_user()), ca.cert_pem(),
                     idp_id=conftest.X509_IDP)
    return ca


def websso_login(stack, files):
    """Log in to Horizon with a certificate: the WebSSO exchange.

    As the browser would: the login form's "X.509 certificate", the
    redirect to the TLS front (where the certificate is presented), and
    the form Keystone answers, posted back to Horizon. Returns the
    requests session (its cookies are Horizon's session) and the last
    answer.
    """
    horizon = stack.horizon
    front = stack.clouds[0].x509
    browser = requests.Session()
    page = browser.get(horizon.login_url, timeout=cloudbed.REQUEST_TIMEOUT)
    assert 'X.509 certificate' in page.text
    csrf = browser.cookies['csrftoken']
    sent = browser.post(
        horizon.login_url, data={'csrfmiddlewaretoken': csrf,
                                 'auth_type': 'x509', 'region': 'default'},
        headers={'Referer': horizon.login_url}, allow_redirects=False,
        timeout=cloudbed.REQUEST_TIMEOUT)
    assert sent.status_code == 302, sent.text
    websso = sent.headers['Location']
    assert websso.startswith(
        front.auth_url + '/auth/OS-FEDERATION/identity_providers/%s/'
        'protocols/x509/websso?origin=' % conftest.X509_IDP)
    keystone = browser.get(websso, cert=files, verify=front.ca_path,
                           timeout=cloudbed.REQUEST_TIMEOUT)
    if keystone.status_code != 200:
        return browser, keystone
    # Keystone's page: a form that posts the token to Horizon.
    action = html.unescape(re.search(r'<form[^>]*\saction="([^"]+)"',
                                     keystone.text).group(1))
    token = re.search(r'<input[^>]*\sname="token"[^>]*\svalue="([^"]+)"',
                      keystone.text).group(1)
    assert action == horizon.url + '/auth/websso/'
    back = browser.post(action, data={'token': token},
                        timeout=cloudbed.REQUEST_TIMEOUT)
    return browser, back


def test_an_admin_adds_a_dn_that_then_logs_in_to_horizon(stack, dashboard,
                                                         ca, tmp_path):
    cloud = stack.clouds[0]
    name = 'Ivan %s' % secrets.token_hex(3)
    credential = ca.issue(name)
    files = credential.write(str(tmp_path), 'ivan')
    demo = cloud.users['demo']

    # The admin adds it in Identity > Certificate Users.
    dashboard.login(cloud.admin_user())
    dashboard.open(PANEL)
    dashboard.find('#certificate_users__action_add').click()
    dashboard.wait_for('#add_certificate_user_modal #id_dn')
    dashboard.fill({'dn': credential.subject, 'issuer': ca.subject})
    choose(dashboard, 'id_project', demo['project_id'])
    choose(dashboard, 'id_role', 'member')
    dashboard.screenshot('add-certificate-user')
    dashboard.submit_modal()
    dashboard.wait_until(
        lambda: name in dashboard.find('#certificate_users').text,
        message='the certificate user listed')
    row = dashboard.find('#certificate_users tbody').text
    assert ca.subject in row and 'demo' in row and 'member' in row
    dashboard.screenshot('certificate-users')
    [user] = [u for u in federation.list_users(
        cloud.session(cloud.admin_user())) if u['dn'] == credential.subject]

    # The certificate logs in through WebSSO...
    browser, landed = websso_login(stack, files)
    assert landed.status_code == 200, landed.text
    assert landed.url.startswith(stack.horizon.url + '/project/')
    # ...and Chromium goes on in that session: Glint's panels load for
    # that user, who may not open the admin's panel.
    dashboard.driver.delete_all_cookies()
    dashboard.open('/auth/login/')
    for cookie in browser.cookies:
        dashboard.driver.add_cookie({'name': cookie.name,
                                     'value': cookie.value, 'path': '/'})
    dashboard.open('/project/remote_clouds/')
    dashboard.wait_for('#remote_clouds')
    assert user['user_name'] in dashboard.find('.navbar').get_attribute(
        'textContent')
    dashboard.open('/project/migrate_image/')
    dashboard.wait_for('#migrations')
    dashboard.screenshot('certificate-user-migrate-image')
    assert browser.get(stack.horizon.url + PANEL, allow_redirects=False,
                       timeout=cloudbed.REQUEST_TIMEOUT).status_code != 200

    # The admin removes it in the panel: the next login is refused.
    dashboard.driver.delete_all_cookies()
    dashboard.login(cloud.admin_user())
    dashboard.open(PANEL)
    dashboard.find('#certificate_users__row_%s__action_delete'
                   % user['id']).click()
    # Horizon asks to confirm.
    dashboard.wait_for('.modal-footer .btn-danger, '
                       '.modal-footer .btn-primary').click()
    dashboard.wait_until(
        lambda: name not in dashboard.find('#certificate_users').text,
        message='the certificate user gone')
    assert user['id'] not in [u['id'] for u in federation.list_users(
        cloud.session(cloud.admin_user()))]
    _, refused = websso_login(stack, files)
    assert refused.status_code == 401, refused.text


# A remote cloud added with an OpenID Connect refresh token: cloud2's real
# Keystone trusts a stand-in OpenID Connect provider (tests/oidc_provider.py);
# when the token is revoked, Check Connection marks the cloud and its row
# says so.
OIDC_IDP = 'glint-browser-oidc'
OIDC_SUBJECT = 'browser-user@example.org'


@pytest.fixture(scope='module')
def provider(stack):
    remote = stack.clouds[1]
    provider = oidc_provider.Provider(remote.oidc_key()).start()
    provider.client = provider.add_client()
    remove = oidc_provider.trust(remote, provider, OIDC_IDP,
                                 [OIDC_SUBJECT, provider.client[0]])
    yield provider
    remove()
    provider.stop()


def test_a_refresh_token_cloud_added_then_refused(stack, dashboard,
                                                  provider):
    local, remote = stack.clouds[0], stack.clouds[1]
    dashboard.login(local.users['demo'])
    dashboard.open('/project/remote_clouds/')
    dashboard.find('#remote_clouds__action_create').click()
    dashboard.wait_for('#create_cloud_modal #id_name')
    # A password field, until another auth type is chosen.
    assert dashboard.find('#id_password').is_displayed()
    assert not dashboard.find('#id_refresh_token').is_displayed()
    dashboard.driver.execute_script(
        "$('#id_auth_type').val('v3oidcrefreshtoken').change();")
    dashboard.wait_for('#id_refresh_token')
    assert not dashboard.find('#id_password').is_displayed()
    assert not dashboard.find('#id_client_cert').is_displayed()
    for secret in ('refresh_token', 'client_secret'):
        assert dashboard.find('#id_' + secret).get_attribute(
            'type') == 'password'
    token = provider.refresh_token(provider.client[0], OIDC_SUBJECT)
    name = 'oidc-%s' % uuid.uuid4().hex[:6]
    dashboard.fill({'name': name, 'auth_url': remote.auth_url,
                    'identity_provider': OIDC_IDP,
                    'access_token_endpoint': provider.token_endpoint,
                    'client_id': provider.client[0],
                    'client_secret': provider.client[1],
                    'refresh_token': token, 'project_name': 'demo'})
    dashboard.screenshot('add-remote-cloud-oidc-form')
    dashboard.submit_modal()
    row = dashboard.wait_for('#remote_clouds tr[data-display="%s"]' % name)
    cloud_id = row.get_attribute('data-object-id')
    try:
        check_then_refused(dashboard, provider, token, name, row, cloud_id)
    finally:
        # The project's other tests expect their own clouds alone.
        user = local.users['demo']
        functional.Api(stack.glint.url, local.session(user).get_token(
        )).delete('/v1/clouds/%s' % cloud_id)


def check_then_refused(dashboard, provider, token, name, row, cloud_id):
    assert 'Accepted' in row.text
    assert token not in dashboard.driver.page_source

    # Revoked at the provider: the check says so, and so does the row.
    provider.revoke(provider.current_refresh_token(token))
    dashboard.driver.execute_script(
        'document.getElementById(arguments[0]).click();',
        'remote_clouds__row_%s__action_check' % cloud_id)
    dashboard.wait_until(
        lambda: 'refused the refresh token' in messages(dashboard),
        message='no answer to Check Connection')
    dashboard.open('/project/remote_clouds/')
    row = dashboard.wait_for('#remote_clouds tr[data-display="%s"]' % name)
    assert 'Refused: give new credentials' in row.text
    assert 'invalid_grant' in row.text
    dashboard.screenshot('remote-cloud-refused')
