"""Files the package ships (sample photos, icons, shaders, the plug-ins, licences), found the
same way in a checkout, an installed wheel and the self-contained bundle."""

from hdr_studio.core.resources import package_resource

__all__ = ["package_resource"]
