"""`debian_rootfs`: a root file system layer from pinned .deb files.

The packages are unpacked without maintainer scripts into merged /usr; `pyc_python` compiles its
/usr/lib/python<minor> (what Debian's py3compile would). See layer_writer.bzl for the outputs.

Example:

```starlark
debian_rootfs(
    name = "base_layer",
    debs = ["@python311_debs//:debs"],
    files = {"etc/passwd": "/etc/passwd"},
    symlinks = {"/etc/localtime": "/usr/share/zoneinfo/Etc/UTC"},
    ca_bundle = "/etc/ssl/certs/ca-certificates.crt",
    pyc_python = "3.11",
    role = "base",
)
```
"""

load(":layer_writer.bzl", "LAYER_ATTRS", "write_layer")

_attrs = dict(LAYER_ATTRS, **{
    "debs": attr.label_list(doc = "The .deb files (from a deb_packages repository).", allow_files = [".deb"], mandatory = True),
    "files": attr.label_keyed_string_dict(doc = "Extra files: label -> absolute path in the image (e.g. /etc/passwd).", allow_files = True),
    "symlinks": attr.string_dict(doc = "Symlinks: path in the image -> target (e.g. /etc/localtime).", default = {}),
    "ca_bundle": attr.string(doc = "If set, concatenate /usr/share/ca-certificates/**.crt into this path, as update-ca-certificates would.", default = ""),
})

def _impl(ctx):
    files = [{"path": dest, "src": target.files.to_list()[0].path} for target, dest in ctx.attr.files.items()]
    symlinks = [{"path": path, "target": target} for path, target in ctx.attr.symlinks.items()]
    return write_layer(ctx, {
        "debs": [f.path for f in ctx.files.debs],
        "ca_bundle": ctx.attr.ca_bundle,
        "files": files,
        "symlinks": symlinks,
        "pyc_under": "usr/lib/python" + ctx.attr.pyc_python,
    }, ctx.files.debs + ctx.files.files)

debian_rootfs = rule(
    implementation = _impl,
    doc = "A root file system from pinned .deb files, unpacked without maintainer scripts (merged /usr); `pyc_python` compiles its /usr/lib/python<minor> (what py3compile would).",
    attrs = _attrs,
)
