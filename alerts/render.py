"""Alert rendering per channel format. All article text is untrusted and escaped here.

Each format has a built-in Jinja2 template in rules/templates; a rule may name its own file
instead (`template=`). Templates get the same variables in every format, each already made
safe for that format (see the header comment of any built-in template).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from alerts import render_slack
from alerts.escaping import (
    MAX_NAME,
    MAX_SENTENCE,
    MAX_TITLE,
    html_highlight,
    md,
    md_highlight,
    md_url,
    mrkdwn,
    mrkdwn_highlight,
    plain,
    safe_url,
    slack_escape,
    slack_link,
    slack_url,
)
from core.records import AlertView, EventDate, short_alert_id
from rules.models import SEVERITY_ORDER

FORMATS = ("email", "slack", "markdown", "text")
_BUILTIN = {"email": "email.html.j2", "slack": "alert.slack.j2", "markdown": "alert.md.j2",
            "text": "alert.txt.j2"}
_OPTIONS: dict[str, Any] = {"trim_blocks": True, "lstrip_blocks": True,
                            "undefined": jinja2.StrictUndefined}
MAX_NOTICE_LINE = 1000
_CODE_SPAN = re.compile(r"`([^`]+)`")
_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("alerts", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
    **_OPTIONS)


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    body_format: str   # "html", "markdown" or "text" (Apprise's NotifyFormat values)
    # For Slack: the Block Kit attachment ({"color", "fallback", "blocks"}) that alerts.notify
    # hands to Apprise's Slack plugin; `body` is the markdown used by any other service.
    slack: dict[str, Any] | None = field(default=None, hash=False)


class TemplateError(ValueError):
    """A user's template could not be read, compiled or rendered, or made invalid output."""


@dataclass(frozen=True)
class OpsNotice:
    """A message for the ops channels (sources failing, config problems): newswatch's own
    words around `lines` that may come from anywhere (config files, remote servers), which
    `render_notice` cleans and escapes for the channel's format like any article text."""

    subject: str                 # after "[newswatch] "
    lines: Sequence[str]
    intro: str = ""              # fixed text; `code` spans allowed
    footer: str = ""             # fixed text; `code` spans allowed


def render(alert: AlertView, fmt: str, timezone: str = "UTC", *,
           template: Path | None = None) -> Rendered:
    """One alert for a channel of format `fmt`, times shown in `timezone`. `template` is a
    rule's own Jinja2 file for the body, used instead of the built-in one."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown channel format {fmt!r}; one of {', '.join(FORMATS)}")
    subject = plain(f"[newswatch] {alert.rule_name}: {plain(alert.title, MAX_TITLE)}")
    body = _render_template(fmt, template, template_variables(alert, fmt, timezone))
    if fmt == "email":
        return Rendered(subject, body, "html")
    if fmt != "slack":
        return Rendered(subject, body.strip(), fmt)
    try:
        blocks = render_slack.parse_blocks(body)
    except render_slack.BlocksError as exc:
        raise TemplateError(f"{template or _BUILTIN[fmt]}: {exc}") from exc
    summary = plain(f"{alert.severity.upper()} · {alert.rule_name}: "
                    f"{plain(alert.title, MAX_TITLE)}")
    fallback = _render_template("markdown", None, template_variables(alert, "markdown",
                                                                     timezone)).strip()
    return Rendered(subject, fallback, "markdown", slack=render_slack.attachment(
        blocks, alert.severity, slack_escape(summary)))


def render_digest(alerts: list[AlertView], fmt: str, timezone: str = "UTC", *,
                  heading: str = "newswatch digest", max_items: int = 50) -> list[Rendered]:
    """Several alerts as one message (or a few, where a service limits message size): grouped
    by rule, most severe rule first, at most `max_items` stories with a count of the rest."""
    ordered = sorted(alerts, key=lambda a: (-SEVERITY_ORDER.get(a.severity, 0), a.rule_name,
                                            a.published_at is None, a.title))
    shown, hidden = ordered[:max_items], len(ordered) - min(len(ordered), max_items)
    count = f"{len(alerts)} {'story' if len(alerts) == 1 else 'stories'}"
    subject = plain(f"[newswatch] {heading}: {count}")
    more = f"… and {hidden} more; see v_alerts in the warehouse." if hidden else None
    if fmt == "slack":
        return _slack_digest(shown, timezone, plain(f"{heading}: {count}"), subject, more)
    body_format = {"email": "html", "markdown": "markdown"}.get(fmt, "text")
    return [Rendered(subject, _digest_body(shown, fmt, timezone, more), body_format)]


def render_notice(notice: OpsNotice, fmt: str) -> Rendered:
    """An ops notice for a channel of format `fmt`: one item per line, escaped for it like
    article text. For Slack it is Block Kit, posted as built: a markdown body would go through
    Apprise's CommonMark conversion, which mrkdwn-escaped text does not survive."""
    title = plain(f"[newswatch] {notice.subject}", MAX_NAME)
    lines = [plain(line, MAX_NOTICE_LINE) for line in notice.lines]
    if fmt == "email":
        intro, footer = (f"<p>{_code_html(text)}</p>" if text else ""
                         for text in (notice.intro, notice.footer))
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        return Rendered(title, f"{intro}<ul>{items}</ul>{footer}", "html")
    if fmt not in ("slack", "markdown"):
        return Rendered(title, _notice_body(notice, [f"- {line}" for line in lines]), "text")
    markdown = _notice_body(notice, [f"- {md(line)}" for line in lines])
    if fmt == "markdown":
        return Rendered(title, markdown, "markdown")
    return Rendered(title, markdown, "markdown", slack=render_slack.notice(
        title, notice.intro, [mrkdwn(line) for line in lines], notice.footer))


def _notice_body(notice: OpsNotice, items: list[str]) -> str:
    return "\n\n".join(part for part in (notice.intro, "\n".join(items), notice.footer)
                       if part)


def _code_html(text: str) -> str:
    """Fixed text for HTML, its `code` spans as <code>."""
    return _CODE_SPAN.sub(r"<code>\1</code>", html.escape(text))


def template_variables(alert: AlertView, fmt: str, timezone: str) -> dict[str, Any]:
    """What a template of format `fmt` gets; every piece of article text is escaped for it."""
    title = plain(alert.title, MAX_TITLE)
    sentence = plain(alert.sentence or "", MAX_SENTENCE)
    url = safe_url(alert.url)
    common = {"published": _local_time(alert.published_at, timezone),
              "event_date": _event_date(alert, timezone), "severity": alert.severity,
              "rule_id": alert.rule_id, "alert_id": alert.alert_id, "timezone": timezone,
              **_rating_variables(alert.alert_id)}
    names = {"source": plain(alert.source_name, MAX_NAME),
             "rule_name": plain(alert.rule_name, MAX_NAME),
             "others": [plain(s, MAX_NAME) for s in alert.other_sources],
             "terms": [plain(t, MAX_NAME) for t in alert.terms]}
    if fmt == "email":   # an autoescaping template: plain strings, markup only where built
        return {**common, **names, "title": title, "url": url, "sentence": html_highlight(
            sentence, alert.terms), "title_link": Markup('<a href="{}">{}</a>').format(
            url, title)}
    if fmt == "markdown":
        escaped = _escape_names(names, md)
        return {**common, **escaped, "title": md(title), "url": md_url(url),
                "sentence": md_highlight(sentence, alert.terms),
                "title_link": f"[{md(title)}]({md_url(url)})"}
    if fmt == "slack":
        escaped = _escape_names(names, mrkdwn)
        return {**common, **escaped, "title": mrkdwn(title), "url": slack_url(url),
                "sentence": mrkdwn_highlight(sentence, alert.terms),
                "title_link": slack_link(url, mrkdwn(title))}
    return {**common, **names, "title": title, "url": url, "sentence": sentence,
            "title_link": title}


def _rating_variables(alert_id: str) -> dict[str, str]:
    """The short id an alert shows and the command that rates it (ids are hex: nothing to
    escape in any format)."""
    ref = short_alert_id(alert_id)
    return {"alert_ref": ref, "rate_command": f"newswatch feedback {ref} relevant|irrelevant"}


def check_template(path: Path, fmt: str) -> None:
    """Raise TemplateError if `path` cannot render an alert for `fmt` (for config checks)."""
    sample = AlertView(alert_id="sample", rule_id="rule", rule_name="Rule", severity="high",
                       title="Headline", url="https://example.org/a", source_name="Source",
                       published_at=datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")),
                       sentence="A sentence with a term.", terms=("term",),
                       other_sources=("Other source",))
    render(sample, fmt, template=path)


def _render_template(fmt: str, path: Path | None, variables: dict[str, Any]) -> str:
    if path is None:
        return _ENV.get_template(_BUILTIN[fmt]).render(**variables)
    try:
        # Email is HTML whatever the file is called; other formats only for .html files.
        autoescape = fmt == "email" or bool({".html", ".htm"} & set(path.suffixes))
        stat = path.stat()
        return _user_template(path.resolve(), autoescape, stat.st_mtime_ns, stat.st_size
                              ).render(**variables)
    except OSError as exc:
        raise TemplateError(f"{path}: cannot read the template: {exc.strerror}") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{path}:{exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{path}: {exc}") from exc


@lru_cache(maxsize=64)
def _user_template(path: Path, autoescape: bool, mtime_ns: int, size: int) -> jinja2.Template:
    # Sandboxed: a template is configuration, and should not reach Python internals through
    # the objects it is given. Modification time and size are in the key so an edited file is
    # read again.
    env = ImmutableSandboxedEnvironment(loader=jinja2.FileSystemLoader(path.parent),
                                        autoescape=autoescape, **_OPTIONS)
    return env.get_template(path.name)


def _escape_names(names: dict[str, Any], escape: Any) -> dict[str, Any]:
    return {k: [escape(v) for v in value] if isinstance(value, list) else escape(value)
            for k, value in names.items()}


def _digest_body(alerts: list[AlertView], fmt: str, timezone: str, more: str | None) -> str:
    parts: list[str] = []
    current_rule: str | None = None
    for alert in alerts:
        if alert.rule_id != current_rule:
            current_rule = alert.rule_id
            title = plain(f"{alert.rule_name} ({alert.severity})", MAX_NAME)
            parts.append(f"<h3>{html.escape(title)}</h3>" if fmt == "email"
                         else f"## {md(title)}" if fmt == "markdown" else f"== {title} ==")
        parts.append(render(alert, "markdown" if fmt == "slack" else fmt, timezone).body)
    if more:
        parts.append(f"<p>{html.escape(more)}</p>" if fmt == "email" else more)
    return ("\n" if fmt == "email" else "\n\n").join(parts)


def _slack_digest(alerts: list[AlertView], timezone: str, heading: str, subject: str,
                  more: str | None) -> list[Rendered]:
    items = []
    for alert in alerts:
        slack = render(alert, "slack", timezone).slack
        assert slack is not None
        name = mrkdwn(plain(alert.rule_name, MAX_NAME))
        items.append(render_slack.DigestItem(alert.rule_id, f"*{name}* · {alert.severity.upper()}",
                                             alert.severity, slack["blocks"]))
    messages = render_slack.digest(heading, items, more)
    out, start = [], 0
    for number, (message, held) in enumerate(messages, start=1):
        label = f" ({number}/{len(messages)})" if len(messages) > 1 else ""
        tail = more if number == len(messages) else None
        # The markdown any other service would get: the same stories as the blocks.
        body = _digest_body(alerts[start:start + held], "markdown", timezone, tail) or heading
        out.append(Rendered(subject + label, body, "markdown", slack=message))
        start += held
    return out


def _local_time(moment: datetime | None, timezone: str) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d %b %Y %H:%M %Z")


def _event_date(alert: AlertView, timezone: str) -> str | None:
    """The date the story is about (resolved from "next Tuesday" and the like), if the alert
    carries one: an `EventDate` (its first day, or "first – last" for a span such as a week),
    or a plain date or datetime (shown in the channel's zone). Only dates are shown, never
    the article's words, so nothing here needs escaping."""
    value = getattr(alert, "event_date", None)
    if isinstance(value, EventDate):
        if value.start is None:
            return None
        if value.end is not None and value.end != value.start:
            return f"{_day(value.start)} – {_day(value.end)}"
        return _day(value.start)
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(timezone)).date()
    return _day(value) if isinstance(value, date) else None


def _day(value: date) -> str:
    return value.strftime("%a %d %b %Y")
