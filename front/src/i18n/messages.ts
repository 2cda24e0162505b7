// Every string the UI shows, in both languages. `zhCN` is typed against `en`, so a key
// missing in either language is a compile error; tests/i18n.test.ts also checks that
// placeholders like {seconds} match, which the type system cannot see.

export const en = {
  "app.title": "Sandpit",
  "app.tagline": "Write Python, press Run, see what happens!",

  "toolbar.examples": "Examples",
  "toolbar.examples.placeholder": "Pick an example…",
  "toolbar.language": "Language",

  "editor.title": "Your code",
  "editor.label": "Python code editor",
  "editor.tip": "Tip: Ctrl+Enter runs your code. To leave the editor with the keyboard, press Esc and then Tab.",
  "editor.exampleLoaded": "Example loaded. Press Ctrl+Z to get your old code back.",

  "run.button": "Run",
  "run.buttonLabel": "Run my program",
  "stop.button": "Stop",
  "stop.buttonLabel": "Stop my program",

  "output.title": "Output",
  "output.empty": "Press Run and your program's output will appear here.",
  "output.consoleLabel": "Program output",
  "output.nothing": "(Your program didn't print anything.)",
  "output.imageAlt": "Picture {n} made by your program",

  "input.label": "Your program may ask you something. Type your answer here and press Enter:",
  "input.placeholder": "Type here…",
  "input.send": "Send",
  "input.sendLabel": "Send my answer",

  "drawing.title": "Drawing",
  "drawing.speed": "Drawing speed",
  "drawing.speed.slow": "Slow",
  "drawing.speed.normal": "Normal",
  "drawing.speed.fast": "Fast",
  "drawing.speed.instant": "Instant",
  "drawing.canvasLabel": "Turtle drawing made by your program",

  "state.idle": "Ready",
  "state.starting": "Sending your program…",
  "state.queued": "Waiting for a free computer…",
  "state.running": "Running…",
  "state.stopping": "Stopping…",
  "state.reconnecting": "Connection lost, reconnecting…",
  "state.finished": "Finished",

  "result.ok": "Your program finished.",
  "result.error": "Your program stopped because of an error.",
  "result.timeout": "Your program ran for too long, so it was stopped. Is there a loop that never ends?",
  "result.memory_limit": "Your program used too much memory, so it was stopped. Are you making a list that keeps growing?",
  "result.output_limit": "Your program printed too much, so it was stopped. Try printing less.",
  "result.killed": "Your program tried to do something that isn't allowed here, so it was stopped.",
  "result.cancelled": "You stopped the program.",
  "result.internal_error": "Something went wrong on our side, not in your code. Please try again.",
  "result.unknown": "Your program ended.",
  "result.truncated": "Some output was cut off because there was too much.",
  "result.stats": "Took {seconds} s · used {memory}",
  "result.statsTimeOnly": "Took {seconds} s",

  "error.network": "Can't reach the Sandpit server. Check your connection and try again.",
  "error.lost": "Lost the connection to the Sandpit server. Press Run to try again.",
  "error.busy": "Lots of programs are running right now. Wait a moment and press Run again.",
  "error.tooBig": "Your program is too big to send.",
  "error.rejected": "The server couldn't run this program: {message}",

  "card.heading": "What went wrong?",
  "card.line": "Look at line {line}.",
  "card.hint": "Idea:",
  "card.details": "Show the full error message",

  "lang.en": "English",
  "lang.zh-CN": "中文",

  "example.hello": "Say hello",
  "example.guess": "Guessing game (uses input)",
  "example.turtle": "Turtle drawing",
  "example.plot": "Plot a chart",
} as const;

export type MessageKey = keyof typeof en;

export const zhCN: Record<MessageKey, string> = {
  "app.title": "Sandpit 沙盒",
  "app.tagline": "写下 Python 代码，按“运行”，看看会发生什么！",

  "toolbar.examples": "示例",
  "toolbar.examples.placeholder": "选一个示例…",
  "toolbar.language": "语言",

  "editor.title": "你的代码",
  "editor.label": "Python 代码编辑器",
  "editor.tip": "小提示：按 Ctrl+Enter 运行代码。想用键盘离开编辑器，先按 Esc 再按 Tab。",
  "editor.exampleLoaded": "示例已载入。按 Ctrl+Z 可以找回你原来的代码。",

  "run.button": "运行",
  "run.buttonLabel": "运行我的程序",
  "stop.button": "停止",
  "stop.buttonLabel": "停止我的程序",

  "output.title": "输出",
  "output.empty": "按“运行”，程序的输出会显示在这里。",
  "output.consoleLabel": "程序输出",
  "output.nothing": "（你的程序没有打印任何内容。）",
  "output.imageAlt": "你的程序画出的第 {n} 张图",

  "input.label": "你的程序可能在问你问题。在这里输入答案，然后按回车：",
  "input.placeholder": "在这里输入…",
  "input.send": "发送",
  "input.sendLabel": "发送我的答案",

  "drawing.title": "画图",
  "drawing.speed": "画图速度",
  "drawing.speed.slow": "慢",
  "drawing.speed.normal": "中",
  "drawing.speed.fast": "快",
  "drawing.speed.instant": "立刻画完",
  "drawing.canvasLabel": "你的程序用海龟画出的图",

  "state.idle": "准备好了",
  "state.starting": "正在发送你的程序…",
  "state.queued": "正在排队等一台空闲的电脑…",
  "state.running": "正在运行…",
  "state.stopping": "正在停止…",
  "state.reconnecting": "连接断开了，正在重新连接…",
  "state.finished": "运行结束",

  "result.ok": "程序运行完成。",
  "result.error": "程序因为出错而停了下来。",
  "result.timeout": "程序运行的时间太长，已经被停止了。是不是有一个停不下来的循环？",
  "result.memory_limit": "程序用了太多内存，已经被停止了。是不是有一个越变越大的列表？",
  "result.output_limit": "程序输出的内容太多，已经被停止了。试着少打印一些。",
  "result.killed": "程序想做一件这里不允许的事，已经被停止了。",
  "result.cancelled": "你停止了程序。",
  "result.internal_error": "是我们这边出了问题，不是你的代码有错。请再试一次。",
  "result.unknown": "程序结束了。",
  "result.truncated": "输出太多，有一部分没有显示。",
  "result.stats": "用时 {seconds} 秒 · 内存 {memory}",
  "result.statsTimeOnly": "用时 {seconds} 秒",

  "error.network": "连不上 Sandpit 服务器。检查一下网络，再试一次。",
  "error.lost": "和 Sandpit 服务器的连接断开了。请再按一次“运行”。",
  "error.busy": "现在运行的程序太多了。稍等一下，再按“运行”。",
  "error.tooBig": "你的程序太大了，发送不了。",
  "error.rejected": "服务器不能运行这个程序：{message}",

  "card.heading": "出了什么问题？",
  "card.line": "看看第 {line} 行。",
  "card.hint": "小建议：",
  "card.details": "显示完整的错误信息",

  "lang.en": "English",
  "lang.zh-CN": "中文",

  "example.hello": "打个招呼",
  "example.guess": "猜数字游戏（用到 input）",
  "example.turtle": "海龟画图",
  "example.plot": "画一张图表",
};
