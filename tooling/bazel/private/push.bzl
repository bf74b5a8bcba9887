"""`oci_push`: `bazel run` copies the image to a registry with `skopeo copy --preserve-digests`.

The repository is given at run time (`-- --repository 127.0.0.1:5000/team_x`) or by the
`repository` attribute; loopback registries are reached without TLS verification. Without tags,
the image is pushed under the tag `sha256-<hex>` of its manifest digest. Prints `repo@digest`.

Example:

```starlark
oci_push(name = "push", image = ":image")
```
"""

load(":providers.bzl", "OciImageInfo")

_attrs = {
    "image": attr.label(doc = "The oci_image to push.", mandatory = True, providers = [OciImageInfo]),
    "repository": attr.string(doc = "Default repository (HOST[:PORT]/NAME); `--repository` at run time overrides it.", default = ""),
    "remote_tags": attr.string_list(doc = "Tags to push; `--tag` at run time adds more. Default: sha256-<manifest hex>."),
    "_template": attr.label(doc = "The run script template.", default = ":push.sh.tpl", allow_single_file = True),
}

def _shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"

def _impl(ctx):
    image = ctx.attr.image[OciImageInfo]
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        substitutions = {
            "@@REPOSITORY@@": ctx.attr.repository,
            "@@TAGS@@": " ".join([_shell_quote(t) for t in ctx.attr.remote_tags]),
            "@@DIGEST@@": image.digest.short_path,
            "@@LAYOUT@@": image.layout.short_path,
        },
        is_executable = True,
    )
    return [DefaultInfo(executable = script, runfiles = ctx.runfiles(files = [image.layout, image.digest]))]

oci_push = rule(
    implementation = _impl,
    doc = "Runnable push of an oci_image to any OCI distribution (v2) registry.",
    attrs = _attrs,
    executable = True,
)
