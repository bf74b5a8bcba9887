"""`oci_image` macro: rules_oci's interface over oci_image_rule.

`env` and `labels` (dicts) and `cmd` and `entrypoint` (lists) are written into JSON files by
`manual` write_file helpers named `<name>_env`, `<name>_labels`, `<name>_cmd`,
`<name>_entrypoint`; a string is taken as the label of such a file. Everything else goes to
oci_image_rule (image.bzl) unchanged.

Example:

```starlark
oci_image(
    name = "image",
    base = "//runtimes/python311:image",
    tars = [":wheels_layer", ":dags_layer"],
    env = {"PYTHONPATH": "/opt/dagseal/sdk"},
    cmd = ["python3", "-m", "dagseal.sandbox"],
    labels = ":checked_labels",
)
```
"""

load(":image.bzl", "oci_image_rule")
load(":json_file.bzl", "json_file")

_KINDS = {"env": "dict", "labels": "dict", "cmd": "list", "entrypoint": "list"}

def oci_image(name, env = None, cmd = None, entrypoint = None, labels = None, **kwargs):
    """An OCI image; dict and list settings become JSON files first.

    Args:
      name: the image target (the OCI layout directory).
      env: dict of environment variables, or the label of a JSON object file.
      cmd: list, the default command, or the label of a JSON list file.
      entrypoint: list, or the label of a JSON list file.
      labels: dict of image labels, or the label of a JSON object file.
      **kwargs: base, tars, user, workdir, visibility, tags … for oci_image_rule.
    """
    files = {}
    for key, value in {"env": env, "cmd": cmd, "entrypoint": entrypoint, "labels": labels}.items():
        if value == None:
            continue
        files[key] = value if type(value) == "string" else json_file("%s_%s" % (name, key), value, _KINDS[key])
    oci_image_rule(name = name, **dict(kwargs, **files))
