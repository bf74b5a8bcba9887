"""What the layer rules (debian_rootfs, py_layer) share: common attributes and the writer action.

Each layer rule writes `<name>.tar.gz` (the blob) and `<name>.layer.json` (digest, diff_id, size,
role) with tooling/image_writer and returns a LayerInfo for oci_image(tars = [...]). With
`pyc_python`, the layer also gets checked-hash `.pyc` files (PEP 552) in `__pycache__/`, compiled
by the build's Python, which must be that minor version (the build fails otherwise).
"""

load(":providers.bzl", "LayerInfo")

LAYER_ATTRS = {
    "role": attr.string(doc = "What the layer is for (base, wheels, sdk, dags); recorded in history and the digest map.", mandatory = True),
    "pyc_python": attr.string(doc = "Python minor (e.g. 3.11) to add checked-hash .pyc for; empty: no .pyc.", default = ""),
    "_writer": attr.label(doc = "The image writer tool.", default = "//tooling/image_writer", executable = True, cfg = "exec"),
}

def write_layer(ctx, spec, inputs):
    """Runs the writer's `layer` command on a JSON spec; returns the providers.

    Args:
      ctx: the layer rule's context (with LAYER_ATTRS).
      spec: the layer spec (files, debs, wheels, symlinks …) without role and pyc_python.
      inputs: the files the spec names.

    Returns:
      DefaultInfo (blob and descriptor) and LayerInfo.
    """
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
