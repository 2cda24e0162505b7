"""turtle's textinput()/numinput() dialogs, answered on stdin through input().

The editor shows input() as an inline field in the console, so a dialog
becomes the prompt there. Cancelling a dialog (end of input) returns None, as
Tk's dialog does; a number outside the allowed range asks again.
"""

MAX_ATTEMPTS = 20


def _ask(prompt):
    from _sandpit import turtle_recorder

    turtle_recorder.flush()  # show the drawing before waiting for the answer
    text = str(prompt)
    if text and not text[-1].isspace():
        text += " "
    try:
        return input(text)
    except EOFError:
        return None


def askstring(title, prompt, **options):
    answer = _ask(prompt)
    if answer is None:
        return None
    if answer == "" and options.get("initialvalue") is not None:
        return str(options["initialvalue"])
    return answer


def askfloat(title, prompt, **options):
    return _ask_number(prompt, float, options)


def askinteger(title, prompt, **options):
    return _ask_number(prompt, int, options)


def _ask_number(prompt, kind, options):
    minvalue = options.get("minvalue")
    maxvalue = options.get("maxvalue")
    initial = options.get("initialvalue")
    for _ in range(MAX_ATTEMPTS):
        answer = _ask(prompt)
        if answer is None:
            return None
        if answer.strip() == "" and initial is not None:
            return kind(initial)
        try:
            value = kind(answer.strip())
        except ValueError:
            print("Not a valid number, please try again.")
            continue
        if minvalue is not None and value < minvalue:
            print("The allowed minimum value is %s. Please try again." % minvalue)
            continue
        if maxvalue is not None and value > maxvalue:
            print("The allowed maximum value is %s. Please try again." % maxvalue)
            continue
        return value
    return None
