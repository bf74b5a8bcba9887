"""Module extension for bzlmod (MODULE.bazel): the teams' wheel repositories.

Bazel 4.2.3 (this project's CI) reads WORKSPACE instead, which calls the same macro.
"""

load("//dag_repos:teams.bzl", "TEAMS")
load(":repositories.bzl", "team_repositories")

def _impl(module_ctx):
    team_repositories(TEAMS)

teams = module_extension(
    implementation = _impl,
    doc = "Defines @team_wheels (and one pip_wheels repository per team) from dag_repos/teams.bzl.",
)
