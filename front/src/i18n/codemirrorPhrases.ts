// CodeMirror's own UI strings (search panel, folding, screen-reader announcements),
// translated for EditorState.phrases. CodeMirror's English is the key, so English
// needs no table. tests/i18n.test.ts scans the installed CodeMirror packages for
// every phrase they use and fails if one is missing here.

export const codemirrorPhrasesZhCN: Record<string, string> = {
  // @codemirror/view
  "Control character": "控制字符",
  close: "关闭",
  // @codemirror/commands
  "Selection deleted": "选中的内容已删除",
  // @codemirror/language (folding)
  "Folded lines": "已折叠的行",
  "Unfolded lines": "已展开的行",
  to: "到",
  "folded code": "折叠的代码",
  unfold: "展开",
  "Fold line": "折叠这一行",
  "Unfold line": "展开这一行",
  // @codemirror/search
  "Go to line": "跳到第几行",
  go: "跳转",
  Find: "查找",
  Replace: "替换",
  next: "下一个",
  previous: "上一个",
  all: "全部",
  "match case": "区分大小写",
  regexp: "正则表达式",
  "by word": "整个词",
  replace: "替换",
  "replace all": "全部替换",
  "current match": "当前匹配",
  "on line": "所在行",
  "replaced $ matches": "已替换 $ 处",
  "replaced match on line $": "已替换第 $ 行的匹配",
  // @codemirror/autocomplete
  Completions: "补全建议",
};
