"""`dag_repo` macro: one team's DAG directory becomes a digest-pinned image.

The team is the folder's name (`dag_repos/<team>`), so a copied folder needs no edit; its
wheels come from its own `requirements.lock` through `@team_wheels//:<team>`, and
dag_repos/teams.bzl lists it once for //:digest_map, //:push_all, //:publish and the wheel
repositories. The runtime (base image and SDK layer) is chosen here, by `runtime`, and nowhere
else.

Layers, least to most often changed: the runtime's Debian base with Python, the team's pinned
wheels, the dagseal SDK layer of the runtime, the DAG files with `runtime.yaml` and any
`<stem>.runtime.yaml`. Defines `:image`, `:load`, `:push`, `:digest`, `:processor` and
`:<team>` (the DagRepoInfo that //:digest_map collects); the layers and the JSON files of the
image settings are `manual` helpers. The image's labels pass sandbox_protocol_check, so the build
fails if SANDBOX_PROTOCOL here differs from PROTOCOL_VERSION in dagseal/sandbox/protocol.py.

Example (dag_repos/team_x/BUILD.bazel):

```starlark
load("//tooling/bazel:defs.bzl", "dag_repo")

dag_repo(runtime = "//runtimes/python311")
```
"""

load(":dag_processor.bzl", "dag_processor")
load(":dag_repo_info.bzl", "dag_repo_info")
load(":digest.bzl", "oci_digest")
load(":load.bzl", "oci_load")
load(":json_file.bzl", "json_file")
load(":oci_image.bzl", "oci_image")
load(":push.bzl", "oci_push")
load(":py_layer.bzl", "py_layer")
load(":sandbox_protocol_check.bzl", "sandbox_protocol_check")

# The sandbox protocol version the images speak; must equal dagseal/sandbox/protocol.py's
# PROTOCOL_VERSION (checked at build time by sandbox_protocol_check).
SANDBOX_PROTOCOL = 3
DAGS_ROOT = "opt/dagseal/dags"
SITE_PACKAGES = "opt/dagseal/site-packages"
SDK_ROOT = "opt/dagseal/sdk"
DAG_GLOBS = ["**/*.py", "runtime.yaml", "**/*.runtime.yaml"]

def dag_repo(
        runtime,
        name = None,
        pyc_python = "3.11",
        wheels = None,
        dags = None,
        image_name = None,
        digest_map = "//:digest_map",
        visibility = ["//visibility:public"]):
    """Defines the image and its helpers for the DAG directory of the current package.

    Args:
      runtime: a runtimes/ package providing `:image` (base) and `:sdk_layer`, e.g.
        "//runtimes/python311". Required: this is where a team's runtime is chosen.
      name: the team name; must be the folder's name, which is the default.
      pyc_python: the runtime's Python minor; the wheels layer gets checked-hash .pyc for it.
      wheels: a filegroup of pinned wheels; default `@team_wheels//:<team>`, the wheels of
        this folder's requirements.lock (empty lock: empty layer).
      dags: the DAG layer's files; default: *.py, runtime.yaml and *.runtime.yaml here.
      image_name: image name for tags; default dagseal/<team>.
      digest_map: the digest map the :processor target runs with.
      visibility: visibility of the :<team> and :image targets.
    """
    package = native.package_name()
    team = package.split("/")[-1]
    if name not in (None, team):
        fail("dag_repo in %s: name %r must be the folder's name %r (or left out)" % (package, name, team))
    image_name = image_name or "dagseal/" + team
    container_dag_dir = "%s/%s" % (DAGS_ROOT, team)
    dags = dags if dags != None else native.glob(DAG_GLOBS, exclude = ["**/__pycache__/**"])
    py_layer(
        name = "wheels_layer",
        wheels = [wheels or "@team_wheels//:" + team],
        site_packages = SITE_PACKAGES,
        pyc_python = pyc_python,
        role = "wheels",
        tags = ["manual"],
    )
    py_layer(
        name = "dags_layer",
        srcs = dags,
        strip_prefix = package,
        prefix = container_dag_dir,
        role = "dags",
        tags = ["manual"],
    )
    labels = {
        "io.dagseal.sandbox.protocol": str(SANDBOX_PROTOCOL),
        "io.dagseal.dag_dir": package,
        "io.dagseal.runtime": Label(runtime).name,
    }
    sandbox_protocol_check(
        name = "image_checked_labels",
        labels = json_file("image_labels", labels, "dict"),
        tags = ["manual"],
    )
    oci_image(
        name = "image",
        base = runtime + ":image",
        tars = [":wheels_layer", runtime + ":sdk_layer", ":dags_layer"],
        env = {"PYTHONPATH": "/%s:/%s" % (SDK_ROOT, SITE_PACKAGES)},
        cmd = ["python3", "-m", "dagseal.sandbox"],
        workdir = "/" + container_dag_dir,
        labels = ":image_checked_labels",
        visibility = visibility,
    )
    oci_load(name = "load", image = ":image", repo_tags = [image_name + ":latest"])
    oci_push(name = "push", image = ":image")
    oci_digest(name = "digest", image = ":image")
    dag_repo_info(
        name = team,
        image = ":image",
        dags = dags,
        image_name = image_name,
        runtime = Label(runtime).name,
        container_dag_dir = "/" + container_dag_dir,
        sandbox_protocol = SANDBOX_PROTOCOL,
        visibility = visibility,
    )
    dag_processor(name = "processor", digest_map = digest_map)
