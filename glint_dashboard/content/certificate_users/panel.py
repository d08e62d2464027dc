from django.utils.translation import gettext_lazy as _

import horizon


class CertificateUsers(horizon.Panel):
    """Identity > Certificate Users: for admins only, as Glint's policy.

    Like Horizon's own identity panels, it asks Keystone's policy
    (admin_required) where Horizon checks policy, and the admin role where
    it does not.
    """
    name = _("Certificate Users")
    slug = 'certificate_users'
    permissions = ('openstack.services.image-distribution',
                   'openstack.roles.admin')
    policy_rules = (('identity', 'admin_required'),)
