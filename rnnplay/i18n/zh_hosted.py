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
    "queued": "排队中",
    "entry {i}: {problem}": "条目 {i}：{problem}",
}
