"""Make the stand-in's fixtures available to its own tests."""

from tests.fakegithub.fixtures import fake_github

__all__ = ["fake_github"]
