"""`oci_load`: a tar that Docker Engine 20.10 loads, and `bazel run` to load it.

`bazel build :load` writes `<name>.tar` (the OCI layout plus a docker `manifest.json` with
`repo_tags`; a bare OCI-layout tar does not load on Engine 20.10). `bazel run :load` loads it and
prints the image id.

Example:

```starlark
oci_load(name = "load", image = ":image", repo_tags = ["dagseal/team_x:latest"])
```
"""

load(":providers.bzl", "OciImageInfo")

_attrs = {
    "image": attr.label(doc = "The oci_image to load.", mandatory = True, providers = [OciImageInfo]),
    "repo_tags": attr.string_list(doc = "Tags the loaded image gets, e.g. dagseal/team_x:latest.", mandatory = True),
    "_template": attr.label(doc = "The run script template.", default = ":load.sh.tpl", allow_single_file = True),
    "_writer": attr.label(doc = "The image writer tool.", default = "//tooling/image_writer", executable = True, cfg = "exec"),
}

def _impl(ctx):
    image = ctx.attr.image[OciImageInfo]
    tarball = ctx.actions.declare_file(ctx.label.name + ".tar")
    args = ["docker-tar", "--layout", image.layout.path, "--out", tarball.path]
    for tag in ctx.attr.repo_tags:
        args.extend(["--repo-tag", tag])
    ctx.actions.run(
        executable = ctx.executable._writer,
        arguments = args,
        inputs = [image.layout],
        outputs = [tarball],
        mnemonic = "OciDockerTar",
        progress_message = "Writing docker-loadable tar %s" % ctx.label,
    )
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        substitutions = {"@@TARBALL@@": tarball.short_path, "@@IMAGE_ID@@": image.image_id.short_path},
        is_executable = True,
    )
    return [DefaultInfo(
        files = depset([tarball]),
        executable = script,
        runfiles = ctx.runfiles(files = [tarball, image.image_id]),
    )]

oci_load = rule(
    implementation = _impl,
    doc = "Docker-loadable tarball of an oci_image; runnable to load it.",
    attrs = _attrs,
    executable = True,
)
