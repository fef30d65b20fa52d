"""The one convention the token tasks and the models share: which token id is padding."""

PAD = 0  # token id of <PAD> in every token vocabulary; the models keep its embedding row at 0
