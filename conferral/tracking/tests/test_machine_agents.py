"""Each rule of machine detection, with a user agent of the kind it is there for and the
reason and source it gives; and browsers and mail apps of every engine, in-app browsers
included, that must stay a person's."""

from __future__ import annotations

import pytest

from conferral.tracking.machine import MachineReason, MachineSource, Verdict, machine_verdict
from conferral.tracking.machine_agents import RULES

R = MachineReason
S = MachineSource

# (user agent, reason, source): the first rule that matches decides.
MACHINES: list[tuple[str, MachineReason, MachineSource | None]] = [
    ("Mozilla/5.0 (compatible; Mailchimp image-proxy)", R.IMAGE_PROXY, S.IMAGE_PROXY),
    ("Microsoft Safe Links Scanner", R.LINK_SCANNER, S.MICROSOFT),
    ("Mozilla/5.0 (compatible; Proofpoint URL Defense)", R.LINK_SCANNER, S.PROOFPOINT),
    ("Mimecast-URL-Protect/1.0", R.LINK_SCANNER, S.MIMECAST),
    ("Barracuda Sentinel (EE)", R.LINK_SCANNER, S.BARRACUDA),
    ("Symantec MessageLabs URL scanner/1.0", R.LINK_SCANNER, S.SYMANTEC),
    ("Mozilla/5.0 (compatible; Trend Micro URL check)", R.LINK_SCANNER, S.TREND_MICRO),
    ("Cisco IronPort URL filter/1.0", R.LINK_SCANNER, S.CISCO),
    ("Sophos URL check", R.LINK_SCANNER, S.SOPHOS),
    ("Mozilla/5.0 (compatible; FortiGuard URL rating)", R.LINK_SCANNER, S.FORTINET),
    (
        "Hello from Palo Alto Networks, find out more about our scans in "
        "https://docs-cortex.paloaltonetworks.com/r/1/Cortex-Xpanse/Scanning-activity",
        R.LINK_SCANNER,
        S.PALO_ALTO,
    ),
    ("Mozilla/5.0 (compatible; Forcepoint Web Security)", R.LINK_SCANNER, S.FORCEPOINT),
    ("Mozilla/5.0 (compatible; SeznamEmailProxy/1.0)", R.LINK_SCANNER, S.SEZNAM),
    ("Mozilla/5.0 (compatible; mail.ukr.net proxy)", R.LINK_SCANNER, S.UKR_NET),
    (
        "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534+ (KHTML, like Gecko) BingPreview/1.0b",
        R.LINK_PREVIEW,
        S.BING,
    ),
    ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", R.LINK_PREVIEW, S.SLACK),
    (
        "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 "
        "skype-url-preview@microsoft.com",
        R.LINK_PREVIEW,
        S.TEAMS,
    ),
    ("WhatsApp/2.23.20.0 A", R.LINK_PREVIEW, S.WHATSAPP),
    ("TelegramBot (like TwitterBot)", R.LINK_PREVIEW, S.TELEGRAM),
    (
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        R.LINK_PREVIEW,
        S.DISCORD,
    ),
    (
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        R.LINK_PREVIEW,
        S.LINKEDIN,
    ),
    (
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        R.LINK_PREVIEW,
        S.FACEBOOK,
    ),
    ("Twitterbot/1.0", R.LINK_PREVIEW, S.X),
    ("Iframely/1.3.1 (+https://iframely.com/docs/about)", R.LINK_PREVIEW, S.LINK_PREVIEW),
    ("Mediapartners-Google", R.BOT, S.GOOGLE),
    (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 (compatible; "
        "Google-InspectionTool/1.0)",
        R.BOT,
        S.GOOGLE,
    ),
    ("APIs-Google (+https://developers.google.com/webmasters/APIs-Google.html)", R.BOT, S.GOOGLE),
    ("FeedFetcher-Google; (+http://www.google.com/feedfetcher.html)", R.BOT, S.GOOGLE),
    ("AppEngine-Google; (+http://code.google.com/appengine; appid: s~example)", R.BOT, S.GOOGLE),
    ("Google-Safety", R.BOT, S.GOOGLE),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", R.BOT, S.GOOGLE),
    (
        "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
        R.BOT,
        S.YAHOO,
    ),
    ("Microsoft-CryptoAPI/10.0", R.BOT, S.MICROSOFT),
    ("Microsoft Office Existence Discovery", R.BOT, S.MICROSOFT),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/120.0.6099.28 Safari/537.36",
        R.BOT,
        S.AUTOMATED_BROWSER,
    ),
    (
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
        R.BOT,
        S.AUTOMATED_BROWSER,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 PTST/231207.200000",
        R.BOT,
        S.AUTOMATED_BROWSER,
    ),
    ("Mozilla/5.0 (compatible; YandexImages/3.0; +http://yandex.com/bots)", R.BOT, S.BOT),
    ("Mozilla/5.0 (compatible; Example_bot_1.0)", R.BOT, S.BOT),
    ("Mozilla/5.0 (compatible; Uptime-Checker/2.1; +https://status.example.com)", R.BOT, S.BOT),
    ("Mozilla/5.0 (compatible; NewsReader/3.2; contact feeds@example.org)", R.BOT, S.BOT),
    ("python-requests/2.32.3", R.BOT, S.BOT),
    ("curl/8.5.0", R.BOT, S.BOT),
    ("Go-http-client/2.0", R.BOT, S.BOT),
    ("Java/17.0.2", R.BOT, S.BOT),
    ("okhttp/4.12.0", R.BOT, S.BOT),
    ("axios/1.6.7", R.BOT, S.BOT),
    ("Zabbix", R.BOT, S.BOT),
    ("Mozilla/5.0 (compatible; Qwantify/2.4w)", R.KNOWN_CRAWLER, None),
    ("Mozilla/5.0 (compatible; Ask Jeeves/Teoma)", R.KNOWN_CRAWLER, None),
]

# Browsers of every engine, mail apps and in-app browsers: a person's.
PEOPLE = [
    # Chrome, Edge (Blink)
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    # Firefox and Thunderbird (Gecko)
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0",
    # Safari and Apple Mail (WebKit)
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148",
    # Opera (Presto)
    "Opera/9.80 (Windows NT 6.1; U; en) Presto/2.10.289 Version/12.02",
    # Internet Explorer (Trident)
    "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
    # In-app browsers
    "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36 "
    "CamScanner/6.57.0.2311290000",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Mobile/15E148 Instagram 311.0.2.29.106 (iPhone15,3; iOS 17_1_2; en_US; en; "
    "scale=3.00; 1290x2796; 545486055)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/442.0.0.37.105;FBBV/545479893;FBDV/iPhone14,5;"
    "FBMD/iPhone;FBSN/iOS;FBSV/17.1;FBSS/3;FBCR/;FBID/phone;FBLC/en_US;FBOP/80]",
    # The Gmail app's message view (Android WebView)
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240105.004; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36",
    # Mail apps
    "Outlook-iOS/709.2226530.prod.iphone (3.24.1)",
    "Outlook-Android/2.0",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17231; Pro)",
    "Mail/3774.500.171.1.1 CFNetwork/1335.0.3 Darwin/21.6.0",
    "Airmail 5.6.9 rv:617 (Macintosh; Mac OS X 14.2.1; en_US)",
    "Canary%20Mail/4.12 CFNetwork/1490.0.4 Darwin/23.2.0",
    "Polymail/2.1.0 (Macintosh; Mac OS X 10.15.7)",
    # Yahoo Mail's app
    "YahooMobileMail/1.0 (Android Mail; 6.60.2) (hammerhead;LGE;Nexus 5;5.1.1/LMY48B)",
]


@pytest.mark.parametrize(("user_agent", "reason", "source"), MACHINES)
def test_it_names_the_reason_and_source_of_each_machine(
    user_agent: str, reason: MachineReason, source: MachineSource | None
) -> None:
    assert machine_verdict(user_agent=user_agent) == Verdict(reason, source)


def test_it_has_a_user_agent_here_for_every_rule() -> None:
    tried = {Verdict(reason, source) for _agent, reason, source in MACHINES}
    # The rules for people (mail apps, on-view proxies) are tried below.
    untried = [rule.pattern for rule in RULES if rule.verdict and rule.verdict not in tried]

    assert untried == []


@pytest.mark.parametrize("user_agent", PEOPLE)
def test_it_counts_browsers_and_mail_apps_as_people(user_agent: str) -> None:
    assert machine_verdict(user_agent=user_agent) == Verdict()


@pytest.mark.parametrize(
    ("user_agent", "via"),
    [
        (
            "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com "
            "GoogleImageProxy)",
            S.GOOGLE_IMAGE_PROXY,
        ),
        (
            "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
            S.YAHOO_MAIL_PROXY,
        ),
        ("Mozilla/5.0 (compatible; OutlookImageProxy)", S.OUTLOOK_IMAGE_PROXY),
    ],
)
def test_it_counts_an_open_through_a_webmail_proxy_as_a_person_through_it(
    user_agent: str, via: MachineSource
) -> None:
    verdict = machine_verdict(user_agent=user_agent, client_address="66.249.84.1")

    assert not verdict
    assert verdict == Verdict(via=via)
    assert verdict.via_source == via.value


@pytest.mark.parametrize(
    ("client_address", "verdict"),
    [
        ("17.58.101.7", Verdict(R.APPLE_PRIVACY, S.APPLE)),
        ("2620:149:a:b::7", Verdict(R.APPLE_PRIVACY, S.APPLE)),
        ("2a01:b740::17", Verdict(R.APPLE_PRIVACY, S.APPLE)),
        ("::ffff:17.58.101.7", Verdict(R.APPLE_PRIVACY, S.APPLE)),
        ("203.0.113.9", Verdict(R.IMAGE_PROXY, S.BARE_USER_AGENT)),
        ("", Verdict(R.IMAGE_PROXY, S.BARE_USER_AGENT)),
    ],
)
def test_it_tells_apples_prefetch_by_its_addresses(client_address: str, verdict: Verdict) -> None:
    assert machine_verdict(user_agent="Mozilla/5.0", client_address=client_address) == verdict


@pytest.mark.parametrize(
    "client_address", ["40.92.0.1", "40.107.22.61", "52.103.255.1", "2a01:111:f403:c100::9"]
)
def test_it_flags_a_browser_at_microsofts_mail_protection_as_its_scanner(
    client_address: str,
) -> None:
    verdict = machine_verdict(user_agent=PEOPLE[0], client_address=client_address)

    assert verdict == Verdict(R.LINK_SCANNER, S.MICROSOFT)


@pytest.mark.parametrize("client_address", ["17.58.101.7", "2a01:111:f401::1", "nonsense", ""])
def test_it_leaves_a_browser_elsewhere_a_person(client_address: str) -> None:
    # Apple's addresses matter only with the bare "Mozilla/5.0" of its prefetch.
    assert machine_verdict(user_agent=PEOPLE[0], client_address=client_address) == Verdict()


def test_it_flags_an_empty_user_agent_and_a_head_request() -> None:
    assert machine_verdict(user_agent="  ") == Verdict(R.NO_USER_AGENT)
    assert machine_verdict(user_agent=PEOPLE[0], method="head") == Verdict(R.HEAD_REQUEST)
