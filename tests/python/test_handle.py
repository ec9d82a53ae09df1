"""The shared lifetime of every wrapped C object (primod._handle.Handle): close, with, closed errors, borrowing."""
import pytest

import primod
from primod._handle import Handle


def _objects():
    """One of each wrapper, with the word its closed-error names."""
    world = primod.World.builtin("oval")
    return [(primod.Net(3, [2]), "net"), (primod.FilterBank(2, 3), "filter bank"),
            (primod.Loop(rule="reflex"), "loop"), (primod.Sim(world), "sim"), (world, "world")]


def test_every_wrapper_shares_the_lifetime():
    for obj, what in _objects():
        assert isinstance(obj, Handle) and not obj.closed and obj.handle
        with obj as same:
            assert same is obj
        assert obj.closed                      # the with block freed it
        obj.close()                            # idempotent: no double free
        with pytest.raises(ValueError, match="the %s is closed" % what):
            obj.handle


def test_borrowed_net_is_detached_not_freed():
    loop = primod.Loop(rule="pm")
    net = loop.net
    net.close()                                # borrowed: only this wrapper lets go, the loop still owns the C net
    assert net.closed and not loop.closed
    for _ in range(3):                         # learning goes through the C net (ASan would see a freed one)
        loop.step(0.1, [0.5] * 144)
    assert loop.steps == 3
    loop.close()
    assert loop.closed


def test_half_built_object_is_closed():
    # a constructor that raises leaves a wrapper whose __del__ must not fail: the class default handle is None
    with pytest.raises(primod.PrimodError):
        primod.Net(0, [1])
    bare = primod.Net.__new__(primod.Net)
    assert bare.closed
    bare.close()
