"""Public API of dagseal's Bazel rules. BUILD files load only this file.

Rule and attribute names follow rules_oci (oci_image, oci_load, oci_push) and rules_distroless
(Debian packages from a lock); see docs/images.md.
"""

load("//tooling/bazel/private:dag_repo.bzl", _dag_processor = "dag_processor", _dag_repo = "dag_repo")
load("//tooling/bazel/private:digest.bzl", _oci_digest = "oci_digest")
load("//tooling/bazel/private:digest_map.bzl", _digest_map = "digest_map")
load("//tooling/bazel/private:image.bzl", _oci_image = "oci_image")
load("//tooling/bazel/private:layer.bzl", _debian_rootfs = "debian_rootfs", _py_layer = "py_layer")
load("//tooling/bazel/private:load.bzl", _oci_load = "oci_load")
load("//tooling/bazel/private:publish.bzl", _oci_publish = "oci_publish")
load("//tooling/bazel/private:push.bzl", _oci_push = "oci_push")

dag_processor = _dag_processor
dag_repo = _dag_repo
debian_rootfs = _debian_rootfs
digest_map = _digest_map
oci_digest = _oci_digest
oci_image = _oci_image
oci_load = _oci_load
oci_publish = _oci_publish
oci_push = _oci_push
py_layer = _py_layer
