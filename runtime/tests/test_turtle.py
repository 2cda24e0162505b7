"""Turtle programs run for real; their drawing ops are replayed and checked."""

import math
import textwrap
import unittest

from replay import Replay
from support import extra_pythons, run_program


def run_turtle(code, **kw):
    run = run_program(textwrap.dedent(code), **kw)
    return run, Replay(run.turtle_ops())


def line_points(replay):
    """All points of the visible polylines, in drawing order, joined."""
    points = []
    for line in replay.visible_lines():
        pts = list(zip(line["pts"][0::2], line["pts"][1::2]))
        if points and pts and points[-1] == pts[0]:
            pts = pts[1:]
        points.extend(pts)
    return points


class TurtleDrawingTest(unittest.TestCase):
    def test_square(self):
        run, replay = run_turtle("""
            import turtle
            t = turtle.Turtle()
            for _ in range(4):
                t.forward(100)
                t.left(90)
            turtle.done()
            print("after done")
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout, "after done\n")
        self.assertEqual(run.stderr, "")
        self.assertEqual(line_points(replay), [(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)])
        self.assertEqual(replay.visible_lines()[0]["fill"], "#000000")
        (cursor,) = replay.turtles.values()
        self.assertEqual((cursor["x"], cursor["y"], cursor["h"], cursor["vis"]), (0, 0, 0, True))
        self.assertEqual(replay.screens[1]["w"], 800)
        self.assertEqual(replay.screens[1]["h"], 600)
        self.assertEqual(replay.screens[1]["bg"], "#ffffff")
        self.assertIn((3, 10), replay.speeds)  # CPython's default speed and delay

    def test_filled_star_with_chinese_text(self):
        run, replay = run_turtle("""
            from turtle import *
            color("red", "yellow")
            begin_fill()
            for _ in range(5):
                forward(200)
                right(144)
            end_fill()
            penup()
            goto(0, -60)
            write("你好，海龟！", align="center", font=("Arial", 24, "bold"))
            hideturtle()
            done()
        """)
        self.assertEqual(run.returncode, 0, run)
        (fill,) = replay.of_kind("poly")
        self.assertEqual(fill["fill"], "#ffff00")
        self.assertEqual(fill["outline"], "")  # "" = no outline, as in Tk
        self.assertEqual(len(fill["pts"]), 12)  # start + 5 corners
        outline = replay.visible_lines()
        self.assertEqual(outline[0]["fill"], "#ff0000")
        # CPython creates the fill at begin_fill(): it lies beneath the outline.
        order = replay.order
        self.assertLess(order.index(next(i for i, it in replay.items.items() if it is fill)),
                        order.index(next(i for i, it in replay.items.items() if it is outline[0])))
        (text,) = replay.of_kind("text")
        self.assertEqual(text["text"], "你好，海龟！")
        self.assertEqual(text["anchor"], "s")
        self.assertEqual(text["font"], ["Arial", 24, "bold"])
        self.assertEqual(text["fill"], "#ff0000")
        self.assertEqual(text["pts"], [-1, -60])  # Tk draws text at x-1
        self.assertFalse(next(iter(replay.turtles.values()))["vis"])

    def test_spiral_of_2000_segments_is_few_events_in_order(self):
        run, replay = run_turtle("""
            import turtle
            t = turtle.Turtle()
            t.speed(0)
            for i in range(2000):
                t.forward(i * 0.2)
                t.left(59)
        """)
        self.assertEqual(run.returncode, 0, run)
        events = run.of_type("visualization", "turtle")
        self.assertLessEqual(len(events), 12)
        self.assertEqual([e["batch"] for e in events], list(range(1, len(events) + 1)))
        # The stream frame `seq` belongs to the runner/server alone; the runtime must not set one.
        self.assertFalse([e for e in events if "seq" in e])
        self.assertEqual(replay.drawn_segments, 2000)
        # Every point arrives, in order, where CPython's turtle put it.
        x = y = heading = 0.0
        expected = [(0.0, 0.0)]
        for i in range(2000):
            x += i * 0.2 * math.cos(math.radians(heading))
            y += i * 0.2 * math.sin(math.radians(heading))
            heading += 59
            expected.append((x, y))
        points = []
        for line in replay.visible_lines():
            pts = list(zip(line["pts"][0::2], line["pts"][1::2]))
            points.extend(pts if not points else pts[1:])
        self.assertEqual(len(points), len(expected))
        for got, want in zip(points, expected):
            self.assertAlmostEqual(got[0], want[0], delta=0.05)
            self.assertAlmostEqual(got[1], want[1], delta=0.05)
        self.assertLess(len(run.event_bytes), 160 * 1024, "spiral events too big: %d bytes" % len(run.event_bytes))
        self.assertEqual(replay.speeds, [(0, 10)])

    def test_two_turtles(self):
        run, replay = run_turtle("""
            import turtle
            a = turtle.Turtle()
            b = turtle.Turtle()
            a.color("blue")
            b.color("green")
            b.left(180)
            for _ in range(3):
                a.forward(50)
                b.forward(50)
            print(len(turtle.Screen().turtles()))
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout, "2\n")
        self.assertEqual(len(replay.turtles), 2)
        lines = {line["fill"]: line["pts"] for line in replay.visible_lines()}
        self.assertEqual(lines["#0000ff"], [0, 0, 50, 0, 100, 0, 150, 0])
        self.assertEqual(lines["#008000" if "#008000" in lines else "#00ff00"], [0, 0, -50, 0, -100, 0, -150, 0])
        self.assertEqual(sorted((t["x"], t["h"]) for t in replay.turtles.values()), [(-150, 180), (150, 0)])

    def test_program_without_done_still_draws(self):
        run, replay = run_turtle("""
            import turtle
            turtle.forward(80)
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(line_points(replay), [(0, 0), (80, 0)])

    def test_done_mainloop_and_exitonclick_return(self):
        run, _ = run_turtle("""
            import turtle
            turtle.forward(10)
            turtle.done()
            turtle.mainloop()
            turtle.Screen().mainloop()
            turtle.exitonclick()
            print("returned")
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout, "returned\n")

    def test_timers_run_on_a_virtual_clock_and_stop(self):
        run, replay = run_turtle("""
            import turtle
            screen = turtle.Screen()
            t = turtle.Turtle()
            ticks = 0
            def step():
                global ticks
                ticks += 1
                t.forward(5)
                t.left(10)
                screen.ontimer(step, 50)
            step()
            screen.onclick(lambda x, y: None)
            screen.onscreenclick(lambda x, y: None, 3)
            screen.onkey(lambda: None, "space")
            screen.onkeypress(lambda: None)
            screen.onkeyrelease(lambda: None, "a")
            screen.listen()
            t.onclick(lambda x, y: None)
            t.ondrag(lambda x, y: None)
            t.onrelease(lambda x, y: None)
            turtle.mainloop()
            print("ticks", ticks)
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout, "ticks 201\n")  # 1 + 10 s of virtual time / 50 ms
        self.assertEqual(replay.sleep_ms, 10000)
        self.assertEqual(replay.drawn_segments, 201)

    def test_error_in_timer_callback_is_reported_like_tk_and_explained(self):
        run, _ = run_turtle("""
            import turtle
            def boom():
                1 / 0
            turtle.Screen().ontimer(boom, 10)
            turtle.done()
            print("still running")
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout, "still running\n")
        self.assertTrue(run.stderr.startswith("Exception in Tkinter callback\nTraceback"), run.stderr)
        self.assertEqual(run.explanation()["key"], "zero_division")

    def test_textinput_and_numinput_read_stdin(self):
        run, _ = run_turtle("""
            import turtle
            screen = turtle.Screen()
            name = screen.textinput("Name", "Your name?")
            sides = screen.numinput("Sides", "How many sides?", default=3, minval=3, maxval=10)
            more = screen.numinput("More", "Again?")
            print(repr(name), sides, more)
        """, stdin="Ada\n20\n5\n")
        self.assertEqual(run.returncode, 0, run)
        self.assertIn("The allowed maximum value is 10.", run.stdout)
        self.assertTrue(run.stdout.endswith("'Ada' 5.0 None\n"), run.stdout)

    def test_colors_behave_as_in_cpython(self):
        run, replay = run_turtle("""
            import turtle
            t = turtle.Turtle()
            turtle.colormode(255)
            t.pencolor(255, 128, 0)
            t.forward(10)
            print(t.pencolor())
            turtle.colormode(1.0)
            t.pencolor("#00ff00")
            print(t.pencolor())
            t.fillcolor("Light Blue")
            print(t.fillcolor())
            for bad in ("notacolor", (2, 0, 0), (1, 2)):
                try:
                    t.pencolor(bad)
                except turtle.TurtleGraphicsError as error:
                    print("error:", error)
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout.splitlines(), [
            "(255.0, 128.0, 0.0)",
            "(0.0, 1.0, 0.0)",
            "Light Blue",
            "error: bad color string: notacolor",
            "error: bad color sequence: (2, 0, 0)",
            "error: bad color arguments: (1, 2)",
        ])
        self.assertEqual(replay.visible_lines()[0]["fill"], "#ff8000")

    def test_bad_color_ends_with_cpythons_error_and_an_explanation(self):
        run, _ = run_turtle("""
            import turtle
            turtle.color("bleu")
        """)
        self.assertEqual(run.returncode, 1)
        self.assertTrue(run.stderr.rstrip().endswith("turtle.TurtleGraphicsError: bad color string: bleu"), run.stderr)
        explanation = run.explanation()
        self.assertEqual(explanation["key"], "turtle.bad_color")
        self.assertIn("`blue`", explanation["hint"])
        self.assertEqual(explanation["line"], 3)  # line 1 of the dedented program is empty

    def test_stamps_shapes_text_and_clearing(self):
        run, replay = run_turtle("""
            import turtle
            t = turtle.Turtle()
            t.shape("turtle")
            t.shapesize(2)
            keep = t.stamp()
            t.forward(50)
            gone = t.stamp()
            t.clearstamp(gone)
            print(type(keep).__name__, keep != gone)
            t.write("Hi", move=True, font=("Courier", 12, "normal"))
            print(t.xcor() > 50)
            t.dot(20, "red")
            other = turtle.Turtle()
            other.circle(30)
            other.clear()
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout, "int True\nTrue\n")
        (stamp,) = replay.of_kind("poly")
        self.assertEqual(len(stamp["pts"]), 48)  # the 24-point turtle shape
        self.assertEqual(max(stamp["pts"][0::2]), 32)  # nose 16 px long, doubled, pointing east
        (text,) = replay.of_kind("text")
        self.assertEqual((text["text"], text["font"]), ("Hi", ["Courier", 12, ""]))
        dots = [line for line in replay.visible_lines() if line["width"] == 20]
        self.assertEqual(len(dots), 1)
        self.assertEqual(dots[0]["fill"], "#ff0000")
        self.assertEqual(dots[0]["pts"][:2], dots[0]["pts"][2:4])  # a dot is a zero-length round-capped line
        cursor = next(c for c in replay.turtles.values() if len(c["parts"][0][0]) == 48)
        self.assertEqual(max(cursor["parts"][0][0][1::2]), 32)  # cursor shape, local, nose along +y
        self.assertEqual(len(replay.turtles), 2)
        circle_lines = [line for line in replay.items.values() if line["kind"] == "line" and len(line["pts"]) > 20]
        self.assertEqual(circle_lines, [])  # other.clear() removed the circle

    def test_tracer_update_world_coordinates_and_screen(self):
        run, replay = run_turtle("""
            import turtle
            screen = turtle.Screen()
            screen.setup(400, 300)
            screen.title("我的画")
            screen.bgcolor("black")
            screen.tracer(0)
            t = turtle.Turtle()
            t.pencolor("white")
            for _ in range(36):
                t.forward(100)
                t.left(170)
            screen.update()
            screen.setworldcoordinates(-100, -100, 100, 100)
            print(screen.window_width(), screen.window_height(), screen.bgcolor(), screen.tracer())
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout, "400 300 black 0\n")
        screen = replay.screens[1]
        self.assertEqual((screen["w"], screen["h"], screen["bg"], screen["title"]), (400, 300, "#000000", "我的画"))
        self.assertEqual(replay.drawn_segments, 36)
        self.assertIn((0, 10), replay.speeds)

    def test_whole_kid_api_surface(self):
        run, _ = run_turtle("""
            import turtle
            from turtle import *
            t = Turtle()
            t.fd(10); t.bk(5); t.back(5); t.backward(1); t.forward(1)
            t.lt(10); t.rt(10); t.left(1); t.right(1)
            t.goto(10, 10); t.setpos(0, 0); t.setposition((5, 5)); t.setx(1); t.sety(2)
            t.setheading(90); t.seth(45); t.home()
            t.penup(); t.pu(); t.up(); t.pendown(); t.pd(); t.down()
            t.pensize(3); t.width(2); print(t.pensize(), t.isdown())
            print(sorted(t.pen())[:3])
            t.pen(pencolor="red", pensize=4)
            t.color("red", "blue"); t.pencolor("green"); t.fillcolor(0.5, 0.5, 0.5); print(t.color())
            t.begin_fill(); t.circle(20); print(t.filling()); t.end_fill()
            t.circle(30, 90); t.circle(30, steps=6); t.circle(-20, 180, 8)
            t.dot(); t.dot(5, "blue")
            s = t.stamp(); t.stamp(); t.clearstamp(s); t.clearstamps()
            t.write("你好", True, "right", ("SimSun", 14, "italic"))
            t.speed("fastest"); t.speed(5); print(t.speed())
            t.shape("circle"); t.shapesize(1, 2, 3); t.turtlesize(1); print(t.shape())
            t.hideturtle(); print(t.isvisible()); t.showturtle(); t.ht(); t.st()
            t.tilt(30); t.tiltangle(10); t.shearfactor(0.1); t.shapetransform(1, 0, 0, 1)
            t.home()
            print(t.position() == t.pos(), round(t.xcor()), round(t.ycor()))
            print(round(t.heading()), round(t.distance(3, 4)), round(t.towards(0, 10)))
            t.left(90); t.radians(); print(round(t.heading(), 3)); t.degrees()
            t.begin_poly(); t.fd(10); t.end_poly(); register_shape("mine", t.get_poly())
            t.shape("mine"); print("mine" in getshapes())
            t.undo(); t.clear(); t.reset()
            screen = Screen()
            print(screen is t.getscreen(), screen is turtle.Screen())
            screen.setup(width=0.5, height=0.75); screen.title("t"); print(screen.screensize())
            screen.screensize(600, 400); screen.bgcolor(0.9, 0.9, 1.0); screen.colormode(255)
            print(screen.colormode(), screen.mode(), screen.window_width(), screen.window_height())
            screen.colormode(1.0); screen.mode("logo"); screen.mode("standard")
            screen.tracer(2); screen.tracer(1, 5); screen.delay(0); screen.update()
            screen.register_shape("tri", ((0, 0), (10, 0), (5, 10))); screen.addshape("tri2", ((0, 0), (1, 1), (1, 0)))
            screen.onclick(None); screen.onkey(None, "a"); screen.ontimer(lambda: None, 1)
            print(len(screen.turtles()) >= 1)
            p = Pen(); rp = RawTurtle(screen); rpen = RawPen(screen); print(type(p).__name__)
            cv = screen.getcanvas(); print(cv is not None)
            ts = TurtleScreen(turtle.Canvas()); RawTurtle(ts).fd(10)
            clone = t.clone(); clone.fd(1)
            forward(10); left(90); circle(10); penup(); goto(-50, 50); write("anon")
            clearscreen(); forward(5); resetscreen(); bgcolor("white"); tracer(1)
            print(turtle.Vec2D(3, 4) * 2, abs(turtle.Vec2D(3, 4)))
            done()
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stderr, "")
        self.assertEqual(run.stdout.splitlines(), [
            "2 True",
            "['fillcolor', 'outline', 'pencolor']",
            "('green', (0.5019607843137255, 0.5019607843137255, 0.5019607843137255))",
            "True",
            "5",
            "circle",
            "False",
            "True 0 0",
            "0 5 90",
            "1.571",
            "True",
            "True True",
            "(400, 300)",
            "255 standard 800 600",
            "True",
            "Turtle",
            "True",
            "(6.00,8.00) 5.0",
        ])

    def test_gif_shapes_bgpic_and_bye(self):
        gif = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
               b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
        run, replay = run_turtle("""
            import turtle
            screen = turtle.Screen()
            screen.bgpic("dot.gif")
            screen.register_shape("dot.gif")
            t = turtle.Turtle()
            t.shape("dot.gif")
            t.forward(20)
            t.stamp()
            try:
                screen.bgpic("missing.gif")
            except Exception as error:
                print(type(error).__name__)
            turtle.bye()
            try:
                t.forward(10)
            except turtle.Terminator:
                print("Terminator")
            turtle.forward(5)  # a new window
        """, files={"dot.gif": gif})
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout, "TclError\nTerminator\n")
        images = replay.of_kind("image")
        self.assertEqual(len(images), 2)  # the background (lowest) and the stamp
        self.assertEqual(replay.items[replay.order[0]]["kind"], "image")
        self.assertEqual({replay.bitmaps[i["image"]][0] for i in images}, {"image/gif"})
        self.assertTrue(all(replay.bitmaps[i["image"]][1] for i in images))
        self.assertTrue(replay.screens[1]["closed"])
        self.assertEqual(replay.items[replay.order[-1]]["cid"], 2)

    def test_the_module_is_cpythons_own(self):
        run, _ = run_turtle("""
            import turtle, os, sys
            print(os.path.dirname(turtle.__file__) == os.path.dirname(os.__file__))
            print("tkinter" in sys.modules, turtle.TK.__name__)
            try:
                turtle.Turtle().forward("far")
            except TypeError as error:
                print("TypeError")
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout.splitlines(), ["True", "False _sandpit.tkheadless", "TypeError"])


class OtherPythonsTest(unittest.TestCase):
    """The runtime must work on CPython 3.9-3.13 (each with its own turtle.py)."""

    def test_square_and_star_on_every_python_found(self):
        pythons = [None] + extra_pythons()  # None: the profile's /usr/bin/python3
        for python in pythons:
            with self.subTest(python=python or "default"):
                run, replay = run_turtle("""
                    from turtle import *
                    color("red", "yellow")
                    begin_fill()
                    for _ in range(5):
                        forward(100)
                        right(144)
                    end_fill()
                    write("星", font=("Arial", 20, "normal"))
                    done()
                """, python=python)
                self.assertEqual(run.returncode, 0, run)
                self.assertEqual(len(replay.of_kind("poly")), 1)
                self.assertEqual(replay.drawn_segments, 5)
                self.assertEqual(replay.of_kind("text")[0]["text"], "星")


if __name__ == "__main__":
    unittest.main()
