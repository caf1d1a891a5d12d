"""Экспорт модели PyTorch в ONNX и проверка, что onnxruntime даёт те же выходы.

ONNX (Open Neural Network Exchange) — формат графа вычислений: узлы — стандартные операторы
(Gemm, Relu, Conv, …) фиксированной версии opset, веса — константы графа. Граф исполняют
onnxruntime, TensorRT, OpenVINO и другие движки без Python и без PyTorch.
"""

from __future__ import annotations

import io
import logging
import warnings

import numpy as np
import torch
from torch import nn


# --8<-- [start:export]
def export_onnx(model: nn.Module, example: torch.Tensor, dynamo: bool = True) -> bytes:
    """Сериализованная ONNX-модель с входом "x" и выходом "logits"; ось пакета — динамическая.

    dynamo=True — экспортёр на torch.export (по умолчанию с PyTorch 2.9, нужен onnxscript);
    dynamo=False — прежний экспортёр через трассировку TorchScript (устаревший, но быстрый).
    """
    model = model.eval()
    onnx_log = logging.getLogger("torch.onnx")      # экспортёр шумит про отсутствие torchvision
    level = onnx_log.level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            onnx_log.setLevel(logging.ERROR)
            try:
                program = torch.onnx.export(model, (example,), input_names=["x"],
                                            output_names=["logits"], dynamo=True, verbose=False,
                                            dynamic_shapes=({0: torch.export.Dim("batch")},))
            finally:
                onnx_log.setLevel(level)
            return program.model_proto.SerializeToString()
        buf = io.BytesIO()
        torch.onnx.export(model, (example,), buf, input_names=["x"], output_names=["logits"],
                          dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)
        return buf.getvalue()


def run_onnx(onnx_bytes: bytes, x: np.ndarray) -> np.ndarray:
    """Прогон в onnxruntime на CPU (один поток — воспроизводимые суммы)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(onnx_bytes, opts, providers=["CPUExecutionProvider"])
    return sess.run(["logits"], {"x": x.astype(np.float32)})[0]


def check_export(model: nn.Module, x: torch.Tensor, onnx_bytes: bytes) -> float:
    """max |PyTorch − onnxruntime| на входе x."""
    with torch.no_grad():
        ref = model.eval()(x).numpy()
    return float(np.abs(run_onnx(onnx_bytes, x.numpy()) - ref).max())
# --8<-- [end:export]


def graph_summary(onnx_bytes: bytes) -> str:
    """Операторы графа, версия opset и формы входа/выхода (символьная ось пакета)."""
    import onnx

    m = onnx.load_from_string(onnx_bytes)
    onnx.checker.check_model(m)

    def shape(v) -> str:
        return "×".join(d.dim_param or str(d.dim_value) for d in v.type.tensor_type.shape.dim)

    ops = " → ".join(n.op_type for n in m.graph.node if n.op_type not in ("Constant", "Identity"))
    opset = max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    return (f"opset {opset}; вход {m.graph.input[0].name}: {shape(m.graph.input[0])}, "
            f"выход {m.graph.output[0].name}: {shape(m.graph.output[0])}\nузлы: {ops}")
