#!/usr/bin/env python3
"""portal-browser.py BASE SINK OUTDIR LINK CARL_PASSWORD

The customer portal at BASE (lighttpd running portero-portal) in headless
Chromium (Debian's chromium and chromium-driver, driven by Selenium, set up
as tests/html-browser.py does), playing the seed's story: the welcome mail's
one-time LINK, a password chosen, sign-in, the ticket, a reply, a
[Credenciales del Portal] ticket whose mail reaches the SMTP sink's folder
SINK, the company's tickets for a main contact and not for an ordinary one
(carl@acme.example, CARL_PASSWORD). Screenshots of the sign-in, ticket list
and ticket pages at 390 and 1200 px go to OUTDIR. Each step prints
"PASS what" or "FAIL what: why"; the test turns them into subtests."""
import glob
import io
import os
import sys
import time

from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--disable-gpu", "--no-first-run", "--disable-extensions",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-default-apps", "--disable-domain-reliability", "--hide-scrollbars",
              "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--disable-dev-shm-usage"):
        o.add_argument(a)
    if os.geteuid() == 0:
        o.add_argument("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


BASE, SINK, OUT, LINK, CARL = sys.argv[1:6]
d = browser()
failed = 0


def step(what, ok, why=""):
    global failed
    print(("PASS " + what) if ok else ("FAIL %s: %s" % (what, why)), flush=True)
    failed += 0 if ok else 1


def shots(name):
    """The current page at a phone's and a desktop's width, the whole page high."""
    for w in (390, 1200):
        m = {"width": w, "height": 800, "deviceScaleFactor": 1, "mobile": w < 600}
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", m)
        h = d.execute_script("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
        m["height"] = max(300, min(int(h), 1600))
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", m)
        img = Image.open(io.BytesIO(d.get_screenshot_as_png())).convert("RGB")
        img.quantize(32).save(os.path.join(OUT, "portal-%s-%d.png" % (name, w)), optimize=True)
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def click(e):
    """Click E and wait for the page it leads to."""
    page = d.find_element(By.TAG_NAME, "html")
    e.click()
    WebDriverWait(d, 20).until(expected_conditions.staleness_of(page))


def fill(fields, button="button[type=submit]", form=None):
    scope = d.find_element(By.CSS_SELECTOR, form) if form else d.find_element(By.TAG_NAME, "main")
    for name, value in fields.items():
        e = scope.find_element(By.NAME, name)
        e.clear()
        e.send_keys(value)
    click(scope.find_element(By.CSS_SELECTOR, button))


def inert():
    """No script element, no dialog."""
    try:
        d.switch_to.alert
        return False
    except NoAlertPresentException:
        return not d.find_elements(By.TAG_NAME, "script")


def sign_in(user, password):
    d.get(BASE + "/sign-in")
    fill({"address": user, "password": password})


try:
    d.get(LINK)
    step("the one-time link's code leaves the address at once",
         d.current_url == BASE + "/set-password" and "code=" not in d.current_url, d.current_url)
    fill({"password": "my own secret 1", "password2": "my own secret 1"})
    step("a chosen password is set; the sign-in page says so",
         d.current_url.startswith(BASE + "/sign-in") and "password is set" in d.page_source, d.current_url)
    shots("sign-in")

    sign_in("ann@acme.example", "my own secret 1")
    step("the customer signs in and sees the ticket with its status",
         d.current_url == BASE + "/tickets" and "The printer on the second floor is jammed" in d.page_source,
         d.current_url)
    step("a title with script from mail renders inert in the list", inert() and "&lt;script&gt;" in d.page_source)
    shots("tickets")

    click(d.find_element(By.LINK_TEXT, "The printer on the second floor is jammed"))
    fill({"text": "It jams again after every tenth page."})
    step("a reply from the ticket page joins the thread",
         "It jams again after every tenth page." in d.find_element(By.TAG_NAME, "main").text, d.current_url)
    shots("ticket")

    d.get(BASE + "/tickets")
    xss = [e for e in d.find_elements(By.CSS_SELECTOR, "main a") if "alert" in e.text]
    if xss:
        click(xss[0])
    step("a ticket whose title and text carry script and markup renders inert",
         bool(xss) and inert() and not d.find_elements(By.CSS_SELECTOR, "main img, main b"))

    before = set(glob.glob(os.path.join(SINK, "*.eml")))
    d.get(BASE + "/new")
    fill({"title": "[Credenciales del Portal]", "text": "Please send me my portal password."})
    new = []
    for _ in range(100):
        new = sorted(set(glob.glob(os.path.join(SINK, "*.eml"))) - before)
        if new:
            break
        time.sleep(0.1)
    step("a [Credenciales del Portal] ticket mails the credentials",
         bool(new) and b"ann@acme.example" in open(new[-1], "rb").read(), str(new))

    d.get(BASE + "/company")
    step("a main contact sees the company's tickets", "Carl&#39;s monitor flickers" in d.page_source
         or "Carl's monitor flickers" in d.find_element(By.TAG_NAME, "main").text)
    click(d.find_element(By.CSS_SELECTOR, "nav button"))
    step("sign out ends the session", d.current_url.startswith(BASE + "/sign-in"), d.current_url)
    d.get(BASE + "/tickets")
    step("signed out, the tickets are out of reach", d.current_url.startswith(BASE + "/sign-in"), d.current_url)

    sign_in("carl@acme.example", CARL)
    step("an ordinary contact has no company tickets",
         d.current_url == BASE + "/tickets" and not d.find_elements(By.LINK_TEXT, "Company tickets")
         and "The printer on the second floor" not in d.page_source, d.current_url)
    d.get(BASE + "/company")
    step("an ordinary contact's /company is not found", "There is nothing here." in d.page_source)
finally:
    d.quit()
sys.exit(1 if failed else 0)
