"""中文 for runs kept across reloads and restarts (app_pages/ui/session_run.py, the session's run)."""

ZH = {
    "Runs are not saved right now: {error}. Training and the charts work as usual.": (
        "运行记录暂时无法保存：{error}。训练和图表照常工作。"
    ),
    "Run {old} was saved meanwhile by another server or tab: this run goes on as {id}, so neither is lost.": (
        "运行 {old} 在此期间已被另一台服务器或另一个标签页保存：这次运行改为 {id} 继续，两者都不会丢失。"
    ),
    "Run {id} belongs to another browser: this is a copy of it, at step {step}.": (
        "运行 {id} 属于另一个浏览器：这里是它的一份副本，位于第 {step} 步。"
    ),
    "Run {id} is open in another tab or browser: this is a copy of it, at step {step}.": (
        "运行 {id} 已在另一个标签页或浏览器中打开：这里是它的一份副本，位于第 {step} 步。"
    ),
    "Run {id} could not be reopened: {error}. This is a new run.": "无法重新打开运行 {id}：{error}。这是一次新的运行。",
    "Run {id} was not found (old runs expire). This is a new run.": (
        "找不到运行 {id}（旧的运行会过期删除）。这是一次新的运行。"
    ),
    "The worker that trained run {id} stopped ({error}).": "训练运行 {id} 的工作进程已停止（{error}）。",
    "Reopened run {id} at step {step}.": "已重新打开运行 {id}，位于第 {step} 步。",
    "Reopened run {id} at step {step}: press **Resume** to continue.": (
        "已重新打开运行 {id}，位于第 {step} 步：按 **继续** 接着训练。"
    ),
}
