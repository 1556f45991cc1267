"""Machine detection benchmark: what judging one user agent costs, uncached.

    python bench/detection.py [-r 3]

Over the same public corpora the suite measures detection against (the crawlers'
user agents of `crawler-user-agents`, the real browsers' of `fake-useragent`), times in
the same run, in CPU microseconds per user agent:

- Conferral's verdict without its cache (`_user_agent_verdict.__wrapped__`): our rules
  in one combined search, then crawlerdetect's list;
- the same with the cache warm (what a repeated user agent costs);
- crawlerdetect's own expressions, as crawlerdetect applies them (what our compiled form
  of its list replaces);
- the reference: one compiled case-insensitive `re.search` of `bot|crawl|spider`.

Prints each with its ratio to the reference. Needs no database."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def per_agent(agents: list[str], work: Callable[[str], object], repeats: int) -> float:
    """CPU microseconds per user agent, the best of `repeats` passes: on a machine
    shared with other work, wall time measures the others too."""
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for agent in agents:
            work(agent)
        best = min(best, time.process_time() - started)
    return best / len(agents) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-r", type=int, default=3, help="passes per measurement (best kept)")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conferral.settings")
    import django

    django.setup()
    from crawlerdetect.crawlerdetect import (
        get_compiled_crawler_regex,
        get_compiled_exclusions_regex,
    )

    from conferral.tracking.machine import _user_agent_verdict
    from conferral.tracking.tests.test_machine_corpus import browser_agents, crawler_agents

    exclusions, crawlers = get_compiled_exclusions_regex(), get_compiled_crawler_regex()
    reference = re.compile(r"bot|crawl|spider", re.IGNORECASE)

    def uncached(agent: str) -> object:
        return _user_agent_verdict.__wrapped__(agent, "")

    def cached(agent: str) -> object:
        return _user_agent_verdict(agent, "")

    def theirs(agent: str) -> object:
        rest = exclusions.sub("", agent)
        return rest and crawlers.search(rest)

    for name, agents in (("crawlers", crawler_agents()), ("browsers", browser_agents())):
        base = per_agent(agents, reference.search, options.r)
        # As many different user agents as the cache holds, all in it.
        warm = list(dict.fromkeys(agents))[: _user_agent_verdict.cache_info().maxsize]
        _user_agent_verdict.cache_clear()
        for agent in warm:
            _user_agent_verdict(agent, "")
        rows = [
            ("Conferral's verdict, uncached", per_agent(agents, uncached, options.r)),
            ("Conferral's verdict, cached", per_agent(warm, cached, options.r)),
            ("crawlerdetect's own expressions", per_agent(agents, theirs, options.r)),
            ("reference: re.search(bot|crawl|spider)", base),
        ]
        print(f"{name} ({len(agents)} user agents):")
        for label, micros in rows:
            print(f"  {label:<40} {micros:8.1f} µs  {micros / base:6.1f} times the reference")


if __name__ == "__main__":
    main()
