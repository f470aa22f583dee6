"""Build glue for the walsafe wheels (metadata is in pyproject.toml).

The wheel carries a prebuilt binary (libwalsafe.so or walsafe.dll, put next
to the Python sources by scripts/build-packages.sh) and no compiled Python
module, so its tag is py3-none-<platform>: any Python 3, one platform.
WALSAFE_WHEEL_PLATFORM names that platform (manylinux_2_17_x86_64 or
win_amd64); the build refuses to run without it, so a wheel can never be
tagged for the machine that happened to build it.

The wheel also carries walsafe-autoload.pth at its root (site-packages once
installed): the WALSAFE_AUTOLOAD start-up hook, see walsafe/_autoload.py.
"""
import os
import shutil

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py
from wheel.bdist_wheel import bdist_wheel

HERE = os.path.dirname(os.path.abspath(__file__))
PTH = "walsafe-autoload.pth"


class BuildPyWithPth(build_py):
    """build_py that also puts the .pth start-up hook at the wheel's root."""

    def run(self):
        super().run()
        shutil.copyfile(os.path.join(HERE, PTH), os.path.join(self.build_lib, PTH))


class BinaryDistribution(Distribution):
    """A distribution with platform-specific content (the binary), so the
    wheel's root is platlib ("Root-Is-Purelib: false")."""

    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    """bdist_wheel for a py3-none-<platform> wheel (a binary, no ABI)."""

    def get_tag(self):
        platform = os.environ.get("WALSAFE_WHEEL_PLATFORM")
        if not platform:
            raise SystemExit("setup.py: set WALSAFE_WHEEL_PLATFORM (e.g. manylinux_2_17_x86_64 or win_amd64)")
        return "py3", "none", platform


setup(distclass=BinaryDistribution, cmdclass={"build_py": BuildPyWithPth, "bdist_wheel": PlatformWheel})
