"""The dense network of SPEC §2-3 (pm_net): forward pass, BP / P&M learning, weights, model files."""
from __future__ import annotations

import ctypes
import os
from typing import Sequence, Union

from . import _lib
from ._handle import Handle
from ._arrays import ArrayLike, DoubleBuffer, to_array
from .errors import check

ACTIVATIONS = {"sigmoid": 0, "tanh": 1, "linear": 2, "relu": 3}
RULES = {"bp": 0, "pm": 1, "chained": 2, "sat": 3}
INITS = {"paper": 0, "symmetric": 1, "zero": 2}


def _enum(table: dict, value: Union[str, int], what: str) -> int:
    if isinstance(value, str):
        if value not in table:
            raise ValueError("unknown %s '%s' (one of %s)" % (what, value, ", ".join(table)))
        return table[value]
    return int(value)


class Net(Handle):
    """A feed-forward network owned by Python (or borrowed from a Loop, which then owns it).

    ``Net()`` is the paper preset: 720 inputs, 10 hidden layers of 10, 2 outputs, sigmoid - 0.5, paper init.
    ``Net(3, [4, 2], activation="tanh", seed=7, bias=True)`` gives 3 inputs, a hidden layer of 4, 2 outputs.
    Use as a context manager or call close(); both free the C object (borrowed nets are never freed here).
    """
    _destroy, _what = "pm_net_destroy", "net"

    def __init__(self, n_inputs: int = 720, layers: Sequence[int] = (10,) * 10 + (2,), *,
                 activation: Union[str, int] = "sigmoid", seed: int = 0, bias: bool = False,
                 init: Union[str, int] = "paper", init_scale: float = 0.0, first_layer_scale: float = 0.0):
        if len(layers) == 0:
            raise ValueError("Net: at least one layer (the output layer) is needed")
        sizes = (ctypes.c_int * max(len(layers), 1))(*[int(s) for s in layers])
        cfg = _lib.NetConfig(n_inputs=int(n_inputs), n_layers=len(layers), layer_sizes=sizes,
                             activation=_enum(ACTIVATIONS, activation, "activation"), seed=int(seed),
                             use_bias=1 if bias else 0, init=_enum(INITS, init, "init"),
                             init_scale=float(init_scale), first_layer_scale=float(first_layer_scale))
        h = ctypes.c_void_p()
        check(_lib.lib().pm_net_create(ctypes.byref(cfg), ctypes.byref(h)), "pm_net_create")
        self._owner = None
        super().__init__(h.value)

    @classmethod
    def _wrap(cls, handle: int, owner: object = None) -> "Net":
        """Wraps a C handle: owned (freed by close) when owner is None, else borrowed and kept alive by owner."""
        self = cls.__new__(cls)
        self._h = handle
        self._owner = owner
        return self

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "Net":
        """Loads a model file written by save() or `primod run --save-model`. FileIOError / FileFormatError."""
        h = ctypes.c_void_p()
        check(_lib.lib().pm_net_load(os.fsencode(path), ctypes.byref(h)), "pm_net_load %s" % os.fspath(path))
        return cls._wrap(h.value)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Net":
        """Loads a model from the bytes of to_bytes() (or of a model file)."""
        h = ctypes.c_void_p()
        buf = ctypes.create_string_buffer(bytes(data), len(data))
        check(_lib.lib().pm_net_load_mem(buf, len(data), ctypes.byref(h)), "pm_net_load_mem")
        return cls._wrap(h.value)

    # ---- lifetime (close, with, handle: Handle) ----
    def _release(self, h: int) -> None:
        """Frees the C network; a net borrowed from a Loop is only detached (the loop frees it)."""
        if self._owner is None:
            super()._release(h)

    def clone(self) -> "Net":
        """A deep copy owned by Python (weights, initial weights, activations, deltas)."""
        h = ctypes.c_void_p()
        check(_lib.lib().pm_net_clone(self.handle, ctypes.byref(h)), "pm_net_clone")
        return Net._wrap(h.value)

    # ---- shape ----
    @property
    def n_inputs(self) -> int:
        return _lib.lib().pm_net_n_inputs(self.handle)

    @property
    def n_outputs(self) -> int:
        return _lib.lib().pm_net_n_outputs(self.handle)

    @property
    def n_layers(self) -> int:
        """Hidden layers + the output layer."""
        return _lib.lib().pm_net_n_layers(self.handle)

    @property
    def layer_sizes(self) -> list[int]:
        return [_lib.lib().pm_net_layer_size(self.handle, i) for i in range(self.n_layers)]

    @property
    def has_bias(self) -> bool:
        return bool(_lib.lib().pm_net_has_bias(self.handle))

    @property
    def n_weights(self) -> int:
        """All weights, biases included."""
        return _lib.lib().pm_net_n_weights(self.handle)

    def __repr__(self) -> str:
        if self._h is None:
            return "<primod.Net closed>"
        return "<primod.Net %d -> %s>" % (self.n_inputs, self.layer_sizes)

    # ---- compute ----
    def forward(self, inputs: ArrayLike):
        """Forward pass (SPEC §2) with inputs of shape (n_inputs,); returns the outputs (n_outputs,).
        NonFiniteError for NaN/inf inputs (net unchanged)."""
        buf = DoubleBuffer(inputs, self.n_inputs, "inputs")
        check(_lib.lib().pm_net_forward(self.handle, buf.ptr), "pm_net_forward")
        return self.outputs

    @property
    def outputs(self):
        """Outputs of the last forward pass (zeros before the first)."""
        return to_array(_lib.lib().pm_net_outputs(self.handle), self.n_outputs)

    def learn(self, error: Union[float, ArrayLike], rate: float, relevance: float = 1.0,
              rule: Union[str, int] = "pm") -> None:
        """One learning step (SPEC §3) on the last forward pass: dw = rate * relevance * phi(delta) * y.
        error is a number broadcast to every output or a vector (n_outputs,). rule: "bp", "pm", "chained", "sat"
        (saturation-aware prime, SPEC §9).
        ArgumentError before any forward pass; NonFiniteError for NaN/inf (net unchanged)."""
        r = _enum(RULES, rule, "rule")
        if isinstance(error, (int, float)):
            st = _lib.lib().pm_net_learn(self.handle, r, float(error), float(rate), float(relevance))
        else:
            buf = DoubleBuffer(error, self.n_outputs, "errors")
            st = _lib.lib().pm_net_learn_vec(self.handle, r, buf.ptr, float(rate), float(relevance))
        check(st, "pm_net_learn")

    # ---- weights ----
    def weight(self, layer: int, neuron: int, input: int) -> float:
        """One weight; input == layer_inputs(layer) is the bias. IndexError when out of range."""
        w = _lib.lib().pm_net_weight(self.handle, layer, neuron, input)
        if w != w:
            raise IndexError("weight (%d, %d, %d) out of range" % (layer, neuron, input))
        return w

    def set_weight(self, layer: int, neuron: int, input: int, value: float) -> None:
        """Sets one weight. ArgumentError out of range, NonFiniteError for NaN/inf."""
        check(_lib.lib().pm_net_set_weight(self.handle, layer, neuron, input, float(value)), "pm_net_set_weight")

    def layer_inputs(self, layer: int) -> int:
        """Inputs of a layer, bias not counted."""
        return _lib.lib().pm_net_layer_inputs(self.handle, layer)

    def _layer_index(self, layer: int) -> int:
        n = self.n_layers
        if layer < 0:
            layer += n
        if not 0 <= layer < n:
            raise IndexError("layer %d out of range (%d layers)" % (layer, n))
        return layer

    def layer_weights(self, layer: int):
        """A copy of a layer's weights, shape (neurons, inputs [+1 bias, last])."""
        layer = self._layer_index(layer)
        rows, cols = ctypes.c_int(), ctypes.c_int()
        p = _lib.lib().pm_net_layer_weights(self.handle, layer, ctypes.byref(rows), ctypes.byref(cols))
        return to_array(p, rows.value * cols.value, (rows.value, cols.value))

    def set_layer_weights(self, layer: int, weights: ArrayLike) -> None:
        """Sets a whole layer (shape as layer_weights). Checked before any change: nothing changes on error."""
        layer = self._layer_index(layer)
        rows = _lib.lib().pm_net_layer_size(self.handle, layer)
        cols = self.layer_inputs(layer) + (1 if self.has_bias else 0)
        buf = DoubleBuffer(weights, rows * cols, "weights")
        vals = [buf.ptr[i] for i in range(rows * cols)]
        if any(v != v or v in (float("inf"), float("-inf")) for v in vals):
            check(5, "set_layer_weights")
        for i, v in enumerate(vals):
            self.set_weight(layer, i // cols, i % cols, v)

    def activations(self, layer: int):
        """Activations of a layer from the last forward pass."""
        layer = self._layer_index(layer)
        return to_array(_lib.lib().pm_net_layer_activations(self.handle, layer),
                        _lib.lib().pm_net_layer_size(self.handle, layer))

    def deltas(self, layer: int):
        """Deltas of a layer from the last learn (zeros before)."""
        layer = self._layer_index(layer)
        return to_array(_lib.lib().pm_net_layer_deltas(self.handle, layer),
                        _lib.lib().pm_net_layer_size(self.handle, layer))

    def weight_distance(self, layer: int = -1) -> float:
        """||W^l - W^l_0|| of a layer (layer=-1 or None: the whole net)."""
        if layer is None or layer == -1:
            return _lib.lib().pm_net_weight_distance(self.handle, -1)
        return _lib.lib().pm_net_weight_distance(self.handle, self._layer_index(layer))

    def mark_initial(self) -> None:
        """Makes the current weights the reference of weight_distance() and reset()."""
        _lib.lib().pm_net_mark_initial(self.handle)

    def reset(self) -> None:
        """Restores the reference weights and forgets the last forward pass."""
        _lib.lib().pm_net_reset(self.handle)

    # ---- files ----
    def save(self, path: Union[str, os.PathLike]) -> None:
        """Writes a model file atomically (temp file + rename). FileIOError on failure."""
        check(_lib.lib().pm_net_save(self.handle, os.fsencode(path)), "pm_net_save %s" % os.fspath(path))

    def to_bytes(self) -> bytes:
        """The model file's bytes."""
        size = ctypes.c_size_t(0)
        _lib.lib().pm_net_save_mem(self.handle, None, ctypes.byref(size))
        buf = ctypes.create_string_buffer(max(size.value, 1))
        check(_lib.lib().pm_net_save_mem(self.handle, buf, ctypes.byref(size)), "pm_net_save_mem")
        return buf.raw[:size.value]
