"""中文 for hosted mode (rnnplay/hosted.py: caps, the queue, idle and disconnect pauses; their lines on the pages)."""

ZH = {
    "queued: position {position} of {length} — waits for a free slot": (
        "排队中：第 {position} 位，共 {length} 位 — 等待空闲的训练位"
    ),
    "The server is busy: {active} trainings are running and {waiting} are waiting, as many as it queues "
    "({env}={max_queue}). Try again in a minute.": (
        "服务器正忙：{active} 个训练正在运行，{waiting} 个在排队，已达排队上限（{env}={max_queue}）。请一分钟后再试。"
    ),
    "paused: nobody looked at this run for {seconds} s ({env}), so it gave its place to others — "
    "press Resume to go on": (
        "已暂停：这次训练已有 {seconds} 秒无人查看（{env}），训练位已让给别人 — 点击“继续”接着训练"
    ),
    "paused: the page was closed or lost its connection — press Resume to go on": (
        "已暂停：页面已关闭或连接中断 — 点击“继续”接着训练"
    ),
    "{field}={value} is over this server's cap of {cap} (set by {env}): choose a smaller value": (
        "{field}={value} 超过了本服务器的上限 {cap}（由 {env} 设定）：请选一个更小的值"
    ),
    "this model has {value} parameters (hidden_size={hidden_size}, num_layers={num_layers}), over this "
    "server's cap of {cap} (set by {env}): choose a smaller hidden size or fewer layers": (
        "这个模型有 {value} 个参数（hidden_size={hidden_size}，num_layers={num_layers}），超过了本服务器的上限 "
        "{cap}（由 {env} 设定）：请减小隐藏层大小或层数"
    ),
    "The server is busy: all {active} training slots are taken ({env}={max_active}), and one batch needs one "
    "too. Press Train to wait in line, or try again in a moment.": (
        "服务器正忙：{active} 个训练位都已占用（{env}={max_active}），单步训练一批也需要一个训练位。"
        "点击“训练”排队等候，或稍后再试。"
    ),
    "Not started: {problem}": "未开始：{problem}",
    # the cost of a run (rnnplay/cost.py)
    "this run needs about {need} of memory (batch_size={batch_size}, T={seq_len}, hidden_size={hidden_size}, "
    "num_layers={num_layers}); this server allows {allowed} a run (set by {env}): choose a smaller batch, "
    "sequence or model": (
        "这次训练大约需要 {need} 内存（batch_size={batch_size}，T={seq_len}，hidden_size={hidden_size}，"
        "num_layers={num_layers}）；本服务器每次训练最多允许 {allowed}（由 {env} 设定）：请减小批大小、序列长度或模型"
    ),
    "a step of this run would take about {need} s (batch_size={batch_size}, T={seq_len}, "
    "hidden_size={hidden_size}); this server allows {allowed} s a step (set by {env}): choose a smaller "
    "batch, sequence or model": (
        "这次训练每一步大约需要 {need} 秒（batch_size={batch_size}，T={seq_len}，hidden_size={hidden_size}）；"
        "本服务器每步最多允许 {allowed} 秒（由 {env} 设定）：请减小批大小、序列长度或模型"
    ),
    "this race needs about {need} of memory for its {n} entries together; this server allows {allowed} "
    "(set by {env}): race fewer or smaller entries": (
        "这场比赛的 {n} 个条目合计大约需要 {need} 内存；本服务器最多允许 {allowed}（由 {env} 设定）："
        "请减少条目或缩小它们"
    ),
    "task {task} reads sequences of T={value} steps ({why}), over this server's cap of {cap} (set by {env}): "
    "choose a smaller {field}": (
        "任务 {task} 读取的序列长 T={value} 步（{why}），超过了本服务器的上限 {cap}（由 {env} 设定）："
        "请选一个更小的 {field}"
    ),
    "delay + 20": "delay + 20",
    "queued": "排队中",
    "entry {i}: {problem}": "条目 {i}：{problem}",
}
