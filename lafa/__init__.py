"""LAFA data platform: synthetic fleet generator, raw loader and ML exports around a dbt project."""

__version__ = "0.1.0"
