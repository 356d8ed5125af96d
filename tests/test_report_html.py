"""report.html: written by `parbench report`, self-contained (every picture a
data URI, nothing loaded from elsewhere), holding every picture `parbench
plot` draws and a link to the trace.json it writes beside it; then rendered
by headless Chromium (Debian's `chromium`): every image loaded (an image
that fails to load is found, shown on a deliberately broken copy) and a
screenshot that is not blank (shown not to pass for a blank page).
compare.html likewise. The rendering is a test of its own (argument
`render`): without Chromium it says so and exits 77 (Meson's skip);
PB_REQUIRE_CHROMIUM=1 (.ci/run, which installs it) makes that a failure."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

from checks import check, report

PARBENCH, SOURCE = sys.argv[1], sys.argv[2]
RENDER = sys.argv[3:] == ["render"]

# Marks, after the page has loaded, how many images it holds and which did not load.
PROBE = """<script>
window.addEventListener('load', function () {
  var bad = [];
  for (var i = 0; i < document.images.length; i++) {
    var im = document.images[i];
    if (!im.complete || im.naturalWidth === 0) bad.push(im.alt || ('image ' + i));
  }
  document.body.setAttribute('data-images', String(document.images.length));
  document.body.setAttribute('data-broken', bad.length ? bad.join('|') : 'none');
});
</script>"""


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def chromium_cmd():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium(binary, profile, extra, url):
    return subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run",
                           "--user-data-dir=" + profile] + extra + [url],
                          capture_output=True, text=True, timeout=120)


def loaded_images(binary, tmp, page_path):
    """(images, broken names) of the page as Chromium loads it: the page with PROBE added, its DOM dumped."""
    with open(page_path, encoding="utf-8") as f:
        text = f.read()
    probe = os.path.join(tmp, "probe-" + os.path.basename(page_path))
    with open(probe, "w", encoding="utf-8") as f:
        f.write(text.replace("</body>", PROBE + "</body>"))
    profile = tempfile.mkdtemp(dir=tmp)
    p = chromium(binary, profile, ["--virtual-time-budget=10000", "--dump-dom"], "file://" + probe)
    m = re.search(r'<body[^>]*data-images="(\d+)"[^>]*data-broken="([^"]*)"', p.stdout)
    if not m:
        return None, p.stderr[-400:]
    return int(m.group(1)), m.group(2)


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG, decoded with the standard library."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), f"PNG depth {depth} colour type {colour}"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def ink(path):
    """(share of pixels that are not the page's white, distinct colours) of a screenshot, sampled."""
    w, h, bpp, rows = png_pixels(path)
    colours, inked, seen = set(), 0, 0
    for y in range(0, h, 3):
        row = rows[y]
        for x in range(0, w, 3):
            px = row[x * bpp:x * bpp + 3]
            seen += 1
            colours.add(px)
            if min(px) < 235:
                inked += 1
    return inked / max(seen, 1), len(colours)


def screenshot(binary, tmp, url, out):
    profile = tempfile.mkdtemp(dir=tmp)
    p = chromium(binary, profile, ["--window-size=1280,2400", "--hide-scrollbars", f"--screenshot={out}"], url)
    return os.path.isfile(out), p.stderr[-400:]


def figures(page_path):
    with open(page_path, encoding="utf-8") as f:
        text = f.read()
    return text, re.findall(r'<img alt="([^"]+)" src="([^"]*)"', text)


binary = chromium_cmd() if RENDER else None
if RENDER and binary is None:
    if os.environ.get("PB_REQUIRE_CHROMIUM") == "1":
        print("report_html: FAIL: Chromium is not installed and PB_REQUIRE_CHROMIUM=1: apt-get install chromium "
              "(tools/debian-packages-checks.txt)", file=sys.stderr)
        sys.exit(1)
    print("report_html: skipped: Chromium is not installed (apt-get install chromium; it is in "
          "tools/debian-packages-checks.txt): report.html was not rendered")
    sys.exit(77)

with tempfile.TemporaryDirectory() as tmp:
    s = os.path.join(tmp, "set")
    p = run([PARBENCH, "run", "-q", "--out", s, "-w", "sleep-square:tasks=6,min_ms=2,max_ms=6", "-w",
             "counter:n=2e6,tasks=4", "-b", "serial,pthread,fork,thread-pool", "-n", "1,2", "-r", "3",
             "--warmup", "0", "--sample-hz", "200"])
    check(p.returncode == 0, f"making the set: {p.stderr}")
    p = run([PARBENCH, "report", s])
    check(p.returncode == 0, f"parbench report: {p.stderr}")
    page = os.path.join(s, "report.html")
    check(os.path.isfile(page) and os.path.isfile(os.path.join(s, "trace.json")), "report.html and trace.json written")
    text, imgs = figures(page)
    # the pictures `parbench plot` draws: the same names, all inside the page
    p = run([PARBENCH, "plot", s])
    drawn = sorted(os.path.basename(line)[:-4] for line in p.stdout.split() if line.endswith(".png"))
    check(sorted(a for a, _ in imgs) == drawn, f"pictures in the page {sorted(a for a, _ in imgs)}, plot drew {drawn}")
    check(all(src.startswith("data:image/png;base64,") and len(src) > 2000 for _, src in imgs),
          "every picture is a PNG data URI")
    loads = re.findall(r'<(?:img|script|link|iframe|source|video|audio)\b[^>]*\b(?:src|href)="([^"]+)"', text)
    check(all(u.startswith("data:") for u in loads), f"something is loaded from elsewhere: "
          f"{[u for u in loads if not u.startswith('data:')][:3]}")
    check("url(" not in text and "@import" not in text, "the style loads nothing")
    check('href="trace.json"' in text, "the page links to trace.json")
    for marker in ("95% CI", "outliers", "<h2>Machine</h2>", "busy cores"):
        check(marker in text, f"the page has {marker!r}")
    p = run([PARBENCH, "report", s, "--compare", s])
    check(p.returncode == 0, f"compare: {p.stderr}")
    cpage = os.path.join(s, "compare.html")
    ctext, cimgs = figures(cpage) if os.path.isfile(cpage) else ("", [])
    check([a for a, _ in cimgs] == ["compare"], f"compare.html holds compare.png: {[a for a, _ in cimgs]}")

    if RENDER:
        for path, want in ((page, len(imgs)), (cpage, 1)):
            n, broken = loaded_images(binary, tmp, path)
            check(n == want and broken == "none",
                  f"{os.path.basename(path)} in Chromium: {n} images (want {want}), not loaded: {broken}")
        # the check finds a broken image: a copy whose first picture is damaged
        bad = os.path.join(tmp, "broken.html")
        with open(bad, "w", encoding="utf-8") as f:
            f.write(text.replace(imgs[0][1], "data:image/png;base64,iVBORw0KGgoAAAAN"))
        n, broken = loaded_images(binary, tmp, bad)
        check(broken == imgs[0][0], f"a damaged picture is found: {broken!r}, want {imgs[0][0]!r}")
        # a screenshot that is not blank, and the blank test is not blind: an empty page fails it
        shot = os.path.join(tmp, "report.png")
        ok, err = screenshot(binary, tmp, "file://" + page, shot)
        check(ok, f"screenshot: {err}")
        if ok:
            share, colours = ink(shot)
            check(share > 0.03 and colours > 100, f"report.png: {share:.1%} of pixels inked, {colours} colours")
            keep = os.environ.get("PB_REPORT_SCREENSHOT")
            if keep:
                shutil.copy(shot, keep)
        empty = os.path.join(tmp, "empty.html")
        with open(empty, "w") as f:
            f.write("<!DOCTYPE html><html><body></body></html>")
        ok, err = screenshot(binary, tmp, "file://" + empty, os.path.join(tmp, "empty.png"))
        if ok:
            share, colours = ink(os.path.join(tmp, "empty.png"))
            check(not (share > 0.03 and colours > 100), f"a blank page passes as not blank: {share:.1%}, {colours}")
        else:
            check(False, f"screenshot of a blank page: {err}")

report("report_html_render" if RENDER else "report_html")
