"""中文 for the app frame and the shared sidebar (app.py, app_pages/ui/, app_pages/i18n.py)."""

ZH = {
    "Home": "首页",
    "Playground": "训练场",
    "Gradient lab": "梯度实验室",
    "Inspect": "观察",
    "Learn": "学习",
    "Runs": "历史运行",
}
