"""Identity and access: organisations, users, roles, sessions, API tokens, permissions."""
