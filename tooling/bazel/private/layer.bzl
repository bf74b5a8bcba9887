"""Deterministic layer rules: `debian_rootfs` and `py_layer`.

Each writes `<name>.tar.gz` (the blob) and `<name>.layer.json` (digest, diff_id, size, role)
with tooling/image_writer, and returns a LayerInfo for oci_image(tars = [...]). With
`pyc_python`, the layer also gets checked-hash `.pyc` files (PEP 552) in `__pycache__/`, compiled
by the build's Python, which must be that minor version (the build fails otherwise).

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
    wheels = ["@team_x_wheels//:wheels"],
    site_packages = "opt/dagseal/site-packages",
    pyc_python = "3.11",
    role = "wheels",
)
```
"""

load(":providers.bzl", "LayerInfo")

_WRITER = "//tooling/image_writer"

_common_attrs = {
    "role": attr.string(doc = "What the layer is for (base, wheels, sdk, dags); recorded in history and the digest map.", mandatory = True),
    "pyc_python": attr.string(doc = "Python minor (e.g. 3.11) to add checked-hash .pyc for; empty: no .pyc.", default = ""),
    "_writer": attr.label(doc = "The image writer tool.", default = _WRITER, executable = True, cfg = "exec"),
}

def _write_layer(ctx, spec, inputs):
    """Runs the writer's `layer` command on a JSON spec; returns the providers."""
    spec_file = ctx.actions.declare_file(ctx.label.name + ".layer_spec.json")
    ctx.actions.write(spec_file, json.encode(dict(spec, role = ctx.attr.role, pyc_python = ctx.attr.pyc_python)))
    tar = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
    descriptor = ctx.actions.declare_file(ctx.label.name + ".layer.json")
    ctx.actions.run(
        executable = ctx.executable._writer,
        arguments = ["layer", "--spec", spec_file.path, "--out", tar.path, "--descriptor", descriptor.path],
        inputs = inputs + [spec_file],
        outputs = [tar, descriptor],
        mnemonic = "OciLayer",
        progress_message = "Writing %s layer %s" % (ctx.attr.role, ctx.label),
    )
    return [
        DefaultInfo(files = depset([tar, descriptor])),
        LayerInfo(tar = tar, descriptor = descriptor),
    ]

def _debian_rootfs_impl(ctx):
    files = [{"path": dest, "src": target.files.to_list()[0].path} for target, dest in ctx.attr.files.items()]
    symlinks = [{"path": path, "target": target} for path, target in ctx.attr.symlinks.items()]
    return _write_layer(ctx, {
        "debs": [f.path for f in ctx.files.debs],
        "ca_bundle": ctx.attr.ca_bundle,
        "files": files,
        "symlinks": symlinks,
        "pyc_under": "usr/lib/python" + ctx.attr.pyc_python,
    }, ctx.files.debs + ctx.files.files)

debian_rootfs = rule(
    implementation = _debian_rootfs_impl,
    doc = "A root file system from pinned .deb files, unpacked without maintainer scripts (merged /usr); `pyc_python` compiles its /usr/lib/python<minor> (what py3compile would).",
    attrs = dict(_common_attrs, **{
        "debs": attr.label_list(doc = "The .deb files (from a deb_packages repository).", allow_files = [".deb"], mandatory = True),
        "files": attr.label_keyed_string_dict(doc = "Extra files: label -> absolute path in the image (e.g. /etc/passwd).", allow_files = True),
        "symlinks": attr.string_dict(doc = "Symlinks: path in the image -> target (e.g. /etc/localtime).", default = {}),
        "ca_bundle": attr.string(doc = "If set, concatenate /usr/share/ca-certificates/**.crt into this path, as update-ca-certificates would.", default = ""),
    }),
)

def _py_layer_impl(ctx):
    files = []
    strip = ctx.attr.strip_prefix + "/" if ctx.attr.strip_prefix else ""
    for f in ctx.files.srcs:
        if not f.short_path.startswith(strip):
            fail("%s is not under strip_prefix %s" % (f.short_path, ctx.attr.strip_prefix))
        files.append({"path": ctx.attr.prefix + "/" + f.short_path[len(strip):], "src": f.path})
    return _write_layer(ctx, {
        "files": files,
        "wheels": [f.path for f in ctx.files.wheels],
        "wheel_prefix": ctx.attr.site_packages,
    }, ctx.files.srcs + ctx.files.wheels)

py_layer = rule(
    implementation = _py_layer_impl,
    doc = "Python sources placed under `prefix` (workspace paths minus `strip_prefix`) and pinned wheels unpacked into `site_packages`; `pyc_python` compiles every .py of the layer.",
    attrs = dict(_common_attrs, **{
        "srcs": attr.label_list(doc = "Source files (DAG files, runtime.yaml, SDK modules).", allow_files = True),
        "strip_prefix": attr.string(doc = "Workspace-relative directory removed from each source path; empty keeps the full path.", default = ""),
        "prefix": attr.string(doc = "Directory inside the image for `srcs`, without leading slash.", default = ""),
        "wheels": attr.label_list(doc = "Wheel files (from a pip_wheels repository).", allow_files = [".whl"]),
        "site_packages": attr.string(doc = "Directory inside the image the wheels are unpacked into, without leading slash.", default = ""),
    }),
)
