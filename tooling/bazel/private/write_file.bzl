"""`write_file`: a file with the given lines, so macros can hand dicts and lists to rules as files.

Named after bazel-lib's rule. The macros (oci_image, dag_repo) encode a dict or list as one JSON
line and pass the file's label to the rule; the target is then a `manual` helper.

Example:

```starlark
write_file(
    name = "image_env",
    out = "image.env.json",
    content = [json.encode({"TZ": "Etc/UTC"})],
    tags = ["manual"],
)
```
"""

_attrs = {
    "out": attr.output(doc = "The file to write (relative to the package).", mandatory = True),
    "content": attr.string_list(doc = "Lines of the file; each ends with a newline.", default = []),
}

def _impl(ctx):
    ctx.actions.write(output = ctx.outputs.out, content = "".join([line + "\n" for line in ctx.attr.content]))
    return [DefaultInfo(files = depset([ctx.outputs.out]))]

write_file = rule(
    implementation = _impl,
    doc = "Writes `content` (lines) to `out`.",
    attrs = _attrs,
)
