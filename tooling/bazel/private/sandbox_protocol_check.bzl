"""`sandbox_protocol_check`: an image's labels file, passed on only if its protocol label is right.

The image writer reads `PROTOCOL_VERSION = <int>` from dagseal/sandbox/protocol.py (the constant
the sandbox in the image speaks and hosts check) and compares it with the labels file's
`io.dagseal.sandbox.protocol`. Equal: `<name>.json` is a copy of the labels. Different or
missing: the build fails with one line naming both values and where each is set. dag_repo puts
this between its labels and its image, so no image can carry a protocol label its SDK layer
does not speak.

Example:

```starlark
sandbox_protocol_check(name = "image_labels", labels = ":image_labels_unchecked")
oci_image(name = "image", labels = ":image_labels", …)
```
"""

_attrs = {
    "labels": attr.label(doc = "JSON object file of image labels (from write_file).", mandatory = True, allow_single_file = [".json"]),
    "protocol_source": attr.label(doc = "The Python module defining PROTOCOL_VERSION.", default = "//dagseal:sandbox/protocol.py", allow_single_file = [".py"]),
    "_writer": attr.label(doc = "The image writer tool.", default = "//tooling/image_writer", executable = True, cfg = "exec"),
}

def _impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".json")
    ctx.actions.run(
        executable = ctx.executable._writer,
        arguments = [
            "check-protocol",
            "--labels", ctx.file.labels.path,
            "--protocol-source", ctx.file.protocol_source.path,
            "--out", out.path,
        ],
        inputs = [ctx.file.labels, ctx.file.protocol_source],
        outputs = [out],
        mnemonic = "SandboxProtocolCheck",
        progress_message = "Checking the sandbox protocol label of %s" % ctx.label,
    )
    return [DefaultInfo(files = depset([out]))]

sandbox_protocol_check = rule(
    implementation = _impl,
    doc = "Copies a labels file after checking io.dagseal.sandbox.protocol against the Python PROTOCOL_VERSION.",
    attrs = _attrs,
)
