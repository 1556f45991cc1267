"""Machine detection measured against public corpora that it is not built from: the
crawler user agents of the `crawler-user-agents` package (each pattern's `instances`)
and the real browsers' user agents that `fake-useragent` ships. Neither is the list
detection depends on (crawlerdetect's), and no rule is copied from them.

Run with `-s` to see the figures."""

from __future__ import annotations

import importlib.resources
import json
import re

import pytest
from crawlerdetect.crawlerdetect import (  # type: ignore[import-untyped]
    get_compiled_crawler_regex,
    get_compiled_exclusions_regex,
)

from conferral.tracking.crawler_list import in_crawler_list
from conferral.tracking.machine import machine_verdict
from conferral.tracking.machine_agents import RULES, agent_verdict

CRAWLERS_FOUND = 0.95  # at least this share of the crawlers is told apart
BROWSERS_FLAGGED = 0.002  # at most this share of the browsers is taken for machines


def crawler_agents() -> list[str]:
    text = (importlib.resources.files("crawleruseragents") / "crawler-user-agents.json").read_text()
    return [agent for entry in json.loads(text) for agent in entry.get("instances", [])]


def browser_agents() -> list[str]:
    lines = (importlib.resources.files("fake_useragent") / "data" / "browsers.jsonl").read_text()
    return [json.loads(line)["useragent"] for line in lines.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def crawlers() -> list[str]:
    agents = crawler_agents()
    assert len(agents) > 1_000
    return agents


@pytest.fixture(scope="module")
def browsers() -> list[str]:
    agents = browser_agents()
    assert len(agents) > 1_000
    return agents


def test_it_tells_apart_nearly_every_known_crawler(crawlers: list[str]) -> None:
    # A proxy that fetches for a person (Gmail's, Yahoo's) is told apart too: as that.
    missed = [
        agent
        for agent in crawlers
        if not ((verdict := machine_verdict(user_agent=agent)) or verdict.via is not None)
    ]
    found = len(crawlers) - len(missed)
    figures = f"crawlers told apart: {found} of {len(crawlers)} ({found / len(crawlers):.1%})"
    print(figures)

    assert found >= CRAWLERS_FOUND * len(crawlers), f"{figures}; missed e.g. {missed[:20]}"


def test_it_takes_almost_no_real_browser_for_a_machine(browsers: list[str]) -> None:
    flagged = [agent for agent in browsers if machine_verdict(user_agent=agent)]
    count = len(flagged)
    figures = (
        f"browsers taken for machines: {count} of {len(browsers)} ({count / len(browsers):.2%}; "
        f"{len(set(browsers))} different user agents)"
    )
    print(figures)

    assert count <= BROWSERS_FLAGGED * len(browsers), f"{figures}: {sorted(set(flagged))}"


def test_it_matches_crawlerdetects_list_as_crawlerdetect_does(
    crawlers: list[str], browsers: list[str]
) -> None:
    exclusions, patterns = get_compiled_exclusions_regex(), get_compiled_crawler_regex()

    def theirs(agent: str) -> bool:
        rest = exclusions.sub("", agent)
        return bool(rest) and patterns.search(rest) is not None

    differ = [agent for agent in crawlers + browsers if in_crawler_list(agent) != theirs(agent)]

    assert differ == []
    assert any(in_crawler_list(agent) for agent in crawlers)


def test_it_finds_a_rule_exactly_when_one_of_them_matches(
    crawlers: list[str], browsers: list[str]
) -> None:
    each = [(re.compile(rule.pattern, re.IGNORECASE), rule.verdict) for rule in RULES]

    def first_rule(agent: str) -> object:
        return next((verdict for pattern, verdict in each if pattern.search(agent)), None)

    differ = [
        agent
        for agent in crawlers + browsers
        if first_rule(agent) is not None and agent_verdict(agent) != first_rule(agent)
    ]

    assert differ == []
