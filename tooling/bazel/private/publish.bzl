"""`oci_publish`: `bazel run` pushes every image of a digest map to a registry, by digest.

Runs `dagseal images publish` on the map and the repos' OCI layouts: `skopeo copy
--preserve-digests` (never `docker push`, which recompresses and changes digests), then a
`sha256-<hex>` tag, printing the bytes each repo uploaded. The registry comes from `--registry`
or `[deploy] registry`. With `keep_map`, the published digest map (each repo's
`registry_ref = <registry>/<name>@sha256:…`) is written to `--out`, default
`published_digest_map.json` in the directory `bazel run` was started from.

Example (root BUILD.bazel):

```starlark
oci_publish(name = "push_all", digest_map = ":digest_map", repos = ["//dag_repos/team_x"])
oci_publish(name = "publish", digest_map = ":digest_map", repos = ["//dag_repos/team_x"], keep_map = True)
```

    bazel run //:publish -- --registry 127.0.0.1:5000
"""

load(":providers.bzl", "DagRepoInfo")

_attrs = {
    "digest_map": attr.label(doc = "The digest_map target.", mandatory = True, allow_single_file = True),
    "repos": attr.label_list(doc = "The dag_repo targets whose layouts are pushed (those of the map).", mandatory = True, providers = [DagRepoInfo]),
    "keep_map": attr.bool(doc = "Write the published digest map (publish) instead of discarding it (push_all).", default = False),
    "_template": attr.label(doc = "The run script template.", default = ":publish.sh.tpl", allow_single_file = True),
}

def _impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        substitutions = {
            "@@DIGEST_MAP@@": ctx.file.digest_map.short_path,
            "@@KEEP_MAP@@": str(ctx.attr.keep_map),
        },
        is_executable = True,
    )
    layouts = [repo[DagRepoInfo].image.layout for repo in ctx.attr.repos]
    return [DefaultInfo(executable = script, runfiles = ctx.runfiles(files = [ctx.file.digest_map] + layouts))]

oci_publish = rule(
    implementation = _impl,
    doc = "Runnable push of every image of a digest map (and, with keep_map, the published map).",
    attrs = _attrs,
    executable = True,
)
