"""`debian_rootfs_rule`: a root file system layer from pinned .deb files.

The packages are unpacked without maintainer scripts into merged /usr; `pyc_python` compiles its
/usr/lib/python<minor> (what Debian's py3compile would). See layer_writer.bzl for the outputs.
Use it through the `debian_rootfs` macro, which writes a `symlinks` dict into a JSON file.

Example:

```starlark
debian_rootfs_rule(
    name = "base_layer",
    debs = ["@python311_debs//:debs"],
    files = {"etc/passwd": "/etc/passwd"},
    symlinks = ":base_layer_symlinks",  # {"/etc/localtime": "/usr/share/zoneinfo/Etc/UTC"} as JSON
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
    "symlinks": attr.label(doc = "JSON object file: path in the image -> symlink target (e.g. /etc/localtime).", allow_single_file = [".json"]),
    "ca_bundle": attr.string(doc = "If set, concatenate /usr/share/ca-certificates/**.crt into this path, as update-ca-certificates would.", default = ""),
})

def _impl(ctx):
    files = [{"path": dest, "src": target.files.to_list()[0].path} for target, dest in ctx.attr.files.items()]
    symlinks = [ctx.file.symlinks] if ctx.file.symlinks else []
    return write_layer(ctx, {
        "debs": [f.path for f in ctx.files.debs],
        "ca_bundle": ctx.attr.ca_bundle,
        "files": files,
        "symlinks_file": symlinks[0].path if symlinks else None,
        "pyc_under": "usr/lib/python" + ctx.attr.pyc_python,
    }, ctx.files.debs + ctx.files.files + symlinks)

debian_rootfs_rule = rule(
    implementation = _impl,
    doc = "A root file system from pinned .deb files, unpacked without maintainer scripts (merged /usr); `pyc_python` compiles its /usr/lib/python<minor> (what py3compile would).",
    attrs = _attrs,
)
