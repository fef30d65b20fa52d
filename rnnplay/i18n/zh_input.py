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
    "Only .safetensors files (Export → Weights), up to {mb} MB. The architecture must match this "
    "run's settings; the run then continues from these weights. Pickled checkpoints (.pt, .pth, "
    ".ckpt) are refused: loading one can run code hidden in it.": (
        "只接受 .safetensors 文件（导出 → 权重），最大 {mb} MB。模型结构必须与本次运行的设置一致；"
        "之后训练会从这些权重继续。用 pickle 保存的检查点（.pt、.pth、.ckpt）会被拒绝：加载它们可能执行其中藏着的代码。"
    ),
    "{field}: {n} characters is too long: 1 to {limit} characters are allowed; nothing was changed": (
        "{field}：{n} 个字符太长了：允许 1 到 {limit} 个字符；没有做任何更改"
    ),
}
