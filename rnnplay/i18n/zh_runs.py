"""中文 for the Runs page (app_pages/runs.py)."""

ZH = {
    (
        "Every run of this browser session: the current one and each one you reset or trained anew (the last "
        "{n} are kept). Pick some to compare them on the same axes."
    ): (
        "本次浏览器会话中的每一次运行：当前的运行，以及你每次重置或重新训练的运行（保留最近 {n} 次）。选几个在"
        "同一坐标轴上比较。"
    ),
    "run": "运行",
    "task": "任务",
    "architecture": "架构",
    "hidden size": "隐藏层大小",
    "learning rate": "学习率",
    "steps": "步数",
    "state": "状态",
    "other settings": "其他设置",
    "current": "当前",
    "{arch} bi": "双向 {arch}",
    "No runs yet: train something in the Playground, then come back.": (
        "还没有运行：先在训练场训练点什么，再回到这里。"
    ),
    "Runs to overlay": "要叠加比较的运行",
    "Pick at least one run.": "请至少选择一次运行。",
    "Open a run's configuration in the Playground": "在训练场中打开某次运行的配置",
    "{run}: {task}, {arch}, hidden {hidden}": "{run}：{task}，{arch}，隐藏层 {hidden}",
    " (without your CSV series)": "（不含你的 CSV 序列）",
    "Saved runs of this browser ({n})": "此浏览器保存的运行（{n} 次）",
    "Kept on the server, newest first: open one to go on from where it was saved.": (
        "保存在服务器上，最新的在前：打开其中一次，从保存时的位置继续。"
    ),
    "`{id}`: {task}, step {step}, {state}": "`{id}`：{task}，第 {step} 步，{state}",
}
