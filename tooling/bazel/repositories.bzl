"""Public repository macros: the external inputs of dagseal's images.

Called from WORKSPACE (Bazel 4.2.3) and from the module extension in extensions.bzl (bzlmod).
"""

load("//tooling/bazel/private:deb_packages.bzl", _deb_packages = "deb_packages")
load("//tooling/bazel/private:pip_wheels.bzl", _pip_wheels = "pip_wheels")
load("//tooling/bazel/private:team_wheels.bzl", _team_wheels = "team_wheels")

deb_packages = _deb_packages
pip_wheels = _pip_wheels
team_wheels = _team_wheels

_SPOKE_PREFIX = "team_wheels_"

def dagseal_repositories():
    """The runtime inputs shared by all teams: python311 Debian packages and SDK wheels."""
    deb_packages(name = "python311_debs", lock = "//runtimes/python311:packages.lock.json")
    pip_wheels(name = "python311_sdk_wheels", requirements_lock = "//runtimes/python311:sdk.requirements.lock")

def team_repositories(teams):
    """Per team the wheels of dag_repos/<team>/requirements.lock, and the `@team_wheels` hub.

    Args:
      teams: the team folder names (TEAMS of dag_repos/teams.bzl).
    """
    for team in teams:
        pip_wheels(
            name = _SPOKE_PREFIX + team,
            requirements_lock = Label("//dag_repos/%s:requirements.lock" % team),
        )
    team_wheels(name = "team_wheels", teams = teams, spoke_prefix = _SPOKE_PREFIX)
