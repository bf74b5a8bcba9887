"""Public API of dagseal's Bazel rules. BUILD files load only this file.

Rules and macros live one per file in tooling/bazel/private/. Rule and attribute names follow
rules_oci (oci_image, oci_load, oci_push), bazel-lib (write_file) and rules_distroless (Debian
packages from a lock); see docs/images.md.
"""

load("//tooling/bazel/private:dag_processor.bzl", _dag_processor = "dag_processor")
load("//tooling/bazel/private:dag_repo.bzl", _SANDBOX_PROTOCOL = "SANDBOX_PROTOCOL", _dag_repo = "dag_repo")
load("//tooling/bazel/private:dag_repo_info.bzl", _dag_repo_info = "dag_repo_info")
load("//tooling/bazel/private:debian_rootfs.bzl", _debian_rootfs = "debian_rootfs")
load("//tooling/bazel/private:digest.bzl", _oci_digest = "oci_digest")
load("//tooling/bazel/private:digest_map.bzl", _digest_map = "digest_map")
load("//tooling/bazel/private:image.bzl", _oci_image_rule = "oci_image_rule")
load("//tooling/bazel/private:json_file.bzl", _json_file = "json_file")
load("//tooling/bazel/private:load.bzl", _oci_load = "oci_load")
load("//tooling/bazel/private:oci_image.bzl", _oci_image = "oci_image")
load("//tooling/bazel/private:publish.bzl", _oci_publish = "oci_publish")
load("//tooling/bazel/private:push.bzl", _oci_push = "oci_push")
load("//tooling/bazel/private:py_layer.bzl", _py_layer = "py_layer")
load("//tooling/bazel/private:rootfs.bzl", _debian_rootfs_rule = "debian_rootfs_rule")
load("//tooling/bazel/private:sandbox_protocol_check.bzl", _sandbox_protocol_check = "sandbox_protocol_check")
load("//tooling/bazel/private:write_file.bzl", _write_file = "write_file")

SANDBOX_PROTOCOL = _SANDBOX_PROTOCOL

dag_processor = _dag_processor
dag_repo = _dag_repo
dag_repo_info = _dag_repo_info
debian_rootfs = _debian_rootfs
debian_rootfs_rule = _debian_rootfs_rule
digest_map = _digest_map
json_file = _json_file
oci_digest = _oci_digest
oci_image = _oci_image
oci_image_rule = _oci_image_rule
oci_load = _oci_load
oci_publish = _oci_publish
oci_push = _oci_push
py_layer = _py_layer
sandbox_protocol_check = _sandbox_protocol_check
write_file = _write_file
