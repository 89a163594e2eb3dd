"""Admin for administrative units and reorganisation events."""
