"""Glint's Horizon plugin: the "Remote Clouds" and "Migrate Image" panels."""
