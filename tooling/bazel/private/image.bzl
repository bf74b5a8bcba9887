"""`oci_image_rule`: an OCI image layout from a base image and layers, plus `.digest` and `.image_id`.

Named after rules_oci's rule and attributes. Use it through the `oci_image` macro, which writes
`env`, `labels`, `cmd` and `entrypoint` given as dicts and lists into JSON files. Outputs:
`<name>` (the OCI layout directory), `<name>.digest` (manifest digest), `<name>.image_id`
(config digest) and `<name>.image.json`.

Example:

```starlark
oci_image_rule(
    name = "image",
    base = "//runtimes/python311:image",
    tars = [":wheels_layer", ":dags_layer"],
    env = ":image_env",          # {"PYTHONPATH": "/opt/dagseal/sdk"} as JSON
    cmd = ":image_cmd",          # ["python3", "-m", "dagseal.sandbox"] as JSON
    labels = ":image_labels",    # {"io.dagseal.sandbox.protocol": "3"} as JSON
)
```
"""

load(":providers.bzl", "LayerInfo", "OciImageInfo")

_JSON = [".json"]

_attrs = {
    "base": attr.label(doc = "The base oci_image; its layers come first and its settings are inherited.", providers = [OciImageInfo]),
    "tars": attr.label_list(doc = "Layers (debian_rootfs, py_layer), least often changed first.", providers = [LayerInfo]),
    "env": attr.label(doc = "JSON object file: environment, merged over the base's.", allow_single_file = _JSON),
    "cmd": attr.label(doc = "JSON list file: default command; none inherits the base's.", allow_single_file = _JSON),
    "entrypoint": attr.label(doc = "JSON list file: entrypoint; none inherits the base's.", allow_single_file = _JSON),
    "user": attr.string(doc = "User (name or uid[:gid]); empty inherits.", default = ""),
    "workdir": attr.string(doc = "Working directory; empty inherits.", default = ""),
    "labels": attr.label(doc = "JSON object file: image labels, merged over the base's.", allow_single_file = _JSON),
    "_writer": attr.label(doc = "The image writer tool.", default = "//tooling/image_writer", executable = True, cfg = "exec"),
}

def _impl(ctx):
    own = [t[LayerInfo] for t in ctx.attr.tars]
    base = ctx.attr.base[OciImageInfo] if ctx.attr.base else None
    layers = (base.layers if base else []) + own
    setting_files = {key: getattr(ctx.file, key) for key in ("env", "cmd", "entrypoint", "labels")}
    spec = {
        "base": base.image_json.path if base else None,
        "layers": [{"tar": l.tar.path, "descriptor": l.descriptor.path} for l in layers],
        "settings": dict(
            {key + "_file": f.path for key, f in setting_files.items() if f},
            user = ctx.attr.user,
            workdir = ctx.attr.workdir,
        ),
    }
    spec_file = ctx.actions.declare_file(ctx.label.name + ".image_spec.json")
    ctx.actions.write(spec_file, json.encode(spec))
    layout = ctx.actions.declare_directory(ctx.label.name)
    digest = ctx.actions.declare_file(ctx.label.name + ".digest")
    image_id = ctx.actions.declare_file(ctx.label.name + ".image_id")
    image_json = ctx.actions.declare_file(ctx.label.name + ".image.json")
    inputs = [spec_file] + [l.tar for l in layers] + [l.descriptor for l in layers]
    inputs += [f for f in setting_files.values() if f] + ([base.image_json] if base else [])
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
        inputs = inputs,
        outputs = [layout, digest, image_id, image_json],
        mnemonic = "OciImage",
        progress_message = "Writing OCI image %s" % ctx.label,
    )
    return [
        DefaultInfo(files = depset([layout, digest, image_id]), runfiles = ctx.runfiles(files = [layout, digest, image_id])),
        OciImageInfo(layers = layers, layout = layout, digest = digest, image_id = image_id, image_json = image_json),
    ]

oci_image_rule = rule(
    implementation = _impl,
    doc = "A deterministic OCI image layout (canonical JSON, fixed `created`).",
    attrs = _attrs,
)
