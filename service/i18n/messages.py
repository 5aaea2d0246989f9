"""Customer-facing texts and e-mails, built in the customer's language and time zone."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from gettext import NullTranslations

from babel.lists import format_list
from jinja2 import Environment
from markupsafe import Markup, escape

from service.i18n.catalogs import translations
from service.i18n.formatting import format_due
from service.i18n.negotiation import catalog_name, language_tag, text_direction

TIMELINE_KINDS: tuple[str, ...] = (
    "received",
    "routed",
    "reply",
    "customer_reply",
    "status_changed",
    "handed_off",
    "resolved",
    "attachment_added",
    "attachment_removed",
)
ERROR_CODES: tuple[str, ...] = (
    "text_required",
    "text_too_long",
    "invalid_email",
    "invalid_timezone",
    "invalid_locale",
    "body_too_large",
    "not_found",
    "rate_limited",
    "file_empty",
    "file_too_large",
    "too_many_files",
    "case_files_too_large",
    "file_type_refused",
    "file_name_contradicts",
    "file_unreadable",
    "file_infected",
)


def _catalog(locale: str) -> NullTranslations:
    """The locale's translations, typed by the stdlib interface (babel's pgettext is untyped)."""
    return translations(locale)


@dataclass(frozen=True)
class Email:
    """A rendered customer e-mail; ``lang`` is a BCP 47 tag, ``direction`` ltr or rtl."""

    subject: str
    text: str
    html: str
    lang: str
    direction: str


def _acknowledgement_template(t: NullTranslations, *, waiting: bool, has_team: bool) -> str:
    if not has_team:
        # NOTE: Sent when no team could be named yet. %(reference)s is a case reference such as
        # MRD-7K3F92; %(due)s is a full date and time with its time zone, e.g. "Sunday,
        # November 1, 2026, 1:30 AM Eastern Standard Time".
        return t.gettext(
            "We have received your complaint. Your reference is %(reference)s. None of our teams"
            " is on duty right now; the next team to come on duty will reply to you by %(due)s."
        )
    if waiting:
        # NOTE: Sent when the case waits for a team that is not on duty yet. %(reference)s is a
        # case reference such as MRD-7K3F92; %(team)s is the team's proper name, usually a city
        # such as "Shanghai", shown as configured: prefer wording that need not inflect it.
        # %(due)s is a full date and time with its time zone, e.g. "Sunday, November 1, 2026,
        # 1:30 AM Eastern Standard Time".
        return t.gettext(
            "We have received your complaint. Your reference is %(reference)s. Our %(team)s"
            " team will take up your case when it comes on duty and reply to you by %(due)s."
        )
    # NOTE: %(reference)s is a case reference such as MRD-7K3F92; %(team)s is the team's proper
    # name, usually a city such as "Shanghai", shown as configured: prefer wording that need not
    # inflect it. %(due)s is a full date and time with its time zone, e.g. "Sunday, November 1,
    # 2026, 1:30 AM Eastern Standard Time".
    return t.gettext(
        "We have received your complaint. Your reference is %(reference)s. Our %(team)s team"
        " will reply to you by %(due)s."
    )


def _acknowledgement_values(
    locale: str, *, reference: str, team_name: str, due: datetime, timezone: str | None
) -> dict[str, str]:
    return {"reference": reference, "team": team_name, "due": format_due(due, timezone, locale)}


def acknowledgement(
    locale: str,
    *,
    reference: str,
    team_name: str,
    due: datetime,
    timezone: str | None,
    waiting: bool = False,
) -> str:
    """Confirmation of a new complaint: reference, team (blank when none yet) and reply time.

    ``waiting`` words it for a case that waits until its team comes on duty.
    """
    template = _acknowledgement_template(
        _catalog(locale), waiting=waiting, has_team=bool(team_name.strip())
    )
    return template % _acknowledgement_values(
        locale, reference=reference, team_name=team_name, due=due, timezone=timezone
    )


def severity_label(locale: str, severity: str) -> str:
    """A case's severity as the team sees it."""
    t = _catalog(locale)
    labels = {
        # NOTE: Severity of a complaint: harm, legal risk or many customers affected.
        "serious": t.pgettext("severity", "Serious"),
        "moderate": t.pgettext("severity", "Moderate"),
        "general": t.pgettext("severity", "General"),
    }
    return labels.get(severity, severity)


def tier_label(locale: str, tier: str) -> str:
    """A customer's service tier as the team sees it."""
    t = _catalog(locale)
    labels = {
        # NOTE: Service tiers of customers, from the usual one to the most valued.
        "standard": t.pgettext("tier", "Standard"),
        "silver": t.pgettext("tier", "Silver"),
        "gold": t.pgettext("tier", "Gold"),
        "diamond": t.pgettext("tier", "Diamond"),
    }
    return labels.get(tier, tier)


def activity_label(locale: str, kind: str) -> str:
    """An audit event of a case as the team reads it in the case's history."""
    t = _catalog(locale)
    labels = {
        # NOTE: Entries of a case's history as agents see it; each names one thing that happened.
        "received": t.pgettext("activity", "Complaint received"),
        "detected": t.pgettext("activity", "Language detected"),
        "classified": t.pgettext("activity", "Category and severity set"),
        "routed": t.pgettext("activity", "Routed to a team"),
        "offered": t.pgettext("activity", "Offered to an agent"),
        "claimed": t.pgettext("activity", "Claimed"),
        "released": t.pgettext("activity", "Unclaimed"),
        "assigned": t.pgettext("activity", "Handed to a colleague"),
        "reply": t.pgettext("activity", "Reply sent to the customer"),
        "customer_reply": t.pgettext("activity", "The customer wrote"),
        "status_changed": t.pgettext("activity", "Status changed"),
        "resolved": t.pgettext("activity", "Resolved"),
        "reopened": t.pgettext("activity", "Reopened"),
        "transferred": t.pgettext("activity", "Transferred to another team"),
        "handed_off": t.pgettext("activity", "Handed over at a shift change"),
        "coverage_gap": t.pgettext("activity", "No team on duty could take it"),
        "language_overridden": t.pgettext("activity", "Language corrected"),
        "sla_warning": t.pgettext("activity", "SLA deadline near"),
        "sla_breached": t.pgettext("activity", "SLA deadline missed: escalated"),
        "survey": t.pgettext("activity", "Survey answered"),
        "note": t.pgettext("activity", "Internal note"),
        "links_revoked": t.pgettext("activity", "The customer's links revoked"),
        "attachment_added": t.pgettext("activity", "File added"),
        # NOTE: A staff member took one file off the case.
        "attachment_removed": t.pgettext("activity", "File removed"),
        # NOTE: Files of an e-mail that were not kept (a type not taken, too large…).
        "attachments_refused": t.pgettext("activity", "Files of the e-mail refused"),
        "erased": t.pgettext("activity", "The customer's personal data erased"),
    }
    return labels.get(kind, kind)


def channel_label(locale: str, channel: str) -> str:
    """How a complaint came in, as the team reads it."""
    t = _catalog(locale)
    labels = {
        # NOTE: Channels a complaint comes in by, shown on the team's case page.
        "web": t.pgettext("channel", "Web form"),
        "api": t.pgettext("channel", "API"),
        "email": t.pgettext("channel", "E-mail"),
        "phone": t.pgettext("channel", "Phone call"),
        "chat": t.pgettext("channel", "Chat"),
        "social": t.pgettext("channel", "Social media"),
    }
    return labels.get(channel, channel)


def status_label(locale: str, status: str) -> str:
    """A case status as the customer sees it."""
    t = _catalog(locale)
    labels = {
        # NOTE: Status of a complaint that has been recorded but not yet assigned.
        "received": t.pgettext("case status", "Received"),
        # NOTE: Status: a support team has been chosen for the complaint.
        "routed": t.pgettext("case status", "Assigned to a team"),
        "in_progress": t.pgettext("case status", "In progress"),
        # NOTE: Status: the team asked the customer a question and waits for the answer.
        "waiting_on_customer": t.pgettext("case status", "Waiting for your reply"),
        "resolved": t.pgettext("case status", "Resolved"),
        # NOTE: Status: the case is finished and cannot receive further replies.
        "closed": t.pgettext("case status", "Closed"),
    }
    try:
        return labels[status]
    except KeyError:
        raise ValueError(f"unknown case status {status!r}") from None


def _reply_frame_template(t: NullTranslations) -> str:
    # NOTE: Heading above a team's answer. %(team)s is the team's name, usually a city.
    return t.gettext("Reply from our %(team)s team")


def _resolution_template(t: NullTranslations) -> str:
    return t.gettext("Your complaint %(reference)s has been resolved. Thank you for your patience.")


def _feedback_template(t: NullTranslations) -> str:
    # NOTE: %(survey_url)s is a web address; keep it at the end of the sentence, after a colon or
    # a space, so that e-mail programs can turn it into a link.
    return t.gettext(
        "How did we do? Please tell us about your experience with complaint %(reference)s:"
        " %(survey_url)s"
    )


def survey_question(locale: str) -> str:
    """The satisfaction question, answered on a scale of 1 to 5."""
    # NOTE: Answered by choosing a number; keep the digits 1 and 5.
    return _catalog(locale).gettext(
        "How satisfied are you with the way we handled your complaint? Please rate us from 1"
        " (very dissatisfied) to 5 (very satisfied)."
    )


def survey_thanks(locale: str) -> str:
    """Thanks after a survey answer."""
    return _catalog(locale).gettext("Thank you for your feedback. It helps us improve our service.")


def timeline_event(locale: str, kind: str, **params: str) -> str:
    """A customer-visible timeline entry; ``team`` or ``status`` (a status code) as needed."""
    t = _catalog(locale)
    try:
        match kind:
            case "received":
                # NOTE: Timeline entry, the first event of every complaint.
                return t.pgettext("timeline", "Complaint received")
            case "routed":
                # NOTE: Timeline entry. %(team)s is the team's name, usually a city.
                template = t.pgettext("timeline", "Assigned to our %(team)s team")
                return template % {"team": params["team"]}
            case "reply":
                return _reply_frame_template(t) % {"team": params["team"]}
            case "customer_reply":
                # NOTE: Timeline entry above the text of an e-mail the customer sent in answer
                # about their complaint; "You" is the customer reading their case.
                return t.pgettext("timeline", "You replied")
            case "status_changed":
                # NOTE: Timeline entry. %(status)s is a translated status label, e.g. "Resolved".
                template = t.pgettext("timeline", "Status changed to: %(status)s")
                return template % {"status": status_label(locale, params["status"])}
            case "handed_off":
                # NOTE: Timeline entry: another team took the case over at a shift change.
                template = t.pgettext("timeline", "Handed over to our %(team)s team")
                return template % {"team": params["team"]}
            case "resolved":
                return t.pgettext("timeline", "Complaint resolved")
            case "attachment_added":
                # NOTE: Timeline entry. %(name)s is a file name, e.g. "photo.jpg".
                template = t.pgettext("timeline", "File added: %(name)s")
                return template % {"name": params["name"]}
            case "attachment_removed":
                # NOTE: Timeline entry: the team took a file off the case. %(name)s is its name.
                template = t.pgettext("timeline", "File removed: %(name)s")
                return template % {"name": params["name"]}
            case _:
                raise ValueError(f"unknown timeline event {kind!r}")
    except KeyError as missing:
        raise ValueError(f"timeline event {kind!r} needs parameter {missing}") from None


def error_text(locale: str, code: str) -> str:
    """A validation or request error as shown to the customer."""
    t = _catalog(locale)
    texts = {
        "text_required": t.gettext("Please describe your complaint."),
        "text_too_long": t.gettext("Your message is too long. Please shorten it and try again."),
        "invalid_email": t.gettext("Please enter a valid e-mail address."),
        "invalid_timezone": t.gettext("Please choose a valid time zone."),
        "invalid_locale": t.gettext("Please choose one of the languages offered."),
        # NOTE: The whole submission (text and any attachments) exceeded the size limit.
        "body_too_large": t.gettext("What you sent is too large. Please shorten it and try again."),
        "not_found": t.gettext(
            "We could not find this page or case. Please check the link or your reference."
        ),
        "rate_limited": t.gettext(
            "You have sent too many requests. Please wait a moment and try again."
        ),
        "file_empty": t.gettext("One of the files is empty. Please choose it again."),
        "file_too_large": t.gettext("One of the files is too large. Please send a smaller one."),
        "too_many_files": t.gettext("Too many files. Please send fewer."),
        "case_files_too_large": t.gettext(
            "These files together are too large for one case. Please send fewer or smaller ones."
        ),
        "file_type_refused": t.gettext(
            "We cannot take this kind of file. Please send images, PDF documents, audio, video "
            "or plain text."
        ),
        "file_name_contradicts": t.gettext(
            "A file's content does not match its name. Please check the file and send it again."
        ),
        "file_unreadable": t.gettext("An image could not be read. Please send it again."),
        # NOTE: The malware scan flagged one of the customer's files.
        "file_infected": t.gettext(
            "A file was refused because it may contain a virus. Please check it and send a "
            "clean copy."
        ),
    }
    try:
        return texts[code]
    except KeyError:
        raise ValueError(f"unknown error code {code!r}") from None


_EMAIL_TEMPLATE = Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="{{ lang }}" dir="{{ direction }}">
<head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body>
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}<p>{{ sign_off }}<br>{{ signature }}</p>
</body>
</html>
"""
)


def _link(url: str) -> Markup:
    """An escaped link; anything but http(s) stays plain text."""
    if url.startswith(("https://", "http://")):
        return Markup('<a href="{0}" dir="ltr">{0}</a>').format(url)
    return Markup("<bdi>{}</bdi>").format(url)


def _fill_html(template: str, values: Mapping[str, str], *, links: Collection[str] = ()) -> Markup:
    """Fill a translated template for HTML: escaped, values isolated for bidi, URLs linked."""
    filled = {
        name: _link(value) if name in links else Markup("<bdi>{}</bdi>").format(value)
        for name, value in values.items()
    }
    return escape(template) % filled


def _multiline_html(text: str) -> list[Markup]:
    """Paragraphs of free text: blank lines separate paragraphs, newlines become <br>."""
    paragraphs = [block for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    return [Markup("<br>").join(escape(line) for line in block.split("\n")) for block in paragraphs]


def _follow_template(t: NullTranslations) -> str:
    # NOTE: %(status_url)s is a web address; keep it at the end of the sentence.
    return t.gettext("You can follow your case at %(status_url)s")


def _email(
    locale: str,
    t: NullTranslations,
    *,
    subject: str,
    text_paragraphs: list[str],
    html_paragraphs: list[Markup],
) -> Email:
    # NOTE: Salutation at the top of an e-mail to a customer whose name and gender are unknown.
    greeting = t.gettext("Dear customer,")
    # NOTE: Closing line of an e-mail, followed by the signature on the next line.
    sign_off = t.gettext("Kind regards,")
    signature = t.pgettext("e-mail signature", "Customer Care")
    text = "\n\n".join([greeting, *text_paragraphs, f"{sign_off}\n{signature}"]) + "\n"
    lang, direction = language_tag(locale), text_direction(locale)
    html = _EMAIL_TEMPLATE.render(
        lang=lang,
        direction=direction,
        subject=subject,
        paragraphs=[escape(greeting), *html_paragraphs],
        sign_off=sign_off,
        signature=signature,
    )
    return Email(subject=subject, text=text, html=html, lang=lang, direction=direction)


def acknowledgement_email(
    locale: str,
    *,
    reference: str,
    team_name: str,
    due: datetime,
    timezone: str | None,
    status_url: str,
    waiting: bool = False,
    files: Sequence[str] = (),
) -> Email:
    """E-mail confirming a new complaint (and naming the files that came with it)."""
    t = _catalog(locale)
    # NOTE: E-mail subject. %(reference)s is a case reference such as MRD-7K3F92.
    subject = t.gettext("Your complaint %(reference)s has been received") % {"reference": reference}
    acknowledgement_template = _acknowledgement_template(
        t, waiting=waiting, has_team=bool(team_name.strip())
    )
    values = _acknowledgement_values(
        locale, reference=reference, team_name=team_name, due=due, timezone=timezone
    )
    text_paragraphs = [acknowledgement_template % values]
    html_paragraphs = [_fill_html(acknowledgement_template, values)]
    if files:
        # NOTE: In the acknowledgement e-mail. %(files)s is a list of file names, e.g.
        # "photo.jpg, invoice.pdf and scan.png"; %(count)s is how many there are.
        files_template = t.ngettext(
            "We received %(count)s file from you: %(files)s",
            "We received %(count)s files from you: %(files)s",
            len(files),
        )
        _add_files_paragraph(locale, files_template, files, text_paragraphs, html_paragraphs)
    return _email_with_status_link(
        locale, t, subject, text_paragraphs, html_paragraphs, status_url=status_url
    )


def reply_email(
    locale: str,
    *,
    reference: str,
    team_name: str,
    body: str,
    status_url: str,
    files: Sequence[str] = (),
) -> Email:
    """E-mail carrying a team's reply; ``body`` is the team's text, kept as written, and
    ``files`` the names of the files that came with it (on the status page)."""
    t = _catalog(locale)
    # NOTE: E-mail subject. %(reference)s is a case reference such as MRD-7K3F92.
    subject = t.gettext("Reply to your complaint %(reference)s") % {"reference": reference}
    frame_template = _reply_frame_template(t)
    text_paragraphs = [frame_template % {"team": team_name}, body.strip()]
    html_paragraphs = [
        Markup("<strong>{}</strong>").format(_fill_html(frame_template, {"team": team_name})),
        *_multiline_html(body),
    ]
    if files:
        # NOTE: In the e-mail carrying a team's reply. %(files)s is a list of file names, e.g.
        # "label.pdf and invoice.pdf"; %(count)s is how many there are. The files are not in
        # the e-mail: the customer opens them on their case's page (linked just after).
        files_template = t.ngettext(
            "%(count)s file came with this reply: %(files)s. You can open it on your case's page.",
            "%(count)s files came with this reply: %(files)s. You can open them on your case's"
            " page.",
            len(files),
        )
        _add_files_paragraph(locale, files_template, files, text_paragraphs, html_paragraphs)
    return _email_with_status_link(
        locale, t, subject, text_paragraphs, html_paragraphs, status_url=status_url
    )


def _email_with_status_link(
    locale: str,
    t: NullTranslations,
    subject: str,
    text_paragraphs: list[str],
    html_paragraphs: list[Markup],
    *,
    status_url: str,
) -> Email:
    """The e-mail, its last paragraph saying where the customer follows their case."""
    follow_template = _follow_template(t)
    return _email(
        locale,
        t,
        subject=subject,
        text_paragraphs=[*text_paragraphs, follow_template % {"status_url": status_url}],
        html_paragraphs=[
            *html_paragraphs,
            _fill_html(follow_template, {"status_url": status_url}, links={"status_url"}),
        ],
    )


def _add_files_paragraph(
    locale: str,
    template: str,
    files: Sequence[str],
    text_paragraphs: list[str],
    html_paragraphs: list[Markup],
) -> None:
    """The paragraph naming an e-mail's files (as a list in the locale's own words)."""
    named = {
        "files": format_list(list(files), locale=catalog_name(locale)),
        "count": str(len(files)),
    }
    text_paragraphs.append(template % named)
    html_paragraphs.append(_fill_html(template, named))


def resolution_email(
    locale: str, *, reference: str, survey_url: str, summary: str | None = None
) -> Email:
    """E-mail telling the customer their complaint is resolved, with the team's resolution
    summary (kept as written) and the survey link."""
    t = _catalog(locale)
    # NOTE: E-mail subject. %(reference)s is a case reference such as MRD-7K3F92.
    subject = t.gettext("Your complaint %(reference)s has been resolved") % {"reference": reference}
    resolution_template = _resolution_template(t)
    feedback_template = _feedback_template(t)
    feedback_values = {"reference": reference, "survey_url": survey_url}
    return _email(
        locale,
        t,
        subject=subject,
        text_paragraphs=[
            resolution_template % {"reference": reference},
            *([summary.strip()] if summary and summary.strip() else []),
            feedback_template % feedback_values,
        ],
        html_paragraphs=[
            _fill_html(resolution_template, {"reference": reference}),
            *(_multiline_html(summary) if summary and summary.strip() else []),
            _fill_html(feedback_template, feedback_values, links={"survey_url"}),
        ],
    )
