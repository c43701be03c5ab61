"""AOMaaS: the autonomous open-source maintainer as a service."""

__version__ = "0.1.0"
