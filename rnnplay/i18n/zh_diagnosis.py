"""中文 for the diagnosis (rnnplay/diagnosis.py): every finding's sentence and hint, the numbers as
the same {placeholders}. A sentence that starts with a space is appended to another one."""

ZH = {
    "under 1%": "不到 1%",
    # "accuracy" and "sequence accuracy" are zh_figures.py's (the same words on the charts)
    # the panel (app_pages/ui/panels.py: diagnosis_panel)
    "Diagnosis": "诊断",
    "Nothing to say yet: train for a few steps.": "暂时没有可说的：先训练几步吧。",
    "*Try:* {hint}": "*试试*：{hint}",
    "a guess that ignores the sequence": "忽略序列内容的猜测",
    # vanishing / carried (gradient through time)
    "The gradient reaching step 1 is {ratio} of the gradient at step {T} (×{per_step:.2f} per step back; "
    "below 1% after {back} steps back)": "传到第 1 步的梯度只有第 {T} 步梯度的 {ratio}"
    "（每往回一步 ×{per_step:.2f}；往回 {back} 步后已不到 1%）",
    "The gradient reaching step 1 is {ratio} of the gradient at step {T} (×{per_step:.2f} per step "
    "back)": "传到第 1 步的梯度只有第 {T} 步梯度的 {ratio}（每往回一步 ×{per_step:.2f}）",
    "The gradient reaching step {far}, in the middle of the sequence, is {ratio} of its size at the ends "
    "(×{per_step:.2f} per step back)": "传到序列中部第 {far} 步的梯度只有两端梯度的 {ratio}"
    "（每往回一步 ×{per_step:.2f}）",
    "{head}: it vanished, so the first inputs cannot be learned.": "{head}：梯度消失了，最前面的输入因此学不到。",
    "{head}: it vanished, so the first inputs cannot be learned yet.": "{head}：梯度消失了，最前面的输入暂时还学不到。",
    " W_hh's spectral radius is {radius:.2f}, below 1, so it shrinks geometrically over many steps.": (
        "W_hh 的谱半径为 {radius:.2f}，小于 1，所以往回经过很多步后梯度会按几何级数缩小。"
    ),
    "An LSTM or GRU carries the gradient much further; so does a shorter sequence.": "LSTM 或 GRU 能把梯度传得远得多；"
    "缩短序列也有帮助。",
    "An {arch} learns to keep its memory open after a while at the chance line: keep training, or shorten the "
    "sequence.": "{arch} 在随机基线上停留一阵之后，会学会让记忆保持打开：继续训练，或缩短序列。",
    "{head}: it fades on its way back but still arrives.": "{head}：梯度在回传途中逐渐减弱，但仍能到达。",
    "Training on may strengthen it; an RNN rarely does.": "继续训练可能会让它增强；不过普通 RNN 很少如此。",
    "{head}: it carries back across the whole sequence.": "{head}：梯度能回传穿过整个序列。",
    "{head}: it grows toward step 1 — the gradient through time exploded, the mirror image of a vanishing "
    "gradient.": "{head}：梯度越往第 1 步越大——随时间反向传播的梯度爆炸了，正是梯度消失的镜像。",
    # exploding / clipping / diverged (gradient norm per step)
    "At step {step} the gradient norm jumped to {norm}, ×{factor} its level just before ({level}): the gradient "
    "exploded.": "第 {step} 步时梯度范数跃升到 {norm}，是此前水平（{level}）的 ×{factor}：梯度爆炸了。",
    " Clipping ({clip_mode}, {clip}) cut it, in {share:.0%} of the steps so far.": "梯度裁剪（{clip_mode}，{clip}）"
    "截断了它，迄今 {share:.0%} 的训练步都被裁剪过。",
    "Clipping is doing its job; keep it on.": "梯度裁剪正在发挥作用；请保持开启。",
    "Turn on gradient clipping (clip_mode=norm), lower the learning rate, or use an LSTM/GRU.": "开启梯度裁剪"
    "（clip_mode=norm）、降低学习率，或改用 LSTM/GRU。",
    "Clipping ({clip_mode}, {clip}) cut the gradient in {share:.0%} of the steps; its median norm is {median}, so "
    "clipping acts as a smaller learning rate.": "梯度裁剪（{clip_mode}，{clip}）在 {share:.0%} 的训练步中截断了梯度；"
    "梯度范数的中位数为 {median}，因此裁剪相当于用了更小的学习率。",
    "Fine while the loss falls; raise the threshold if it crawls.": "只要损失还在下降就没问题；如果下降太慢，"
    "请调高裁剪阈值。",
    "Training stopped at step {step}: the loss or the gradient became NaN/Inf — the gradients "
    "exploded.": "训练在第 {step} 步停止：损失或梯度变成了 NaN/Inf——梯度爆炸了。",
    " The last finite gradient norm was {norm} (median {median}).": "最后一个有限的梯度范数为 {norm}"
    "（中位数 {median}）。",
    "Lower the learning rate or the clipping threshold, or use an LSTM/GRU.": "降低学习率或裁剪阈值，或改用 LSTM/GRU。",
    # saturated (hidden activations)
    "{sat:.0%} of the ReLU activations are 0 (dead units): no gradient flows through them.": "{sat:.0%} 的 ReLU "
    "激活值为 0（死亡单元）：梯度无法流过它们。",
    "Lower the learning rate, or use a smaller init gain or tanh.": "降低学习率，或使用更小的初始化增益，或改用 tanh。",
    "{sat:.0%} of the hidden activations are pinned near ±1, where tanh passes almost no gradient.": "{sat:.0%} "
    "的隐藏层激活值卡在 ±1 附近，tanh 在那里几乎传不过梯度（饱和）。",
    "Lower the learning rate or the init gain; saturated units learn slowly.": "降低学习率或初始化增益；"
    "饱和的单元学得很慢。",
    " The loss is already well below the chance line, so they have settled on firm values.": "损失已经远低于随机基线，"
    "说明这些单元只是稳定在了确定的取值上。",
    # memorising
    "Training error is {train} but validation error is {val}, ×{factor} as large (chance {chance}): it is "
    "memorising the training data rather than learning the rule.": "训练误差为 {train}，验证误差却是 {val}，"
    "是前者的 ×{factor}（随机基线 {chance}）：模型在死记训练数据，而不是学习规律（过拟合）。",
    "Training {metric} is {train:.0%} but validation is {val:.0%}, near chance ({chance:.0%}): it is memorising "
    "the training examples, not learning a rule.": "训练{metric}为 {train:.0%}，验证集却只有 {val:.0%}，"
    "接近随机水平（{chance:.0%}）：模型在死记训练样本，而不是学习规律（过拟合）。",
    "More (or fresh) training data, a smaller model, dropout or weight decay.": "增加（或更换新的）训练数据、"
    "缩小模型、使用 dropout 或权重衰减。",
    # stuck
    "After {done} steps the training loss is {loss}, at the chance line ({chance_loss}): the model does no better "
    "than {baseline}.": "训练 {done} 步后，训练损失为 {loss}，仍在随机基线（{chance_loss}）上：模型的表现并不比"
    "{baseline}更好。",
    "After {done} steps the training loss is {loss}, above the chance line ({chance_loss}): the model does worse "
    "than {baseline}.": "训练 {done} 步后，训练损失为 {loss}，高于随机基线（{chance_loss}）：模型的表现还不如"
    "{baseline}。",
    "Check the gradient through time: if it vanished, try an LSTM/GRU; else a different learning "
    "rate.": "检查随时间反向传播的梯度：如果梯度消失了，试试 LSTM/GRU；否则换一个学习率。",
    # learning
    "The training loss is {loss}, {share} of the chance line ({chance_loss}): it is learning.": "训练损失为 {loss}，"
    "是随机基线（{chance_loss}）的 {share}：模型正在学习。",
    " Validation {metric}: {val:.0%} (chance {chance:.0%}).": "验证集{metric}：{val:.0%}（随机水平 {chance:.0%}）。",
    "After {done} steps the training loss is {loss}, {share} of the chance line ({chance_loss}).": "训练 {done} "
    "步后，训练损失为 {loss}，是随机基线（{chance_loss}）的 {share}。",
    "{head}: it reaches step 1, though somewhere in between it falls to {weakest} of its size at step "
    "{T}.": "{head}：它能到达第 1 步，但在中途某处会降到第 {T} 步时的 {weakest}。",
}
