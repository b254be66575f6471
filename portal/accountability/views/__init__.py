"""The screens of accountability; their URLs: ``accountability/blueprint.py``."""
