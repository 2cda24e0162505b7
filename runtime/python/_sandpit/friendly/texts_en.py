"""English explanations, written for 8-14 year olds. Code is marked with `backticks`."""

TEXTS = {
    # -- names ---------------------------------------------------------------
    "name.typo": {
        "title": "Python doesn't know the name `{name}`",
        "message": "You used `{name}`, but nothing in your program has that name. Most of the time this is a small spelling mistake.",
    },
    "name.unknown": {
        "title": "Python doesn't know the name `{name}`",
        "message": "You used `{name}`, but it was never given a value before this line, so Python doesn't know what it is.",
    },
    "name.constant": {
        "title": "`{name}` should be written `{right}`",
        "message": "Python's special values start with a capital letter: `True`, `False` and `None`.",
        "hint": "Write `{right}` instead of `{name}`.",
    },
    "name.missing_import": {
        "title": "`{name}` hasn't been imported",
        "message": "`{name}` is a module. Before you can use it, your program has to import it.",
        "hint": "Add `import {name}` at the top of your program.",
    },
    "name.unbound_local": {
        "title": "`{name}` is used before it gets a value in this function",
        "message": "Because your function gives `{name}` a value somewhere, Python treats `{name}` as the function's own variable — and here it is used before that happens.",
        "hint": "If you meant the `{name}` from outside the function, add `global {name}` as the first line of the function, or pass it in as a parameter.",
    },
    # -- indentation ---------------------------------------------------------
    "indent.expected": {
        "title": "Some lines need to be indented here",
        "message": "After a line that ends with `:` (like `if`, `for`, `while` or `def`), the next lines must be pushed to the right, usually by 4 spaces.",
        "hint": "Add 4 spaces at the start of the lines that belong inside.",
    },
    "indent.unexpected": {
        "title": "This line is indented when it shouldn't be",
        "message": "This line starts further to the right than the line before it, but nothing above it ends with `:`.",
        "hint": "Remove the spaces at the start of this line so it lines up with the line above.",
    },
    "indent.unindent": {
        "title": "This line doesn't line up",
        "message": "When you move a line back to the left, it must line up exactly with an earlier line.",
        "hint": "Check the spaces at the start of this line: use the same number as the block it belongs to.",
    },
    "indent.tabs": {
        "title": "Tabs and spaces are mixed up",
        "message": "Some lines are indented with the Tab key and others with spaces. Python can't tell which lines belong together.",
        "hint": "Use only spaces (4 per level) for indenting.",
    },
    "indent.other": {
        "title": "The indentation is wrong",
        "message": "Python uses the spaces at the start of each line to see which lines belong together. Something is off here: {message}.",
    },
    # -- syntax --------------------------------------------------------------
    "syntax.print_parens": {
        "title": "`{name}` needs brackets",
        "message": "In Python 3, `{name}` is a function, so what you give it goes inside round brackets.",
        "hint": "Write it like `{name}(\"Hello\")`.",
    },
    "syntax.full_width": {
        "title": "There is a Chinese-style symbol `{char}` in your code",
        "message": "Python only understands English punctuation. The symbol `{char}` was probably typed with a Chinese input method.",
        "hint": "Switch to English input and type `{ascii}` instead of `{char}`.",
    },
    "syntax.unclosed_string": {
        "title": "A piece of text is missing its closing quote",
        "message": "Text (a string) must start and end with the same quote mark, like \"hello\" or 'hello', on the same line.",
        "hint": "Add the missing quote mark at the end of the text.",
    },
    "syntax.unclosed_triple": {
        "title": "A long text is missing its closing quotes",
        "message": "Text that starts with three quote marks must also end with three quote marks.",
        "hint": "Add the closing `\"\"\"` (or `'''`).",
    },
    "syntax.unclosed_bracket": {
        "title": "A bracket `{bracket}` is never closed",
        "message": "The `{bracket}` on line {opened} is opened but never closed. Every opening bracket needs a matching closing one.",
        "hint": "Add the missing closing bracket.",
    },
    "syntax.unmatched_bracket": {
        "title": "There is an extra `{bracket}`",
        "message": "This closing bracket `{bracket}` has no opening bracket to match.",
        "hint": "Remove the extra `{bracket}`, or add the opening bracket that is missing.",
    },
    "syntax.mismatched_bracket": {
        "title": "The brackets don't match",
        "message": "A `{opening}` was opened but a `{closing}` closes it. Brackets must come in matching pairs: `()`, `[]`, `{{}}`.",
    },
    "syntax.assign_in_condition": {
        "title": "Use `==` to compare",
        "message": "In an `{keyword}` line you want to check whether two things are equal. In Python that is `==`. A single `=` means \"put a value into a variable\".",
        "hint": "Change `=` to `==`.",
    },
    "syntax.missing_colon": {
        "title": "A colon `:` is missing",
        "message": "A line that starts with `{keyword}` must end with a colon `:`.",
        "hint": "Add `:` at the end of the line.",
    },
    "syntax.bad_assign": {
        "title": "You can't store a value there",
        "message": "The left side of `=` must be a variable name. Python said: {message}.",
        "hint": "If you wanted to compare, use `==`. Otherwise put the variable name on the left of `=`.",
    },
    "syntax.bad_number": {
        "title": "A number is written wrongly",
        "message": "Python found a number stuck to letters. Variable names can't start with a digit, and to multiply you need `*`, like `2 * x`.",
    },
    "syntax.outside_function": {
        "title": "`{word}` is outside a function",
        "message": "`{word}` can only be used inside a function (`def`).",
        "hint": "Check the indentation: the line should be inside the function.",
    },
    "syntax.outside_loop": {
        "title": "`{word}` is outside a loop",
        "message": "`{word}` can only be used inside a `for` or `while` loop.",
        "hint": "Check the indentation: the line should be inside the loop.",
    },
    "syntax.missing_comma": {
        "title": "A comma might be missing",
        "message": "Python found two things next to each other with nothing between them.",
        "hint": "Put a comma `,` between the items.",
    },
    "syntax.generic": {
        "title": "Python can't understand this line",
        "message": "There's a typing mistake that breaks Python's grammar ({message}). Look closely at the line, and the line before it: brackets, quotes, colons and commas.",
    },
    # -- types ---------------------------------------------------------------
    "type.str_plus_other": {
        "title": "You can't add text and a {other}",
        "message": "`+` can join two texts, or add two numbers, but it can't mix text with a `{other}`.",
    },
    "type.number_and_str": {
        "title": "A number and text are mixed up",
        "message": "`{op}` can't work with a `{left}` and a `{right}` together: one of them is text (a string) and the other is a number.",
    },
    "type.none_operand": {
        "title": "One of the values is `None`",
        "message": "`{op}` got `None`, which means \"nothing\". Often a function that should give back a value doesn't have a `return`.",
    },
    "type.unsupported_operand": {
        "title": "`{op}` doesn't work with these values",
        "message": "You can't use `{op}` with a `{left}` and a `{right}`.",
    },
    "type.compare": {
        "title": "These values can't be compared",
        "message": "`{op}` can't compare a `{left}` with a `{right}`.",
    },
    "type.not_integer": {
        "title": "A whole number is needed here",
        "message": "This needs a whole number (`int`), but it got a `{type}`.",
    },
    "type.multiply_sequence": {
        "title": "Text can only be multiplied by a whole number",
        "message": "`\"ab\" * 3` gives `\"ababab\"`, but text can't be multiplied by a `{type}`.",
    },
    "type.not_callable": {
        "title": "A `{type}` is not a function",
        "message": "Round brackets `()` after something mean \"call this function\", but here that something is a `{type}`. Maybe a variable has the same name as a function?",
    },
    "type.not_subscriptable": {
        "title": "You can't use `[ ]` on a `{type}`",
        "message": "Square brackets pick an item from a list, text or dictionary, but this value is a `{type}`.",
    },
    "type.not_iterable": {
        "title": "You can't loop over a `{type}`",
        "message": "A `for` loop needs something with several items (a list, a text, a `range`), but this is a `{type}`.",
    },
    "type.immutable": {
        "title": "A `{type}` can't be changed",
        "message": "You can't change one item of a `{type}` in place.",
        "hint": "Make a new value instead (for text, e.g. with `replace()` or by joining pieces).",
    },
    "type.no_len": {
        "title": "A `{type}` has no length",
        "message": "`len()` counts the items of a list, text or dictionary, but this is a `{type}`.",
    },
    "type.arguments": {
        "title": "`{func}()` got the wrong number of values",
        "message": "The function `{func}` was called with a different number of values than it expects ({message}).",
        "hint": "Compare the call with the `def {func}(...)` line: give one value for each parameter.",
    },
    "type.unhashable": {
        "title": "A `{type}` can't be used as a key",
        "message": "Dictionary keys and set items must not be changeable, and a `{type}` can change.",
    },
    "type.need_str": {
        "title": "Text is needed here",
        "message": "This needs text (a string), but got something else.",
    },
    "type.generic": {
        "title": "A value of the wrong type",
        "message": "Python got a kind of value it can't use here: {message}.",
    },
    # -- values --------------------------------------------------------------
    "value.int_text": {
        "title": "\"{text}\" is not a whole number",
        "message": "`int()` turns text like \"42\" into the number 42, but \"{text}\" isn't written as a whole number.",
        "hint": "Type only digits, or check your program before converting.",
    },
    "value.int_decimal": {
        "title": "\"{text}\" has a decimal point",
        "message": "`int()` only understands whole numbers like \"3\". \"{text}\" is a decimal number.",
        "hint": "Use `float()` for decimal numbers, like `float(\"{text}\")`.",
    },
    "value.int_empty": {
        "title": "Nothing was typed in",
        "message": "The text was empty, so there was no number to convert.",
        "hint": "Type a number before pressing Enter.",
    },
    "value.float_text": {
        "title": "\"{text}\" is not a number",
        "message": "`float()` turns text like \"3.5\" into a number, but \"{text}\" isn't a number.",
    },
    "value.math_domain": {
        "title": "This maths can't be done",
        "message": "The math function got a value it can't work with, for example the square root of a negative number.",
    },
    "value.unpack": {
        "title": "The numbers of names and values don't match",
        "message": "On the left of `=` there are not as many names as there are values on the right ({message}).",
    },
    "value.not_in_list": {
        "title": "That item isn't in the list",
        "message": "You asked for an item that the list doesn't contain.",
        "hint": "Check first with `if item in my_list:`.",
    },
    "value.substring": {
        "title": "That text wasn't found",
        "message": "`index()` looked for a piece of text that isn't there.",
        "hint": "Use `find()`, which gives -1 instead of an error, or check with `in` first.",
    },
    "value.generic": {
        "title": "A value that doesn't fit",
        "message": "The value has the right type but can't be used: {message}.",
    },
    # -- arithmetic ----------------------------------------------------------
    "zero_division": {
        "title": "You can't divide by zero",
        "message": "Something was divided by 0 on this line, and that has no answer.",
        "hint": "Check the number you divide by, e.g. with `if n != 0:`.",
    },
    "overflow": {
        "title": "The number got too big",
        "message": "The result is too big for Python to handle here ({message}).",
    },
    "recursion": {
        "title": "A function calls itself again and again",
        "message": "A function kept calling itself and never stopped, so Python gave up.",
        "hint": "Make sure the function has a case where it stops calling itself.",
    },
    "memory": {
        "title": "The program used too much memory",
        "message": "The program tried to keep too much in memory, for example a list that keeps growing.",
    },
    # -- collections -----------------------------------------------------------
    "index.list": {
        "title": "That position is not in the {kind}",
        "message": "You asked for an item at a position that doesn't exist. Positions start at 0, so the last one is one less than the length.",
    },
    "index.str": {
        "title": "That position is not in the text",
        "message": "You asked for a letter at a position that doesn't exist. Positions start at 0, so the last one is one less than the length.",
    },
    "index.pop_empty": {
        "title": "The list is empty",
        "message": "`pop()` takes an item out of a list, but the list has no items left.",
    },
    "index.generic": {
        "title": "That position doesn't exist",
        "message": "{message}",
    },
    "key_error": {
        "title": "The dictionary has no key {key}",
        "message": "You looked up {key} in a dictionary, but that key isn't in it.",
        "hint": "Check the spelling, use `if key in my_dict:`, or `my_dict.get(key)`.",
    },
    # -- attributes and modules -----------------------------------------------
    "attribute.object": {
        "title": "A `{type}` has no `{attr}`",
        "message": "You wrote `.{attr}` after a `{type}`, but a `{type}` doesn't have that.",
    },
    "attribute.none": {
        "title": "The value is `None`, so it has no `{attr}`",
        "message": "The value before `.{attr}` is `None` (nothing). Often it came from a function without `return`, or from something like `x = my_list.sort()`.",
    },
    "attribute.module": {
        "title": "`{module}` has no `{attr}`",
        "message": "The module `{module}` doesn't have anything called `{attr}`.",
    },
    "attribute.own_module": {
        "title": "Your file `{file}` has the same name as the module `{module}`",
        "message": "When you `import {module}`, Python finds your own file `{file}` instead of the real module.",
        "hint": "Rename your file (for example to `my_{module}.py`).",
    },
    "attribute.generic": {
        "title": "That doesn't exist here",
        "message": "{message}",
    },
    "module.tkinter": {
        "title": "`tkinter` windows can't open in Sandpit",
        "message": "`tkinter` opens windows on your own computer's desktop, but your program runs on the Sandpit server, where there are no windows.",
        "hint": "To draw, use `import turtle` — its drawings appear right here in the editor.",
    },
    "module.window": {
        "title": "`{name}` can't open windows in Sandpit",
        "message": "`{name}` needs a window on your own computer, but your program runs on the Sandpit server.",
        "hint": "To draw or animate, use `import turtle`.",
    },
    "module.data_profile": {
        "title": "`{name}` is only in Data mode",
        "message": "`{name}` is not installed for basic Python programs.",
        "hint": "Choose the Data mode (profile python-data) to use numpy and matplotlib.",
    },
    "module.network": {
        "title": "`{name}` isn't available",
        "message": "`{name}` is for talking to the internet, and Sandpit programs can't use the internet.",
    },
    "module.typo": {
        "title": "There is no module called `{name}`",
        "message": "Python couldn't find a module with that name. Check the spelling — capital letters count.",
    },
    "module.unknown": {
        "title": "There is no module called `{name}`",
        "message": "Python couldn't find `{name}`. Either the name is misspelled, or this module isn't installed in Sandpit.",
    },
    "import.name": {
        "title": "`{module}` has no `{name}`",
        "message": "You tried `from {module} import {name}`, but `{module}` has nothing called `{name}`.",
    },
    "import.generic": {
        "title": "Importing didn't work",
        "message": "{message}",
    },
    # -- files and input ---------------------------------------------------------
    "file.not_found": {
        "title": "The file `{filename}` doesn't exist",
        "message": "Your program tried to open `{filename}`, but there is no file with that name in your project.",
        "hint": "Check the name, or add the file to your project first.",
    },
    "file.read_only": {
        "title": "This file can't be written",
        "message": "Programs in Sandpit may only create and change files in their own project folder.",
        "hint": "Use a simple file name like `\"notes.txt\"`.",
    },
    "eof_input": {
        "title": "`input()` got no answer",
        "message": "Your program asked for input, but there was nothing more to read.",
        "hint": "Type an answer for each `input()` before the program ends.",
    },
    # -- turtle ----------------------------------------------------------------
    "turtle.bad_color": {
        "title": "Turtle doesn't know the colour \"{color}\"",
        "message": "Colours are names like \"red\" or \"light blue\", or codes like \"#ff8800\".",
    },
    "turtle.bad_color_tuple": {
        "title": "This colour has numbers out of range",
        "message": "The colour {color} has numbers that are too big or too small. With the usual `colormode(1.0)` each number is between 0 and 1; after `colormode(255)` each is between 0 and 255.",
    },
    "turtle.terminated": {
        "title": "The turtle window was closed",
        "message": "The program kept drawing after the turtle window was closed (for example after `bye()`).",
    },
    "turtle.generic": {
        "title": "Turtle can't do that",
        "message": "{message}",
    },
    # -- the sandbox -----------------------------------------------------------
    "sandbox.webbrowser": {
        "title": "Sandpit can't open web pages",
        "message": "Your program runs on the Sandpit server, so it can't open a browser or visit websites.",
    },
    "assertion": {
        "title": "An `assert` check failed",
        "message": "An `assert` line checks that something is true, and here it wasn't. {message}",
    },
    "generic": {
        "title": "The program stopped with a {error}",
        "message": "Python stopped your program because of this error: {message}",
    },
    # -- extra hints -------------------------------------------------------------
    "hint.did_you_mean": "Did you mean `{suggestion}`?",
    "hint.quotes_or_assign": "If you meant the text {name}, put it in quotes: \"{name}\". If it's a variable, give it a value first, like `{name} = 0`.",
    "hint.input_is_text": "`input()` always gives you text, even when you type a number. Turn it into a number with `int(input(...))` or `float(input(...))`.",
    "hint.str_convert": "To join a number to text, change it into text first with `str(...)`, or use an f-string like `f\"Score: {{score}}\"`.",
    "hint.int_convert": "Turn the text into a number first with `int(...)`.",
    "hint.float_to_int": "Turn the decimal number into a whole number with `int(...)` or `round(...)`.",
    "hint.times_sign": "To multiply, write `*` between the number and the bracket: `2 * (3 + 4)`.",
    "hint.use_range": "To repeat something n times, loop over `range(n)`.",
    "hint.method_self": "A method inside a class needs `self` as its first parameter.",
    "hint.valid_indexes": "`{name}` has {length} items, so the positions go from 0 to {last}.",
}
