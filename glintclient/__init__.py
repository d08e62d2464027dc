"""The openstack command's plugin for Glint: ``openstack glint ...``."""
