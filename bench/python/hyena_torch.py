"""The Hyena operator (order 2) as the reference writes it (safari's standalone_hyena.py: in_proj, depthwise short
conv, implicit filter with shared Sin, exponential modulation, fftconv through torch.fft with n = 2L), timed on
PyTorch's CPU build, forward and forward+backward, for comparison with `hyena bench operator`.

This is a yardstick for the benchmarks only; HyenaIL never uses PyTorch. Debian: apt-get install python3-torch.
Usage: python3 bench/python/hyena_torch.py [--width 256] [--batch 1] [--lengths 4096,65536] [--threads 2] [--json]
"""
import argparse, json, math, statistics, time
import torch
import torch.nn as nn


def fftconv(u, k, D):
    seqlen = u.shape[-1]
    fft_size = 2 * seqlen
    k_f = torch.fft.rfft(k, n=fft_size) / fft_size
    u_f = torch.fft.rfft(u.to(dtype=k.dtype), n=fft_size)
    y = torch.fft.irfft(u_f * k_f, n=fft_size, norm="forward")[..., :seqlen]
    return (y + u * D.unsqueeze(-1)).to(dtype=u.dtype)


class Sin(nn.Module):
    def __init__(self, dim, w=10):
        super().__init__()
        self.freq = nn.Parameter(w * torch.ones(1, dim))

    def forward(self, x):
        return torch.sin(self.freq * x)


class PositionalEmbedding(nn.Module):
    def __init__(self, emb_dim, seq_len):
        super().__init__()
        t = torch.linspace(0, 1, seq_len)[None, :, None]
        bands = (emb_dim - 1) // 2
        t_rescaled = torch.linspace(0, seq_len - 1, seq_len)[None, :, None]
        w = 2 * math.pi * t_rescaled / seq_len
        f = torch.linspace(1e-4, bands - 1, bands)[None, None]
        z = torch.exp(-1j * f * w)
        self.register_buffer("z", torch.cat([t, z.real, z.imag], dim=-1))
        self.register_buffer("t", t)

    def forward(self, L):
        return self.z[:, :L], self.t[:, :L]


class HyenaFilter(nn.Module):
    def __init__(self, d_model, emb_dim=3, order=64, seq_len=1024, w=1):
        super().__init__()
        self.bias = nn.Parameter(torch.randn(d_model))
        self.pos_emb = PositionalEmbedding(emb_dim, seq_len)
        act = Sin(order, w)
        self.implicit_filter = nn.Sequential(nn.Linear(emb_dim, order), act, nn.Linear(order, order), act,
                                             nn.Linear(order, order), act, nn.Linear(order, d_model, bias=False))
        max_decay, min_decay = math.log(1e-2) / 0.3, math.log(1e-2) / 1.5
        self.register_buffer("deltas", torch.linspace(min_decay, max_decay, d_model)[None, None])

    def filter(self, L):
        z, t = self.pos_emb(L)
        h = self.implicit_filter(z)
        return h * torch.exp(-t * self.deltas.abs())


class HyenaOperator(nn.Module):
    def __init__(self, d_model, l_max, order=2, filter_order=64):
        super().__init__()
        self.d_model, self.order, self.l_max = d_model, order, l_max
        inner = d_model * (order + 1)
        self.in_proj = nn.Linear(d_model, inner)
        self.out_proj = nn.Linear(d_model, d_model)
        self.short_filter = nn.Conv1d(inner, inner, 3, padding=2, groups=inner)
        self.filter_fn = HyenaFilter(d_model * (order - 1), emb_dim=3, order=filter_order, seq_len=l_max)

    def forward(self, u):
        l = u.size(-2)
        u = self.in_proj(u).transpose(1, 2)
        uc = self.short_filter(u)[..., :l]
        *x, v = uc.split(self.d_model, dim=1)
        k = self.filter_fn.filter(l)[0].transpose(0, 1)
        for o, x_i in enumerate(reversed(x[1:])):
            v = v * x_i
            v = fftconv(v, k, self.filter_fn.bias)
        y = (v * x[0]).transpose(1, 2)
        return self.out_proj(y)


def median_ms(fn, repeats):
    start = time.time()
    while time.time() - start < 1.0:
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--lengths", default="4096,65536")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    for L in [int(x) for x in a.lengths.split(",")]:
        op = HyenaOperator(a.width, L)
        x = torch.randn(a.batch, L, a.width, requires_grad=True)
        g = torch.randn(a.batch, L, a.width)
        with torch.no_grad():
            fwd = median_ms(lambda: op(x), a.repeats)

        def fwd_bwd():
            op.zero_grad(set_to_none=True)
            x.grad = None
            op(x).backward(g)

        both = median_ms(fwd_bwd, a.repeats)
        row = {"name": "hyena operator (pytorch)", "device": f"cpu, {a.threads} threads, torch {torch.__version__}",
               "batch": a.batch, "width": a.width, "L": L, "forward_ms": round(fwd, 4), "forward_backward_ms": round(both, 4)}
        print(json.dumps(row) if a.json else f"L={L:6d}  forward {fwd:10.3f} ms   forward+backward {both:10.3f} ms")


if __name__ == "__main__":
    main()
