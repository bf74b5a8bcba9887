"""`pip_wheels`: the wheels of a hashed requirements lock, fetched with the machine's pip.

`pip download --require-hashes --only-binary=:all: --no-deps` of a lock kept beside what it pins
(`runtimes/<runtime>/sdk.requirements.lock`, `dag_repos/<team>/requirements.lock`); pip checks
every hash. A lock without requirements gives an empty filegroup. Exposes `@<name>//:wheels`.
No registry host appears here: pip uses the machine's configured index.

Example (tooling/bazel/repositories.bzl):

```starlark
pip_wheels(name = "python311_sdk_wheels", requirements_lock = "//runtimes/python311:sdk.requirements.lock")
```
"""

load(":repository_helpers.bzl", "checked_stdout", "filegroup_source", "public_build_file")

_attrs = {
    "requirements_lock": attr.label(doc = "requirements file with `==` pins and `--hash` for every line.", mandatory = True, allow_single_file = True),
    "python_version": attr.string(doc = "Target Python version of the image.", default = "3.11"),
    "platforms": attr.string_list(doc = "Wheel platform tags accepted for the image.", default = ["manylinux2014_x86_64", "any"]),
}

def _has_requirements(text):
    return [line for line in text.splitlines() if line.strip() and not line.strip().startswith("#")] != []

def _impl(ctx):
    lock = ctx.path(ctx.attr.requirements_lock)
    files = []
    if _has_requirements(ctx.read(lock)):
        python = ctx.which("python3")
        if not python:
            fail("pip_wheels needs python3 with pip on PATH")
        args = [
            python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
            "--require-hashes", "--only-binary=:all:", "--no-deps",
            "--python-version", ctx.attr.python_version, "--implementation", "cp",
            "--dest", "wheels", "--requirement", lock,
        ]
        for platform in ctx.attr.platforms:
            args.extend(["--platform", platform])
        checked_stdout(ctx.execute(args, timeout = 600), "pip download of %s" % ctx.attr.requirements_lock)
        files = ["wheels/" + p.basename for p in ctx.path("wheels").readdir() if p.basename.endswith(".whl")]
    ctx.file("BUILD.bazel", public_build_file([filegroup_source("wheels", files)]))

pip_wheels = repository_rule(
    implementation = _impl,
    doc = "Wheels of a hashed requirements lock, fetched with pip download (hashes checked by pip).",
    attrs = _attrs,
)
