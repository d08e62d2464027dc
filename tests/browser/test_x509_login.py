"""Certificates in Horizon: the admin's panel, and the X.509 login.

An admin adds a certificate's DN in Identity > Certificate Users (in
Chromium). The certificate then logs in to Horizon through WebSSO: its
login page sends the browser to the TLS front of Keystone, which verifies
the certificate and posts a token back to Horizon. Headless Chromium is not
given the certificate here (that needs an NSS database and a system-wide
policy to choose it): requests presents it for the WebSSO exchange, and
Chromium goes on with the Horizon session that exchange yields, in which
Glint's panels load for that user. Once the admin removes the DN, the
certificate no longer logs in.
"""

import html
import re
import secrets

import pytest
import requests

from glint_service.clouds import federation
from tests.browser import conftest
from tests.browser import test_dashboard
from tests import cloudbed

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
    test_dashboard.choose(dashboard, 'id_project', demo['project_id'])
    test_dashboard.choose(dashboard, 'id_role', 'member')
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
