"""The screens of complaints; their URLs: ``complaints/blueprint.py``."""
