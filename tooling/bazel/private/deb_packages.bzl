"""`deb_packages`: pinned Debian packages fetched with the machine's apt, hashes checked.

`apt-get download name:arch=version` for each package of a JSON lock kept beside the runtime it
pins (runtimes/<runtime>/packages.lock.json); each file is checked against the lock's sha256.
Exposes `@<name>//:debs`. No registry host appears here: apt uses the machine's sources.

Example (tooling/bazel/repositories.bzl):

```starlark
deb_packages(name = "python311_debs", lock = "//runtimes/python311:packages.lock.json")
```
"""

load(":repository_helpers.bzl", "checked_stdout", "filegroup_source", "public_build_file")

_attrs = {
    "lock": attr.label(doc = "JSON lock: lock_version 1, packages [{name, version, architecture, sha256}].", mandatory = True, allow_single_file = True),
}

def _impl(ctx):
    lock = json.decode(ctx.read(ctx.attr.lock))
    if lock.get("lock_version") != 1:
        fail("%s: unsupported lock_version (expected 1)" % ctx.attr.lock)
    specs = ["%s:%s=%s" % (pkg["name"], pkg["architecture"], pkg["version"]) for pkg in lock["packages"]]
    checked_stdout(ctx.execute(["apt-get", "download", "-qq"] + specs, timeout = 1200), "apt-get download")
    downloaded = [p.basename for p in ctx.path(".").readdir() if p.basename.endswith(".deb")]
    files = []
    for pkg, spec in zip(lock["packages"], specs):
        found = [name for name in downloaded if name.startswith(pkg["name"] + "_")]
        if len(found) != 1:
            fail("apt-get download %s: expected one .deb, found %s" % (spec, found))
        target = pkg["name"] + ".deb"
        ctx.execute(["mv", found[0], target])
        actual = checked_stdout(ctx.execute(["sha256sum", target]), "sha256sum").split(" ")[0]
        if actual != pkg["sha256"]:
            fail("%s: sha256 %s does not match the lock (%s); refresh with tooling/refresh_locks.sh" % (spec, actual, pkg["sha256"]))
        files.append(target)
    ctx.file("BUILD.bazel", public_build_file([filegroup_source("debs", files)]))

deb_packages = repository_rule(
    implementation = _impl,
    doc = "Pinned Debian packages fetched with apt-get download and verified by sha256.",
    attrs = _attrs,
)
