# Loads a .pth written by Mycol the way Python Cellpose 3.1 does (torch.load of a state dict, then
# CPnet.load_state_dict) and reports what PyTorch sees, for tests/unit/train/torch-load.test.ts and
# tests/cli/train.test.ts. Usage: /usr/bin/python3 load_check.py MODEL.pth [INPUT.npy OUT.npy]
# Prints one JSON object: keys (in order), shapes, dtypes, per-tensor [sum, sum of squares] (float64),
# num_batches_tracked values, nbase, and whether load_state_dict(strict=True) into Cellpose's CPnet
# worked. With INPUT.npy (C, H, W) it also saves the eval-mode network output (3, H, W) to OUT.npy.
import json, os, sys
import numpy as np, torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpnet_torch import CPnet

sd = torch.load(sys.argv[1], map_location='cpu')
out = {'type': type(sd).__name__, 'keys': list(sd.keys()), 'shapes': {}, 'dtypes': {}, 'stats': {}, 'counts': {}}
for k, v in sd.items():
    out['shapes'][k] = list(v.shape)
    out['dtypes'][k] = str(v.dtype).replace('torch.', '')
    if v.dtype == torch.int64:
        out['counts'][k] = int(v)
    else:
        d = v.double()
        out['stats'][k] = [float(d.sum()), float((d * d).sum())]
nbase = [sd['downsample.down.res_down_0.conv.conv_0.2.weight'].shape[1]]
n = 0
while f'downsample.down.res_down_{n}.conv.conv_0.2.weight' in sd:
    nbase.append(sd[f'downsample.down.res_down_{n}.conv.conv_0.2.weight'].shape[0]); n += 1
out['nbase'] = nbase
net = CPnet(nbase, sd['output.2.weight'].shape[0], sd['downsample.down.res_down_0.conv.conv_0.2.weight'].shape[2])
net.load_state_dict(sd, strict=True)
out['strict'] = True
out['diam_mean'] = float(net.diam_mean); out['diam_labels'] = float(net.diam_labels)
if len(sys.argv) > 3:
    net.eval()
    x = torch.from_numpy(np.load(sys.argv[2]).astype(np.float32))[None]
    with torch.no_grad():
        y, style, _ = net(x)
    np.save(sys.argv[3], y[0].numpy().astype(np.float32))
print(json.dumps(out))
