"""`dag_repo_info`: the DagRepoInfo of one DAG directory, which //:digest_map collects.

dag_repo defines it as the target named after the team (`//dag_repos/<team>`).

Example:

```starlark
dag_repo_info(
    name = "team_x",
    image = ":image",
    dags = glob(["**/*.py", "runtime.yaml"]),
    image_name = "dagseal/team_x",
    runtime = "python311",
    container_dag_dir = "/opt/dagseal/dags/team_x",
    sandbox_protocol = 2,
)
```
"""

load(":providers.bzl", "DagRepoInfo", "OciImageInfo")

_attrs = {
    "image": attr.label(doc = "The repo's oci_image.", mandatory = True, providers = [OciImageInfo]),
    "dags": attr.label_list(doc = "The files of the DAG layer.", allow_files = True),
    "image_name": attr.string(doc = "Image name, e.g. dagseal/team_x.", mandatory = True),
    "runtime": attr.string(doc = "Runtime name, e.g. python311.", mandatory = True),
    "container_dag_dir": attr.string(doc = "Absolute directory of the DAG files in the image.", mandatory = True),
    "sandbox_protocol": attr.int(doc = "The dagseal sandbox protocol version the image speaks.", mandatory = True),
}

def _impl(ctx):
    pkg = ctx.label.package
    return [DagRepoInfo(
        dag_dir = pkg,
        container_dag_dir = ctx.attr.container_dag_dir,
        image_name = ctx.attr.image_name,
        runtime = ctx.attr.runtime,
        sandbox_protocol = ctx.attr.sandbox_protocol,
        image = ctx.attr.image[OciImageInfo],
        files = [(f.short_path[len(pkg) + 1:], f) for f in ctx.files.dags],
    )]

dag_repo_info = rule(
    implementation = _impl,
    doc = "Describes one DAG directory and its image for //:digest_map.",
    attrs = _attrs,
)
