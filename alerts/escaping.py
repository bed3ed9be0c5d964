"""Making untrusted article text safe for each output syntax.

Every function here takes text as it came from a web page (or a remote server's error message)
and returns text that cannot forge lines, mentions, links or markup in its target: plain text,
CommonMark, HTML (via markupsafe) or Slack mrkdwn. Mentions are defused in `plain`, before any
format's escaping, so they stay defused whichever service the text ends up on.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from markupsafe import Markup

MAX_TITLE = 300        # a headline longer than this is shortened (a 10,000-character word...)
MAX_SENTENCE = 400
MAX_NAME = 200         # source and rule names
MAX_URL = 2048         # longer links are not linked: no service shows them, some reject them

# ZWNJ and ZWJ are the only invisible format characters kept: emoji sequences (👩‍💻) and
# Persian, Arabic and Indic spelling need them. All other format characters go, above all the
# bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069) that can make a headline display
# reversed or carry its direction into the text after it.
_KEEP_FORMAT = frozenset("\u200c\u200d")
ZWJ = "\u200d"
# A zero-width joiner after "@" keeps "@channel" readable but stops chat services expanding it:
# Slack, Discord, Mattermost, Telegram (`@everyone`, `@here`, `@channel`, `@all`, `@name`) and
# the bracketed forms (`<@U123>`, `<@!123>`, `<@&ROLE>`, `<#C1>`, `<!channel>`, Teams `<at>`).
# Not after one already there, so cleaning text twice adds nothing.
_MENTION = re.compile(r"@(?=[^\s\u200d])|<(?=[@#!]|(?i:at>))")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
# "&lt;" in CommonMark is decoded by the renderer; escape the "&" of a named entity so the
# reader sees the characters the page had (a numeric one is already broken by escaping "#").
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
# Slack mrkdwn has no escape for its emphasis and code characters, so untrusted text gets
# look-alikes: a headline cannot make the rest of a block bold or open a code block.
_MRKDWN_LOOKALIKES = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c",
                                    "`": "\u02cb", "|": "\u00a6"})
_SLACK_URL_UNSAFE = re.compile(r"[\s<>|\"`^{}\\\x00-\x1f\x7f]")


def plain(text: str, limit: int | None = None) -> str:
    """One line of visible text: controls become spaces, invisible format characters go,
    mentions are defused, and it is shortened to `limit` characters."""
    # Only the start can be shown: cleaning all of a megabyte-long "headline" would be waste.
    clipped = limit is not None and len(text) > limit * 8
    if limit is not None and clipped:
        text = text[:limit * 8]
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf" and ch not in _KEEP_FORMAT:
            continue
        out.append(" " if category in ("Cc", "Cs", "Zl", "Zp") else ch)
    cleaned = defuse(" ".join("".join(out).split()))
    if limit is None:
        return cleaned
    return cleaned[:limit - 1] + "…" if clipped or len(cleaned) > limit else cleaned


def defuse(text: str) -> str:
    """Every mention sequence of every chat service broken by a zero-width joiner."""
    return _MENTION.sub(lambda m: m.group() + ZWJ, text)


def safe_url(url: str) -> str:
    """Only web links of a sane length: a hostile page's canonical URL could be `javascript:`.

    A link with user info (`https://trusted.example@evil.example/`) is not a link; spaces,
    control and invisible characters and `@` (a mention to Discord and Mattermost even inside
    a URL) are percent-encoded, so a URL never breaks a line or pings anyone in any format."""
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > MAX_URL:
        return "about:blank"
    try:
        if "@" in urlsplit(url).netloc:
            return "about:blank"
    except ValueError:   # "http://[oops/": not a URL anyone could follow
        return "about:blank"
    return "".join(_url_char(ch) for ch in url)


def _url_char(ch: str) -> str:
    if ch == "@" or unicodedata.category(ch)[0] in "CZ":
        return quote(ch, safe="", errors="replace")
    return ch


def terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    if not terms:
        return None
    ordered = sorted(set(terms), key=len, reverse=True)
    # Whole words only: "talks" is not marked inside "stalks".
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in ordered) + r")(?!\w)",
                      re.IGNORECASE)


def _highlighted(sentence: str, terms: tuple[str, ...], escape: Callable[[str], str],
                 mark: Callable[[str], str]) -> str:
    """Escape the pieces of an already cleaned sentence and `mark` each matched term."""
    pattern = terms_pattern(terms)
    out, last = [], 0
    for m in pattern.finditer(sentence) if pattern else ():
        out += [escape(sentence[last:m.start()]), mark(escape(m.group()))]
        last = m.end()
    out.append(escape(sentence[last:]))
    return "".join(out)


# HTML -------------------------------------------------------------------------------------

def html_highlight(sentence: str, terms: tuple[str, ...]) -> Markup:
    """HTML-escape a cleaned sentence and wrap each matched term in <mark>."""
    return Markup(_highlighted(sentence, terms, html.escape, lambda s: f"<mark>{s}</mark>"))


# CommonMark -------------------------------------------------------------------------------

def md(text: str) -> str:
    """Escape cleaned text for CommonMark: no emphasis, links, HTML or entities can form."""
    return _MD_ENTITY.sub(r"\\&", _MD_SPECIAL.sub(r"\\\1", text))


def md_highlight(sentence: str, terms: tuple[str, ...]) -> str:
    return _highlighted(sentence, terms, md, lambda s: f"**{s}**")


def escape_as(text: str, fmt: str) -> str:
    """Cleaned text for a service that reads it as `fmt` ("markdown", "html" or "text")."""
    return md(text) if fmt == "markdown" else html.escape(text) if fmt == "html" else text


def md_url(url: str) -> str:
    """A link target that cannot end the `(...)` early or start a new link."""
    return re.sub(r"[\s()<>]", lambda m: quote(m.group()), url)


# Slack mrkdwn -----------------------------------------------------------------------------

def slack_escape(text: str) -> str:
    """Slack's own three escapes; nothing else is an entity to Slack."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Cleaned text as Slack mrkdwn: `<!channel>`, `<@U123>` and `<url|x>` cannot form, and
    no emphasis, strike or code can start or end inside it."""
    return slack_escape(text).translate(_MRKDWN_LOOKALIKES)


def mrkdwn_highlight(sentence: str, terms: tuple[str, ...]) -> str:
    return _highlighted(sentence, terms, mrkdwn, lambda s: f"*{s}*")


def slack_url(url: str) -> str:
    """A web URL with what Slack would read as markup (`<`, `>`, `|`, spaces) percent-encoded:
    fit for a button's `url` and, entity-escaped, for a link. "about:blank" if not a web URL."""
    url = safe_url(url)
    return url if url == "about:blank" else _SLACK_URL_UNSAFE.sub(
        lambda m: quote(m.group(), safe=""), url)


def slack_link(url: str, label_mrkdwn: str) -> str:
    """`<url|label>` for a web URL; just the label for anything else. The label must already
    be mrkdwn-escaped (so it holds no `|` or `>`); the URL's `&` is entity-escaped as Slack
    expects."""
    target = slack_url(url)
    return label_mrkdwn if target == "about:blank" else f"<{slack_escape(target)}|{label_mrkdwn}>"


def clip_mrkdwn(text: str, limit: int) -> str:
    """Shorten mrkdwn to `limit` characters without leaving half a link or entity behind."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    opened, closed = cut.rfind("<"), cut.rfind(">")
    if opened > closed:
        cut = cut[:opened]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"
