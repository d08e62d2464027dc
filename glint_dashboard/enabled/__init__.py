"""Horizon's enabled files for Glint: link them into openstack_dashboard's
``local/enabled`` folder, as DevStack's plugin does.
"""
