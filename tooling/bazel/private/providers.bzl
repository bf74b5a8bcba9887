"""Providers shared by the dagseal image rules."""

LayerInfo = provider(
    doc = "One image layer written by the image writer.",
    fields = {
        "tar": "File: the gzipped layer blob",
        "descriptor": "File: JSON with digest, diff_id, size and role",
    },
)

OciImageInfo = provider(
    doc = "An image built by oci_image.",
    fields = {
        "layers": "list of LayerInfo, base first",
        "layout": "File (directory): the OCI image layout",
        "digest": "File: the manifest digest",
        "image_id": "File: the config digest",
        "image_json": "File: digests, layers and settings, read by dependent rules",
    },
)

DagRepoInfo = provider(
    doc = "A DAG directory and the image that pins it (see dag_repo).",
    fields = {
        "dag_dir": "str: the directory relative to the workspace root",
        "container_dag_dir": "str: where its files live inside the image",
        "image_name": "str: the image name, e.g. dagseal/team_x",
        "runtime": "str: the runtime the base layer came from",
        "sandbox_protocol": "int: the dagseal sandbox protocol the image speaks",
        "image": "OciImageInfo",
        "files": "list of (path inside the DAG dir, File) pairs in the DAG layer",
    },
)
