"""PyTorch CPU peer for depthstyle's benchmarks: the same networks, shapes,
losses and thread count as bench/*.ts. Usage: peer.py CASE THREADS [SPEC_DIR WARMUP]:
see main() for the protocol (bench/run.ts drives it)."""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

STYLE_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]
BLOCKS = [2, 2, 4, 4, 4]
CHANNELS = [64, 128, 256, 512, 512]
TAPS = [f"relu{b + 1}_{i + 1}" for b, n in enumerate(BLOCKS) for i in range(n)]
MEAN_BGR = torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)


class VGG19(nn.Module):
    def __init__(self):
        super().__init__()
        convs, cin = [], 3
        for b, n in enumerate(BLOCKS):
            for _ in range(n):
                convs.append(nn.Conv2d(cin, CHANNELS[b], 3, padding=1))
                cin = CHANNELS[b]
        self.convs = nn.ModuleList(convs)
        for p in self.parameters():
            p.requires_grad_(False)

    def forward(self, rgb255, taps):
        h = rgb255.flip(1) - MEAN_BGR
        deepest = max(TAPS.index(t) for t in taps)
        out, k = {}, 0
        for b, n in enumerate(BLOCKS):
            if k > deepest:
                break
            if b > 0:
                h = F.max_pool2d(h, 2)
            for _ in range(n):
                if k > deepest:
                    break
                h = F.relu(self.convs[k](h))
                if TAPS[k] in taps:
                    out[TAPS[k]] = h
                k += 1
        return out


def gram(f):
    n, c, h, w = f.shape
    f = f.reshape(n, c, h * w)
    return f.bmm(f.transpose(1, 2)) / (c * h * w)


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, k, stride=1):
        super().__init__()
        self.pad = nn.ReflectionPad2d(k // 2)
        self.conv = nn.Conv2d(cin, cout, k, stride)

    def forward(self, x):
        return self.conv(self.pad(x))


class TransformNet(nn.Module):
    """pytorch/examples fast_neural_style TransformerNet (nearest upsample + conv)."""

    def __init__(self, c=32):
        super().__init__()
        def cin(a, b, k, s=1):
            return nn.Sequential(ConvLayer(a, b, k, s), nn.InstanceNorm2d(b, affine=True))
        self.c1, self.c2, self.c3 = cin(3, c, 9), cin(c, 2 * c, 3, 2), cin(2 * c, 4 * c, 3, 2)
        self.res = nn.ModuleList([nn.ModuleList([cin(4 * c, 4 * c, 3), cin(4 * c, 4 * c, 3)]) for _ in range(5)])
        self.d1, self.d2 = cin(4 * c, 2 * c, 3), cin(2 * c, c, 3)
        self.d3 = ConvLayer(c, 3, 9)

    def forward(self, x):
        h = F.relu(self.c1(x))
        h = F.relu(self.c2(h))
        h = F.relu(self.c3(h))
        for a, b in self.res:
            h = h + b(F.relu(a(h)))
        h = F.relu(self.d1(F.interpolate(h, scale_factor=2, mode="nearest")))
        h = F.relu(self.d2(F.interpolate(h, scale_factor=2, mode="nearest")))
        return self.d3(h)


def tv_loss(y):
    return ((y[:, :, 1:] - y[:, :, :-1]) ** 2).mean() + ((y[:, :, :, 1:] - y[:, :, :, :-1]) ** 2).mean()


def rand_img(n, size):
    return torch.rand(n, 3, size, size) * 255


def vgg_forward(size):
    vgg = VGG19()
    x = rand_img(1, size)
    def run():
        with torch.no_grad():
            vgg(x, ["relu4_1"])
    return run


def targets(vgg, size, content_layer):
    with torch.no_grad():
        f = vgg(rand_img(1, size), STYLE_LAYERS + [content_layer])
        return [gram(f[l]) for l in STYLE_LAYERS], f[content_layer]


def gatys_step(size):
    vgg = VGG19()
    grams, content = targets(vgg, size, "relu4_2")
    img = rand_img(1, size).requires_grad_(True)
    def run():
        img.grad = None
        f = vgg(img, STYLE_LAYERS + ["relu4_2"])
        style = sum(F.mse_loss(gram(f[l]), t) for l, t in zip(STYLE_LAYERS, grams))
        loss = style * 1e5 + F.mse_loss(f["relu4_2"], content)
        loss.backward()
    return run


def transform_train_step(size, batch, forward_only=False):
    """A Johnson step; forward_only: the same loss without autograd, so step - forward is the backward's share."""
    vgg = VGG19()
    grams, _ = targets(vgg, size, "relu2_2")
    net = TransformNet(32)
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = rand_img(batch, size)
    def loss():
        y = net(x)
        fy = vgg(y, STYLE_LAYERS + ["relu2_2"])
        with torch.no_grad():
            fx = vgg(x, ["relu2_2"])
        style = sum(F.mse_loss(gram(fy[l]), t.expand(batch, -1, -1)) for l, t in zip(STYLE_LAYERS, grams))
        return F.mse_loss(fy["relu2_2"], fx["relu2_2"]) + style * 1e5 + tv_loss(y) * 1e-6

    def run():
        if forward_only:
            with torch.no_grad():
                loss()
            return
        opt.zero_grad()
        loss().backward()
        opt.step()
    return run


def conv_peak():
    """Eight chained 3x3 convolutions, 256 channels at 64x64: the machine's fp32 conv rate."""
    convs = [nn.Conv2d(256, 256, 3, padding=1, bias=False).eval() for _ in range(8)]
    x = torch.rand(1, 256, 64, 64)

    def run():
        with torch.no_grad():
            y = x
            for c in convs:
                y = c(y)

    return run


def strided_conv_input_grad():
    """A stride-2 3x3 conv (32->64 channels at 256x256, batch 4): forward and the input's gradient of sum(y*r)."""
    x = torch.rand(4, 32, 256, 256).requires_grad_(True)
    w = (torch.rand(64, 32, 3, 3) - 0.5) * 0.1
    r = torch.rand(4, 64, 128, 128) * 2 - 1

    def run():
        x.grad = None
        (F.conv2d(x, w, stride=2, padding=1) * r).sum().backward()

    return run


CASES = {
    "conv3x3-peak": conv_peak,
    "vgg19-relu4_1-forward-256": lambda: vgg_forward(256),
    "vgg19-relu4_1-forward-512": lambda: vgg_forward(512),
    "vgg19-fwd-bwd-input-256": lambda: gatys_step(256),
    "transform-train-step-256": lambda: transform_train_step(256, 1),
    "transform-train-forward-256": lambda: transform_train_step(256, 1, True),
    "conv-stride2-fwd-bwd-input-256": strided_conv_input_grad,
}


def spec_case(directory):
    """Runs a graph exported by bench/spec.ts with the equivalent torch ops."""
    import os
    with open(os.path.join(directory, "spec.json")) as f:
        spec = json.load(f)
    blob = torch.from_numpy(__import__("numpy").fromfile(os.path.join(directory, "weights.bin"), dtype="<f4"))

    def tensor(e):
        return blob[e["offset"]:e["offset"] + e["length"]].clone().reshape(e["shape"])

    consts = {c["name"]: tensor(c) for c in spec["constants"]}
    inputs = {i["name"]: tensor(i) for i in spec["inputs"]}
    grad = spec["mode"] in ("grad-input", "lbfgs")

    def pad_nd(x, pads, mode, value=0.0):
        r = x.dim()
        tp = []
        for a in range(r - 1, -1, -1):
            tp += [pads[a], pads[a + r]]
        while len(tp) > 2 and tp[-1] == 0 and tp[-2] == 0:
            tp = tp[:-2]
        if not any(tp):
            return x
        m = {"constant": "constant", "reflect": "reflect", "edge": "replicate"}[mode]
        return F.pad(x, tp, mode=m, value=value) if m == "constant" else F.pad(x, tp, mode=m)

    def conv(x, w, b, a, transpose=False):
        t, l, bo, r = a["pads"]
        if not transpose:
            if t == bo and l == r:
                return F.conv2d(x, w, b, a["strides"], (t, l), a["dilations"], a["group"])
            return F.conv2d(F.pad(x, (l, r, t, bo)), w, b, a["strides"], 0, a["dilations"], a["group"])
        y = F.conv_transpose2d(x, w, b, a["strides"], 0, a["outputPadding"], 1, a["dilations"])
        return y[:, :, t:y.shape[2] - bo, l:y.shape[3] - r]

    def slice_(x, a):
        for st, en, ax, sp in zip(a["starts"], a["ends"], a["axes"], a["steps"]):
            d = x.shape[ax]
            idx = list(range(d))[slice(st if st >= -d else None, en if en >= -d else None, sp)]
            x = x.index_select(ax, torch.tensor(idx))
        return x

    def resize(x, a):
        size = a.get("size") or [int(x.shape[2] * a["scales"][0]), int(x.shape[3] * a["scales"][1])]
        if a["mode"] == "nearest":
            return F.interpolate(x, size=size, mode="nearest")
        return F.interpolate(x, size=size, mode="bilinear", align_corners=a["coords"] == "align_corners")

    # ONNX's order (SpaceToDepth; DepthToSpace 'DCR'), not pixel_unshuffle's.
    def space_to_depth(x, s):
        n, c, h, w = x.shape
        return x.reshape(n, c, h // s, s, w // s, s).permute(0, 3, 5, 1, 2, 4).reshape(n, s * s * c, h // s, w // s)

    def depth_to_space(x, s):
        n, c, h, w = x.shape
        return x.reshape(n, s, s, c // (s * s), h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, c // (s * s), h * s, w * s)

    ops = {
        "Conv": lambda i, a: conv(i[0], i[1], i[2] if len(i) > 2 else None, a),
        "ConvTranspose": lambda i, a: conv(i[0], i[1], i[2] if len(i) > 2 else None, a, True),
        "Relu": lambda i, a: F.relu(i[0]),
        "LeakyRelu": lambda i, a: F.leaky_relu(i[0], a["alpha"]),
        "Tanh": lambda i, a: torch.tanh(i[0]),
        "Sigmoid": lambda i, a: torch.sigmoid(i[0]),
        "Add": lambda i, a: i[0] + i[1],
        "Sub": lambda i, a: i[0] - i[1],
        "Mul": lambda i, a: i[0] * i[1],
        "Div": lambda i, a: i[0] / i[1],
        "Max": lambda i, a: torch.maximum(i[0], i[1]),
        "Concat": lambda i, a: torch.cat(i, a["axis"]),
        "Resize": lambda i, a: resize(i[0], a),
        "Pad": lambda i, a: pad_nd(i[0], a["pads"], a["mode"], a["value"]),
        "Slice": lambda i, a: slice_(i[0], a),
        "InstanceNormalization": lambda i, a: F.instance_norm(i[0], weight=i[1], bias=i[2], eps=a["epsilon"]),
        "MaxPool": lambda i, a: F.max_pool2d(i[0], a["kernel"], a["strides"]),
        "ReduceSum": lambda i, a: i[0].sum(dim=a["axes"], keepdim=a["keepdims"]),
        "ReduceMean": lambda i, a: i[0].mean(dim=a["axes"], keepdim=a["keepdims"]),
        "Gram": lambda i, a: i[0].bmm(i[0].transpose(1, 2)),
        "Reshape": lambda i, a: i[0].reshape([d if d != 0 else i[0].shape[k] for k, d in enumerate(a["shape"])]),
        "Transpose": lambda i, a: i[0].permute(a["perm"]),
        "SpaceToDepth": lambda i, a: space_to_depth(i[0], a["blocksize"]),
        "DepthToSpace": lambda i, a: depth_to_space(i[0], a["blocksize"]),
        "MatMul": lambda i, a: i[0] @ i[1],
        "Sqrt": lambda i, a: torch.sqrt(i[0]),
        "CropLike": lambda i, a: i[0][:, :, :i[1].shape[2], :i[1].shape[3]],
    }
    for n in spec["nodes"]:
        if n["op"] not in ops:
            sys.exit(f"peer: op {n['op']} not supported in spec cases")

    if spec["mode"] == "train-step":
        params = [consts[n].requires_grad_(True) for n in spec["params"]]
        opt = torch.optim.Adam(params, lr=1e-3)

        def run_train():
            opt.zero_grad()
            env = dict(consts)
            env.update(inputs)
            for n in spec["nodes"]:
                env[n["outputs"][0]] = ops[n["op"]]([env[i] for i in n["inputs"]], n["attrs"])
            env[spec["outputs"][0]].sum().backward()
            opt.step()
        return run_train

    if spec["mode"] == "lbfgs":
        first = spec["inputs"][0]["name"]

        def run_lbfgs():
            x = inputs[first].clone().requires_grad_(True)
            opt = torch.optim.LBFGS([x], lr=1, max_iter=spec["iterations"], max_eval=4 * spec["iterations"],
                                    tolerance_grad=0, tolerance_change=0, history_size=50, line_search_fn="strong_wolfe")

            def closure():
                opt.zero_grad()
                env = dict(consts)
                env.update(inputs)
                env[first] = x
                for n in spec["nodes"]:
                    env[n["outputs"][0]] = ops[n["op"]]([env[i] for i in n["inputs"]], n["attrs"])
                loss = env[spec["outputs"][0]].sum()
                loss.backward()
                return loss
            opt.step(closure)
        return run_lbfgs

    def run():
        env = dict(consts)
        for k, v in inputs.items():
            env[k] = v.requires_grad_(True) if grad else v
        ctx = torch.enable_grad() if grad else torch.no_grad()
        with ctx:
            for n in spec["nodes"]:
                out = ops[n["op"]]([env[i] for i in n["inputs"]], n["attrs"])
                env[n["outputs"][0]] = out
            if grad:
                env[spec["outputs"][0]].sum().backward()
    return run


def main():
    """Serves timed runs for the interleaved bench: prints "ready" after the warm-up runs, then for each
    "run" line on stdin one run's seconds, until EOF. Ours and the peer alternate run by run, so the
    ratio is not skewed by the machine drifting between two long blocks of runs."""
    name, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if len(sys.argv) > 3:
        fn = spec_case(sys.argv[3])
    elif name not in CASES:
        sys.exit(f"peer: no case {name}")
    else:
        fn = CASES[name]()
    warmup = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    for _ in range(warmup):
        fn()
    if os.environ.get("PEER_PROFILE"):
        # Where the peer's time goes, to set beside bench/profile.ts: PEER_PROFILE=1 peer.py CASE THREADS.
        with torch.autograd.profiler.profile() as prof:
            for _ in range(3):
                fn()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=int(os.environ.get("TOP", 25))))
        return
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            sys.exit(f"peer: unknown command {line.strip()!r}")
        t0 = time.perf_counter()
        fn()
        print(json.dumps({"case": name, "seconds": time.perf_counter() - t0}), flush=True)


if __name__ == "__main__":
    main()
