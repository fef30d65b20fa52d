"""中文 for export / import (rnnplay/export.py): the refusals of a configuration or weights file, and the
trainer's refusal of a device it does not have (rnnplay/trainer.py). Field names, format names, dtypes
and shapes stay as they are; json's and safetensors' own error text too. (The trainer's divergence hint
is zh_playground.py's, where it is shown.)"""

ZH = {
    # rnnplay/trainer.py: device
    "auto or cpu: this machine has no CUDA GPU": "auto 或 cpu：这台机器没有 CUDA GPU",
    "auto or cpu: this machine has no Apple MPS device": "auto 或 cpu：这台机器没有 Apple MPS 设备",
    # configuration JSON
    "config file: {size} bytes is too big; at most {mb} MB": "配置文件：{size} 字节太大了；最大 {mb} MB",
    "config file: not UTF-8 text (byte {n}); expected JSON": "配置文件：不是 UTF-8 文本（第 {n} 个字节）；应为 JSON",
    "config file: not valid JSON (line {line}, column {column}: {error})": (
        "配置文件：不是有效的 JSON（第 {line} 行，第 {column} 列：{error}）"
    ),
    "config file: expected a JSON object of config fields, got a JSON {type}": (
        "配置文件：应为由配置字段组成的 JSON 对象，实际是 JSON {type}"
    ),
    "config file: format={got} is not allowed: {want!r} (an rnnplay config export)": (
        "配置文件：format={got} 不被接受：应为 {want!r}（rnnplay 导出的配置）"
    ),
    "config file: version={got} is not supported: this rnnplay reads version {want}": (
        "配置文件：不支持 version={got}：本版 rnnplay 只能读取第 {want} 版"
    ),
    # safetensors weights
    "not a safetensors file: it is a zip archive (e.g. torch.save's .pt); only safetensors is accepted": (
        "不是 safetensors 文件：这是一个 zip 压缩包（例如 torch.save 保存的 .pt）；只接受 safetensors"
    ),
    "not a safetensors file: it is a Python pickle; pickles can run code and are never loaded": (
        "不是 safetensors 文件：这是一个 Python pickle；pickle 可能执行任意代码，永远不会被加载"
    ),
    "not a safetensors file: {size} bytes is too short to hold a safetensors header": (
        "不是 safetensors 文件：{size} 字节太短，放不下 safetensors 文件头"
    ),
    "not a safetensors file: the first 8 bytes are no safetensors header length": (
        "不是 safetensors 文件：前 8 个字节不是 safetensors 文件头的长度"
    ),
    "not a safetensors file: its header is not JSON": "不是 safetensors 文件：文件头不是 JSON",
    "not a safetensors file: its header is not a JSON object": "不是 safetensors 文件：文件头不是 JSON 对象",
    "not a safetensors file: its header does not describe tensors": "不是 safetensors 文件：文件头没有描述任何张量",
    "safetensors file truncated: {size} bytes, its header needs {need}": (
        "safetensors 文件不完整：只有 {size} 字节，文件头需要 {need} 字节"
    ),
    "weights file: {size} bytes is too big; at most {mb} MB": "权重文件：{size} 字节太大了；最大 {mb} MB",
    "weights file: format={got} is not allowed: {want!r} (an rnnplay weights export)": (
        "权重文件：format={got} 不被接受：应为 {want!r}（rnnplay 导出的权重）"
    ),
    "weights file: version={got} is not supported: this rnnplay reads version {want}": (
        "权重文件：不支持 version={got}：本版 rnnplay 只能读取第 {want} 版"
    ),
    "weights file: its configuration is unusable: {error}": "权重文件：其中的配置无法使用：{error}",
    "{field}={saved} (this run: {ours})": "{field}={saved}（当前运行：{ours}）",
    "weights do not fit this model: {diffs}; set the same values, or import their config": (
        "权重与当前模型不匹配：{diffs}；请设置相同的值，或导入它们的配置"
    ),
    "safetensors file is corrupt: {error}": "safetensors 文件已损坏：{error}",
    "weights do not fit this model: tensor {name} is missing from the file": (
        "权重与当前模型不匹配：文件中缺少张量 {name}"
    ),
    "weights do not fit this model: tensor {name} has shape {shape}, the model needs {need}": (
        "权重与当前模型不匹配：张量 {name} 的形状是 {shape}，模型需要 {need}"
    ),
    "weights do not fit this model: tensor {name} is {dtype}, not {need}": (
        "权重与当前模型不匹配：张量 {name} 的类型是 {dtype}，而不是 {need}"
    ),
    "weights do not fit this model: the file has tensor {name}, which the model lacks": (
        "权重与当前模型不匹配：文件中有张量 {name}，但模型没有"
    ),
    # untrusted JSON nested too deeply (rnnplay/untrusted.json_loads)
    "config file": "配置文件",
    "weights file": "权重文件",
    "{what}: its JSON is nested too deeply to read; refused": "{what}：其中的 JSON 嵌套过深，无法读取；已拒绝",
}
