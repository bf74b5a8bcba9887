"""`py_layer`: Python sources and pinned wheels as one deterministic layer.

Sources go under `prefix` (workspace paths minus `strip_prefix`), wheels are unpacked into
`site_packages`; `pyc_python` compiles every .py of the layer. See layer_writer.bzl for the outputs.

Example:

```starlark
py_layer(
    name = "dags_layer",
    srcs = ["hello.py", "runtime.yaml"],
    strip_prefix = "dag_repos/team_x",
    prefix = "opt/dagseal/dags/team_x",
    role = "dags",
)

py_layer(
    name = "wheels_layer",
    wheels = ["@team_wheels//:team_x"],
    site_packages = "opt/dagseal/site-packages",
    pyc_python = "3.11",
    role = "wheels",
)
```
"""

load(":layer_writer.bzl", "LAYER_ATTRS", "write_layer")

_attrs = dict(LAYER_ATTRS, **{
    "srcs": attr.label_list(doc = "Source files (DAG files, runtime.yaml, SDK modules).", allow_files = True),
    "strip_prefix": attr.string(doc = "Workspace-relative directory removed from each source path; empty keeps the full path.", default = ""),
    "prefix": attr.string(doc = "Directory inside the image for `srcs`, without leading slash.", default = ""),
    "wheels": attr.label_list(doc = "Wheel files (from a pip_wheels repository, which may be empty).", allow_files = True),
    "site_packages": attr.string(doc = "Directory inside the image the wheels are unpacked into, without leading slash.", default = ""),
})

def _impl(ctx):
    files = []
    strip = ctx.attr.strip_prefix + "/" if ctx.attr.strip_prefix else ""
    for f in ctx.files.srcs:
        if not f.short_path.startswith(strip):
            fail("%s is not under strip_prefix %s" % (f.short_path, ctx.attr.strip_prefix))
        files.append({"path": ctx.attr.prefix + "/" + f.short_path[len(strip):], "src": f.path})
    for f in ctx.files.wheels:
        if not f.basename.endswith(".whl"):
            fail("%s: wheels must be .whl files, got %s" % (ctx.label, f.short_path))
    return write_layer(ctx, {
        "files": files,
        "wheels": [f.path for f in ctx.files.wheels],
        "wheel_prefix": ctx.attr.site_packages,
    }, ctx.files.srcs + ctx.files.wheels)

py_layer = rule(
    implementation = _impl,
    doc = "Python sources placed under `prefix` (workspace paths minus `strip_prefix`) and pinned wheels unpacked into `site_packages`; `pyc_python` compiles every .py of the layer.",
    attrs = _attrs,
)
