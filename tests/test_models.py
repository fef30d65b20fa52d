"""Variable-length (packed) sequences and the encoder-decoder: the written-out cells must give what
torch's packed nn.RNN/LSTM/GRU give, out and final state, in every layout."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnplay.cells import ScratchRNN
from rnnplay.config import make_config
from rnnplay.models import Seq2Seq, SequenceModel, run_core

TORCH = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_scratch_with_lengths_equals_packed_torch(arch, bidirectional):
    torch.manual_seed(0)
    ref = TORCH[arch](3, 5, num_layers=2, bidirectional=bidirectional, batch_first=True).double()
    mine = ScratchRNN(arch, 3, 5, num_layers=2, bidirectional=bidirectional).double()
    mine.load_state_dict(ref.state_dict())
    x = torch.randn(4, 7, 3, dtype=torch.double)
    lengths = torch.tensor([7, 2, 5, 1])
    x[1, 2:] = 99.0  # padding that must never be read
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out_ref, fin_ref = ref(packed)
    out_ref, _ = pad_packed_sequence(out_ref, batch_first=True, total_length=7)
    out, fin = mine(x, lengths=lengths)
    torch.testing.assert_close(out, out_ref)
    fin, fin_ref = (fin, fin_ref) if arch == "lstm" else ((fin,), (fin_ref,))
    for a, b in zip(fin, fin_ref, strict=True):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_run_core_packs_exactly_as_torch_packs_unsorted_lengths(arch, bidirectional):
    """run_core's own packing (the order sorted on the host, sent to the device without a wait) gives
    torch's pack_padded_sequence / pad_packed_sequence bit for bit: outputs, final state and gradients."""
    torch.manual_seed(2)
    core = TORCH[arch](3, 5, num_layers=2, bidirectional=bidirectional, batch_first=True)
    x = torch.randn(5, 6, 3, requires_grad=True)
    lengths = torch.tensor([3, 6, 1, 6, 2])  # unsorted, with a tie
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out_ref, fin_ref = core(packed)
    out_ref, _ = pad_packed_sequence(out_ref, batch_first=True, total_length=6)
    out, fin = run_core(core, x, lengths)
    fin, fin_ref = (fin, fin_ref) if arch == "lstm" else ((fin,), (fin_ref,))
    for a, b in zip((out, *fin), (out_ref, *fin_ref), strict=True):
        assert torch.equal(a, b)
    w = torch.randn_like(out)
    grads = torch.autograd.grad((out * w).sum() + sum(f.sum() for f in fin), [x, *core.parameters()])
    grads_ref = torch.autograd.grad((out_ref * w).sum() + sum(f.sum() for f in fin_ref), [x, *core.parameters()])
    for a, b in zip(grads, grads_ref, strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_scratch_initial_state_equals_torch(arch):
    torch.manual_seed(1)
    ref = TORCH[arch](3, 4, num_layers=2, batch_first=True).double()
    mine = ScratchRNN(arch, 3, 4, num_layers=2).double()
    mine.load_state_dict(ref.state_dict())
    x = torch.randn(2, 5, 3, dtype=torch.double)
    h0 = torch.randn(2, 2, 4, dtype=torch.double)
    state = (h0, torch.randn_like(h0)) if arch == "lstm" else h0
    out_ref, _ = ref(x, state)
    out, _ = mine(x, state)
    torch.testing.assert_close(out, out_ref)


@pytest.mark.parametrize("impl", ["torch", "scratch"])
def test_token_model_pads_without_changing_the_answer(impl):
    torch.manual_seed(0)
    c = make_config("majority", impl=impl, arch="gru", bidirectional=True, num_layers=2)
    model = SequenceModel(c, 1, 2, many_to_one=True, vocab_size=11).eval()
    alone = torch.tensor([[3, 4, 5]])
    batch = torch.tensor([[3, 4, 5, 0, 0, 0], [1, 2, 3, 4, 5, 6]])
    a = model(alone)
    b = model(batch, torch.tensor([3, 6]))
    assert (a[0] - b[0]).abs().max() <= 1e-6
    # and the two impls agree
    _, u = model.unrolled(batch, lengths=torch.tensor([3, 6]))
    assert u.out.shape == (2, 6, 2 * c.hidden_size)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_seq2seq_scratch_equals_torch_and_unrolled_equals_forward(arch, bidirectional):
    outs = {}
    for impl in ("torch", "scratch"):
        torch.manual_seed(0)
        c = make_config("majority", arch=arch, impl=impl, bidirectional=bidirectional, hidden_size=6, embed_dim=4)
        m = Seq2Seq(c, vocab_size=9, sos_id=1).eval()
        x = torch.tensor([[3, 4, 5, 6], [7, 8, 0, 0]])
        lengths = torch.tensor([4, 2])
        y = torch.full((2, 5), -100)
        outs[impl] = m(x, lengths, y)
        via_cells, u = m.unrolled(x, lengths=lengths, target=y)
        torch.testing.assert_close(via_cells, outs[impl], atol=1e-5, rtol=1e-5)
        assert len(u.hiddens) == 4
    assert outs["torch"].shape == (2, 5, 9)
    torch.testing.assert_close(outs["torch"], outs["scratch"], atol=1e-5, rtol=1e-5)


def test_seq2seq_teacher_forcing_reads_the_target():
    torch.manual_seed(0)
    c = make_config("majority", arch="gru", teacher_forcing=1.0, hidden_size=8, embed_dim=4)
    m = Seq2Seq(c, vocab_size=9, sos_id=1).train()
    x = torch.tensor([[3, 4, 5]])
    y1, y2 = torch.tensor([[5, 4, 3, 2]]), torch.tensor([[6, 7, 8, 2]])
    # forced: step 2's logits depend on the true token 1, so different targets change them
    assert not torch.allclose(m(x, None, y1)[:, 1:], m(x, None, y2)[:, 1:])
    m.eval()  # greedy: the target only sets the length
    torch.testing.assert_close(m(x, None, y1), m(x, None, y2))
