"""ONNX: экспорт обоими экспортёрами, onnxruntime совпадает с PyTorch, ось пакета динамическая."""

import pytest
import torch
from torch import nn

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from snippets.distillation import mlp
from snippets.onnx_export import check_export, export_onnx, graph_summary, run_onnx



class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 4 * 4, 5))

    def forward(self, x):
        return self.body(x)


@pytest.mark.parametrize("dynamo", [False, True])
def test_mlp_export_matches_torch_for_any_batch(dynamo):
    if dynamo:
        pytest.importorskip("onnxscript")
    net = mlp([16, 32, 8], seed=0)
    onnx_bytes = export_onnx(net, torch.randn(2, 16), dynamo=dynamo)
    for batch in (1, 7):
        assert check_export(net, torch.randn(batch, 16), onnx_bytes) < 1e-5
    summary = graph_summary(onnx_bytes)
    assert "Gemm → Relu → Gemm" in summary and "batch×16" in summary


def test_cnn_with_batchnorm_in_eval_mode_exports():
    torch.manual_seed(0)
    net = TinyCNN()
    net.body[1].running_mean.uniform_(-1, 1)        # нетривиальная статистика BN
    onnx_bytes = export_onnx(net, torch.randn(2, 3, 8, 8), dynamo=False)
    x = torch.randn(3, 3, 8, 8)
    assert check_export(net, x, onnx_bytes) < 1e-5
    assert run_onnx(onnx_bytes, x.numpy()).shape == (3, 5)
