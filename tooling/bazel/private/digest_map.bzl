"""`digest_map`: one JSON tying every DAG directory to its image (schema: docs/images.md).

Example (root BUILD.bazel):

```starlark
digest_map(name = "digest_map", repos = ["//dag_repos/team_x", "//dag_repos/team_y"])
```
"""

load(":providers.bzl", "DagRepoInfo")

_attrs = {
    "repos": attr.label_list(doc = "dag_repo targets (`//dag_repos/<team>`).", mandatory = True, providers = [DagRepoInfo]),
    "_writer": attr.label(doc = "The image writer tool.", default = "//tooling/image_writer", executable = True, cfg = "exec"),
}

def _impl(ctx):
    repos = []
    inputs = []
    for target in ctx.attr.repos:
        info = target[DagRepoInfo]
        inputs.append(info.image.image_json)
        inputs.extend([f for _, f in info.files])
        repos.append({
            "dag_dir": info.dag_dir,
            "container_dag_dir": info.container_dag_dir,
            "image": info.image_name,
            "bazel_target": "//%s:image" % info.dag_dir,
            "runtime": info.runtime,
            "sandbox_protocol": info.sandbox_protocol,
            "image_json": info.image.image_json.path,
            "files": [{"path": path, "src": f.path} for path, f in info.files],
        })
    spec = ctx.actions.declare_file(ctx.label.name + ".spec.json")
    ctx.actions.write(spec, json.encode({"repos": repos}))
    out = ctx.actions.declare_file(ctx.label.name + ".json")
    ctx.actions.run(
        executable = ctx.executable._writer,
        arguments = ["digest-map", "--spec", spec.path, "--out", out.path],
        inputs = inputs + [spec],
        outputs = [out],
        mnemonic = "DigestMap",
        progress_message = "Writing digest map %s" % ctx.label,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

digest_map = rule(
    implementation = _impl,
    doc = "The digest map: per DAG directory its image name, digests, layers, protocol and runtime.",
    attrs = _attrs,
)
