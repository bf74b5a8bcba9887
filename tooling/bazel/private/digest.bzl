"""`oci_digest`: `bazel build` gives the image's `.digest` file, `bazel run` prints it.

Example:

```starlark
oci_digest(name = "digest", image = ":image")
```
"""

load(":providers.bzl", "OciImageInfo")

_attrs = {
    "image": attr.label(doc = "The oci_image.", mandatory = True, providers = [OciImageInfo]),
    "_template": attr.label(doc = "The run script template.", default = ":cat_file.sh.tpl", allow_single_file = True),
}

def _impl(ctx):
    digest = ctx.attr.image[OciImageInfo].digest
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        substitutions = {"@@FILE@@": digest.short_path},
        is_executable = True,
    )
    return [DefaultInfo(files = depset([digest]), executable = script, runfiles = ctx.runfiles(files = [digest]))]

oci_digest = rule(
    implementation = _impl,
    doc = "The manifest digest of an oci_image, as a file and as a runnable that prints it.",
    attrs = _attrs,
    executable = True,
)
