"""简体中文说明：写给 8–14 岁的孩子。代码用 `反引号` 标出。"""

TEXTS = {
    # -- 名字 ------------------------------------------------------------------
    "name.typo": {
        "title": "Python 不认识 `{name}` 这个名字",
        "message": "你用了 `{name}`，可是程序里没有叫这个名字的东西。大多数时候，这是一个小小的拼写错误。",
    },
    "name.unknown": {
        "title": "Python 不认识 `{name}` 这个名字",
        "message": "你用了 `{name}`，可是在这一行之前，它还没有被赋值，所以 Python 不知道它是什么。",
    },
    "name.constant": {
        "title": "`{name}` 应该写成 `{right}`",
        "message": "Python 的特殊值要用大写字母开头：`True`、`False` 和 `None`。",
        "hint": "把 `{name}` 改成 `{right}`。",
    },
    "name.missing_import": {
        "title": "还没有导入 `{name}`",
        "message": "`{name}` 是一个模块。使用它之前，程序要先把它导入进来。",
        "hint": "在程序的第一行加上 `import {name}`。",
    },
    "name.unbound_local": {
        "title": "函数里的 `{name}` 还没有值就被用了",
        "message": "因为你的函数在某个地方给 `{name}` 赋了值，Python 就把 `{name}` 当成这个函数自己的变量；可是在这一行，它还没有被赋值。",
        "hint": "如果你想用的是函数外面的 `{name}`，可以在函数的第一行写 `global {name}`，或者把它作为参数传进来。",
    },
    # -- 缩进 ------------------------------------------------------------------
    "indent.expected": {
        "title": "这里的代码需要缩进",
        "message": "以冒号 `:` 结尾的行（比如 `if`、`for`、`while`、`def`）后面，属于它的代码要往右缩进，通常是 4 个空格。",
        "hint": "在属于它的那些行前面加上 4 个空格。",
    },
    "indent.unexpected": {
        "title": "这一行不应该缩进",
        "message": "这一行比上一行更靠右，可是上面并没有以冒号 `:` 结尾的行。",
        "hint": "删掉这一行开头多出来的空格，让它和上一行对齐。",
    },
    "indent.unindent": {
        "title": "这一行没有对齐",
        "message": "把一行往左退回去的时候，它必须和前面某一行刚好对齐。",
        "hint": "检查这一行开头的空格数量，要和它所属的代码块一样多。",
    },
    "indent.tabs": {
        "title": "Tab 键和空格混在一起了",
        "message": "有的行用 Tab 键缩进，有的行用空格缩进，Python 分不清哪些行是一组的。",
        "hint": "缩进只用空格，每一层 4 个。",
    },
    "indent.other": {
        "title": "缩进不对",
        "message": "Python 根据每行开头的空格来判断哪些行是一组的。这里有点问题：{message}。",
    },
    # -- 语法 ------------------------------------------------------------------
    "syntax.print_parens": {
        "title": "`{name}` 后面要加括号",
        "message": "在 Python 3 里，`{name}` 是一个函数，要把内容放在圆括号里。",
        "hint": "写成 `{name}(\"你好\")` 这样。",
    },
    "syntax.full_width": {
        "title": "代码里有中文符号 `{char}`",
        "message": "Python 只认识英文标点。`{char}` 很可能是用中文输入法打出来的。",
        "hint": "切换到英文输入法，把 `{char}` 换成 `{ascii}`。",
    },
    "syntax.unclosed_string": {
        "title": "一段文字少了结尾的引号",
        "message": "文字（字符串）要用同样的引号开始和结束，并且在同一行里，比如 \"hello\" 或 'hello'。",
        "hint": "在文字的末尾补上缺少的引号。",
    },
    "syntax.unclosed_triple": {
        "title": "一段长文字少了结尾的三个引号",
        "message": "用三个引号开始的文字，也必须用三个引号结束。",
        "hint": "补上结尾的 `\"\"\"`（或 `'''`）。",
    },
    "syntax.unclosed_bracket": {
        "title": "括号 `{bracket}` 没有关上",
        "message": "第 {opened} 行的 `{bracket}` 打开了，却一直没有关上。每一个左括号都需要一个对应的右括号。",
        "hint": "把缺少的右括号补上。",
    },
    "syntax.unmatched_bracket": {
        "title": "多了一个 `{bracket}`",
        "message": "这个右括号 `{bracket}` 找不到和它配对的左括号。",
        "hint": "删掉多余的 `{bracket}`，或者补上缺少的左括号。",
    },
    "syntax.mismatched_bracket": {
        "title": "括号配不上",
        "message": "打开的是 `{opening}`，关上的却是 `{closing}`。括号要成对使用：`()`、`[]`、`{{}}`。",
    },
    "syntax.assign_in_condition": {
        "title": "比较是否相等要用 `==`",
        "message": "在 `{keyword}` 这一行里，你想判断两个东西是否相等。Python 里要用 `==`。一个 `=` 的意思是“把值放进变量里”。",
        "hint": "把 `=` 改成 `==`。",
    },
    "syntax.missing_colon": {
        "title": "少了一个冒号 `:`",
        "message": "以 `{keyword}` 开头的行，末尾必须有一个英文冒号 `:`。",
        "hint": "在这一行的末尾加上 `:`。",
    },
    "syntax.bad_assign": {
        "title": "不能把值存到这里",
        "message": "`=` 的左边必须是一个变量名。Python 说：{message}。",
        "hint": "如果你想比较，请用 `==`；否则把变量名写在 `=` 的左边。",
    },
    "syntax.bad_number": {
        "title": "数字写错了",
        "message": "Python 发现一个数字和字母连在一起。变量名不能用数字开头；做乘法要写 `*`，比如 `2 * x`。",
    },
    "syntax.outside_function": {
        "title": "`{word}` 写在了函数外面",
        "message": "`{word}` 只能用在函数（`def`）里面。",
        "hint": "检查缩进：这一行应该在函数里面。",
    },
    "syntax.outside_loop": {
        "title": "`{word}` 写在了循环外面",
        "message": "`{word}` 只能用在 `for` 或 `while` 循环里面。",
        "hint": "检查缩进：这一行应该在循环里面。",
    },
    "syntax.missing_comma": {
        "title": "可能少了一个逗号",
        "message": "Python 发现两个东西挨在一起，中间什么也没有。",
        "hint": "在它们之间加一个英文逗号 `,`。",
    },
    "syntax.generic": {
        "title": "Python 看不懂这一行",
        "message": "这里有一个打字错误，破坏了 Python 的语法（{message}）。仔细检查这一行和上一行：括号、引号、冒号和逗号。",
    },
    # -- 类型 ------------------------------------------------------------------
    "type.str_plus_other": {
        "title": "文字和 {other} 不能直接相加",
        "message": "`+` 可以把两段文字连起来，也可以把两个数加起来，但不能把文字和 `{other}` 混在一起加。",
    },
    "type.number_and_str": {
        "title": "数字和文字混在一起了",
        "message": "`{op}` 不能同时处理 `{left}` 和 `{right}`：其中一个是文字（字符串），另一个是数字。",
    },
    "type.none_operand": {
        "title": "其中一个值是 `None`",
        "message": "`{op}` 拿到了 `None`，也就是“什么都没有”。常见原因是：一个本该返回结果的函数没有写 `return`。",
    },
    "type.unsupported_operand": {
        "title": "`{op}` 不能用在这些值上",
        "message": "不能对 `{left}` 和 `{right}` 使用 `{op}`。",
    },
    "type.compare": {
        "title": "这两个值没法比较",
        "message": "`{op}` 不能比较 `{left}` 和 `{right}`。",
    },
    "type.not_integer": {
        "title": "这里需要一个整数",
        "message": "这里需要一个整数（`int`），可是得到的是 `{type}`。",
    },
    "type.multiply_sequence": {
        "title": "文字只能乘以整数",
        "message": "`\"ab\" * 3` 会得到 `\"ababab\"`，但是文字不能乘以 `{type}`。",
    },
    "type.not_callable": {
        "title": "`{type}` 不是函数",
        "message": "在一个东西后面加圆括号 `()`，意思是“调用这个函数”，可是这里的东西是 `{type}`。会不会是某个变量和函数同名了？",
    },
    "type.not_subscriptable": {
        "title": "不能对 `{type}` 使用 `[ ]`",
        "message": "方括号用来从列表、文字或字典里取出一项，可是这个值是 `{type}`。",
    },
    "type.not_iterable": {
        "title": "不能用循环遍历 `{type}`",
        "message": "`for` 循环需要一个包含多项的东西（列表、文字、`range`），可是这里是 `{type}`。",
    },
    "type.immutable": {
        "title": "`{type}` 不能被修改",
        "message": "不能直接修改 `{type}` 里的某一项。",
        "hint": "换一种办法，生成一个新的值（文字可以用 `replace()`，或者把几段拼起来）。",
    },
    "type.no_len": {
        "title": "`{type}` 没有长度",
        "message": "`len()` 用来数列表、文字或字典里有多少项，可是这里是 `{type}`。",
    },
    "type.arguments": {
        "title": "调用 `{func}()` 时给的值个数不对",
        "message": "调用函数 `{func}` 时给的值，和它需要的个数不一样（{message}）。",
        "hint": "对照 `def {func}(...)` 那一行：每个参数给一个值。",
    },
    "type.unhashable": {
        "title": "`{type}` 不能当作键",
        "message": "字典的键和集合里的元素必须是不能修改的，而 `{type}` 是可以修改的。",
    },
    "type.need_str": {
        "title": "这里需要文字",
        "message": "这里需要文字（字符串），可是得到的是别的东西。",
    },
    "type.generic": {
        "title": "值的类型不对",
        "message": "Python 在这里拿到了一种不能用的值：{message}。",
    },
    # -- 值 --------------------------------------------------------------------
    "value.int_text": {
        "title": "“{text}” 不是整数",
        "message": "`int()` 可以把 \"42\" 这样的文字变成数字 42，可是 “{text}” 不是用数字写的整数。",
        "hint": "只输入数字，或者在转换之前先检查一下。",
    },
    "value.int_decimal": {
        "title": "“{text}” 带有小数点",
        "message": "`int()` 只认识 \"3\" 这样的整数，而 “{text}” 是小数。",
        "hint": "小数请用 `float()`，比如 `float(\"{text}\")`。",
    },
    "value.int_empty": {
        "title": "什么都没有输入",
        "message": "输入的内容是空的，所以没有可以转换的数字。",
        "hint": "先输入一个数字，再按回车。",
    },
    "value.float_text": {
        "title": "“{text}” 不是数字",
        "message": "`float()` 可以把 \"3.5\" 这样的文字变成数字，可是 “{text}” 不是数字。",
    },
    "value.math_domain": {
        "title": "这个数学计算做不了",
        "message": "数学函数拿到了一个它处理不了的值，比如给负数开平方。",
    },
    "value.unpack": {
        "title": "名字和值的个数对不上",
        "message": "`=` 左边的名字个数，和右边的值的个数不一样（{message}）。",
    },
    "value.not_in_list": {
        "title": "列表里没有这一项",
        "message": "你要找的那一项不在列表里。",
        "hint": "先用 `if 项 in 列表:` 检查一下。",
    },
    "value.substring": {
        "title": "没有找到这段文字",
        "message": "`index()` 要找的那段文字不存在。",
        "hint": "可以用 `find()`，找不到时它会返回 -1 而不是报错；或者先用 `in` 检查。",
    },
    "value.generic": {
        "title": "这个值不合适",
        "message": "值的类型是对的，但是不能这样用：{message}。",
    },
    # -- 计算 ------------------------------------------------------------------
    "zero_division": {
        "title": "不能除以零",
        "message": "这一行里有一个数被 0 除了，这是没有答案的。",
        "hint": "检查一下除数，比如先写 `if n != 0:`。",
    },
    "overflow": {
        "title": "数字太大了",
        "message": "计算结果太大，Python 在这里处理不了（{message}）。",
    },
    "recursion": {
        "title": "函数一遍又一遍地调用自己",
        "message": "一个函数不停地调用自己，一直停不下来，Python 只好放弃了。",
        "hint": "确保函数里有一种情况会停止调用自己。",
    },
    "memory": {
        "title": "程序用了太多内存",
        "message": "程序想保存太多东西，比如一个一直在变长的列表。",
    },
    # -- 列表和字典 ------------------------------------------------------------
    "index.list": {
        "title": "这个位置超出了范围",
        "message": "你要取的位置并不存在。位置是从 0 开始数的，所以最后一个位置比长度小 1。",
    },
    "index.str": {
        "title": "这个位置不在文字里",
        "message": "你要取的那个字的位置并不存在。位置是从 0 开始数的，所以最后一个位置比长度小 1。",
    },
    "index.pop_empty": {
        "title": "列表是空的",
        "message": "`pop()` 要从列表里取出一项，可是列表里已经一项都没有了。",
    },
    "index.generic": {
        "title": "这个位置不存在",
        "message": "{message}",
    },
    "key_error": {
        "title": "字典里没有键 {key}",
        "message": "你在字典里查找 {key}，可是字典里没有这个键。",
        "hint": "检查拼写，或者用 `if 键 in 字典:`，也可以用 `字典.get(键)`。",
    },
    # -- 属性和模块 ------------------------------------------------------------
    "attribute.object": {
        "title": "`{type}` 没有 `{attr}`",
        "message": "你在一个 `{type}` 后面写了 `.{attr}`，可是 `{type}` 没有这个东西。",
    },
    "attribute.none": {
        "title": "这个值是 `None`，所以没有 `{attr}`",
        "message": "`.{attr}` 前面的值是 `None`（什么都没有）。常见原因是它来自一个没有 `return` 的函数，或者写了 `x = 列表.sort()` 这样的代码。",
    },
    "attribute.module": {
        "title": "`{module}` 里没有 `{attr}`",
        "message": "模块 `{module}` 里没有叫 `{attr}` 的东西。",
    },
    "attribute.own_module": {
        "title": "你的文件 `{file}` 和模块 `{module}` 同名了",
        "message": "当你写 `import {module}` 时，Python 找到的是你自己的文件 `{file}`，而不是真正的模块。",
        "hint": "给你的文件换个名字（比如 `my_{module}.py`）。",
    },
    "attribute.generic": {
        "title": "这里没有这个东西",
        "message": "{message}",
    },
    "module.tkinter": {
        "title": "在 Sandpit 里不能打开 `tkinter` 窗口",
        "message": "`tkinter` 会在你自己电脑的桌面上打开窗口，可是你的程序运行在 Sandpit 的服务器上，那里没有窗口。",
        "hint": "想画画的话，请用 `import turtle`，画出来的图会直接显示在编辑器里。",
    },
    "module.window": {
        "title": "在 Sandpit 里 `{name}` 不能打开窗口",
        "message": "`{name}` 需要在你自己的电脑上打开窗口，可是你的程序运行在 Sandpit 的服务器上。",
        "hint": "想画画或做动画的话，请用 `import turtle`。",
    },
    "module.data_profile": {
        "title": "`{name}` 只能在数据模式里用",
        "message": "普通的 Python 程序里没有安装 `{name}`。",
        "hint": "选择数据模式（python-data）就可以使用 numpy 和 matplotlib。",
    },
    "module.network": {
        "title": "不能使用 `{name}`",
        "message": "`{name}` 是用来上网的，而 Sandpit 里的程序不能连接互联网。",
    },
    "module.typo": {
        "title": "没有叫 `{name}` 的模块",
        "message": "Python 找不到这个名字的模块。检查一下拼写，大小写也要一样。",
    },
    "module.unknown": {
        "title": "没有叫 `{name}` 的模块",
        "message": "Python 找不到 `{name}`。可能是名字拼错了，也可能是 Sandpit 里没有安装这个模块。",
    },
    "import.name": {
        "title": "`{module}` 里没有 `{name}`",
        "message": "你写了 `from {module} import {name}`，可是 `{module}` 里没有叫 `{name}` 的东西。",
    },
    "import.generic": {
        "title": "导入失败了",
        "message": "{message}",
    },
    # -- 文件和输入 ------------------------------------------------------------
    "file.not_found": {
        "title": "文件 `{filename}` 不存在",
        "message": "程序想打开 `{filename}`，可是你的项目里没有这个名字的文件。",
        "hint": "检查文件名，或者先把文件添加到项目里。",
    },
    "file.read_only": {
        "title": "不能写这个文件",
        "message": "在 Sandpit 里，程序只能在自己的项目文件夹里创建和修改文件。",
        "hint": "用一个简单的文件名，比如 `\"notes.txt\"`。",
    },
    "eof_input": {
        "title": "`input()` 没有等到回答",
        "message": "程序在等你输入，可是已经没有可以读取的内容了。",
        "hint": "程序结束之前，为每一个 `input()` 输入一个回答。",
    },
    # -- 海龟 ------------------------------------------------------------------
    "turtle.bad_color": {
        "title": "海龟不认识颜色 “{color}”",
        "message": "颜色可以用英文名字，比如 \"red\"（红色）、\"light blue\"（浅蓝色），也可以用 \"#ff8800\" 这样的代码。",
    },
    "turtle.bad_color_tuple": {
        "title": "这个颜色的数字超出了范围",
        "message": "颜色 {color} 里的数字太大或太小。默认的 `colormode(1.0)` 下，每个数字在 0 到 1 之间；用了 `colormode(255)` 之后，每个数字在 0 到 255 之间。",
    },
    "turtle.terminated": {
        "title": "海龟窗口已经关闭了",
        "message": "海龟窗口关闭之后（比如调用了 `bye()`），程序还在继续画。",
    },
    "turtle.generic": {
        "title": "海龟做不到这件事",
        "message": "{message}",
    },
    # -- 沙盒 ------------------------------------------------------------------
    "sandbox.webbrowser": {
        "title": "Sandpit 不能打开网页",
        "message": "你的程序运行在 Sandpit 的服务器上，所以不能打开浏览器，也不能访问网站。",
    },
    "assertion": {
        "title": "`assert` 检查没有通过",
        "message": "`assert` 这一行检查某件事是否成立，而这里它不成立。{message}",
    },
    "generic": {
        "title": "程序因为 {error} 停下来了",
        "message": "Python 因为这个错误停止了你的程序：{message}",
    },
    # -- 额外提示 --------------------------------------------------------------
    "hint.did_you_mean": "你是不是想写 `{suggestion}`？",
    "hint.quotes_or_assign": "如果你想表示文字 {name}，要给它加上引号：\"{name}\"。如果它是一个变量，要先给它一个值，比如 `{name} = 0`。",
    "hint.input_is_text": "`input()` 得到的永远是文字，就算你输入的是数字也一样。用 `int(input(...))` 或 `float(input(...))` 把它变成数字。",
    "hint.str_convert": "想把数字和文字连在一起，先用 `str(...)` 把数字变成文字，或者用 f 字符串，比如 `f\"得分：{{score}}\"`。",
    "hint.int_convert": "先用 `int(...)` 把文字变成数字。",
    "hint.float_to_int": "用 `int(...)` 或 `round(...)` 把小数变成整数。",
    "hint.times_sign": "做乘法时，要在数字和括号之间写 `*`：`2 * (3 + 4)`。",
    "hint.use_range": "想重复做 n 次，可以遍历 `range(n)`。",
    "hint.method_self": "类里面的方法，第一个参数要写 `self`。",
    "hint.valid_indexes": "`{name}` 有 {length} 项，所以位置是从 0 到 {last}。",
}
