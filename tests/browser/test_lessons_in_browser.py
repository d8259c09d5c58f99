"""Every shipped lesson walked to its end in the lab's Lessons tab, in chromium, answering each question."""
import shutil

import pytest

from qnn_lab.widgets.lessons import list_lessons, load_lesson

from .conftest import ARTIFACTS, ROOT

pytestmark = pytest.mark.browser

PLAYER = ".qnn-lessons"
STEP_SHOWN = "([sel, text]) => { const p = document.querySelector(sel); return !!p && p.innerText.includes(text); }"


def open_lessons_tab(page):
    page.locator(".lm-TabBar-tab:has(.lm-TabBar-tabLabel:text-matches('^Lessons'))").first.click()
    page.locator(f"{PLAYER} select").first.wait_for(timeout=60_000)


def wait_for_text(page, text, timeout=120_000):
    page.wait_for_function(STEP_SHOWN, arg=[PLAYER, text], timeout=timeout)


def test_every_lesson_can_be_walked_to_its_end(lab_page):
    open_lessons_tab(lab_page)
    walk_every_lesson(lab_page)
    shutil.copy(ARTIFACTS / "lesson.png", ROOT / "docs" / "lesson.png")


def walk_every_lesson(page):
    """Start each lesson, answer every question (Check, or Show answer) and press Next to the last step."""
    player = page.locator(PLAYER)
    for name in list_lessons():
        lesson = load_lesson(name)
        n = len(lesson.steps)
        player.locator("select").first.select_option(label=lesson.title)
        player.locator("button:text-is('Start')").click()
        for k, step in enumerate(lesson.steps):
            wait_for_text(page, f"step {k + 1} of {n}")
            wait_for_text(page, step.text.split("\n\n")[0][:60])
            if step.choices:
                player.locator(f".widget-radio-box label:text-is('{step.answer}')").click()
                player.locator("button:text-is('Check')").click()
                wait_for_text(page, "Right.")
            elif step.question:
                player.locator("button:text-is('Show answer')").click()
                wait_for_text(page, "Answer:")
            if name == "04_qpu_chains" and k == 0:
                player.screenshot(path=str(ARTIFACTS / "lesson.png"))
            if k < n - 1:
                player.locator("button:text-is('Next')").click()
        assert player.locator("button:text-is('Next')").is_disabled()
        assert "Error" not in player.inner_text(), (name, player.inner_text())
