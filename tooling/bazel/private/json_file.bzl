"""`json_file` macro: a dict or list as a one-line JSON file, for rules that take files.

Used by the macros (oci_image, debian_rootfs, dag_repo) so that no rule takes a dict; the
write_file target it defines is `manual`.

Example:

```starlark
labels = json_file("image_labels", {"io.dagseal.dag_dir": "dag_repos/team_x"}, "dict")
```
"""

load(":write_file.bzl", "write_file")

def json_file(name, value, kind):
    """A manual write_file holding `value` as JSON; returns its label.

    Args:
      name: the helper target's name (the file is `<name>.json`).
      value: the dict or list to write.
      kind: "dict" or "list", what `value` must be.

    Returns:
      The label of the file, for a rule's label attribute.
    """
    if type(value) != kind:
        fail("%s: expected a %s or the label of a JSON file, got %s" % (name, kind, type(value)))
    write_file(name = name, out = name + ".json", content = [json.encode(value)], tags = ["manual"])
    return ":" + name
