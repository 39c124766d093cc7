"""Panjereh — the urban services single window (پنجره واحد خدمات شهری)."""

__version__ = "0.1.0"
