"""Deterministic OCI image writer for dagseal's Bazel rules (pure standard library).

Modules: ``tarball`` (deterministic tar+gzip layers), ``debian`` (.deb extraction),
``wheels`` (wheel unpacking), ``oci`` (config, manifest, layout, docker tar),
``digest_map`` (the //:digest_map JSON), ``protocol_check`` (the image's protocol label against
the sandbox's constant) and ``main`` (the command line used by the rules).
"""
