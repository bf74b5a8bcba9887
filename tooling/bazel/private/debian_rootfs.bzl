"""`debian_rootfs` macro: debian_rootfs_rule (rootfs.bzl) with `symlinks` given as a dict.

The dict is written into a JSON file by a `manual` write_file helper `<name>_symlinks`; a string
is taken as the label of such a file.

Example:

```starlark
debian_rootfs(
    name = "base_layer",
    debs = ["@python311_debs//:debs"],
    symlinks = {"/etc/localtime": "/usr/share/zoneinfo/Etc/UTC"},
    role = "base",
)
```
"""

load(":json_file.bzl", "json_file")
load(":rootfs.bzl", "debian_rootfs_rule")

def debian_rootfs(name, symlinks = None, **kwargs):
    """A base layer from .deb files; the symlinks dict becomes a JSON file first.

    Args:
      name: the layer target.
      symlinks: dict of path in the image -> target, or the label of a JSON object file.
      **kwargs: debs, files, ca_bundle, pyc_python, role, visibility, tags … for debian_rootfs_rule.
    """
    if symlinks != None and type(symlinks) != "string":
        symlinks = json_file(name + "_symlinks", symlinks, "dict")
    debian_rootfs_rule(name = name, symlinks = symlinks, **kwargs)
