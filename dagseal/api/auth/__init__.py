"""Users, roles, teams, passwords and API tokens (no web framework here: the CLI uses it too)."""

from dagseal.api.auth.users import (
    CurrentUser,
    Role,
    UserError,
    authenticate,
    create_token,
    create_user,
    delete_user,
    list_users,
    user_for_token,
)

__all__ = [
    "CurrentUser",
    "Role",
    "UserError",
    "authenticate",
    "create_token",
    "create_user",
    "delete_user",
    "list_users",
    "user_for_token",
]
