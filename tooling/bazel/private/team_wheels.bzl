"""`team_wheels`: one repository naming every team's wheels, `@team_wheels//:<team>`.

Each team's wheels are their own `pip_wheels` repository (`@team_wheels_<team>`), so editing one
team's lock refetches only that team; this hub only aliases them, so dag_repo and MODULE.bazel
need one repository name whatever the teams are. team_repositories (tooling/bazel/repositories.bzl)
defines both from the list in dag_repos/teams.bzl.

Example:

```starlark
team_wheels(name = "team_wheels", teams = ["team_x", "team_y"])
```
"""

load(":repository_helpers.bzl", "public_build_file")

_attrs = {
    "teams": attr.string_list(doc = "Team folder names under dag_repos/.", mandatory = True),
    "spoke_prefix": attr.string(doc = "Each team's pip_wheels repository is named <spoke_prefix><team>.", default = "team_wheels_"),
}

def _impl(ctx):
    aliases = [
        "alias(\n    name = %r,\n    actual = %r,\n)" % (team, "@%s%s//:wheels" % (ctx.attr.spoke_prefix, team))
        for team in ctx.attr.teams
    ]
    ctx.file("BUILD.bazel", public_build_file(aliases))

team_wheels = repository_rule(
    implementation = _impl,
    doc = "Aliases `:<team>` to each team's pip_wheels repository.",
    attrs = _attrs,
)
