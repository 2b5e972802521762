"""Writes the PyTorch parity fixtures of ReferenceParityTests.cs: a tiny Hyena language model stated as safari's
SimpleLMHeadModel with the full HyenaOperator (HazyResearch/safari @ 02220c6, src/models/sequence/{simple_lm,hyena}.py;
reference/hyena.md §1-3), its state_dict as a converted reference checkpoint, and the logits it computes.

  reference_lm.safetensors   the state_dict, every name the reference saves (the tied lm_head.weight and the shared
                             Sin's .1/.3/.5.freq included, each with its own bytes, as a converter from state_dict writes
                             them), little-endian F32, written by hand; __metadata__ is {"format": "pt"} only, no
                             HyenaIL config, so HyenaIL must infer the architecture from names and shapes.
  reference_lm_logits.json   for each case: the input ids, and the logits in float32 (shortest round-trip decimals)
                             and in float64 (the same model and weights cast with .double()).

The weights are random but not the reference's GPT-2 initialisation alone: LayerNorm weights and biases, the Sin
frequency, the biases and z are moved off their defaults so every parameter reaches the logits (see perturb()).

Run with Debian's interpreter and python3-torch 1.13 (no other packages), from anywhere:
  /usr/bin/python3 tests/Layers.Tests/Fixtures/make_reference_lm.py
The output is deterministic for a given torch build; HyenaIL's tests read the committed files and never run Python.
"""
import copy
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG = dict(
    vocab_size=11, pad_vocab_size_multiple=8,   # 11 tokens, an embedding table of 16 rows (safari pads the vocabulary)
    d_model=8, n_layer=2, d_inner=16,
    l_max=20, order=2, filter_order=8, emb_dim=5, short_filter_order=3, w=10.0,
    lr_pos_emb=1e-5,                            # nonzero: z is a trained Parameter (the Pile config), t and deltas buffers
    seed=20231,
)
CASES = [(2, 13), (1, 20)]                      # (batch, L): an odd L below l_max, and L = l_max


# --- src/models/sequence/hyena.py ------------------------------------------------------------------------------------
def fftconv_ref(u, k, D):
    """safari's fftconv_ref with gelu=False, dropout_mask=None (reference §1.5): n = 2L, 1/n on K, norm='forward'."""
    seqlen = u.shape[-1]
    fft_size = 2 * seqlen
    k_f = torch.fft.rfft(k, n=fft_size) / fft_size
    u_f = torch.fft.rfft(u.to(dtype=k.dtype), n=fft_size)
    if len(u.shape) > 3:
        k_f = k_f.unsqueeze(1)
    y = torch.fft.irfft(u_f * k_f, n=fft_size, norm="forward")[..., :seqlen]
    out = y + u * D.unsqueeze(-1)
    return out.to(dtype=u.dtype)


class OptimModule(nn.Module):
    def register(self, name, tensor, lr=None):
        """src/utils/train.py: a buffer when lr is exactly 0.0, else a Parameter."""
        if lr == 0.0:
            self.register_buffer(name, tensor)
        else:
            self.register_parameter(name, nn.Parameter(tensor))


class Sin(nn.Module):
    def __init__(self, dim, w=10):
        super().__init__()
        self.freq = nn.Parameter(w * torch.ones(1, dim))

    def forward(self, x):
        return torch.sin(self.freq * x)


class PositionalEmbedding(OptimModule):
    def __init__(self, emb_dim, seq_len, lr_pos_emb=1e-5):
        super().__init__()
        self.seq_len = seq_len
        t = torch.linspace(0, 1, self.seq_len)[None, :, None]                       # 1, L, 1
        bands = (emb_dim - 1) // 2
        t_rescaled = torch.linspace(0, seq_len - 1, seq_len)[None, :, None]
        w = 2 * math.pi * t_rescaled / seq_len                                        # 1, L, 1
        f = torch.linspace(1e-4, bands - 1, bands)[None, None]
        z = torch.exp(-1j * f * w)
        z = torch.cat([t, z.real, z.imag], dim=-1)
        self.register("z", z, lr=lr_pos_emb)
        self.register("t", t, lr=0.0)

    def forward(self, L):
        return self.z[:, :L], self.t[:, :L]


class ExponentialModulation(OptimModule):
    def __init__(self, d_model, fast_decay_pct=0.3, slow_decay_pct=1.5, target=1e-2, modulation_lr=0.0,
                 modulate=True, shift=0.0):
        super().__init__()
        self.modulate = modulate
        self.shift = shift
        max_decay = math.log(target) / fast_decay_pct
        min_decay = math.log(target) / slow_decay_pct
        deltas = torch.linspace(min_decay, max_decay, d_model)[None, None]
        self.register("deltas", deltas, lr=modulation_lr)

    def forward(self, t, x):
        if self.modulate:
            decay = torch.exp(-t * self.deltas.abs())
            x = x * (decay + self.shift)
        return x


class HyenaFilter(OptimModule):
    def __init__(self, d_model, emb_dim=3, order=16, seq_len=1024, lr_pos_emb=1e-5, w=1, num_inner_mlps=2):
        super().__init__()
        self.d_model = d_model
        self.bias = nn.Parameter(torch.randn(self.d_model))
        act = Sin(dim=order, w=w)                                                     # ONE Sin, at 1, 3 and 5
        self.pos_emb = PositionalEmbedding(emb_dim, seq_len, lr_pos_emb)
        self.implicit_filter = nn.Sequential(nn.Linear(emb_dim, order), act)
        for _ in range(num_inner_mlps):
            self.implicit_filter.append(nn.Linear(order, order))
            self.implicit_filter.append(act)
        self.implicit_filter.append(nn.Linear(order, d_model, bias=False))
        self.modulation = ExponentialModulation(d_model)

    def filter(self, L):
        z, t = self.pos_emb(L)
        h = self.implicit_filter(z)
        return self.modulation(t, h)

    def forward(self, x, L, k, bias):
        return fftconv_ref(x, k, bias)


class HyenaOperator(nn.Module):
    """num_heads = 1, inner_factor = 1, num_blocks = 1, no outer mixing, no post-order FFN, identity activation; the
    einops rearranges of the original are written as the reshapes they are for these settings."""

    def __init__(self, d_model, l_max, order=2, filter_order=64, short_filter_order=3, **filter_args):
        super().__init__()
        self.d_model, self.l_max, self.order, self.head_dim = d_model, l_max, order, d_model
        self.dropout = nn.Dropout(0.0)
        self.out_proj = nn.Linear(d_model, d_model)
        self.in_proj = nn.Linear(d_model, (order + 1) * d_model)
        total_width = d_model * (order + 1)
        self.short_filter = nn.Conv1d(total_width, total_width, kernel_size=short_filter_order, groups=total_width,
                                      padding=short_filter_order - 1)
        self.filter_fn = HyenaFilter(d_model * (order - 1), order=filter_order, seq_len=l_max, **filter_args)

    def forward(self, u):
        l = u.size(-2)
        l_filter = min(l, self.l_max)
        u = self.in_proj(u)
        u = u.transpose(1, 2)                                                         # 'b l d -> b d l'
        uc = self.short_filter(u)[..., :l_filter]
        b = uc.shape[0]
        uc = uc.reshape(b, 1, self.head_dim * (self.order + 1), 1, l_filter)          # 'b (ho v) (z l) -> b ho v z l'
        *x, v = uc.split(self.d_model, dim=2)
        k = self.filter_fn.filter(l_filter)                                           # (1, L, (v o))
        k = k.reshape(1, l_filter, self.head_dim, self.order - 1).permute(0, 3, 2, 1)[0]   # 'c l (v o) -> c o v l'[0]
        bias = self.filter_fn.bias.reshape(self.head_dim, self.order - 1).t()        # '(v o) -> o v'
        for o, x_i in enumerate(reversed(x[1:])):
            v = self.dropout(v * x_i)
            v = self.filter_fn(v, l_filter, k=k[o], bias=bias[o, None, :, None])
        y = (v * x[0]).reshape(b, self.d_model, l_filter).transpose(1, 2)           # 'b h v z l -> b (z l) (h v)'
        return self.out_proj(y)


# --- src/models/sequence/simple_lm.py --------------------------------------------------------------------------------
class GPT2Embeddings(nn.Module):
    def __init__(self, embed_dim, vocab_size):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, embed_dim)                   # max_position_embeddings = 0

    def forward(self, input_ids):
        return self.word_embeddings(input_ids)


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.activation = lambda x: F.gelu(x, approximate="tanh")
        self.fc2 = nn.Linear(hidden_features, in_features)

    def forward(self, x):
        return self.fc2(self.activation(self.fc1(x)))


class Block(nn.Module):
    """prenorm=True in the flash-attn layout: Dropout -> Add -> LN -> mixer -> Dropout -> Add -> LN -> MLP."""

    def __init__(self, dim, mixer, d_inner, eps, resid_dropout1, resid_dropout2):
        super().__init__()
        self.mixer = mixer
        self.dropout1 = nn.Dropout(resid_dropout1)
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, d_inner)
        self.dropout2 = nn.Dropout(resid_dropout2)
        self.norm2 = nn.LayerNorm(dim, eps=eps)

    def forward(self, hidden_states, residual=None):
        dropped = self.dropout1(hidden_states)
        residual = (dropped + residual) if residual is not None else dropped
        hidden_states = self.mixer(self.norm1(residual))
        dropped = self.dropout2(hidden_states)
        residual = dropped + residual
        hidden_states = self.mlp(self.norm2(residual))
        return hidden_states, residual


def _init_weights(module, n_layer, initializer_range=0.02):
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, std=initializer_range)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, std=initializer_range)
    for name, p in module.named_parameters():
        if name in ["out_proj.weight", "fc2.weight"]:
            nn.init.normal_(p, mean=0.0, std=initializer_range / math.sqrt(2 * n_layer))


class LMBackbone(nn.Module):
    def __init__(self, d_model, n_layer, d_inner, vocab_size, layer, embed_dropout=0.1, resid_dropout=0.0, eps=1e-5):
        super().__init__()
        self.embeddings = GPT2Embeddings(d_model, vocab_size)
        self.layers = nn.ModuleList([Block(d_model, HyenaOperator(d_model, **layer), d_inner, eps,
                                           embed_dropout if i == 0 else resid_dropout, resid_dropout)
                                     for i in range(n_layer)])
        self.drop_f = nn.Dropout(resid_dropout)
        self.ln_f = nn.LayerNorm(d_model, eps=eps)
        self.apply(lambda m: _init_weights(m, n_layer))

    def forward(self, input_ids):
        hidden_states = self.embeddings(input_ids)
        residual = None
        for layer in self.layers:
            hidden_states, residual = layer(hidden_states, residual)
        dropped = self.drop_f(hidden_states)
        residual = dropped + residual
        return self.ln_f(residual)


class SimpleLMHeadModel(nn.Module):
    def __init__(self, d_model, n_layer, d_inner, vocab_size, layer, pad_vocab_size_multiple=1):
        super().__init__()
        if vocab_size % pad_vocab_size_multiple != 0:
            vocab_size += pad_vocab_size_multiple - (vocab_size % pad_vocab_size_multiple)
        self.backbone = LMBackbone(d_model, n_layer, d_inner, vocab_size, layer)
        self.lm_head = nn.Linear(d_model, vocab_size, bias=False)
        self.apply(lambda m: _init_weights(m, n_layer))
        self.lm_head.weight = self.backbone.embeddings.word_embeddings.weight     # tie_weights()

    def forward(self, input_ids):
        return self.lm_head(self.backbone(input_ids))


# --- the fixture -----------------------------------------------------------------------------------------------------
def build():
    c = CONFIG
    torch.manual_seed(c["seed"])
    layer = dict(l_max=c["l_max"], order=c["order"], filter_order=c["filter_order"],
                 short_filter_order=c["short_filter_order"], emb_dim=c["emb_dim"], w=c["w"], lr_pos_emb=c["lr_pos_emb"])
    model = SimpleLMHeadModel(c["d_model"], c["n_layer"], c["d_inner"], c["vocab_size"], layer,
                              c["pad_vocab_size_multiple"])
    perturb(model, torch.Generator().manual_seed(c["seed"] + 1))
    return model.eval()


def perturb(model, g):
    """Moves every parameter to a scale where it visibly shapes the logits, away from the defaults (LayerNorm 1/0,
    freq = w, zero biases). The filter MLP keeps small weights: each Sin layer multiplies perturbations by about
    freq·std·√W, and near 1 per layer keeps float32 rounding from being amplified (GPT-2's 0.02 gives 0.6)."""
    def normal(p, std, mean=0.0):
        p.copy_(mean + std * torch.randn(p.shape, generator=g))

    with torch.no_grad():
        for name, p in model.named_parameters():                  # shared tensors once (lm_head, the Sin freq)
            if name.endswith("word_embeddings.weight"):
                normal(p, 1.0)
            elif ".implicit_filter." in name and name.endswith(".freq"):
                p.copy_(CONFIG["w"] + 4 * (torch.rand(p.shape, generator=g) - 0.5))
            elif ".implicit_filter.6." in name:                   # the last Linear: sets |k|, no Sin after it
                normal(p, 0.3)
            elif ".implicit_filter." in name:
                normal(p, 0.04 if name.endswith(".weight") else 0.1)
            elif name.endswith("pos_emb.z"):                      # trained z: column 0 no longer equals t
                normal(p, 0.01, mean=p.clone())
            elif "norm" in name or "ln_f" in name:
                normal(p, 0.3, mean=1.0) if name.endswith(".weight") else normal(p, 0.2)
            elif "short_filter" in name or name.endswith("filter_fn.bias"):
                pass                                              # PyTorch's Conv1d default U(±1/√3); D ~ N(0, 1)
            elif name.endswith(".weight"):                        # in_proj, out_proj, fc1, fc2
                normal(p, 1.0 / math.sqrt(p.shape[1]))
            elif name.endswith(".bias"):
                normal(p, 0.1)
            else:
                raise ValueError(f"perturb: no rule for {name}")


def write_safetensors(path, state_dict, metadata):
    header, blobs, offset = {}, [], 0
    for name, t in state_dict.items():
        data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def f32(x):
    return float(np.format_float_positional(np.float32(x), unique=True, trim="-"))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    torch.set_num_threads(1)
    model = build()
    model64 = copy.deepcopy(model).double()                      # the same weights, every op in float64
    g = torch.Generator().manual_seed(CONFIG["seed"] + 2)
    cases = []
    with torch.no_grad():
        for batch, length in CASES:
            ids = torch.randint(0, CONFIG["vocab_size"], (batch, length), generator=g)
            logits = model(ids)
            logits64 = model64(ids)
            rel = ((logits.double() - logits64).abs().max() / logits64.abs().max()).item()
            print(f"B={batch} L={length}: logits {tuple(logits.shape)}, max |logit| {logits64.abs().max().item():.3f}, "
                  f"float32 vs float64 max abs / max |logit| = {rel:.2e}")
            cases.append({
                "batch": batch, "length": length, "vocab": logits.shape[-1],
                "ids": ids.flatten().tolist(),
                "logits_float32": [f32(v) for v in logits.flatten().tolist()],
                "logits_float64": logits64.flatten().tolist(),
                "float32_vs_float64": rel,
            })
    state = model.state_dict()
    write_safetensors(os.path.join(here, "reference_lm.safetensors"), state, {"format": "pt"})
    with open(os.path.join(here, "reference_lm_logits.json"), "w") as f:
        json.dump({"generator": "make_reference_lm.py", "torch": torch.__version__, "config": CONFIG,
                   "state_dict_names": len(state), "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"{len(state)} tensors written")


if __name__ == "__main__":
    main()
