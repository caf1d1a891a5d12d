"""VGG-16: число параметров из статьи, формы карт признаков, счётчик MAC против формулы."""

import torch
from torch import nn

from snippets.vgg import CFG, VGG16, count_macs, count_parameters, feature_map_shapes, layer_table



def meta_vgg(**kw) -> VGG16:
    with torch.device("meta"):
        return VGG16(**kw)


def test_vgg16_has_138_357_544_parameters():
    # Simonyan & Zisserman (2014), табл. 2: 138 млн; точное число — у эталонной реализации Caffe/torchvision
    assert count_parameters(meta_vgg()) == 138_357_544
    assert count_parameters(meta_vgg(cfg=CFG["E"])) == 143_667_240  # VGG-19, 144 млн в статье


def test_parameter_count_by_formula():
    convs = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
             (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512)]
    fcs = [(25088, 4096), (4096, 4096), (4096, 10)]
    expected = sum(9 * a * b + b for a, b in convs) + sum(a * b + b for a, b in fcs)
    model = meta_vgg(num_classes=10)
    assert count_parameters(model) == expected
    assert sum(isinstance(m, nn.Conv2d) for m in model.modules()) == 13
    assert sum(isinstance(m, nn.Linear) for m in model.modules()) == 3


def test_trainable_only():
    model = meta_vgg()
    for p in model.features.parameters():
        p.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == 102_764_544 + 16_781_312 + 4_097_000


def test_feature_map_shapes_follow_the_paper():
    shapes = dict(feature_map_shapes(meta_vgg()))
    for block, (c, hw) in enumerate([(64, 112), (128, 56), (256, 28), (512, 14), (512, 7)], 1):
        assert shapes[f"pool{block}"] == (c, hw, hw)
    assert shapes["conv3_3"] == (256, 56, 56)
    assert shapes["flatten"] == (25088,) and shapes["fc8"] == (1000,)


def test_real_forward_matches_meta_shapes():
    torch.manual_seed(0)
    model = VGG16(num_classes=7).eval()
    out = model(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 7) and torch.isfinite(out).all()
    feats = model.features(torch.randn(1, 3, 64, 64))
    assert feats.shape == (1, 512, 2, 2)
    assert dict(feature_map_shapes(model, input_size=64))["pool5"] == (512, 2, 2)


def test_macs_vgg16_and_vgg19():
    # Свёртка 3×3 с сохранением размера: H·W·C_out·C_in·9
    first = 224 * 224 * 64 * 3 * 9
    assert count_macs(nn.Conv2d(3, 64, 3, padding=1)) == first
    macs16, macs19 = count_macs(meta_vgg()), count_macs(meta_vgg(cfg=CFG["E"]))
    assert round(macs19 / 1e9, 1) == 19.6  # He et al. (2016): VGG-19 — 19,6 млрд FLOPs (mult-adds)
    assert 15.4e9 < macs16 < 15.5e9


def test_layer_table_total():
    table = layer_table(meta_vgg())
    assert "| fc6 | 4096 | 102 764 544 |" in table
    assert "**138 357 544**" in table
