"""Route dependencies of the example: authentication and MFA requirements."""
