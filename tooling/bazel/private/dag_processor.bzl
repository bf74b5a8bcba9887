"""`dag_processor`: `bazel run` starts `dagseal dag-processor --subdir <this package>`.

The run script (processor.sh.tpl) first prints which image the digest map pins the directory to
(failing on a stale map), then runs the processor with `DAGSEAL__CORE__DIGEST_MAP` set.

Example:

```starlark
dag_processor(name = "processor", digest_map = "//:digest_map")
```
"""

_attrs = {
    "digest_map": attr.label(doc = "The digest_map file.", mandatory = True, allow_single_file = True),
    "_template": attr.label(doc = "The run script template.", default = ":processor.sh.tpl", allow_single_file = True),
}

def _impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        substitutions = {"@@DIGEST_MAP@@": ctx.file.digest_map.short_path, "@@DAG_DIR@@": ctx.label.package},
        is_executable = True,
    )
    return [DefaultInfo(executable = script, runfiles = ctx.runfiles(files = [ctx.file.digest_map]))]

dag_processor = rule(
    implementation = _impl,
    doc = "Runnable `dagseal dag-processor --subdir <this package>` with the digest map that pins it.",
    attrs = _attrs,
    executable = True,
)
