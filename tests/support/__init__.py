"""Shared test helpers: real services, live servers, subprocesses and git repositories."""
