"""What a user agent alone tells about a hit on tracked email.

Conferral's own rules come first: what only an email sender meets (webmail image
proxies, the link scanners of mail security products, the link previews of chat apps)
and generic words of programs, each naming who it is where the string tells. The
generic base after them is the crawler list of the `crawlerdetect` package (pinned in
requirements.txt), so a scanner is named as a scanner even when that list knows it
too. Both are compiled once per process into the fast form of
conferral.tracking.pattern_union: an unknown user agent (a person's, mostly) costs one
search of our rules together and one of that list, some 30 µs (bench/detection.py).

The rules are words and product names, never copied from the public corpora the suite
measures them against (conferral/tracking/tests/test_machine_corpus.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from conferral.tracking.crawler_list import in_crawler_list
from conferral.tracking.pattern_union import PatternUnion
from conferral.tracking.verdicts import HUMAN, MachineReason, MachineSource, Verdict

Reason = MachineReason
Source = MachineSource


@dataclass(frozen=True, slots=True)
class Rule:
    """A pattern of the lower-cased user agent and the verdict it gives."""

    pattern: str
    verdict: Verdict


def _via(pattern: str, proxy: MachineSource) -> Rule:
    """A proxy that fetches when a person opens the message: their open, seen through
    it."""
    return Rule(pattern, Verdict(via=proxy))


def _machine(pattern: str, reason: MachineReason, source: MachineSource | None = None) -> Rule:
    return Rule(pattern, Verdict(reason, source))


# Lower case, first match wins: specific names before generic words.
RULES: list[Rule] = [
    # Gmail fetches a message's images through its proxy when the reader opens it (it
    # has since 2013, and caches them after that first fetch), never on delivery: a
    # person's open.
    _via(r"googleimageproxy|ggpht\.com", Source.GOOGLE_IMAGE_PROXY),
    # Yahoo Mail and AOL have cached images the same way since 2018: the proxy fetches
    # when the reader opens the message in Yahoo's webmail or app.
    _via(r"yahoomailproxy", Source.YAHOO_MAIL_PROXY),
    # Outlook.com and Outlook on the web load remote images through Microsoft's proxy
    # when the message is shown (by default only once the reader allows images from an
    # unknown sender); nothing reports a fetch on delivery.
    _via(r"outlookimageproxy|owaimageproxy", Source.OUTLOOK_IMAGE_PROXY),
    # Mail apps load a message's images when their user opens it. Lists of web
    # crawlers (crawlerdetect's among them) count them as non-browsers, which for a web
    # page they are; for an email they are the reader.
    Rule(
        r"^mail/|airmail|canary(?: |%20)?mail|macoutlook/|microsoft office/|microsoft outlook|"
        r"outlook-(?:express|ios|android)|polymail/",
        HUMAN,
    ),
    # Any other image proxy: whether it fetches on delivery is not known, so it is not
    # taken for a person.
    _machine(r"image-?proxy", Reason.IMAGE_PROXY, Source.IMAGE_PROXY),
    # The link scanners of mail security products follow every link as the message
    # arrives.
    _machine(r"safe ?links|microsoft ?defender|msdefender", Reason.LINK_SCANNER, Source.MICROSOFT),
    _machine(r"proofpoint|urldefense|ppops-", Reason.LINK_SCANNER, Source.PROOFPOINT),
    _machine(r"mimecast", Reason.LINK_SCANNER, Source.MIMECAST),
    _machine(r"barracuda", Reason.LINK_SCANNER, Source.BARRACUDA),
    _machine(r"symantec|messagelabs|broadcom", Reason.LINK_SCANNER, Source.SYMANTEC),
    _machine(r"trend ?micro", Reason.LINK_SCANNER, Source.TREND_MICRO),
    _machine(r"cisco|ironport", Reason.LINK_SCANNER, Source.CISCO),
    _machine(r"sophos", Reason.LINK_SCANNER, Source.SOPHOS),
    _machine(r"fortinet|fortiguard|fortimail", Reason.LINK_SCANNER, Source.FORTINET),
    _machine(r"palo ?alto", Reason.LINK_SCANNER, Source.PALO_ALTO),
    _machine(r"forcepoint|websense", Reason.LINK_SCANNER, Source.FORCEPOINT),
    # The Czech and Ukrainian webmails fetch links and images through their own proxies.
    _machine(r"seznam ?email ?proxy", Reason.LINK_SCANNER, Source.SEZNAM),
    _machine(r"ukr\.?net", Reason.LINK_SCANNER, Source.UKR_NET),
    # Link previews: Outlook.com (BingPreview) and chat apps fetch a link to show it.
    _machine(r"bingpreview", Reason.LINK_PREVIEW, Source.BING),
    _machine(r"slackbot|slack-imgproxy", Reason.LINK_PREVIEW, Source.SLACK),
    _machine(r"skypeuripreview|microsoftpreview", Reason.LINK_PREVIEW, Source.TEAMS),
    _machine(r"whatsapp", Reason.LINK_PREVIEW, Source.WHATSAPP),
    _machine(r"telegrambot", Reason.LINK_PREVIEW, Source.TELEGRAM),
    _machine(r"discordbot", Reason.LINK_PREVIEW, Source.DISCORD),
    _machine(r"linkedinbot", Reason.LINK_PREVIEW, Source.LINKEDIN),
    _machine(r"facebookexternalhit|facebookcatalog|facebot", Reason.LINK_PREVIEW, Source.FACEBOOK),
    _machine(r"twitterbot", Reason.LINK_PREVIEW, Source.X),
    _machine(
        r"link ?preview|embedly|iframely|redditbot|vkshare|viber|snapchat",
        Reason.LINK_PREVIEW,
        Source.LINK_PREVIEW,
    ),
    # Google's crawlers and fetchers name themselves "…-Google", "Google-…" or
    # "Google…bot"; Yahoo's crawler is Slurp. (A word is told apart by a look-behind
    # after it rather than a "\\b" before it: `re` skips a branch that begins with a
    # letter fastest.)
    _machine(
        r"google-[a-z]|-google\b(?<=[a-z]-google)|google ?(?:bot|other|favicon|web preview)",
        Reason.BOT,
        Source.GOOGLE,
    ),
    _machine(r"slurp", Reason.BOT, Source.YAHOO),
    # Windows fetching a certificate revocation list, Office checking a link exists.
    _machine(
        r"microsoft-cryptoapi|microsoft office (?:existence|protocol) discovery",
        Reason.BOT,
        Source.MICROSOFT,
    ),
    # Browsers driven by programs: testing, measuring and scraping tools.
    _machine(
        r"headless|phantomjs|playwright|selenium|puppeteer|lighthouse|webpagetest|ptst/|"
        r"pagespeed|gtmetrix",
        Reason.BOT,
        Source.AUTOMATED_BROWSER,
    ),
    # Words of programs: what they call themselves (bot, crawler, agent, webhook…),
    # what they do (scan, archive, audit, verify, check, monitor, prefetch…) and the
    # libraries they are written with. A browser never carries a URL, a domain name or
    # an email address in its user agent; a program often names its home page or
    # owner's address there. (Scanning only as a program's word: CamScanner is a phone
    # app with a browser of its own.)
    _machine(
        r"bot(?<!cubot)s?\b|bots?[/_;:-]|_bot|-ai\b|search|crawl|spider|scrap(?:er|ing)|"
        r"fetcher|prefetch|scan(?<!camscan)(?:ner|ning|s)?\b|agent\b|agent[/-]|webhook|"
        r"-hook\b|synthetic|archiv|audit|verif(?:y|ier|ication)|check\b|checker|"
        r"screenshot|rss\b|parser|proxy\b|api\b(?<![a-z0-9_]api)|speed ?test|"
        r"monitor(?:ing)?\b|uptime|pingdom|validator|probe\b(?<![a-z0-9_]probe)|"
        r"https?://|www\.|\.(?<=[a-z0-9]\.)(?:com|net|org|io|ai|ly|ua|fr|de|nu|app|dev)\b|"
        r"@(?<=[a-z0-9]@)[a-z0-9-]+\.[a-z]|\[at\][a-z0-9-]+\.[a-z]|"
        r"curl\b(?<![a-z0-9_]curl)|wget|python|aiohttp|go-http-client|"
        r"java/(?<![a-z0-9_]java/)|okhttp|libwww|axios|node-fetch|undici|http ?client|"
        r"postman|guzzle|ruby\b(?<![a-z0-9_]ruby)|faraday|reqwest|scrapy|zgrab|masscan|"
        r"nmap|nikto|httpie|jakarta|feedparser",
        Reason.BOT,
        Source.BOT,
    ),
    # Every browser and mail app names itself as product/version (RFC 9110, section
    # 10.1.5): a user agent without a single version is a program's own label.
    _machine(r"^[^/]*$", Reason.BOT, Source.BOT),
]

# Matched against the lower-cased agent: Python's `re` searches case-sensitively about
# twice as fast.
_COMPILED = [(re.compile(rule.pattern), rule.verdict) for rule in RULES]
# Any rule at all, in one search: a person's user agent (the usual case) is passed
# over by this alone, before the list above is walked to find which rule it was.
_ANY_RULE = PatternUnion(rule.pattern for rule in RULES)


def agent_verdict(agent: str) -> Verdict | None:
    """The verdict the user agent's words give, or None when they say nothing."""
    lowered = agent.lower()
    if _ANY_RULE.search(lowered):
        for pattern, verdict in _COMPILED:
            if pattern.search(lowered):
                return verdict
    if in_crawler_list(agent):
        return Verdict(MachineReason.KNOWN_CRAWLER)
    return None
