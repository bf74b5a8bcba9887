"""Public repository macros: the external inputs of dagseal's images (called from WORKSPACE)."""

load("//tooling/bazel/private:repositories.bzl", _deb_packages = "deb_packages", _pip_wheels = "pip_wheels")

deb_packages = _deb_packages
pip_wheels = _pip_wheels

def dagseal_repositories():
    """The runtime inputs shared by all teams: python311 Debian packages and SDK wheels."""
    deb_packages(name = "python311_debs", lock = "//runtimes/python311:packages.lock.json")
    pip_wheels(name = "python311_sdk_wheels", requirements_lock = "//runtimes/python311:sdk.requirements.lock")
