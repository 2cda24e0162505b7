// Starter programs, written in the UI language so a kid reads prompts they understand,
// and the rule that picks the job profile from the code.

import type { Lang } from "./i18n/i18n";
import type { MessageKey } from "./i18n/messages";

export interface Example {
  id: string;
  titleKey: MessageKey;
  code: Record<Lang, string>;
}

export const EXAMPLES: readonly Example[] = [
  {
    id: "hello",
    titleKey: "example.hello",
    code: {
      en: `# Press Run to see what this program does!
name = "Sandpit"
print("Hello, world!")
print("I am running in", name)
for i in range(3):
    print("Counting:", i + 1)
`,
      "zh-CN": `# 按“运行”，看看这个程序会做什么！
name = "Sandpit"
print("你好，世界！")
print("我在", name, "里运行")
for i in range(3):
    print("数数：", i + 1)
`,
    },
  },
  {
    id: "guess",
    titleKey: "example.guess",
    code: {
      en: `import random

secret = random.randint(1, 10)
print("I'm thinking of a number from 1 to 10.")
name = input("What's your name? ")

tries = 0
while True:
    guess = int(input("Your guess: "))
    tries = tries + 1
    if guess < secret:
        print("Too small!")
    elif guess > secret:
        print("Too big!")
    else:
        print("You got it,", name, "- in", tries, "tries!")
        break
`,
      "zh-CN": `import random

secret = random.randint(1, 10)
print("我想好了一个 1 到 10 之间的数。")
name = input("你叫什么名字？")

tries = 0
while True:
    guess = int(input("你猜是几？"))
    tries = tries + 1
    if guess < secret:
        print("太小了！")
    elif guess > secret:
        print("太大了！")
    else:
        print("猜对了，", name, "！你一共猜了", tries, "次。")
        break
`,
    },
  },
  {
    id: "turtle",
    titleKey: "example.turtle",
    code: {
      en: `import turtle

t = turtle.Turtle()
t.pensize(3)
colors = ["red", "orange", "gold", "green", "blue", "purple"]

# A flower made of squares
for i in range(36):
    t.pencolor(colors[i % len(colors)])
    for side in range(4):
        t.forward(100)
        t.left(90)
    t.left(10)

turtle.done()
`,
      "zh-CN": `import turtle

t = turtle.Turtle()
t.pensize(3)
colors = ["red", "orange", "gold", "green", "blue", "purple"]

# 用正方形画一朵花
for i in range(36):
    t.pencolor(colors[i % len(colors)])
    for side in range(4):
        t.forward(100)
        t.left(90)
    t.left(10)

turtle.done()
`,
    },
  },
  {
    id: "plot",
    titleKey: "example.plot",
    code: {
      en: `import matplotlib.pyplot as plt

numbers = list(range(1, 11))
squares = [n * n for n in numbers]

plt.plot(numbers, squares, marker="o")
plt.title("Square numbers")
plt.xlabel("n")
plt.ylabel("n × n")
plt.show()
`,
      "zh-CN": `import matplotlib.pyplot as plt

numbers = list(range(1, 11))
squares = [n * n for n in numbers]

plt.plot(numbers, squares, marker="o")
plt.title("平方数")
plt.xlabel("n")
plt.ylabel("n × n")
plt.show()
`,
    },
  },
];

/** Libraries that only the data profile provides. */
const DATA_LIBRARIES = ["matplotlib", "numpy", "pandas"];

/**
 * The job profile for a program: `python-data` when it imports a data library (the plot
 * example does), `python-basic` otherwise. Picking it from the code means a kid never
 * has to know profiles exist.
 */
export function profileFor(code: string): "python-data" | "python-basic" {
  for (const match of code.matchAll(/^[ \t]*(?:from[ \t]+([\w.]+)|import[ \t]+([^#\n]+))/gm)) {
    // "from numpy import x" names one module; "import os, numpy as np" may name several.
    const modules = match[1] ? [match[1]] : match[2].split(",").map((part) => part.trim().split(/\s/)[0]);
    if (modules.some((name) => DATA_LIBRARIES.includes(name.split(".")[0]))) return "python-data";
  }
  return "python-basic";
}
