"""The floating-point operations of one gpt training step, counted by hand.

Only matrix products count, 2 m n k each. With N = batch * context tokens,
d the width, T the context, L the layers and V the vocabulary, the forward
of one layer does the qkv projection (2 N d 3d), the attention scores
Q K^T and the weighted sum W V over the whole T x T matrix, causal mask or
not, as both dlcc and PyTorch compute it (2 N T d each), the output
projection (2 N d d) and the MLP (2 N d 4d twice): 24 N d^2 + 4 N T d.
The output head adds 2 N d V. The backward computes two products of the
forward's size for each forward product (one gradient for each operand),
so a step is 3 times the forward. Embedding lookups, normalizations,
softmax, GELU and the optimizer are left out.

Usage: /usr/bin/python3 bench/gpt_flops.py  (prints the examples' count)
"""

GPT = {"vocab": 96, "context": 128, "width": 192, "heads": 4, "layers": 4}


def gpt_step_flops(batch, vocab, context, width, layers, **_):
    tokens = batch * context
    layer = 24 * tokens * width**2 + 4 * tokens * context * width
    forward = layers * layer + 2 * tokens * width * vocab
    return 3 * forward


if __name__ == "__main__":
    print(f"{gpt_step_flops(16, **GPT) / 1e9:.2f} GFLOP per step "
          "(examples/gpt.dl at batch 16)")
