# Cellpose 3.1 CPnet (cellpose/resnet_torch.py at v3.1.1.2: batchconv, batchconv0, resdown,
# downsample, batchconvstyle, resup, make_style, upsample, CPnet; 2-D, mkldnn off) and
# train._loss_fn_seg, restated because Cellpose itself is not installed here. Module and parameter
# names are Cellpose's, so state dicts load with strict=True.
import torch, torch.nn as nn, torch.nn.functional as F

def batchconv(i, o, sz):
    return nn.Sequential(nn.BatchNorm2d(i, eps=1e-5, momentum=0.05), nn.ReLU(inplace=True), nn.Conv2d(i, o, sz, padding=sz // 2))
def batchconv0(i, o, sz):
    return nn.Sequential(nn.BatchNorm2d(i, eps=1e-5, momentum=0.05), nn.Conv2d(i, o, sz, padding=sz // 2))
class resdown(nn.Module):
    def __init__(s, i, o, sz):
        super().__init__(); s.conv = nn.Sequential(); s.proj = batchconv0(i, o, 1)
        for t in range(4): s.conv.add_module("conv_%d" % t, batchconv(i if t == 0 else o, o, sz))
    def forward(s, x):
        x = s.proj(x) + s.conv[1](s.conv[0](x))
        return x + s.conv[3](s.conv[2](x))
class downsample(nn.Module):
    def __init__(s, nbase, sz):
        super().__init__(); s.down = nn.Sequential(); s.maxpool = nn.MaxPool2d(2, stride=2)
        for n in range(len(nbase) - 1): s.down.add_module("res_down_%d" % n, resdown(nbase[n], nbase[n + 1], sz))
    def forward(s, x):
        xd = []
        for n in range(len(s.down)):
            y = s.maxpool(xd[n - 1]) if n > 0 else x
            xd.append(s.down[n](y))
        return xd
class batchconvstyle(nn.Module):
    def __init__(s, i, o, sc, sz):
        super().__init__(); s.conv = batchconv(i, o, sz); s.full = nn.Linear(sc, o)
    def forward(s, style, x, y=None):
        if y is not None: x = x + y
        feat = s.full(style)[:, :, None, None]
        return s.conv(x + feat)
class resup(nn.Module):
    def __init__(s, i, o, sc, sz):
        super().__init__(); s.conv = nn.Sequential()
        s.conv.add_module("conv_0", batchconv(i, o, sz))
        for t in (1, 2, 3): s.conv.add_module("conv_%d" % t, batchconvstyle(o, o, sc, sz))
        s.proj = batchconv0(i, o, 1)
    def forward(s, x, y, style):
        x = s.proj(x) + s.conv[1](style, s.conv[0](x), y=y)
        return x + s.conv[3](style, s.conv[2](style, x))
class make_style(nn.Module):
    def __init__(s):
        super().__init__(); s.flatten = nn.Flatten()
    def forward(s, x0):
        style = s.flatten(F.avg_pool2d(x0, kernel_size=x0.shape[2:]))
        return style / torch.sum(style**2, axis=1, keepdim=True)**.5
class upsample(nn.Module):
    def __init__(s, nbase, sz):
        super().__init__(); s.upsampling = nn.Upsample(scale_factor=2, mode="nearest"); s.up = nn.Sequential()
        for n in range(1, len(nbase)): s.up.add_module("res_up_%d" % (n - 1), resup(nbase[n], nbase[n - 1], nbase[-1], sz))
    def forward(s, style, xd):
        x = s.up[-1](xd[-1], xd[-1], style)
        for n in range(len(s.up) - 2, -1, -1):
            x = s.up[n](s.upsampling(x), xd[n], style)
        return x
class CPnet(nn.Module):
    def __init__(s, nbase, nout, sz, diam_mean=30.):
        super().__init__()
        s.downsample = downsample(nbase, sz)
        nup = nbase[1:] + [nbase[-1]]
        s.upsample = upsample(nup, sz); s.make_style = make_style(); s.output = batchconv(nup[0], nout, 1)
        s.diam_mean = nn.Parameter(torch.ones(1) * diam_mean, requires_grad=False)
        s.diam_labels = nn.Parameter(torch.ones(1) * diam_mean, requires_grad=False)
    def forward(s, data):
        T0 = s.downsample(data); style = s.make_style(T0[-1])
        return s.output(s.upsample(style, T0)), style, T0

def loss_fn_seg(lbl, y):  # cellpose 3.1 train._loss_fn_seg
    veci = 5. * lbl[:, 1:]
    loss = nn.MSELoss(reduction="mean")(y[:, :2], veci) / 2.
    return loss + nn.BCEWithLogitsLoss(reduction="mean")(y[:, -1], (lbl[:, 0] > 0.5).float())

