"""中文 for the parity task (rnnplay/tasks/parity.py). Words it shares with other tasks (the try-it label,
"undecided", the view's axis) are in zh_tasks.py and zh_figures.py."""

ZH = {
    "0/1 sequence -> is the number of ones odd? (classification, one bit carried to the end)": "0/1 序列 -> 1 的个数"
    "是奇数吗？（分类，一个比特一直记到最后）",
    "Is the number of ones odd? One bit to flip at every 1 and carry to the end: gates help.": "1 的个数是奇数吗？"
    "每遇到一个 1 就翻转一个比特，并一直记到最后：门控单元更擅长。",
    "parity — is the number of ones odd?": "parity（奇偶校验）— 1 的个数是奇数吗？",
    "Parity needs one bit flipped at every 1 and kept to the end: try a GRU or LSTM, a shorter "
    "seq_len, or more steps.": "奇偶校验要在每个 1 处翻转一个比特并一直保持到最后：试试 GRU 或 LSTM、"
    "更短的 seq_len，或更多训练步数。",
    "a 0/1 string, e.g. 1011001": "一串 0/1 数字，例如 1011001",
    "parity input: type 1 to {most} digits, only 0s and 1s, e.g. 1011001": "parity 输入：请输入 1 到 {most} 个"
    "数字，只能是 0 或 1，例如 1011001",
    "odd": "奇数",
    "even": "偶数",
    "{ones} ones: {answer}; the model says P(odd) = {p:.2f}": "{ones} 个 1：{answer}；模型给出 P(奇数) = {p:.2f}",
}
