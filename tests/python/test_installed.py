"""Run against an installed prefix (tests/install/python_check.cmake sets PRIMOD_EXPECT_PREFIX): the package and
the libraries it binds are that install's, not the source or build tree's."""
import os

import pytest

import primod
from primod import _lib

PREFIX = os.environ.get("PRIMOD_EXPECT_PREFIX")
pytestmark = pytest.mark.skipif(not PREFIX, reason="not an installed-prefix run")


def inside(path):
    return os.path.realpath(path).startswith(os.path.realpath(PREFIX) + os.sep)


def test_package_and_libraries_come_from_the_prefix():
    assert "PRIMOD_LIB_DIR" not in os.environ
    assert inside(primod.__file__)
    assert inside(_lib.lib()._name) and os.path.basename(_lib.lib()._name) == "libprimod.so"
    assert inside(_lib.tools_lib()._name) and os.path.basename(_lib.tools_lib()._name) == "libprimod_experiment.so"
    # the process maps exactly these files (no second copy from elsewhere)
    maps = open("/proc/self/maps").read()
    mapped = {line.split()[-1] for line in maps.splitlines() if "libprimod" in line}
    assert mapped and all(inside(p) for p in mapped)
