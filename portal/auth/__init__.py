"""Users, roles, sign-in and the permission checks every view goes through."""
