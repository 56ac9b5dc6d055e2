"""Small widgets shared by the panels."""
