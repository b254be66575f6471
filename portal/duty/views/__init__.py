"""The screens of duty; their URLs: ``duty/blueprint.py``."""
