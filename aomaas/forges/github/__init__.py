"""The GitHub forge: app authentication, a retrying REST client, and publishing.

* :mod:`.appauth` — the app's RS256 JWT and the installation-token cache;
* :mod:`.client` — :class:`GitHubClient`, typed wrappers over the REST calls the bot makes;
* :mod:`.publish` — push a proven branch, open or update its pull request, show the proof.
"""

from aomaas.forges.github.appauth import InstallationTokens, make_app_jwt
from aomaas.forges.github.client import GitHubClient, RetryPolicy, git_auth_env

__all__ = ["GitHubClient", "InstallationTokens", "RetryPolicy", "git_auth_env", "make_app_jwt"]
