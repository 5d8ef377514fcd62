"""One training recipe per seed: the data each stage draws, its losses and optimisers.

A recipe owns the network (``self.net``, the registry model that ships), any auxiliary
networks (discriminator, critic, VGG) and their optimisers; :meth:`Recipe.step` draws one
batch from the seeded generator, updates the networks and returns the loss terms.

* **masked** (Santos et al.): stage ``inpaint`` — photos with random holes filled with
  white, L1 between log(1 + H) of the blended output and the photo inside the holes;
  stage ``hdr`` — virtual-camera shots of textured patches (Santos' sampling), L1 in the
  log domain over the saturated area (1 − β) plus, with ``--vgg``, the perceptual and style
  terms on the blended output (weights 0.1 / 1e3 of Santos' normalised form), otherwise the
  fallback: L1 of log-domain gradients in the saturated area (weight ``grad_weight``).
* **declipnet** (Honig & Werman): DeclipNet's clipping recipe on photos, the loss taken on
  the output composited as at inference (network values where the input clipped, input
  elsewhere: :func:`keep_unclipped`); 0.81·MSE +
  0.095·perceptual (only with ``--vgg``) + 0.095·adversarial, Adam β1 = 0.5 with gradient
  clipping for the generator, SGD at 0.1× the learning rate for the discriminator,
  alternating.
* **drht** (Yang et al.): stage ``f1`` — MSE between Ŝ and (α·Y)^γ; stage ``joint`` — f1 and
  f2 together, MSE on Ŝ plus ε·MSE on the corrected LDR (composited like DeclipNet's) against
  the unclipped camera
  response; every other batch is a DeclipNet photo pair that supervises the LDR head only.
* **hybrid** (base/detail): base net L1 to the WLS base of the PQ/Rec.2020 target, detail
  net L_p-conv = δ·L_rec + (1 − δ)·(1 − SSIM) with L_rec = 10·L_hole + L_valid (δ = 0.85) in
  stage ``pconv``; in stage ``context`` the contextual branch adds WGAN-GP (critic on the
  whole detail layer and on its masked part) with ρ = 2 / 1 / 0.01; the refinement output
  is trained with L1 to the full target throughout (plus, with ``refine_hole_weight``, that
  weight times the L1 inside the mask).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from hdr_studio.training import losses as L
from hdr_studio.training.samplers import HdrPool, PhotoPool, masked_batch, to_nchw


def keep_unclipped(x: torch.Tensor, y: torch.Tensor, band: float = 0.01) -> torch.Tensor:
    """Torch twin of :func:`hdr_studio.inference.specs.keep_unclipped`."""
    w = ((x - (1 - band)) / band).clamp(0, 1) + ((band - x) / band).clamp(0, 1)
    return w * y + (1 - w) * x


def _t(a: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).to(device)


class Recipe:
    name: ClassVar[str]
    needs_hdr: ClassVar[bool] = True
    needs_photos: ClassVar[bool] = False

    def __init__(
        self, net: nn.Module, cfg: dict[str, Any], device: torch.device, vgg: L.VGGFeatures | None
    ):
        self.net = net.to(device)
        self.cfg = cfg
        self.device = device
        self.vgg = vgg.to(device) if vgg is not None else None
        self.hdr: HdrPool | None = None
        self.photos: PhotoPool | None = None
        self.aux: dict[str, nn.Module] = {}
        self.optims: dict[str, torch.optim.Optimizer] = {}
        self.stage = ""
        #: The folder a config's ``shipped`` names (``teacher``; None: the package's weights).
        self.shipped: Path | None = None
        #: The number format the trained network's forward pass computes in (None: fp32):
        #: bf16 under autocast, as the networks run at inference on CPUs with AMX or
        #: AVX-512 BF16 and on GPUs; weights, gradients, optimiser state and losses stay
        #: fp32 (:func:`resolve_train_precision`).
        self.amp: torch.dtype | None = None

    # -- set-up -------------------------------------------------------------------------
    def make_optimisers(self, lr: float) -> None:
        self.optims["net"] = torch.optim.Adam(self.net.parameters(), lr=lr)

    def set_stage(self, stage: dict[str, Any]) -> None:
        self.stage = stage["name"]
        for opt in self.optims.values():
            for g in opt.param_groups:
                g["lr"] = float(stage["lr"]) * g.get("lr_scale", 1.0)

    def modules(self) -> dict[str, nn.Module]:
        return {"net": self.net, **self.aux}

    def _update(self, loss: torch.Tensor, opt: str = "net", clip: float = 1.0) -> None:
        o = self.optims[opt]
        o.zero_grad(set_to_none=True)
        loss.backward()
        params = [p for g in o.param_groups for p in g["params"]]
        torch.nn.utils.clip_grad_norm_(params, clip)
        o.step()

    def step(self, rng: np.random.Generator) -> dict[str, float]:
        return self.learn(self.draw(rng, self.stage))

    def forward(self, fn: Any, *args: torch.Tensor) -> Any:
        """``fn(*args)`` (the trained network or one of its parts) in :attr:`amp`, its
        outputs back in fp32 for the losses. Auxiliary networks (discriminator, critic,
        VGG) are called directly, in fp32."""
        if self.amp is None:
            return fn(*args)
        with torch.autocast(self.device.type, dtype=self.amp):
            out = fn(*args)
        if isinstance(out, tuple):
            return tuple(o.float() for o in out)
        return out.float()

    # A recipe that splits its step into drawing a batch (``drawer``: a torch-free function
    # of the data pools, the config, a generator and the stage, which worker processes can
    # run: ``--workers``) and ``learn`` (the update) needs no ``step`` of its own.
    drawer: ClassVar[Any] = None

    def draw(self, rng: np.random.Generator, stage: str) -> dict[str, np.ndarray]:
        return type(self).drawer(self.hdr, self.photos, self.cfg, rng, stage)

    def learn(self, batch: dict[str, np.ndarray]) -> dict[str, float]:
        raise NotImplementedError

    @classmethod
    def draws_in_workers(cls) -> bool:
        return cls.drawer is not None


class MaskedRecipe(Recipe):
    name = "masked"
    needs_photos = True

    drawer = staticmethod(masked_batch)
    _teacher: nn.Module | None = None

    def teacher(self) -> nn.Module:
        """The network whose estimates the student also learns towards (``teacher``:
        ``shipped``, ``shipped@REV`` or a models folder; ``teacher_share`` of the loss),
        loaded once, frozen.
        Distilling the shipped ensemble into one network gives most of its gain at a third
        of its time."""
        if self._teacher is None:
            from hdr_studio.inference.pipeline import load_model
            from hdr_studio.training.shipped import resolve

            folder, _commit = resolve(self.cfg.get("teacher", "shipped"), self.name, self.shipped)
            net = load_model(self.name, str(self.device), folder).net
            for p in net.parameters():
                p.requires_grad_(False)
            self._teacher = net
        return self._teacher

    def learn(self, batch: dict[str, np.ndarray]) -> dict[str, float]:
        from hdr_studio.inference.masked import LOG_CAP, beta

        c, dev = self.cfg, self.device
        x, lin = _t(batch["x"], dev), _t(batch["lin"], dev)
        y = self.forward(self.net, x)
        if "truth" not in batch:  # inpainting pre-training
            sat = 1 - beta(x)
            loss = L.masked_l1(y, torch.log1p(lin), sat) + 0.1 * L.masked_l1(
                y, torch.log1p(lin), 1 - sat
            )
            self._update(loss)
            return {"loss": loss.item()}
        truth = _t(batch["truth"], dev)
        m = beta(x)
        # Where β = 1 nothing constrains y; capped so that 0 · exp(y) never becomes 0 · inf.
        h = m * lin + (1 - m) * torch.expm1(y.clamp(max=LOG_CAP))
        sat = 1 - m
        log_h, log_t = torch.log1p(h.clamp(min=0)), torch.log1p(truth)
        l1 = L.masked_l1(log_h, log_t, sat)
        terms = {"l1_log": l1.item()}
        loss = l1
        share = float(c.get("teacher_share", 0.0))
        share_real = c.get("teacher_share_real")
        if share > 0 or share_real is not None:
            # distillation: the same terms towards the teacher's estimate too
            with torch.no_grad():
                y_t = self.forward(self.teacher(), x)
                h_t = m * lin + (1 - m) * torch.expm1(y_t.clamp(max=LOG_CAP))
                log_teacher = torch.log1p(h_t.clamp(min=0))
            if share_real is not None and "real" in batch:
                # a share per shot: ``teacher_share_real`` on real photographs' crops,
                # ``teacher_share`` on renders, as one target blended from the two
                real = _t(batch["real"], dev).view(-1, 1, 1, 1)
                s = real * float(share_real) + (1 - real) * share
                target = s * log_teacher + (1 - s) * log_t
                l1_b = L.masked_l1(log_h, target, sat)
                g_b = L.gradient_l1(log_h, target, sat)
                terms.update(l1_target=l1_b.item(), grad_target=g_b.item())
                loss = l1_b + c.get("grad_weight", 0.5) * g_b
                share = 1.0  # the truth's gradient term is inside the target's
            else:
                l1_t = L.masked_l1(log_h, log_teacher, sat)
                g_t = L.gradient_l1(log_h, log_teacher, sat)
                terms.update(l1_teacher=l1_t.item(), grad_teacher=g_t.item())
                loss = (1 - share) * l1 + share * (l1_t + c.get("grad_weight", 0.5) * g_t)
        if self.vgg is not None:
            # Display-referred inputs for VGG: a simple global tone curve of both images.
            perc, style = L.perceptual_style(self.vgg, log_h / (1 + log_h), log_t / (1 + log_t))
            loss = (
                loss + c.get("perceptual_weight", 0.1) * perc + c.get("style_weight", 1e3) * style
            )
            terms.update(perceptual=perc.item(), style=style.item())
        else:
            g = L.gradient_l1(log_h, log_t, sat)
            loss = loss + (1 - share) * c.get("grad_weight", 0.5) * g
            terms["grad_log"] = g.item()
        if c.get("peak_weight", 0.0) > 0:
            pk = L.peak_l1(log_h, log_t, sat, c.get("peak_share", 0.01))
            loss = loss + c["peak_weight"] * pk
            terms["peak"] = pk.item()
        if c.get("chroma_weight", 0.0) > 0:
            ch = L.chroma_l1(h, truth, sat)
            loss = loss + c["chroma_weight"] * ch
            terms["chroma"] = ch.item()
        self._update(loss)
        terms["loss"] = loss.item()
        return terms


class DeclipNetRecipe(Recipe):
    name = "declipnet"
    needs_hdr = False
    needs_photos = True

    def make_optimisers(self, lr):
        from hdr_studio.inference.declipnet import DeclipDiscriminator

        self.aux["disc"] = DeclipDiscriminator(self.cfg.get("disc_width", 16)).to(self.device)
        self.optims["net"] = torch.optim.Adam(self.net.parameters(), lr=lr, betas=(0.5, 0.999))
        self.optims["disc"] = torch.optim.SGD(self.aux["disc"].parameters(), lr=0.1 * lr)
        self.optims["disc"].param_groups[0]["lr_scale"] = 0.1

    def step(self, rng):
        c, dev = self.cfg, self.device
        assert self.photos is not None, "needs_photos: the trainer loads the photo pool"
        x, t = self.photos.declip(rng, c["batch"], c["patch"])
        x, t = _t(x, dev), _t(t, dev)
        disc = self.aux["disc"]
        y = keep_unclipped(x, self.forward(self.net, x))
        # Discriminator: natural (target) vs generated.
        d_loss = L.gan_bce(disc(t), True) + L.gan_bce(disc(y.detach()), False)
        self._update(d_loss, "disc")
        mse = ((y - t) ** 2).mean()
        adv = L.gan_bce(disc(y), True)
        loss = 0.81 * mse + 0.095 * adv
        terms = {"mse": mse.item(), "adv": adv.item(), "disc": d_loss.item()}
        if self.vgg is not None:
            fa, fb = self.vgg(y.clamp(0, 1)), self.vgg(t.clamp(0, 1))
            perc = sum(((a - b) ** 2).mean() for a, b in zip(fa, fb, strict=True))
            assert isinstance(perc, torch.Tensor)  # sum() starts at 0; the taps make a tensor
            loss = loss + 0.095 * perc
            terms["perceptual"] = perc.item()
        self._update(loss)
        terms["loss"] = loss.item()
        return terms


class DRHTRecipe(Recipe):
    name = "drht"
    needs_photos = True

    def step(self, rng):
        from hdr_studio.inference.drht import DRHT, compress

        c, dev = self.cfg, self.device
        net = self.net
        assert isinstance(net, DRHT)  # the drht spec builds one
        if self.stage == "joint" and rng.random() < c.get("photo_share", 0.5):
            assert self.photos is not None, "needs_photos: the trainer loads the photo pool"
            x, t = self.photos.declip(rng, c["batch"], c["patch"])
            x, t = _t(x, dev), _t(t, dev)
            ldr = keep_unclipped(x, self.forward(net, x)[:, 3:6])
            loss = ((ldr - t) ** 2).mean()
            self._update(loss)
            return {"loss": loss.item(), "ldr_photo": loss.item()}
        assert self.hdr is not None, "needs_hdr: the trainer loads the HDR pool"
        b = self.hdr.shots(rng, c["batch"], c["patch"])
        x, truth, ldr_t = _t(b.code, dev), _t(b.truth, dev), _t(b.ldr, dev)
        target_s = compress(truth)
        if self.stage == "f1":
            s = self.forward(net.estimate, x)
            loss = ((s - target_s) ** 2).mean()
            self._update(loss)
            return {"loss": loss.item(), "hdr": loss.item()}
        out = self.forward(net, x)
        l_hdr = ((out[:, 0:3] - target_s) ** 2).mean()
        l_ldr = ((keep_unclipped(x, out[:, 3:6]) - ldr_t) ** 2).mean()
        loss = l_hdr + c.get("epsilon", 1.0) * l_ldr
        self._update(loss)
        return {"loss": loss.item(), "hdr": l_hdr.item(), "ldr": l_ldr.item()}


class HybridRecipe(Recipe):
    name = "hybrid"

    def make_optimisers(self, lr):
        self.aux["critic"] = L.Critic(3, self.cfg.get("critic_width", 16)).to(self.device)
        self.optims["net"] = torch.optim.Adam(self.net.parameters(), lr=lr)
        self.optims["critic"] = torch.optim.Adam(
            self.aux["critic"].parameters(), lr=lr, betas=(0.5, 0.9)
        )

    @staticmethod
    def prepare(code: np.ndarray, truth: np.ndarray, tau: float) -> tuple[np.ndarray, ...]:
        """Inputs (S_b, S_d, M) and targets (H, H_b, H_d) for NCHW batches (numpy). Training
        uses the fast separable WLS solver (it agrees with the exact one at 38–44 dB)."""
        from hdr_studio.core.clipping import hybrid_mask
        from hdr_studio.core.decompose import decompose
        from hdr_studio.core.gamut import convert_primaries
        from hdr_studio.core.transfer import REFERENCE_WHITE_NITS, pq_encode

        xs, hs, hbs, hds = [], [], [], []
        for s, y in zip(code.transpose(0, 2, 3, 1), truth.transpose(0, 2, 3, 1), strict=True):
            base, detail = decompose(s, method="fast")
            xs.append(np.concatenate([base, detail, hybrid_mask(base, tau)], axis=2))
            h = pq_encode(
                np.maximum(convert_primaries(y, "rec709", "rec2020"), 0)
                * np.float32(REFERENCE_WHITE_NITS)
            )
            hb, hd = decompose(h, method="fast")
            hs.append(h)
            hbs.append(hb)
            hds.append(hd)
        return to_nchw(xs), to_nchw(hs), to_nchw(hbs), to_nchw(hds)

    def step(self, rng):
        from hdr_studio.inference.hybrid import HybridNet

        c, dev = self.cfg, self.device
        assert isinstance(self.net, HybridNet)  # the hybrid spec builds one
        assert self.hdr is not None, "needs_hdr: the trainer loads the HDR pool"
        b = self.hdr.shots(rng, c["batch"], c["patch"], textured=True)
        x, h, hb, hd = (_t(a, dev) for a in self.prepare(b.code, b.truth, c.get("tau", 0.95)))
        mask = x[:, 6:9]
        h_b, h_d, out = self.forward(self.net.parts, x)
        l_base = (h_b - hb).abs().mean()
        l_rec = 10 * L.masked_l1(h_d, hd, mask) + L.masked_l1(h_d, hd, 1 - mask)
        l_ssim = 1 - L.ssim(h_d, hd, data_range=2.0)
        l_ref = (out - h).abs().mean()
        if c.get("refine_hole_weight"):
            # The refinement output's L1 weighted up inside the clipped region, as L_rec
            # weights the detail net's holes: elsewhere the output is the measurement anyway.
            l_ref = l_ref + c["refine_hole_weight"] * L.masked_l1(out, h, mask)
        terms = {
            "base": l_base.item(),
            "rec": l_rec.item(),
            "ssim": l_ssim.item(),
            "refine": l_ref.item(),
        }
        if self.stage == "context":
            critic = self.aux["critic"]
            fake = h_d.detach()
            # Critic on the whole detail layer and on its masked part.
            c_loss = (
                critic(fake).mean() - critic(hd).mean()
                + critic(fake * mask).mean() - critic(hd * mask).mean()
                + 10 * L.gradient_penalty(critic, hd, fake)
            )  # fmt: skip
            self._update(c_loss, "critic", clip=10.0)
            l_wgan = -(critic(h_d).mean() + critic(h_d * mask).mean())
            l_detail = 2 * l_rec + 1 * l_ssim + 0.01 * l_wgan
            terms.update(wgan=l_wgan.item(), critic=c_loss.item())
        else:
            d = 0.85
            l_detail = d * l_rec + (1 - d) * l_ssim
        loss = l_base + l_detail + l_ref
        self._update(loss)
        terms["loss"] = loss.item()
        return terms


def resolve_train_precision(device: torch.device, precision: str) -> torch.dtype | None:
    """The autocast dtype a training run's forward passes use: ``fp32`` (None, the default:
    the shipped weights were trained so), ``bf16``, or ``auto`` — bf16 where the hardware
    computes it natively (a CPU with AMX or AVX-512 BF16, a GPU with bf16), else fp32.
    fp16 is refused: it would need loss scaling, which these recipes do not do."""
    from hdr_studio.inference.devices import DeviceError, resolve_precision

    if precision == "fp16":
        raise DeviceError("fp16 training needs loss scaling: use --precision bf16 or fp32")
    dtype = resolve_precision(device, precision)
    return dtype if dtype is torch.bfloat16 else None


RECIPES: dict[str, type[Recipe]] = {
    r.name: r for r in (MaskedRecipe, DeclipNetRecipe, DRHTRecipe, HybridRecipe)
}
