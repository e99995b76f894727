"""save_html, the backward-pass stepper: one self-contained page, the chain rule's numbers as
explain prints them, node by node; and, in a real headless Chromium, stepping forward and back
highlights the node being processed."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.stepper import save_html

# Skipped only outside CI: `make test` installs Graphviz and Chromium, so in CI a missing one
# fails (like tests/autograd_lite/test_viz.py's `needs_dot`).
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="Graphviz `dot` not installed",
)


def lecture():
    a, b, c = (
        ag.Tensor(v, requires_grad=True, name=n) for v, n in ((5.0, "a"), (3.0, "b"), (2.0, "c"))
    )
    return a, b, c, 3 * (a + b * c)


def steps_of(page: str) -> list[dict]:
    found = re.search(r'<script type="application/json" id="steps">(.*?)</script>', page, re.S)
    return json.loads(found.group(1).replace("<\\/", "</"))


@needs_dot
def test_the_page_is_self_contained_and_holds_the_chain_rule_node_by_node(tmp_path):
    a, b, c, J = lecture()
    path = save_html(J, tmp_path / "backward.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert not re.search(r"https?://(?!www\.w3\.org/)", page), "nothing may be fetched"
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    steps = steps_of(page)
    assert [s["name"] for s in steps] == ["J", "v", "u", "a", "b", "c"]
    assert steps[0]["made"] == ["dJ/dJ = 1"]
    assert steps[4]["made"] == ["dJ/db = dJ/du · du/db = 3 · 2 = 6"]
    assert steps[2]["passes"][0] == "u = mul(b, c) = 6"
    assert all(s["nodes"] for s in steps)  # every step highlights something drawn
    assert (a.grad.item(), b.grad.item(), c.grad.item()) == (3.0, 6.0, 9.0)  # as backward
    with pytest.raises(RuntimeError, match="retain_graph"):
        J.backward()  # the graph was freed, as after backward


@needs_dot
def test_the_drawing_uses_explains_names_and_a_tensor_used_twice_adds_up(tmp_path):
    x = ag.Tensor(2.0, requires_grad=True, name="x")
    y = x * x + x
    page = save_html(y, tmp_path / "p.html", retain_graph=True).read_text(encoding="utf-8")
    steps = {s["name"]: s for s in steps_of(page)}
    assert "dx = 1 + 2 + 2 = 5" in steps["x"]["made"][-1]
    assert ">u<" in page  # the unnamed intermediate is labelled u in the picture, as in the text
    y.backward()  # retain_graph=True kept the graph
    assert x.grad.item() == 10.0


@needs_dot
def test_arrays_are_shown_by_shape_and_norm_and_a_model_highlights_its_ops(tmp_path):
    from autograd_lite import nn

    model = nn.Sequential(nn.Dense(2, 3, seed=0), nn.Tanh(), nn.Dense(3, 1, seed=1))
    loss = model(np.ones((4, 2))).sum()
    steps = steps_of(save_html(loss, tmp_path / "m.html").read_text(encoding="utf-8"))
    weight = next(s for s in steps if s["name"] == "0.W")
    assert "shape (4, 3), ‖·‖ = " in weight["made"][0] and weight["sources"]
    assert weight["what"] == "leaf, shape (3, 2), float64"


def test_bad_arguments_and_a_freed_graph_are_refused_clearly(tmp_path):
    *_, J = lecture()
    with pytest.raises(TypeError, match="save_html: expected a Tensor"):
        save_html(3.0, tmp_path / "x.html")
    with pytest.raises(TypeError, match="save_html: path"):
        save_html(J, 42)
    with pytest.raises(TypeError, match="save_html: max_nodes"):
        save_html(J, tmp_path / "x.html", max_nodes="x")
    with pytest.raises(TypeError, match="save_html: root_name"):
        save_html(J, tmp_path / "x.html", root_name=3)
    with pytest.raises(ValueError, match="save_html: timeout"):
        save_html(J, tmp_path / "x.html", timeout=-1)
    with pytest.raises(RuntimeError, match="does not require grad"):
        save_html(ag.Tensor(1.0), tmp_path / "x.html")
    J.backward()
    with pytest.raises(RuntimeError, match=r"already freed.*in place of y.backward\(\)"):
        save_html(J, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


# ----------------------------------------------------------------------------- in a browser


def chromium_driver():
    """A headless Chromium driven by Selenium, or None where neither is installed (never in
    CI: `make test` installs chromium, chromium-driver and the `browser` extra)."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = None
    if webdriver is None or browser is None or driver is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium, chromium-driver and selenium (make test)")
        pytest.skip("headless Chromium not available (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}",
        "--window-size=1200,900",
    ):  # fmt: skip
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver), options=options)


@needs_dot
def test_stepping_through_the_page_in_a_real_browser(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    *_, J = lecture()
    page = save_html(J, tmp_path / "backward.html")
    browser = chromium_driver()
    try:
        browser.get(page.resolve().as_uri())
        text = lambda element_id: browser.find_element(By.ID, element_id).text  # noqa: E731

        def highlighted(kind: str) -> list[str]:
            return browser.execute_script(
                "return [...document.querySelectorAll('g.node.' + arguments[0])]"
                ".map(g => g.querySelector('text').textContent)",
                kind,
            )

        assert text("counter") == "step 1 of 6" and text("made") == "dJ/dJ = 1"
        assert browser.find_element(By.ID, "back").get_attribute("disabled") == "true"
        for _ in range(4):
            browser.find_element(By.ID, "next").click()
        assert text("counter") == "step 5 of 6" and text("title") == "b"
        assert text("made") == "dJ/db = dJ/du · du/db = 3 · 2 = 6"
        assert "b is a leaf" in text("passes")
        assert highlighted("current") == ["b"]  # the box of b, first line of its label
        assert highlighted("source") == ["mul"]  # u = mul(b, c) made b's gradient
        assert {"J", "v", "u", "a"} <= set(highlighted("done"))
        marked = browser.find_elements(By.CSS_SELECTOR, "#story span.on")
        assert [m.text.strip() for m in marked] == ["dJ/db = dJ/du · du/db = 3 · 2 = 6"]
        browser.save_screenshot(str(tmp_path / "step5.png"))
        browser.find_element(By.ID, "back").click()
        assert text("title") == "a" and text("made") == "dJ/da = dJ/dv · dv/da = 3 · 1 = 3"
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
        assert text("counter") == "step 6 of 6" and text("title") == "c"
        assert browser.find_element(By.ID, "next").get_attribute("disabled") == "true"
        assert (tmp_path / "step5.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        browser.quit()
