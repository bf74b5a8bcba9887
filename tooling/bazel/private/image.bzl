"""`oci_image`: an OCI image layout from a base image and layers, plus `.digest` and `.image_id`.

Named after rules_oci's rule and attributes. Outputs: `<name>` (the OCI layout directory),
`<name>.digest` (manifest digest), `<name>.image_id` (config digest) and `<name>.image.json`.

Example:

```starlark
oci_image(
    name = "image",
    base = "//runtimes/python311:image",
    tars = [":wheels_layer", ":dags_layer"],
    env = {"PYTHONPATH": "/opt/dagseal/sdk"},
    cmd = ["python3", "-m", "dagseal.sandbox"],
    labels = {"io.dagseal.sandbox.protocol": "3"},
)
```
"""

load(":providers.bzl", "LayerInfo", "OciImageInfo")

_attrs = {
    "base": attr.label(doc = "The base oci_image; its layers come first and its settings are inherited.", providers = [OciImageInfo]),
    "tars": attr.label_list(doc = "Layers (debian_rootfs, py_layer), least often changed first.", providers = [LayerInfo]),
    "env": attr.string_dict(doc = "Environment, merged over the base's.", default = {}),
    "cmd": attr.string_list(doc = "Default command; empty inherits the base's."),
    "entrypoint": attr.string_list(doc = "Entrypoint; empty inherits the base's."),
    "user": attr.string(doc = "User (name or uid[:gid]); empty inherits.", default = ""),
    "workdir": attr.string(doc = "Working directory; empty inherits.", default = ""),
    "labels": attr.string_dict(doc = "Image labels, merged over the base's.", default = {}),
    "_writer": attr.label(doc = "The image writer tool.", default = "//tooling/image_writer", executable = True, cfg = "exec"),
}

def _impl(ctx):
    own = [t[LayerInfo] for t in ctx.attr.tars]
    base = ctx.attr.base[OciImageInfo] if ctx.attr.base else None
    layers = (base.layers if base else []) + own
    spec = {
        "base": base.image_json.path if base else None,
        "layers": [{"tar": l.tar.path, "descriptor": l.descriptor.path} for l in layers],
        "settings": {
            "env": ctx.attr.env,
            "cmd": ctx.attr.cmd or None,
            "entrypoint": ctx.attr.entrypoint or None,
            "user": ctx.attr.user,
            "workdir": ctx.attr.workdir,
            "labels": ctx.attr.labels,
        },
    }
    spec_file = ctx.actions.declare_file(ctx.label.name + ".image_spec.json")
    ctx.actions.write(spec_file, json.encode(spec))
    layout = ctx.actions.declare_directory(ctx.label.name)
    digest = ctx.actions.declare_file(ctx.label.name + ".digest")
    image_id = ctx.actions.declare_file(ctx.label.name + ".image_id")
    image_json = ctx.actions.declare_file(ctx.label.name + ".image.json")
    inputs = [spec_file] + [l.tar for l in layers] + [l.descriptor for l in layers]
    ctx.actions.run(
        executable = ctx.executable._writer,
        arguments = [
            "image",
            "--spec", spec_file.path,
            "--layout", layout.path,
            "--digest", digest.path,
            "--image-id", image_id.path,
            "--image-json", image_json.path,
        ],
        inputs = inputs + ([base.image_json] if base else []),
        outputs = [layout, digest, image_id, image_json],
        mnemonic = "OciImage",
        progress_message = "Writing OCI image %s" % ctx.label,
    )
    return [
        DefaultInfo(files = depset([layout, digest, image_id]), runfiles = ctx.runfiles(files = [layout, digest, image_id])),
        OciImageInfo(layers = layers, layout = layout, digest = digest, image_id = image_id, image_json = image_json),
    ]

oci_image = rule(
    implementation = _impl,
    doc = "A deterministic OCI image layout (canonical JSON, fixed `created`).",
    attrs = _attrs,
)
