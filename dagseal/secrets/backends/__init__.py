"""Secrets backends: the extension point (base) and the built-in environment, files and metastore."""

from dagseal.secrets.backends.base import BaseSecretsBackend
from dagseal.secrets.backends.environment import EnvironmentBackend
from dagseal.secrets.backends.local_filesystem import LocalFilesystemBackend
from dagseal.secrets.backends.metastore import MetastoreBackend

__all__ = ["BaseSecretsBackend", "EnvironmentBackend", "LocalFilesystemBackend", "MetastoreBackend"]
