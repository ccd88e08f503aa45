"""What to change for each failure: ranked config changes from the literature, relative to the run's config.

Every item is a dotted override (`optim.d.lr=5.0e-05`) or a plugin to add, and names only
options that exist (see `ganforge list -v`). Advice already in effect (the plugin is on, the
value is already there) is skipped. `hot` marks changes that are safe on a rollback to a
checkpoint: optimiser settings, hyper-parameters, plugins without parameters of their own;
changes to the nets (spectral norm, extra layers or inputs, dropout, width) need a fresh start.

Sources: TTUR (Heusel et al. 2017), instance noise (Sønderby et al. 2016; Arjovsky & Bottou
2017), one-sided label smoothing (Salimans et al. 2016), spectral normalisation (Miyato et al.
2018), R1 (Mescheder et al. 2018), PacGAN (Lin et al. 2018), unrolled GAN (Metz et al. 2016),
minibatch stddev (Karras et al. 2018), experience replay (Shrivastava et al. 2017), mode seeking
(Mao et al. 2019), DiffAugment (Zhao et al. 2020) and ADA (Karras et al. 2020), Adam β₁ = 0.5
(Radford et al. 2016), gradient clipping (Pascanu et al. 2013).
"""
from __future__ import annotations

import yaml

from .finding import Advice

DROPOUT = 0.3
GRAD_CLIP = 10.0
EMA_SPAN_SHARE = 10  # an EMA should average over at most a tenth of the run: 1/(1 − β) ≤ steps / 10


def advice_for(rule: str, config) -> list[Advice]:
    """The ranked advice for `rule` on this run, best first, without what is already in effect."""
    candidates = ADVICE[rule](config)
    return [item for item in candidates if item is not None and not in_effect(item, config)]


def in_effect(item: Advice, config) -> bool:
    if item.plugin is not None:
        return item.plugin["name"] in {plugin.name for plugin in config.plugins}
    return all(str(current(config, path)) == value for path, value in
               (override.split("=", 1) for override in item.overrides))


def current(config, path: str):
    node = config.to_dict()
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def number(value: float) -> str:
    """A float as YAML reads it back as a float (PyYAML needs a dot before the exponent: 5.0e-05)."""
    text = f"{value:.3g}"
    mantissa, _, exponent = text.partition("e")
    if exponent and "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}e{exponent}" if exponent else text


def scaled_lr(config, net: str, factor: float, why: str) -> Advice:
    return Advice(why, override=f"optim.{net}.lr={number(getattr(config.optim, net).lr * factor)}")


def both_lrs_scaled(config, factor: float, why: str) -> Advice:
    """D's and G's learning rates scaled together: one change, one remedy attempt."""
    return Advice(why, override=f"optim.d.lr={number(config.optim.d.lr * factor)} "
                                f"optim.g.lr={number(config.optim.g.lr * factor)}")


def both_lrs_lowered(config, why: str) -> Advice:
    """D's and G's learning rates lowered together (lowered_lr): one change, one remedy attempt."""
    return Advice(why, override=f"optim.d.lr={number(lowered_lr(config.optim.d))} "
                                f"optim.g.lr={number(lowered_lr(config.optim.g))}")


def d_option(config, option: str, value, why: str) -> Advice | None:
    """An override of a discriminator option, when this discriminator has the option."""
    if option not in _discriminator_options(config):
        return None
    return Advice(why, override=f"discriminator.{option}={value}", hot=False)


def _discriminator_options(config) -> dict:
    from ..nets import DISCRIMINATORS

    return DISCRIMINATORS.validate({"name": config.discriminator.name}, "discriminator")


def net_spec(config, net: str) -> dict:
    """The net's options as configured, every default filled in."""
    from ..nets import DISCRIMINATORS, GENERATORS

    registry = DISCRIMINATORS if net == "discriminator" else GENERATORS
    return registry.validate(current(config, net), net)


def more_dropout(config, why: str) -> Advice | None:
    if (current(config, "discriminator.dropout") or 0) >= DROPOUT:
        return None
    return d_option(config, "dropout", DROPOUT, why)


def plugin(why: str, hot: bool = True, **spec) -> Advice:
    return Advice(why, plugin=spec, hot=hot)


def adam_beta(config, net: str) -> Advice | None:
    settings = getattr(config.optim, net)
    if settings.name == "sgd" or settings.momentum >= 0.5:
        return Advice(f"SGD with momentum {settings.momentum} overshoots and cycles; Adam with β₁ = 0.5 "
                      "is the DCGAN default (Radford et al. 2016)", override=f"optim.{net}.name=adam")
    if settings.name in ("adam", "adamw") and settings.betas[0] > 0.5:
        return Advice("a large β₁ carries momentum round the cycle; β₁ = 0.5 (Radford et al. 2016)",
                      override=f"optim.{net}.betas=[0.5, {settings.betas[1]}]")
    return None


def grad_clips(config) -> Advice | None:
    """Clip both nets' gradient norms (those not clipped yet) in one change."""
    unclipped = [net for net in ("d", "g") if getattr(config.optim, net).grad_clip is None]
    if not unclipped:
        return None
    return Advice("clip the gradient norms so one bad batch cannot throw the weights away (Pascanu et al. 2013)",
                  override=" ".join(f"optim.{net}.grad_clip={GRAD_CLIP}" for net in unclipped))


TTUR_RATIO = 4.0  # TTUR runs D up to 4× faster than G (1e-4 / 4e-4, Heusel et al. 2017); beyond that G is left behind


def non_saturating(config) -> Advice | None:
    """Under the minimax loss a confident D gives G a vanishing gradient; the non-saturating loss does not."""
    if config.loss.name != "minimax":
        return None
    return Advice("the minimax loss saturates when D is confident, so G's gradient vanishes; the non-saturating "
                  "loss keeps it (Goodfellow et al. 2014; Arjovsky & Bottou 2017)", override="loss.name=nonsaturating")


def g_catch_up_lr(config) -> Advice | None:
    """G far slower than D (past TTUR's ratio) cannot keep up: give it D's rate, the DCGAN default of equal rates."""
    d_lr, g_lr = config.optim.d.lr, config.optim.g.lr
    if d_lr <= TTUR_RATIO * g_lr:
        return None
    return Advice(f"G learns {d_lr / g_lr:.3g}× slower than D, past TTUR's {TTUR_RATIO:g}× (Heusel et al. 2017); "
                  "equal rates are the DCGAN default (Radford et al. 2016)", override=f"optim.g.lr={number(d_lr)}")


def g_slow_down_lr(config) -> Advice | None:
    """G much faster than D overshoots from mode to mode: bring its rate down to D's."""
    d_lr, g_lr = config.optim.d.lr, config.optim.g.lr
    if g_lr <= 2 * d_lr:
        return None
    return Advice(f"G learns {g_lr / d_lr:.3g}× faster than D and hops from mode to mode before D can respond; "
                  "equal rates are the DCGAN default (Radford et al. 2016)", override=f"optim.g.lr={number(d_lr)}")


ADAM_LR_CEILING = 1e-3  # GAN papers use Adam at 1e-4-1e-3 (DCGAN 2e-4; TTUR 1e-4/4e-4; this repository's presets 2e-4-1e-3)


def lowered_lr(settings) -> float:
    """A quarter of the rate, and for Adam at most the top of the range GANs are trained with."""
    lowered = settings.lr * 0.25
    return min(lowered, ADAM_LR_CEILING) if settings.name in ("adam", "adamw") else lowered


def d_overpowering(config) -> list:
    return [
        non_saturating(config),
        g_catch_up_lr(config),
        scaled_lr(config, "d", 0.25, "slow D down relative to G (TTUR, Heusel et al. 2017)"),
        plugin("blur the real/fake boundary so D's gradients stay informative "
               "(instance noise, Sønderby et al. 2016; Arjovsky & Bottou 2017)", name="instance_noise", std=0.1),
        plugin("stop D from becoming over-confident on real data (one-sided label smoothing, Salimans et al. 2016)",
               name="label_smoothing", real_target=0.9),
        plugin("penalise D's gradient on real data (R1, Mescheder et al. 2018)", name="r1", gamma=10.0),
        more_dropout(config, "dropout in D limits how sharply it can separate the two sets"),
        plugin("bound D's Lipschitz constant (spectral normalisation, Miyato et al. 2018)", hot=False,
               name="spectral_norm"),
    ]


def d_weak(config) -> list:
    capacity = d_capacity(config)
    clipped = "weight_clip" in {plugin.name for plugin in config.plugins}
    return [
        schedule_over_the_second_half(config),  # a D that does not learn at all: its rate went to ~0 (off_data's too)
        rates_back_in_range(config),
        convergent_recipe(config) if clipped else None,
        clipping_to_penalty(config),
        capacity,
        catch_up_lr(config) if capacity is None else None,  # the capacity change already brings D's lr up
        g_slow_down_lr(config) if capacity is None and catch_up_lr(config) is None else None,  # D's lr cannot go higher
        Advice("give D more updates per G step, so it keeps up", override=f"optim.n_critic={config.optim.n_critic + 1}"),
        scaled_lr(config, "d", 2.0, "a faster D than G, as in TTUR (Heusel et al. 2017)"),
        d_option(config, "width", 2 * (current(config, "discriminator.width") or 64),
                 "a wider D has the capacity to tell samples from data") if capacity is None else None,
    ]


def clipping_to_penalty(config) -> Advice | None:
    """A weight-clipped critic that went flat: swap the clipping for a gradient penalty (one change of `plugins`).

    Clipping at a small constant pushes a critic's weights to the clip and its function towards a
    flat or very simple one (Gulrajani et al. 2017, §3); the gradient penalty is their fix."""
    names = [plugin.name for plugin in config.plugins]
    if config.loss.name != "wasserstein" or "weight_clip" not in names or "wgan_gp" in names:
        return None
    kept = [spec for spec in plugin_specs(config) if spec["name"] != "weight_clip"]
    return Advice("weight clipping flattens the critic and starves G of gradient; a gradient penalty bounds it "
                  "without that (WGAN-GP, Gulrajani et al. 2017)",
                  override=f"plugins={flow_list([*kept, {'name': 'wgan_gp', 'weight': 10.0}])}")


def plugin_specs(config) -> list[dict]:
    """The run's plugin list as plain dicts."""
    return [spec.to_dict() if hasattr(spec, "to_dict") else dict(spec) for spec in config.plugins]


def flow_list(specs: list[dict]) -> str:
    """A plugin list as one-line YAML, to paste as `plugins=[...]`."""
    return yaml.safe_dump(specs, default_flow_style=True, sort_keys=False, width=10_000).strip()


R1_GAMMA = 10.0  # R1's γ in every piece of advice here (Mescheder et al. 2018 use 10 on images; on the ring and grid
# of the doctor suite 0.1-10 all converge)
WASSERSTEIN_CONSTRAINTS = ("weight_clip", "wgan_gp")


def convergent_recipe(config) -> Advice | None:
    """A Wasserstein run that cycles or whose clipped critic went flat: the R1-regularised non-saturating GAN, as one change.

    Mescheder et al. 2018 (§3) show on the Dirac-GAN that WGANs, with weight clipping or with
    WGAN-GP's penalty, are not locally convergent under simultaneous or alternating gradient steps,
    while the GAN loss with a zero-centred gradient penalty on the data (R1) is (§4); β₁ = 0.5
    takes Adam's momentum out of the cycle (Radford et al. 2016). The loss, the plugin list (the
    critic's constraint swapped for R1) and β₁ change together: each alone leaves the run cycling.
    A fresh start (`hot: false`): a Wasserstein critic's scores are on no scale a logistic loss can
    use, and resumed from such a checkpoint the run stays far off (grid_oscillation in the doctor
    suite: final fid 6.3 resumed, 0.02 from scratch)."""
    if config.loss.name != "wasserstein":
        return None
    specs = [spec for spec in plugin_specs(config) if spec["name"] not in WASSERSTEIN_CONSTRAINTS]
    if "r1" not in {spec["name"] for spec in specs}:
        specs.append({"name": "r1", "gamma": R1_GAMMA})
    changes = ["loss.name=nonsaturating"] + ([f"plugins={flow_list(specs)}"] if specs != plugin_specs(config) else [])
    for net in ("d", "g"):
        settings = getattr(config.optim, net)
        if settings.name in ("adam", "adamw") and settings.betas[0] > 0.5:
            changes.append(f"optim.{net}.betas=[0.5, {settings.betas[1]}]")
    return Advice("a Wasserstein critic, clipped, penalised or unbounded, does not settle under gradient steps; the "
                  "non-saturating loss with R1 does (Mescheder et al. 2018), with Adam's β₁ at 0.5 (Radford et al. 2016)",
                  override=" ".join(changes), hot=False)


SMALLER_THAN_G = 0.5  # a D under half G's width (or shallower) is under-sized, not just slow


def d_capacity(config) -> Advice | None:
    """A D much smaller than G cannot keep up, whatever its lr: bring it to G's size in one fresh start.

    Doubling a 4-unit D gives an 8-unit D, still far too small; a practitioner sizes D like G (the
    DCGAN and MLP GANs of the literature use mirrored nets), lets it learn at least as fast as G
    (TTUR's 2×, Heusel et al. 2017, when it was slower) and takes an extreme dropout back to
    DROPOUT, all at once: the nets change, so this restarts from step 0 anyway."""
    d_spec, g_spec = net_spec(config, "discriminator"), net_spec(config, "generator")
    width, g_width = d_spec.get("width"), g_spec.get("width")
    if width is None or g_width is None or width >= SMALLER_THAN_G * g_width:
        return None
    changes = [f"discriminator.width={g_width}"]
    if "depth" in d_spec and "depth" in g_spec and d_spec["name"] == g_spec["name"] and d_spec["depth"] < g_spec["depth"]:
        changes.append(f"discriminator.depth={g_spec['depth']}")
    if (d_spec.get("dropout") or 0) > DROPOUT:
        changes.append(f"discriminator.dropout={DROPOUT}")
    faster = d_lr_target(config)
    if faster is not None:
        changes.append(f"optim.d.lr={number(faster)}")
    return Advice(f"D is {g_width / width:.3g}× narrower than G and cannot tell samples from data; size it like G "
                  "(mirrored nets, as in DCGAN) and let it learn at least as fast (TTUR, Heusel et al. 2017)",
                  override=" ".join(changes), hot=False)


def catch_up_lr(config) -> Advice | None:
    """A D slower than G is the likeliest cause of a weak D: bring its lr to twice G's (TTUR runs D faster than G),
    for Adam no higher than ADAM_LR_CEILING (a G at 1e-2 is itself the problem: g_slow_down_lr)."""
    d_lr, g_lr, target = config.optim.d.lr, config.optim.g.lr, d_lr_target(config)
    if target is None:
        return None
    return Advice(f"D learns {g_lr / d_lr:.3g}× slower than G and cannot keep up; TTUR runs D faster than G "
                  "(Heusel et al. 2017)", override=f"optim.d.lr={number(target)}")


def d_lr_target(config) -> float | None:
    """For a D slower than G: 2 × G's lr, for Adam at most ADAM_LR_CEILING; None if D is not slower or cannot go higher."""
    d_lr, g_lr = config.optim.d.lr, config.optim.g.lr
    target = 2 * g_lr
    if config.optim.d.name in ("adam", "adamw"):
        target = min(target, ADAM_LR_CEILING)
    return None if d_lr >= g_lr or target <= d_lr else target


LIPSCHITZ_PLUGINS = ("wgan_gp", "weight_clip", "spectral_norm", "r1")


def lipschitz_penalty(config) -> Advice | None:
    """An unbounded Wasserstein critic has no equilibrium to converge to: its scores grow while G chases them."""
    if config.loss.name != "wasserstein" or {p.name for p in config.plugins} & set(LIPSCHITZ_PLUGINS):
        return None
    return plugin("a Wasserstein critic needs a Lipschitz bound, without one its scores swing without limit "
                  "(WGAN-GP, Gulrajani et al. 2017)", name="wgan_gp", weight=10.0)


def mode_collapse(config) -> list:
    """The literature's fixes for collapse, after the settings that cause it: SGD with momentum, and rates far apart."""
    return [
        adam_instead_of_sgd(config),
        g_catch_up_lr(config),
        g_slow_down_lr(config),
        plugin("G is trained against D's future responses, so it cannot hop from mode to mode "
               "(unrolled GAN, Metz et al. 2016)", name="unrolled", steps=5),
        plugin("D scores packs of samples, so a pack of look-alikes is easy to reject (PacGAN, Lin et al. 2018)",
               hot=False, name="pacgan", packing=2),
        plugin("D sees the batch's spread, so a collapsed batch gives itself away (Karras et al. 2018)",
               hot=False, name="minibatch_stddev"),
        plugin("reward G for mapping different z to different samples (mode seeking, Mao et al. 2019)",
               name="mode_seeking", weight=1.0),
        plugin("D also sees G's older samples, so G cannot revisit abandoned modes unnoticed "
               "(experience replay, Shrivastava et al. 2017)", name="replay"),
        scaled_lr(config, "g", 0.5, "a smaller G step overshoots less from one mode to the next"),
    ]


DCGAN_ADAM = {"lr": 2.0e-4, "betas": [0.5, 0.999]}  # Radford et al. 2016: the setting most GANs since start from


def adam_instead_of_sgd(config) -> Advice | None:
    """A run on SGD with momentum, diverging or collapsing: both nets to Adam at the DCGAN setting, as one change."""
    nets = [net for net in ("d", "g") if getattr(config.optim, net).name == "sgd"]
    if not nets:
        return None
    momentum = max(getattr(config.optim, net).momentum for net in nets)
    betas = f"[{DCGAN_ADAM['betas'][0]}, {DCGAN_ADAM['betas'][1]}]"
    changes = [f"optim.{net}.{key}={value}" for net in nets
               for key, value in (("name", "adam"), ("lr", number(DCGAN_ADAM["lr"])), ("betas", betas))]
    norms = batch_norm_where_missing(config)
    return Advice(f"SGD with momentum {momentum:g} amplifies every step ~{1 / max(1 - momentum, 1e-3):.3g}×; GANs are "
                  "trained with Adam at lr 2e-4, β₁ 0.5" + (", and DCGANs with batch norm" if norms else "") +
                  " (Radford et al. 2016)", override=" ".join([*changes, *norms]), hot=not norms)


def batch_norm_where_missing(config) -> list[str]:
    """`<net>.norm=batch` for each DCGAN net without a norm (the DCGAN recipe); the nets change."""
    specs = {net: net_spec(config, net) for net in ("generator", "discriminator")}
    return [f"{net}.norm=batch" for net, spec in specs.items() if spec["name"] == "dcgan" and spec.get("norm") == "none"]


def divergence(config) -> list:
    return [
        adam_instead_of_sgd(config),
        both_lrs_lowered(config, "the learning rates are too high for this net: lower both (to a quarter, "
                         "and Adam's to at most 1e-3)"),
        grad_clips(config),
        plugin("bound D's Lipschitz constant so its outputs cannot explode (Miyato et al. 2018)", hot=False,
               name="spectral_norm"),
    ]


def oscillation(config) -> list:
    return [
        convergent_recipe(config),
        lipschitz_penalty(config),
        both_lrs_scaled(config, 0.5, "smaller steps of both nets spiral in rather than round (Mescheder et al. 2017)"),
        adam_beta(config, "d"),
        adam_beta(config, "g"),
        plugin("R1 makes the equilibrium locally convergent where plain GANs cycle (Mescheder et al. 2018)",
               name="r1", gamma=R1_GAMMA),
        plugin("sample from an average of G's recent weights, which sits nearer the centre of the cycle "
               "(Yazıcı et al. 2019)", hot=False, name="ema"),
    ]


def d_overfitting(config) -> list:
    is_image = current(config, "data.name") not in ("ring", "grid")
    return [
        plugin("augment real and fake alike so D cannot memorise the training images "
               "(DiffAugment, Zhao et al. 2020; ADA, Karras et al. 2020)", name="diffaugment") if is_image else None,
        plugin("noise on D's inputs hides the exact training pixels (Sønderby et al. 2016)",
               name="instance_noise", std=0.1),
        more_dropout(config, "dropout in D makes memorising individual images harder"),
        plugin("penalise D's gradient on real data (R1, Mescheder et al. 2018)", name="r1", gamma=10.0),
        scaled_lr(config, "d", 0.5, "a slower D memorises more slowly"),
    ]


LR_FLOOR = 1e-5  # a rate below this trains nothing in a run's budget: GANs are trained with Adam at 1e-4-1e-3
WGAN_GP_WEIGHT = 10.0  # WGAN-GP's λ (Gulrajani et al. 2017); R1_GAMMA is R1's


def off_data(config) -> list:
    """Samples that never reach the data: first what stops learning (rates that a schedule or a typo took to ~0, a
    penalty that swamps D's objective), then a Wasserstein critic's convergent recipe, D's size, a faster D."""
    return [
        ema_within_the_run(config),
        schedule_over_the_second_half(config),
        rates_back_in_range(config),
        penalty_eased(config),
        convergent_recipe(config),
        d_capacity(config),
        scaled_lr(config, "d", 2.0, "a faster D than G, as in TTUR (Heusel et al. 2017), so it can tell G where the "
                  "data are"),
        Advice("give D more updates per G step, so its verdicts point G at the data",
               override=f"optim.n_critic={config.optim.n_critic + 1}"),
    ]


def ema_within_the_run(config) -> Advice | None:
    """An EMA whose average spans more than a tenth of the run (1/(1 − β) steps) keeps the untrained G's weights in
    what it serves: shorten it to a tenth (Karras et al. 2018 average over ~10k images of runs of millions)."""
    specs = plugin_specs(config)
    emas = [spec for spec in specs if spec["name"] == "ema"]
    if not emas:
        return None
    ema, steps = emas[0], config.train.steps
    beta = ema.get("beta", 0.999)
    if (1.0 - beta) * steps >= EMA_SPAN_SHARE * (1 - 1e-9):  # 1/(1 − β) ≤ steps / EMA_SPAN_SHARE, up to rounding
        return None
    fixed = {**ema, "beta": round(1.0 - EMA_SPAN_SHARE / steps, 6)}
    return Advice(f"EMA's β {beta} averages over ~{1.0 / (1.0 - beta):.0f} steps of a {steps}-step run, so the samples "
                  "it serves keep the untrained G's weights; average over a tenth of the run instead",
                  override=f"plugins={flow_list([fixed if s is ema else s for s in specs])}")


def schedule_over_the_second_half(config) -> Advice | None:
    """An lr_decay that takes the rates under LR_FLOOR before the run ends: decay over the second half instead.

    The schedule of Shrivastava et al. 2017 and CycleGAN (Zhu et al. 2017): constant for the first half of
    training, then linearly to zero. A fresh start: at any checkpoint past the decay the rates are already ~0."""
    specs = plugin_specs(config)
    steps, slowest = config.train.steps, min(config.optim.d.lr, config.optim.g.lr)
    decays = [spec for spec in specs if spec["name"] == "lr_decay"]
    if not decays:
        return None
    decay = decays[0]
    end, final = decay.get("end_step", 10000), decay.get("final", 0.0)
    if end >= steps or slowest * final >= LR_FLOOR:
        return None
    fixed = {**decay, "start_step": steps // 2, "end_step": steps}
    return Advice(f"lr_decay brings the learning rates to {number(slowest * final)} at step {end}, "
                  f"{steps - end} steps before the end: the run stops learning; decay over the second half instead "
                  "(Shrivastava et al. 2017)", override=f"plugins={flow_list([fixed if s is decay else s for s in specs])}",
                  hot=False)


def rates_back_in_range(config) -> Advice | None:
    """A net whose lr is under LR_FLOOR (an exponent typo'd by orders of magnitude) hardly moves: give it the other
    net's rate, or the DCGAN rate when both are that low."""
    low = [net for net in ("g", "d") if getattr(config.optim, net).lr < LR_FLOOR]
    if not low:
        return None
    others = [getattr(config.optim, net).lr for net in ("g", "d") if net not in low]
    target = others[0] if others else DCGAN_ADAM["lr"]
    rates = ", ".join(f"{net.upper()}'s {number(getattr(config.optim, net).lr)}" for net in low)
    return Advice(f"{rates}: a net at that rate hardly moves in a run's budget (GANs train with Adam at 1e-4-1e-3)",
                  override=" ".join(f"optim.{net}.lr={number(target)}" for net in low))


def penalty_eased(config) -> Advice | None:
    """A gradient penalty far above its paper's weight holds D's slopes near zero (R1) or at one everywhere
    (WGAN-GP), whatever G does: take it down to that weight."""
    usual = {"wgan_gp": ("weight", WGAN_GP_WEIGHT), "r1": ("gamma", R1_GAMMA)}
    specs = plugin_specs(config)
    eased = [{**spec, usual[spec["name"]][0]: usual[spec["name"]][1]} if spec["name"] in usual and
             spec.get(usual[spec["name"]][0], 0) > usual[spec["name"]][1] else spec for spec in specs]
    if eased == specs:
        return None
    names = ", ".join(spec["name"] for spec, new in zip(specs, eased) if spec != new)
    return Advice(f"the {names} penalty outweighs D's own objective, so D cannot point G at the data; use the weight "
                  "of its paper (WGAN-GP λ 10, Gulrajani et al. 2017; R1 γ 10, Mescheder et al. 2018)",
                  override=f"plugins={flow_list(eased)}")


ADVICE = {"d_overpowering": d_overpowering, "d_weak": d_weak, "mode_collapse": mode_collapse,
          "divergence": divergence, "oscillation": oscillation, "d_overfitting": d_overfitting, "off_data": off_data}
