"""Repository rules fetching pinned inputs with the machine's own package clients.

`deb_packages(lock)`: `apt-get download name=version` for each package of a JSON lock
(runtimes/<runtime>/packages.lock.json), each file checked against the lock's sha256. Exposes
`@<name>//:debs`. `pip_wheels(requirements_lock)`: `pip download --require-hashes
--only-binary=:all: --no-deps` of a hashed requirements lock. Exposes `@<name>//:wheels`.
No registry host appears here: the clients use the machine's configured sources.

Example (WORKSPACE):

```starlark
deb_packages(name = "python311_debs", lock = "//runtimes/python311:packages.lock.json")
pip_wheels(name = "team_x_wheels", requirements_lock = "//dag_repos/team_x:requirements.lock")
```
"""

_BUILD_TEMPLATE = """package(default_visibility = ["//visibility:public"])

filegroup(
    name = "{name}",
    srcs = {files},
)
"""

def _check(ctx, result, what):
    if result.return_code != 0:
        fail("%s failed (%d):\n%s%s" % (what, result.return_code, result.stdout, result.stderr))
    return result.stdout

def _deb_packages_impl(ctx):
    lock = json.decode(ctx.read(ctx.attr.lock))
    if lock.get("lock_version") != 1:
        fail("%s: unsupported lock_version (expected 1)" % ctx.attr.lock)
    specs = ["%s:%s=%s" % (pkg["name"], pkg["architecture"], pkg["version"]) for pkg in lock["packages"]]
    _check(ctx, ctx.execute(["apt-get", "download", "-qq"] + specs, timeout = 1200), "apt-get download")
    downloaded = [p.basename for p in ctx.path(".").readdir() if p.basename.endswith(".deb")]
    files = []
    for pkg, spec in zip(lock["packages"], specs):
        found = [name for name in downloaded if name.startswith(pkg["name"] + "_")]
        if len(found) != 1:
            fail("apt-get download %s: expected one .deb, found %s" % (spec, found))
        target = pkg["name"] + ".deb"
        ctx.execute(["mv", found[0], target])
        actual = _check(ctx, ctx.execute(["sha256sum", target]), "sha256sum").split(" ")[0]
        if actual != pkg["sha256"]:
            fail("%s: sha256 %s does not match the lock (%s); refresh with tooling/refresh_locks.sh" % (spec, actual, pkg["sha256"]))
        files.append(target)
    ctx.file("BUILD.bazel", _BUILD_TEMPLATE.format(name = "debs", files = repr(sorted(files))))

deb_packages = repository_rule(
    implementation = _deb_packages_impl,
    doc = "Pinned Debian packages fetched with apt-get download and verified by sha256.",
    attrs = {
        "lock": attr.label(doc = "JSON lock: lock_version 1, packages [{name, version, architecture, sha256}].", mandatory = True, allow_single_file = True),
    },
)

def _pip_wheels_impl(ctx):
    python = ctx.which("python3")
    if not python:
        fail("pip_wheels needs python3 with pip on PATH")
    args = [
        python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--require-hashes", "--only-binary=:all:", "--no-deps",
        "--python-version", ctx.attr.python_version, "--implementation", "cp",
        "--dest", "wheels", "--requirement", ctx.path(ctx.attr.requirements_lock),
    ]
    for platform in ctx.attr.platforms:
        args.extend(["--platform", platform])
    _check(ctx, ctx.execute(args, timeout = 600), "pip download")
    files = sorted(["wheels/" + p.basename for p in ctx.path("wheels").readdir() if p.basename.endswith(".whl")])
    ctx.file("BUILD.bazel", _BUILD_TEMPLATE.format(name = "wheels", files = repr(files)))

pip_wheels = repository_rule(
    implementation = _pip_wheels_impl,
    doc = "Wheels of a hashed requirements lock, fetched with pip download (hashes checked by pip).",
    attrs = {
        "requirements_lock": attr.label(doc = "requirements file with `==` pins and `--hash` for every line.", mandatory = True, allow_single_file = True),
        "python_version": attr.string(doc = "Target Python version of the image.", default = "3.11"),
        "platforms": attr.string_list(doc = "Wheel platform tags accepted for the image.", default = ["manylinux2014_x86_64", "any"]),
    },
)
