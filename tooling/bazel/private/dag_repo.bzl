"""`dag_repo`: one team's DAG directory becomes a digest-pinned image.

Layers, least to most often changed: the runtime's Debian base with Python, the team's pinned
wheels, the dagseal SDK layer of the runtime, the DAG files with `runtime.yaml` and any
`<stem>.runtime.yaml`. Defines `:image`, `:load`, `:push`, `:digest`, `:processor` and
`:<name>` (the DagRepoInfo that //:digest_map collects).

Example (dag_repos/team_x/BUILD.bazel):

```starlark
load("//tooling/bazel:defs.bzl", "dag_repo")

dag_repo(
    name = "team_x",
    runtime = "//runtimes/python311",
    wheels = "@team_x_wheels//:wheels",
)
```
"""

load(":digest.bzl", "oci_digest")
load(":image.bzl", "oci_image")
load(":layer.bzl", "py_layer")
load(":load.bzl", "oci_load")
load(":providers.bzl", "DagRepoInfo", "OciImageInfo")
load(":push.bzl", "oci_push")

SANDBOX_PROTOCOL = 3
DAGS_ROOT = "opt/dagseal/dags"
SITE_PACKAGES = "opt/dagseal/site-packages"
SDK_ROOT = "opt/dagseal/sdk"
DAG_GLOBS = ["**/*.py", "runtime.yaml", "**/*.runtime.yaml"]

_info_attrs = {
    "image": attr.label(doc = "The repo's oci_image.", mandatory = True, providers = [OciImageInfo]),
    "dags": attr.label_list(doc = "The files of the DAG layer.", allow_files = True),
    "image_name": attr.string(doc = "Image name, e.g. dagseal/team_x.", mandatory = True),
    "runtime": attr.string(doc = "Runtime name, e.g. python311.", mandatory = True),
    "container_dag_dir": attr.string(doc = "Absolute directory of the DAG files in the image.", mandatory = True),
    "sandbox_protocol": attr.int(doc = "The dagseal sandbox protocol version the image speaks.", mandatory = True),
}

def _info_impl(ctx):
    pkg = ctx.label.package
    return [DagRepoInfo(
        dag_dir = pkg,
        container_dag_dir = ctx.attr.container_dag_dir,
        image_name = ctx.attr.image_name,
        runtime = ctx.attr.runtime,
        sandbox_protocol = ctx.attr.sandbox_protocol,
        image = ctx.attr.image[OciImageInfo],
        files = [(f.short_path[len(pkg) + 1:], f) for f in ctx.files.dags],
    )]

dag_repo_info = rule(
    implementation = _info_impl,
    doc = "Describes one DAG directory and its image for //:digest_map.",
    attrs = _info_attrs,
)

_processor_attrs = {
    "digest_map": attr.label(doc = "The digest_map file.", mandatory = True, allow_single_file = True),
    "_template": attr.label(doc = "The run script template.", default = ":processor.sh.tpl", allow_single_file = True),
}

def _processor_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        substitutions = {"@@DIGEST_MAP@@": ctx.file.digest_map.short_path, "@@DAG_DIR@@": ctx.label.package},
        is_executable = True,
    )
    return [DefaultInfo(executable = script, runfiles = ctx.runfiles(files = [ctx.file.digest_map]))]

dag_processor = rule(
    implementation = _processor_impl,
    doc = "Runnable `dagseal dag-processor --subdir <this package>` with the digest map that pins it.",
    attrs = _processor_attrs,
    executable = True,
)

def dag_repo(
        name,
        runtime = "//runtimes/python311",
        pyc_python = "3.11",
        wheels = None,
        dags = None,
        image_name = None,
        digest_map = "//:digest_map",
        visibility = None):
    """Defines the image and its helpers for the DAG directory of the current package.

    Args:
      name: the team name; also the DagRepoInfo target listed in //:digest_map.
      runtime: a runtimes/ package providing `:image` (base) and `:sdk_layer`.
      pyc_python: the runtime's Python minor; the wheels layer gets checked-hash .pyc for it.
      wheels: a filegroup of pinned wheels (a pip_wheels repository), or None.
      dags: the DAG layer's files; default: *.py, runtime.yaml and *.runtime.yaml here.
      image_name: image name for tags; default dagseal/<name>.
      digest_map: the digest map the :processor target runs with.
      visibility: visibility of the :<name> and :image targets.
    """
    image_name = image_name or "dagseal/" + name
    container_dag_dir = "%s/%s" % (DAGS_ROOT, name)
    dags = dags if dags != None else native.glob(DAG_GLOBS, exclude = ["**/__pycache__/**"])
    tars = []
    if wheels:
        py_layer(name = "wheels_layer", wheels = [wheels], site_packages = SITE_PACKAGES, pyc_python = pyc_python, role = "wheels")
        tars.append(":wheels_layer")
    py_layer(
        name = "dags_layer",
        srcs = dags,
        strip_prefix = native.package_name(),
        prefix = container_dag_dir,
        role = "dags",
    )
    oci_image(
        name = "image",
        base = runtime + ":image",
        tars = tars + [runtime + ":sdk_layer", ":dags_layer"],
        env = {"PYTHONPATH": "/%s:/%s" % (SDK_ROOT, SITE_PACKAGES)},
        cmd = ["python3", "-m", "dagseal.sandbox"],
        workdir = "/" + container_dag_dir,
        labels = {
            "io.dagseal.sandbox.protocol": str(SANDBOX_PROTOCOL),
            "io.dagseal.dag_dir": native.package_name(),
            "io.dagseal.runtime": Label(runtime).name,
        },
        visibility = visibility,
    )
    oci_load(name = "load", image = ":image", repo_tags = [image_name + ":latest"])
    oci_push(name = "push", image = ":image")
    oci_digest(name = "digest", image = ":image")
    dag_repo_info(
        name = name,
        image = ":image",
        dags = dags,
        image_name = image_name,
        runtime = Label(runtime).name,
        container_dag_dir = "/" + container_dag_dir,
        sandbox_protocol = SANDBOX_PROTOCOL,
        visibility = visibility,
    )
    dag_processor(name = "processor", digest_map = digest_map)
