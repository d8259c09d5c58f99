"""Every shipped lesson walked to its end in the lab, in chromium, answering each question; a step with a
"tab" opens that tab, and the step's text stays in view above the tabs."""
import pytest

from qnn_lab.widgets.lab import TAB_TITLES
from qnn_lab.widgets.lessons import list_lessons, load_lesson

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PLAYER = ".qnn-lessons"           # the Lessons tab: the lesson list and Start
STEP = ".qnn-lesson-bar"          # the running step: text, question, Back / Next (above the tabs)
STEP_SHOWN = "([sel, text]) => { const p = document.querySelector(sel); return !!p && p.innerText.includes(text); }"
OPEN_TAB = ("title => { const t = document.querySelector('.qnn-lab .lm-TabBar-tab.lm-mod-current'); "
            "return !!t && t.innerText.trim() === title; }")


def open_lessons_tab(page):
    page.locator(".lm-TabBar-tab:has(.lm-TabBar-tabLabel:text-matches('^Lessons'))").first.click()
    page.locator(f"{PLAYER} select").first.wait_for(timeout=60_000)


def wait_for_text(page, text, timeout=120_000):
    page.wait_for_function(STEP_SHOWN, arg=[STEP, text], timeout=timeout)


def test_every_lesson_can_be_walked_to_its_end(lab_page):
    open_lessons_tab(lab_page)
    walk_every_lesson(lab_page)


def walk_every_lesson(page):
    """Start each lesson, answer every question (Check, or Show answer) and press Next to the last step;
    each step's tab is the open one."""
    player, step_box = page.locator(PLAYER), page.locator(STEP)
    opened = 0
    for name in list_lessons():
        lesson = load_lesson(name)
        n = len(lesson.steps)
        if not player.is_visible():                  # a step opened another tab: back to the lesson list
            open_lessons_tab(page)
        player.locator("select").first.select_option(label=lesson.title)
        player.locator("button:text-is('Start')").click()
        for k, step in enumerate(lesson.steps):
            wait_for_text(page, f"step {k + 1} of {n}")
            wait_for_text(page, step.text.split("\n\n")[0][:60])
            if step.tab:
                page.wait_for_function(OPEN_TAB, arg=TAB_TITLES[step.tab], timeout=60_000)
                opened += 1
            if step.choices:
                step_box.locator(f".widget-radio-box label:text-is('{step.answer}')").click()
                step_box.locator("button:text-is('Check')").click()
                wait_for_text(page, "Right.")
            elif step.question:
                step_box.locator("button:text-is('Show answer')").click()
                wait_for_text(page, "Answer:")
            if name == "04_qpu_chains" and k == 0:
                step_box.screenshot(path=str(ARTIFACTS / "lesson.png"))
            if k < n - 1:
                step_box.locator("button:text-is('Next')").click()
        assert step_box.locator("button:text-is('Next')").is_disabled()
        assert "Error" not in step_box.inner_text() + player.inner_text(), (name, step_box.inner_text())
    assert opened == sum(bool(s.tab) for name in list_lessons() for s in load_lesson(name).steps) > 0
