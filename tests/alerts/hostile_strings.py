"""A corpus of hostile strings, as a web page or a remote server could send them, and the
alerts, digest and ops notice the channel tests build from it.

Each entry is something a chat service, a terminal or a mail client would act on if it arrived
as written: mentions of every service, links and images in markdown, Slack and HTML, Rich
markup, ANSI escapes, bidi overrides, zero-width characters, header injection, a word too long
for any message.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from core.records import AlertView
from warehouse.source_health import Notice

Z = "\u200d"   # the zero-width joiner that defuses a mention: "@\u200dchannel"

MENTIONS = {
    "slack": ("<!channel>", "<!here>", "<!everyone>", "<@U0123ABC>", "<#C0123|general>",
              "<!subteam^S0123>"),
    "discord": ("@everyone", "@here", "<@123456789>", "<@!123456789>", "<@&987654321>",
                "<#555555555>"),
    "telegram": ("@newswatch_bot", "[boss](tg://user?id=42)"),
    "teams": ("<at>General</at>",),
    "mattermost": ("@channel", "@all", "~town-square"),
}
LINKS = ("[Feed moved: sign in](https://evil.example)", "[.](!channel)",
         "![pixel](https://evil.example/p.gif)", "<https://evil.example|click>",
         '<a href="https://evil.example">x</a>')
HTML = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&lt;b&gt;")
RICH = ("[link=https://evil.example]click[/link]", "[bold red]alarm[/]")
ANSI = ("\x1b[31mred\x1b[0m", "\x1b]8;;https://evil.example\x07osc\x1b]8;;\x07")
BIDI = ("\u202eevil\u202c", "\u2066isolate\u2069")
ZERO_WIDTH = ("@\u200beveryone", "<\u200b@123456789>", "\ufeffbom")
CRLF = ("Subject: x\r\nBcc: victim@example.org", "one\nTWO")
LONG_WORD = "W" * 10_000

# Every mention of every service, and for each markup syntax a pattern that finds any of them
# still live, or a link to the corpus's targets. A mention is live when nothing stands between
# its characters: a ZWJ (or an escape) breaks it.
ALL_MENTIONS = tuple(m for group in MENTIONS.values() for m in group)
_ANY = (r"<[@#!]|@(?:everyone|here|channel|all|newswatch_bot)\b|<at>|\x1b"
        r"|[\u202a-\u202e\u2066-\u2069\u200b\ufeff]")
LIVE = {
    # [label](target) or ![alt](target) with an unescaped "[" and no bracket in the label
    "markdown": re.compile(_ANY + r"|(?<!\\)\[[^\[\]\\]*\]\((?:https?://evil|tg:|!)"),
    "slack": re.compile(_ANY + r"|<(?:https?://evil|tg:)"),
    "html": re.compile(_ANY + r"|href=\"?(?:https?://evil|tg:)"),
}

T0 = datetime(2026, 11, 20, 9, 40, tzinfo=UTC)

ALERT = AlertView(
    alert_id="h1", rule_id="ceasefire", rule_name="Ceasefire @here", severity="critical",
    title=" ".join((*MENTIONS["slack"][:2], *MENTIONS["discord"], MENTIONS["teams"][0])),
    url="https://harbour-times.example/@everyone/<@&1>?q=[x](y) z",
    source_name=f"Harbour {CRLF[0]} {BIDI[0]} Times",
    published_at=T0,
    sentence=" ".join(("A ceasefire", LINKS[0], LINKS[1], LINKS[2], HTML[0], RICH[0], ANSI[0],
                       ZERO_WIDTH[0], MENTIONS["mattermost"][0], MENTIONS["telegram"][1])),
    terms=("ceasefire",),
    other_sources=(LONG_WORD,),
)
# A second story under another rule, for the digest.
SECOND = replace(
    ALERT, alert_id="h2", rule_id="ports", rule_name="Ports <!channel>", severity="low",
    title=f"{MENTIONS['mattermost'][1]} {RICH[1]} {ANSI[1]} {BIDI[1]} {ZERO_WIDTH[1]}",
    url="javascript:alert(1)", source_name="Valley Courier", sentence=None, other_sources=())
DIGEST = [ALERT, SECOND]

# What a remote server said, as the source health check stores it (a reason phrase is the
# server's to choose).
REASON = f"{LINKS[0]} {LINKS[1]} {MENTIONS['discord'][4]} {MENTIONS['slack'][0]}"
NOTICES = [
    Notice("rude", f"Rude {MENTIONS['mattermost'][0]} Feed", "failing", T0, False,
           f"its feed failed in the last 3 runs; last error: server_error: HTTP 503 {REASON}"),
    Notice("quiet", f"Quiet {CRLF[1]} Wire", "stale", T0, False, f"no new article; {HTML[1]}"),
]


# What the corpus becomes as CommonMark: the body Discord, Teams and Mattermost receive for a
# markdown channel, exactly. Every mention holds a ZWJ, every link and image bracket is
# escaped, HTML is text, controls and invisible characters are gone.
W199 = "W" * 199 + "…"


def rating_md(alert_id: str) -> str:
    """The line under every alert and digest item (not an ops notice) that says how to rate
    it; the same text in every markdown service and in Slack's last context element."""
    return f"Alert `{alert_id}` · rate it: `newswatch feedback {alert_id} relevant|irrelevant`"


TITLE_MD = (rf"\<{Z}\!channel\> \<{Z}\!here\> @{Z}everyone @{Z}here \<{Z}@{Z}123456789\> "
            rf"\<{Z}@{Z}\!123456789\> \<{Z}@{Z}&987654321\> \<{Z}\#555555555\> "
            rf"\<{Z}at\>General\</at\>")
URL_MD = "https://harbour-times.example/%40everyone/%3C%40&1%3E?q=[x]%28y%29%20z"
SOURCE = f"Harbour Subject: x Bcc: victim@{Z}example.org evil Times"
SENTENCE_MD = (r"A **ceasefire** \[Feed moved: sign in\]\(https://evil.example\) "
               r"\[.\]\(\!channel\) \!\[pixel\]\(https://evil.example/p.gif\) "
               r"\<script\>alert\(1\)\</script\> \[link=https://evil.example\]click\[/link\] "
               rf"\[31mred \[0m @{Z}everyone @{Z}channel \[boss\]\(tg://user?id=42\)")
ALERT_MD = "\n".join([
    f"**[{TITLE_MD}]({URL_MD})**",
    f"{SOURCE} · 20 Nov 2026 09:40 UTC",
    f"> {SENTENCE_MD}",
    f"Also carried by: {W199}",
    f"_CRITICAL · Ceasefire @{Z}here_",
    rating_md("h1")])
SECOND_MD = "\n".join([
    rf"**[@{Z}all \[bold red\]alarm\[/\] \]8;;https://evil.example osc \]8;; isolate "
    rf"\<{Z}@{Z}123456789\>](about:blank)**",
    "Valley Courier · 20 Nov 2026 09:40 UTC",
    rf"_LOW · Ports \<{Z}\!channel\>_",
    rating_md("h2")])
DIGEST_MD = "\n\n".join([rf"## Ceasefire @{Z}here \(critical\)", ALERT_MD,
                         rf"## Ports \<{Z}\!channel\> \(low\)", SECOND_MD])
NOTICE_MD = "\n".join([
    "Source health changed:", "",
    rf"- FAILING: Rude @{Z}channel Feed \(rude\): its feed failed in the last 3 runs; last "
    r"error: server\_error: HTTP 503 \[Feed moved: sign in\]\(https://evil.example\) "
    rf"\[.\]\(\!channel\) \<{Z}@{Z}&987654321\> \<{Z}\!channel\>",
    r"- GONE QUIET: Quiet one TWO Wire \(quiet\): no new article; "
    r"\<img src=x onerror=alert\(1\)\>", "",
    "Details: `SELECT * FROM v_source_health`; history: `SELECT * FROM source_alerts`."])
# The subjects, plain (an email's) and as markdown (Discord's, Teams', Mattermost's).
ALERT_SUBJECT = (f"[newswatch] Ceasefire @{Z}here: <{Z}!channel> <{Z}!here> @{Z}everyone "
                 f"@{Z}here <{Z}@{Z}123456789> <{Z}@{Z}!123456789> <{Z}@{Z}&987654321> "
                 f"<{Z}#555555555> <{Z}at>General</at>")
ALERT_SUBJECT_MD = rf"\[newswatch\] Ceasefire @{Z}here: {TITLE_MD}"
DIGEST_SUBJECT_MD = r"\[newswatch\] newswatch digest: 2 stories"
NOTICE_SUBJECT_MD = r"\[newswatch\] sources: 1 failing, 1 gone quiet"
