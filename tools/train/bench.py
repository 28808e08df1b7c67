"""Times training steps of a config's transformers (no data): python bench.py cfg.json [batch]"""
import json, sys, time, torch
sys.path.insert(0, '.')
from train_dit import build, transformer_cfg
cfg = json.load(open(sys.argv[1]))
torch.set_num_threads(cfg.get("threads", 2))
bs = int(sys.argv[2]) if len(sys.argv) > 2 else cfg["batch"]
te, experts = build(cfg)
ps = [p for m in [te] + [e[2] for e in experts] for p in m.parameters()]
opt = torch.optim.AdamW(ps, lr=1e-4)
tc = transformer_cfg(cfg)
c, f, h, w = tc["latent_shape"]
shape = (bs, c, f, h, w) if cfg["kind"] == "video" else (bs, c, h, w)
print("params", [sum(p.numel() for p in e[2].parameters()) for e in experts], sum(p.numel() for p in te.parameters()))
for i in range(4):
    t0 = time.time()
    x = torch.randn(*shape); ids = torch.randint(0, 25, (bs, 16))
    th = te(ids)
    loss = 0
    n = len(experts)
    for j, (_, _, tr) in enumerate(experts):
        sl = slice(j * bs // n, (j + 1) * bs // n)
        loss = loss + tr(x[sl], torch.rand(bs // n), th[sl]).square().mean()
    opt.zero_grad(); loss.backward(); opt.step()
    print(f"iter {i} {time.time() - t0:.2f}s", flush=True)
