"""Sandpit's matplotlib backend (MPLBACKEND=module://sandpit_mpl): figures become PNG events.

Built on Agg, without any window:

* `plt.show()` (and `fig.show()`) sends every open figure as a
  `{"type":"visualization","kind":"image","mime":"image/png","data":BASE64}`
  event, then closes them, as closing the windows of a desktop show() would.
* `savefig("plot.png")` writes the file as usual and also sends the image
  (the saved file itself when it is a PNG), so the kid sees what was saved.
* Figures still open when the program ends are sent at exit, so a program
  without `show()` still shows its plots.

Each state of a figure is sent at most once: `savefig` then `show` of an
unchanged figure shows one image. Details: docs/visualization.md.

Chinese text renders with the CJK font installed by runtime/provision.sh,
which the shipped matplotlibrc puts in the sans-serif fallback list. Common
tutorial lines like `rcParams["font.sans-serif"] = ["SimHei"]` name fonts
Linux doesn't have; those names are mapped to the installed CJK font too.
"""

import atexit
import base64
import io
import os

from matplotlib._pylab_helpers import Gcf
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

from _sandpit import events

MAX_IMAGE_BYTES = 1536 * 1024
CJK_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")
CJK_ALIASES = (
    "SimHei", "Microsoft YaHei", "SimSun", "NSimSun", "KaiTi", "FangSong", "STHeiti", "STSong",
    "Heiti SC", "Heiti TC", "PingFang SC", "Songti SC", "Arial Unicode MS", "Noto Sans CJK SC",
    "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft JhengHei", "DengXian",
)


def _figure_png(figure, dpi=None):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi or "figure")
    return buffer.getvalue()


def _png_size(data):
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None, None


def _fit(figure, data):
    """Re-render at a lower resolution if the PNG would eat too much of the output limit."""
    if len(data) <= MAX_IMAGE_BYTES:
        return data
    scale = (MAX_IMAGE_BYTES / float(len(data))) ** 0.5 * 0.9
    return _figure_png(figure, dpi=max(20, figure.dpi * scale))


def _send(figure, data, source, name=None):
    width, height = _png_size(data)
    event = {
        "type": "visualization",
        "kind": "image",
        "mime": "image/png",
        "data": base64.b64encode(data).decode("ascii"),
        "width": width,
        "height": height,
        "source": source,
    }
    number = getattr(getattr(figure.canvas, "manager", None), "num", None)
    if number is not None:
        event["figure"] = number
    if name is not None:
        event["name"] = name
    events.emit(event)
    # Drawing the PNG left the figure "not stale"; any later change makes it
    # stale again, which is how an unchanged figure is recognised.
    figure._sandpit_sent = True


def _already_sent(figure):
    return getattr(figure, "_sandpit_sent", False) and not figure.stale


def emit_figure(figure, source):
    if _already_sent(figure):
        return
    try:
        data = _fit(figure, _figure_png(figure))
    except Exception:
        return  # a figure that can't render must not break the program's exit
    _send(figure, data, source)


def _emit_open_figures(source):
    for manager in Gcf.get_all_fig_managers():
        emit_figure(manager.canvas.figure, source)


class FigureManagerSandpit(FigureManagerBase):
    def show(self):
        emit_figure(self.canvas.figure, "show")

    @classmethod
    def pyplot_show(cls, *, block=None):
        show()


class FigureCanvasSandpit(FigureCanvasAgg):
    manager_class = FigureManagerSandpit

    def print_figure(self, filename, *args, **kwargs):
        result = super().print_figure(filename, *args, **kwargs)
        if isinstance(filename, (str, os.PathLike)):
            # print_figure(filename, dpi, facecolor, edgecolor, orientation, format, ...)
            fmt = kwargs.get("format") or (args[4] if len(args) > 4 else None)
            self._send_saved(os.fspath(filename), fmt)
        return result

    def _send_saved(self, path, fmt):
        figure = self.figure
        data = None
        try:
            # A saved PNG is sent as it is (no second render). matplotlib adds
            # ".png" to a name without extension, hence the second candidate.
            for candidate in (path, path + ".png"):
                if (fmt or os.path.splitext(candidate)[1][1:] or "").lower() == "png" and os.path.isfile(candidate):
                    if os.path.getsize(candidate) <= MAX_IMAGE_BYTES:
                        with open(candidate, "rb") as handle:
                            data = handle.read()
                    break
        except OSError:
            data = None
        try:
            if data is None or data[:8] != b"\x89PNG\r\n\x1a\n":
                data = _fit(figure, _figure_png(figure))
        except Exception:
            return
        _send(figure, data, "savefig", name=os.path.basename(path))


def show(*args, **kwargs):
    """plt.show(): send every open figure, then close them all."""
    _emit_open_figures("show")
    Gcf.destroy_all()


def _emit_at_exit():
    try:
        _emit_open_figures("exit")
    except Exception:
        pass


def _alias_cjk_fonts():
    try:
        from matplotlib import font_manager

        manager = font_manager.fontManager
        known = {entry.name for entry in manager.ttflist}
        cjk = next((e for e in manager.ttflist if e.name in CJK_FAMILIES), None)
        if cjk is None:
            return
        for alias in CJK_ALIASES:
            if alias not in known:
                manager.ttflist.append(
                    font_manager.FontEntry(
                        fname=cjk.fname, name=alias, style=cjk.style, variant=cjk.variant,
                        weight=cjk.weight, stretch=cjk.stretch, size=cjk.size,
                    )
                )
        cached = getattr(manager, "_findfont_cached", None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()
    except Exception:
        pass


FigureCanvas = FigureCanvasSandpit
FigureManager = FigureManagerSandpit

_alias_cjk_fonts()
atexit.register(_emit_at_exit)
