#!/usr/bin/env python3
"""html-browser.py OUTDIR WIDTH[,WIDTH...] FILE.html...

Render each HTML file in headless Chromium (Debian's chromium and
chromium-driver, driven by Selenium) at each width, the whole page high, and
write OUTDIR/NAME-WIDTH.png (NAME: the file's name without .html), reduced to
a 64-colour palette to stay small. The browser reaches nothing but the files:
every host name resolves to nothing. Exits 1 naming each render that failed
or came out blank (fewer than 8 colours, or one colour over 97 % of it)."""
import io
import os
import sys

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--disable-gpu", "--no-first-run", "--disable-extensions",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-default-apps", "--disable-domain-reliability", "--hide-scrollbars",
              "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-dev-shm-usage"):
        o.add_argument(a)
    if os.geteuid() == 0:
        o.add_argument("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def shot(d, path, width):
    metrics = {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 600}
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    d.get("file://" + os.path.abspath(path))
    height = d.execute_script("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
    metrics["height"] = max(200, min(int(height), 4000))
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    return Image.open(io.BytesIO(d.get_screenshot_as_png())).convert("RGB")


def main():
    out, widths, files = sys.argv[1], [int(w) for w in sys.argv[2].split(",")], sys.argv[3:]
    bad = []
    d = browser()
    try:
        for f in files:
            name = os.path.basename(f)[:-len(".html")]
            for w in widths:
                img = shot(d, f, w)
                # None: more colours than that, a picture anyway.
                colours = img.getcolors(maxcolors=1 << 16) or [(0, 0)] * (1 << 16)
                top = max(n for n, _ in colours)
                if img.width != w or len(colours) < 8 or top > 0.97 * img.width * img.height:
                    bad.append(f"{name} at {w} px: {img.width}x{img.height}, {len(colours)} colours, "
                               f"the commonest covering {100 * top // (img.width * img.height)} %")
                img.quantize(64).save(os.path.join(out, f"{name}-{w}.png"), optimize=True)
                print(f"{name}-{w}.png {img.width}x{img.height} {len(colours)} colours")
    finally:
        d.quit()
    for b in bad:
        print("blank or failed: " + b)
    sys.exit(1 if bad else 0)


main()
