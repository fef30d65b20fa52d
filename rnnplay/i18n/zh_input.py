"""中文 for the checks on untrusted input (rnnplay/untrusted.py and where the pages show its refusals)."""

ZH = {
    "{field}: {name} is refused: a {suffix} file is a pickled checkpoint, and loading a pickle can run "
    "any code hidden in it. It is never opened. Upload weights as {allowed} (Export → Weights).": (
        "{field}：已拒绝 {name}：{suffix} 文件是用 pickle 保存的检查点，而加载 pickle 会执行其中藏着的任意代码。"
        "该文件不会被打开。请上传 {allowed} 格式的权重（导出 → 权重）。"
    ),
    "{field}: {name} is refused: allowed are {allowed} files": "{field}：已拒绝 {name}：只接受 {allowed} 文件",
    "{field}: {name} is {size}, too big: files up to {limit} MB are allowed": (
        "{field}：{name} 大小为 {size}，太大了：文件最大 {limit} MB"
    ),
    "{field}: {n} characters is too long: 1 to {limit} characters are allowed; nothing was changed": (
        "{field}：{n} 个字符太长了：允许 1 到 {limit} 个字符；没有做任何更改"
    ),
}
