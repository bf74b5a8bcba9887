"""The teams: one folder name per line. The ONE place a new team is added.

Adding a team: copy dag_repos/team_x to dag_repos/<team>, then add "<team>" here. From this list
come //:digest_map, //:push_all, //:publish, //:digest_map_test (root BUILD.bazel) and each
team's wheel repository from its folder's requirements.lock (WORKSPACE, MODULE.bazel). See
docs/images.md.
"""

TEAMS = [
    "team_x",
    "team_y",
]
