"""Alert rendering per channel format. All article text is untrusted and escaped here."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from rules.models import SEVERITY_ORDER, AlertView

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("rules", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
    trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~>])")
# A zero-width joiner after "@" keeps "@channel" readable but stops chat services expanding it.
_MENTION = re.compile(r"@(?=\w)")
_MAX_SENTENCE = 400


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    body_format: str   # "html", "markdown" or "text" (Apprise's NotifyFormat values)


def render(alert: AlertView, fmt: str, timezone: str = "UTC") -> Rendered:
    alert = replace(alert, url=_safe_url(alert.url))
    published = _local_time(alert, timezone)
    subject = _plain(f"[newswatch] {alert.rule_name}: {alert.title}")
    sentence = _shorten(alert.sentence or "")
    if fmt == "email":
        body = _ENV.get_template("email.html.j2").render(
            alert=alert, published=published, sentence_html=_highlight(sentence, alert.terms))
        return Rendered(subject, body, "html")
    if fmt == "markdown":
        body = _ENV.get_template("alert.md.j2").render(
            alert=alert, published=published, title_md=_md(alert.title),
            url_md=re.sub(r"[\s()<>]", lambda m: quote(m.group()), alert.url),
            source_md=_md(alert.source_name), sentence_md=_md_highlight(sentence, alert.terms),
            others_md=_md(", ".join(alert.other_sources)), rule_md=_md(alert.rule_name))
        return Rendered(subject, body.strip(), "markdown")
    body = _ENV.get_template("alert.txt.j2").render(
        alert=_defang_view(alert, sentence), published=published)
    return Rendered(subject, body.strip(), "text")


def render_digest(alerts: list[AlertView], fmt: str, timezone: str = "UTC", *,
                  heading: str = "newswatch digest", max_items: int = 50) -> list[Rendered]:
    """Several alerts as one message (or a few, where a service limits message size): grouped
    by rule, most severe rule first, at most `max_items` stories with a count of the rest."""
    ordered = sorted(alerts, key=lambda a: (-SEVERITY_ORDER.get(a.severity, 0), a.rule_name,
                                            a.published_at is None, a.title))
    shown, hidden = ordered[:max_items], len(ordered) - min(len(ordered), max_items)
    subject = _plain(f"[newswatch] {heading}: {len(alerts)} "
                     f"{'story' if len(alerts) == 1 else 'stories'}")
    parts: list[str] = []
    current_rule: str | None = None
    for alert in shown:
        if alert.rule_id != current_rule:
            current_rule = alert.rule_id
            title = f"{alert.rule_name} ({alert.severity})"
            parts.append(f"<h3>{html.escape(_plain(title))}</h3>" if fmt == "email"
                         else f"## {_md(title)}" if fmt == "markdown" else f"== {_plain(title)} ==")
        parts.append(render(alert, fmt, timezone).body)
    if hidden:
        more = f"… and {hidden} more; see v_alerts in the warehouse."
        parts.append(f"<p>{html.escape(more)}</p>" if fmt == "email" else more)
    separator = "\n" if fmt == "email" else "\n\n"
    body_format = {"email": "html", "markdown": "markdown"}.get(fmt, "text")
    return [Rendered(subject, separator.join(parts), body_format)]


def _local_time(alert: AlertView, timezone: str) -> str | None:
    if alert.published_at is None:
        return None
    return alert.published_at.astimezone(ZoneInfo(timezone)).strftime("%d %b %Y %H:%M %Z")


def _highlight(sentence: str, terms: tuple[str, ...]) -> Markup:
    """HTML-escape the sentence and wrap each matched term in <mark>."""
    if not sentence:
        return Markup("")
    pattern = _terms_pattern(terms)
    out, last = [], 0
    for m in pattern.finditer(sentence) if pattern else ():
        out.append(html.escape(sentence[last:m.start()]))
        out.append(f"<mark>{html.escape(m.group())}</mark>")
        last = m.end()
    out.append(html.escape(sentence[last:]))
    return Markup("".join(out))


def _md_highlight(sentence: str, terms: tuple[str, ...]) -> str:
    pattern = _terms_pattern(terms)
    sentence = _plain(sentence)   # once for the whole sentence: pieces keep their spaces
    if not sentence:
        return ""
    out, last = [], 0
    for m in pattern.finditer(sentence) if pattern else ():
        out.append(_MD_SPECIAL.sub(r"\\\1", sentence[last:m.start()]))
        out.append(f"**{_md(m.group())}**")
        last = m.end()
    out.append(_MD_SPECIAL.sub(r"\\\1", sentence[last:]))
    return "".join(out)


def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    if not terms:
        return None
    ordered = sorted(set(terms), key=len, reverse=True)
    # Whole words only: "talks" is not marked inside "stalks".
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in ordered) + r")(?!\w)",
                      re.IGNORECASE)


def _md(text: str) -> str:
    return _MENTION.sub("@\u200d", _MD_SPECIAL.sub(r"\\\1", _plain(text)))


def _plain(text: str) -> str:
    """One line, no control characters, mentions defused."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return _MENTION.sub("@\u200d", " ".join(text.split()))


def _defang_view(alert: AlertView, sentence: str) -> AlertView:
    return AlertView(**{**alert.__dict__, "title": _plain(alert.title),
                        "source_name": _plain(alert.source_name), "sentence": _plain(sentence),
                        "rule_name": _plain(alert.rule_name),
                        "other_sources": tuple(_plain(s) for s in alert.other_sources)})


def _safe_url(url: str) -> str:
    """Only web links: a hostile page's canonical URL could be `javascript:...`."""
    return url if url.lower().startswith(("http://", "https://")) else "about:blank"


def _shorten(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= _MAX_SENTENCE else sentence[:_MAX_SENTENCE - 1] + "…"
