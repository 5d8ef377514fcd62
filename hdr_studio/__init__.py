"""HDR Studio: recover clipped highlights and shadows in photographs and deliver them as HDR."""

from importlib import metadata

try:  # one version source: the package metadata (pyproject.toml)
    __version__ = metadata.version("hdr-studio")
except metadata.PackageNotFoundError:  # sources on sys.path without an install
    __version__ = "0+unknown"
