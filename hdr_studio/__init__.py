"""HDR Studio: recover clipped highlights and shadows in photographs and deliver them as HDR."""

__version__ = "0.1.0"
