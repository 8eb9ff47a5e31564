# Reference values for tests/unit/train/cpnet-train-step.test.ts, made with Debian's python3-torch
# 1.13.1 (/usr/bin/python3 tiny_cpnet_step.py tiny-cpnet-step.json):
# a tiny Cellpose 3.1 CPnet (nbase [2, 4, 8]; the classes of cellpose/resnet_torch.py v3.1.1.2,
# restated here since cellpose itself is not installed), weights/input/targets from the closed
# formulas of tests/unit/train/tiny-cpnet.ts, Cellpose's train._loss_fn_seg, and torch.optim.SGD
# (lr 0.01, weight decay 1e-4, momentum 0.9) and AdamW (lr 0.001, weight decay 1e-5), two steps each.
# Per tensor the JSON holds [sum, sum of squares, first three values] in torch layout.
import json, math, sys
import os
import numpy as np, torch, torch.nn as nn
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpnet_torch import CPnet, loss_fn_seg
torch.set_num_threads(1)

nbase = [2, 4, 8]; N, H, W = 2, 16, 16
def make_net():
    net = CPnet(list(nbase), 3, 3)
    sd = net.state_dict()
    fl = [k for k in sd if sd[k].dtype == torch.float32 and not k.startswith('diam_')]
    bn = {k[:-len('.running_mean')] for k in sd if k.endswith('.running_mean')}
    new = {}
    for kidx, k in enumerate(fl):
        shape = sd[k].shape; n = int(np.prod(shape))
        u = np.sin(0.37 * (np.arange(n) + 1) + 1.3 * (kidx + 1))
        prefix = k[:k.rfind('.')]
        if k.endswith('running_var'): v = 0.6 + 0.5 * u * u
        elif k.endswith('running_mean'): v = 0.1 * u
        elif prefix in bn: v = 1 + 0.2 * u if k.endswith('.weight') else 0.1 * u
        elif k.endswith('.weight'): v = u * 1.2 / math.sqrt(np.prod(shape[1:]))
        else: v = 0.1 * u
        new[k] = torch.from_numpy(v.astype(np.float32).reshape(shape))
    net.load_state_dict(new, strict=False)
    return net, fl
j = np.arange(N * 2 * H * W)
x = (0.5 + 0.5 * np.sin(0.11 * (j + 1)) * np.cos(0.07 * (j + 3))).astype(np.float32).reshape(N, 2, H, W)
b, yy, xx = np.meshgrid(np.arange(N), np.arange(H), np.arange(W), indexing='ij')
t0 = (np.sin(0.23 * (yy + 1)) * np.cos(0.19 * (xx + 2) + b) > 0).astype(np.float64)
a = 0.3 * yy + 0.2 * xx + b
lbl = np.stack([t0, t0 * np.sin(a), t0 * np.cos(a)], 1).astype(np.float32)
X = torch.from_numpy(x); L = torch.from_numpy(lbl)

def stats(t):
    v = t.detach().double().numpy().ravel()
    return [float(v.sum()), float((v * v).sum()), *[float(q) for q in v[:3]]]
out = {}
net, fl = make_net(); net.train()
y = net(X)[0]; loss = loss_fn_seg(L, y); loss.backward()
out['loss'] = float(loss)
out['y'] = stats(y)
params = dict(net.named_parameters())
out['grad'] = {k: stats(params[k].grad) for k in params if params[k].grad is not None}
out['runningAfterForward'] = {k: stats(v) for k, v in net.state_dict().items() if 'running' in k}
net.eval()
with torch.no_grad(): ye, se, _ = net(X)
out['evalY'] = stats(ye); out['evalStyle'] = stats(se)
for name, mk in [('sgd', lambda p: torch.optim.SGD(p, lr=0.01, weight_decay=1e-4, momentum=0.9)), ('adamw', lambda p: torch.optim.AdamW(p, lr=0.001, weight_decay=1e-5))]:
    net, fl = make_net(); opt = mk(net.parameters()); losses = []
    for step in range(2):
        net.train(); y = net(X)[0]; loss = loss_fn_seg(L, y); opt.zero_grad(); loss.backward(); opt.step(); losses.append(float(loss))
    sd = net.state_dict()
    out[name] = {'losses': losses, 'state': {k: stats(v) for k, v in sd.items() if v.dtype == torch.float32}, 'batches': int(sd['output.0.num_batches_tracked'])}
json.dump(out, open(sys.argv[1], 'w'), separators=(',', ':'))
print(out['loss'], out['sgd']['losses'], out['adamw']['losses'])
