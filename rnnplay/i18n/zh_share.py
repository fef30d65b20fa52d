"""中文 for a configuration trained once for a class (app_pages/ui/class_watch.py)."""

ZH = {
    (
        "Watching the class's run of this configuration — trained once for everyone (run {id}). "
        "Its controls belong to the learner who started it."
    ): "正在观看全班共享的这个配置的运行——只为大家训练一次（运行 {id}）。它的控制按钮属于启动它的学习者。",
    "It trains on another server: these charts follow its saves, every {s:g} s.": (
        "它在另一台服务器上训练：这些图表跟随它的保存更新，每 {s:g} 秒一次。"
    ),
    "Train my own copy": "训练我自己的副本",
    "Stop watching": "停止观看",
    "Replay: step": "回放：第几步",
}
