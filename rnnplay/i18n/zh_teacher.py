"""中文 for share links and teacher links: app_pages/ui/teacher.py, the Playground's share panel and the
locked controls of app_pages/ui/fields.py and controls.py."""

ZH = {
    # locked controls in the sidebar
    "Locked by your teacher": "已被老师锁定",
    "locked by your teacher": "已被老师锁定",
    # page parts a teacher link may hide
    "the Teacher link panel": "“教师链接”面板",
    "the “More” settings (implementation, initialisation, seed, device)": (
        "“更多”设置（实现方式、初始化、随机种子、设备）"
    ),
    "the share link": "分享链接",
    "export / import": "导出 / 导入",
    "“How to read these charts”": "“如何读懂这些图表”",
    "Try it": "试一试",
    # warnings about a teacher link's lists
    "hide: unknown control(s) {names} ignored — allowed: a setting's name (e.g. lr, seed) or {parts}": (
        "hide：未知的控件 {names} 已忽略 —— 允许的是设置的名称（如 lr、seed）或 {parts}"
    ),
    "lock: unknown setting(s) {names} ignored — allowed: a setting's name, e.g. {examples}": (
        "lock：未知的设置 {names} 已忽略 —— 允许的是设置的名称，例如 {examples}"
    ),
    # the Teacher link panel
    "Teacher link (for a class)": "教师链接（用于课堂）",
    "Choose what your class sees. Hidden controls keep this page's values; locked ones are shown but cannot "
    "be changed. The link opens exactly this configuration, in this language.": (
        "选择学生能看到哪些控件。隐藏的控件保持本页的取值；锁定的控件会显示，但不能修改。"
        "链接会以当前语言打开完全相同的配置。"
    ),
    "Hide from the class": "对学生隐藏",
    "Nothing hidden": "不隐藏任何控件",
    "Lock (shown, not changeable)": "锁定（显示但不能修改）",
    "Nothing locked": "不锁定任何控件",
    "Lesson narrative (optional)": "课程讲解（可选）",
    "none": "无",
    "The lesson's sentences run over this configuration; open the lesson first for its settings.": (
        "课程讲解会在当前配置上进行；如需课程自带的设置，请先打开该课程。"
    ),
    "The student link (copy it with the button at its right):": "学生链接（用右侧的按钮复制）：",
    "Open the student view": "打开学生视图",
    # a bad language in a link
    "lang={value} is not allowed: one of {langs} — using {lang}": (
        "lang={value} 不允许：只能是 {langs} 之一 —— 改用 {lang}"
    ),
    # the Playground's share panel
    "Share this configuration": "分享此配置",
    "Anyone who opens this link gets exactly this configuration, in this language:": (
        "任何人打开这个链接，都会以当前语言得到完全相同的配置："
    ),
    "Copy it with the button at the right of the link. It holds no run: each visitor trains anew.": (
        "用链接右侧的按钮复制。链接不包含训练结果：每位访问者都会从头训练。"
    ),
    "The link names your CSV series, which this server keeps (not the link): it opens with the "
    "series while the server has it, the least recently used going first. Share the file too.": (
        "链接指向你的 CSV 序列，序列保存在本服务器上（不在链接里）：只要服务器还保存着它，打开链接就会用这条序列；"
        "最久未用的会先被清除。请把文件也一起分享。"
    ),
    # links that hold: numbers a bound widget cannot read, long texts kept on the server
    "text_ref={ref}: this server no longer has the text this link names (long texts are kept on the "
    "server, not in the link, and the oldest are let go) — using the task's default text; paste the text again": (
        "text_ref={ref}：服务器上已没有此链接所指的文本（长文本保存在服务器上而不在链接里，最早的会被清除）"
        "—— 使用该任务的默认文本；请重新粘贴文本"
    ),
    "This teacher link was changed or damaged (view={token}) and is refused: ask your teacher for the "
    "link again. Nothing the link fixed was unlocked.": (
        "这个教师链接被修改过或已损坏（view={token}），已拒绝：请向老师重新索取链接。链接固定的设置都没有被解锁。"
    ),
    "{name}={value} in the link is refused: your teacher fixed this setting — it stays at {fixed}": (
        "链接中的 {name}={value} 被拒绝：老师固定了这个设置 —— 保持为 {fixed}"
    ),
    "lesson={value} in the link is refused: your teacher chose the lesson “{title}”": (
        "链接中的 lesson={value} 被拒绝：老师选定的课程是《{title}》"
    ),
    "the task's default": "该任务的默认值",
    "entry {i}: {name}={value} is refused: your teacher fixed this setting — it stays at {fixed}": (
        "第 {i} 项：{name}={value} 被拒绝：老师固定了这个设置 —— 保持为 {fixed}"
    ),
    "Locked by your teacher for every entry: {names}": "老师为所有参赛项锁定了：{names}",
    "Locked by your teacher, kept as they are: {names}": "已被老师锁定，保持不变：{names}",
    "The same view as a short link and a QR code, for a slide:": "同一个学生视图的短链接和二维码，可放在幻灯片上：",
    "Scan to open the student view": "扫码打开学生视图",
    "QR code (SVG)": "二维码（SVG）",
    "t={ref}: this server does not know this short link (made on another server, expired, or mistyped) — "
    "ask your teacher for the link again": (
        "t={ref}：本服务器不认识这个短链接（在别的服务器上生成、已过期或输入有误）—— 请向老师重新索取链接"
    ),
}
