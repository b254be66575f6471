"""The screens of admin; their URLs: ``admin/blueprint.py``."""
