"""A class patch holds while entered, nested or not, and the original comes back when the last user leaves."""

from __future__ import annotations

from index.patching import ClassPatch


class Greeter:
    def hello(self) -> str:
        return "hello"


def test_patched_while_entered_nested_and_restored_after_the_last():
    patch = ClassPatch((Greeter, "hello", lambda self: "bonjour"))
    with patch():
        assert Greeter().hello() == "bonjour"
        with patch():
            assert Greeter().hello() == "bonjour"
        assert Greeter().hello() == "bonjour"  # the outer user is still inside
    assert Greeter().hello() == "hello"


def test_restored_when_the_block_raises():
    patch = ClassPatch((Greeter, "hello", lambda self: "bonjour"))
    try:
        with patch():
            raise RuntimeError("index build failed")
    except RuntimeError:
        pass
    assert Greeter().hello() == "hello"
