"""Checks of `primod view` run by ctest (tests/view/extra.cmake): screenshots under Xvfb / the dummy SDL driver
are PNGs of the window's size with real content, and the viewer's trajectory equals `primod run`'s."""
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import zlib

# The window size of tools/view_main.c (WIN_W x WIN_H).
WIN_W, WIN_H = 1100, 720
SKIP = 77  # ctest SKIP_RETURN_CODE


def read_png_rgb(path):
    """Decodes an 8-bit RGB/RGBA non-interlaced PNG (what cairo writes) into (w, h, rows of bytes, channels)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, "bad CRC in %s" % kind
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    assert depth == 8 and ctype in (2, 6) and interlace == 0, "unexpected PNG format %s" % (ihdr,)
    ch = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * ch
    assert len(raw) == h * (stride + 1), "IDAT size does not match the header"
    rows, prev = [], bytearray(stride)
    for r in range(h):
        f, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        for i in range(stride):  # PNG spec section 9 filters; a = left, b = up, c = up-left
            a = line[i - ch] if i >= ch else 0
            b = prev[i]
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif f == 4:
                c = prev[i - ch] if i >= ch else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows, ch


def check_screenshot(path):
    w, h, rows, ch = read_png_rgb(path)
    assert (w, h) == (WIN_W, WIN_H), "screenshot is %dx%d, window is %dx%d" % (w, h, WIN_W, WIN_H)
    colours, dark, red = set(), 0, 0
    for row in rows:
        for i in range(0, len(row), ch):
            rgb = row[i:i + 3]
            colours.add(rgb)
            dark += max(rgb) < 64              # the black track line
            red += rgb[0] > 150 and rgb[1] < 80 and rgb[2] < 80   # E plot, reflex footprints
    # a blank (one-colour) or nearly blank frame fails; the track alone is about 3% of the window
    assert len(colours) >= 16, "only %d colours: blank frame?" % len(colours)
    assert dark > 0.01 * w * h, "only %d dark pixels: no track drawn?" % dark
    assert red > 50, "only %d red pixels: no E plot?" % red
    print("%s: %dx%d, %d colours, %d dark, %d red pixels" % (path, w, h, len(colours), dark, red))


def run(cmd, env=None, expect=0):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if p.returncode != expect:
        sys.exit("%s\nexit %d (expected %d)\nstdout: %s\nstderr: %s" % (" ".join(cmd), p.returncode, expect,
                                                                        p.stdout, p.stderr))
    return p


def main():
    mode, primod, work = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    os.makedirs(work, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=work)
    png = os.path.join(tmp, "out.png")
    shot = [primod, "view", "--screenshot", png, "--frames", "300", "--seed", "1"]
    if mode == "xvfb":
        if not shutil.which("xvfb-run"):
            print("xvfb-run not installed")
            return SKIP
        run(["xvfb-run", "-a"] + shot)
        check_screenshot(png)
    elif mode == "dummy":
        env = dict(os.environ, SDL_VIDEODRIVER="dummy")
        env.pop("DISPLAY", None)
        run(shot, env=env)
        check_screenshot(png)
    elif mode == "trajectory":
        # view and run build the same runner from the same options: the pose and E of the last step agree
        # to the last printed digit (%.9g of the same doubles), for two rules and presets.
        env = dict(os.environ, SDL_VIDEODRIVER="dummy")
        for extra, n in (([], 300), (["--rule", "bp", "--preset", "study", "--seed", "7"], 450)):
            log = os.path.join(tmp, "run.tsv")
            run([primod, "run", "--quiet", "--max-steps", str(n), "--log", log] + extra)
            last = open(log).read().splitlines()[-1].split("\t")[:5]
            p = run([primod, "view", "--screenshot", png, "--frames", str(n), "--print-pose"] + extra, env=env)
            got = p.stdout.strip().split("\t")
            assert got == last, "view %s != run %s (options %s)" % (got, last, extra)
            assert int(got[0]) == n - 1
            print("step %s pose %s E %s: view == run" % (got[0], got[1:4], got[4]))
    elif mode == "keys":
        # scripted key presses act like the interactive keys; each is checked against an equivalent run
        env = dict(os.environ, SDL_VIDEODRIVER="dummy")

        def view_pose(*args):
            return run([primod, "view", "--screenshot", png, "--print-pose"] + list(args), env=env).stdout.split()

        def run_pose(n, *args):
            log = os.path.join(tmp, "run.tsv")
            run([primod, "run", "--quiet", "--max-steps", str(n), "--log", log] + list(args))
            return open(log).read().splitlines()[-1].split("\t")[:5]

        # L before the first frame: learning off all along = a run whose P&M rate is 0
        off = view_pose("--frames", "200", "--keys", "0:l")
        assert off == run_pose(200, "--set", "learning.rate_pm=0"), off
        assert off != view_pose("--frames", "200"), "L changed nothing"
        # R at frame 150 of 300: the run restarts, 150 steps after the reset
        assert view_pose("--frames", "300", "--keys", "150:r") == run_pose(150)
        # + doubles the steps per frame; space pauses frames 50..59: (100 - 10) frames x 2 steps
        assert view_pose("--frames", "100", "--keys", "0:+,50:space,60:space") == run_pose(180)
        # - halves it back (never below 1); q quits at frame 30
        assert view_pose("--frames", "100", "--keys", "0:+,0:-,0:-,30:q") == run_pose(30)
        # S saves the network where --save-model says; run can start from it
        model = os.path.join(tmp, "m.pmnet")
        view_pose("--frames", "20", "--keys", "10:s", "--save-model", model)
        run([primod, "run", "--quiet", "--max-steps", "5", "--load-model", model])
        os.remove(model)
        os.remove(os.path.join(tmp, "run.tsv"))
    elif mode == "errors":
        p = run([primod, "view", "--frames", "0"], expect=2)
        assert "--frames" in p.stderr, p.stderr
        p = run([primod, "view", "--track", "no-such-track", "--screenshot", png], expect=2)
        assert "no-such-track" in p.stderr, p.stderr
        p = run([primod, "view", "--keys", "5:x"], expect=2)
        assert "unknown key" in p.stderr, p.stderr
        p = run([primod, "view", "--keys", "-1:l"], expect=2)
        assert "FRAME" in p.stderr, p.stderr
        p = run([primod, "view", "--bogus"], expect=2)
        assert "--bogus" in p.stderr, p.stderr
        p = run([primod, "view", "--screenshot", os.path.join(tmp, "no", "dir.png"), "--frames", "2"],
                env=dict(os.environ, SDL_VIDEODRIVER="dummy"), expect=1)
        assert "screenshot" in p.stderr, p.stderr
        assert not os.listdir(tmp), "a stray file was left: %s" % os.listdir(tmp)
        # a FIFO (or /dev/stdout) is written in place; a rename over it replaced the device with a file
        fifo = os.path.join(tmp, "pipe")
        os.mkfifo(fifo)
        reader = subprocess.Popen(["timeout", "60", "cat", fifo], stdout=subprocess.PIPE)
        run([primod, "view", "--screenshot", fifo, "--frames", "2"], env=dict(os.environ, SDL_VIDEODRIVER="dummy"))
        data = reader.communicate()[0]
        assert data.startswith(b"\x89PNG"), "no PNG came through the FIFO (%d bytes)" % len(data)
        assert stat.S_ISFIFO(os.stat(fifo).st_mode), "--screenshot replaced the FIFO with a file"
        assert os.listdir(tmp) == ["pipe"], "a stray file was left: %s" % os.listdir(tmp)
        os.remove(fifo)
        # interactive without a display: SDL falls back to its dummy driver, where a window nobody can close
        # would hang the viewer forever; it must say so and stop
        p = run([primod, "view", "--frames", "2"], env=dict(os.environ, SDL_VIDEODRIVER="dummy"), expect=1)
        assert "no display" in p.stderr, p.stderr
        run([primod, "view", "--help"])
    elif mode == "no_sdl":
        p = run([primod, "view", "--screenshot", png], expect=2)
        assert "SDL2" in p.stderr, p.stderr
    else:
        sys.exit("unknown mode " + mode)
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
