"""PyTorch side of `bench/run engine`: the same models, initialisation and optimizer as Starling's
engine (PyTorch's default init is the one Starling's engine uses), one thread, random 28x28
inputs, SGD with Nesterov momentum 0.5 and lr 0.05. Prints the same TSV lines as EngineBench."""
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(1)
SECONDS = 1.5


def model(name):
    if name == "logreg":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 200), nn.ReLU(),
                             nn.Linear(200, 10))
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def rate(step, bs):
    for rep in range(2):  # the first pass is the warm-up
        n = 0
        t0 = time.perf_counter()
        end = t0 + SECONDS
        while True:
            step()
            n += 1
            t = time.perf_counter()
            if t >= end:
                break
    return n * bs / (t - t0)


torch.manual_seed(1)
for name in ("logreg", "mlp", "cnn"):
    for bs in (32, 8):
        m = model(name)
        opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.5, nesterov=True)
        loss = nn.CrossEntropyLoss()
        x = torch.rand(bs, 1, 28, 28)
        y = torch.randint(0, 10, (bs,))

        def train():
            opt.zero_grad(set_to_none=True)
            loss(m(x), y).backward()
            opt.step()

        def evaluate():
            with torch.no_grad():
                m(x).argmax(1)

        tr = rate(train, bs)
        m.eval()
        ev = rate(evaluate, bs)
        m.train()
        print(f"pytorch\t{name}\t{bs}\ttrain\t{tr:.1f}")
        print(f"pytorch\t{name}\t{bs}\teval\t{ev:.1f}")
        sys.stdout.flush()
