"""Customer pages: the complaint form and the case status page, localized, usable without JS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from gettext import NullTranslations
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from litestar import Controller, Request, get, post
from litestar.datastructures import ResponseHeader
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_303_SEE_OTHER,
    HTTP_404_NOT_FOUND,
    HTTP_422_UNPROCESSABLE_ENTITY,
)
from sqlalchemy.ext.asyncio import AsyncSession

from routing.lifecycle import OPEN_STATUSES
from routing.model import CATEGORIES, Category
from service.attachments.files import (
    FILE_REFUSALS,
    FILES_PER_CASE,
    Limits,
    add_rows,
    adding,
    problem_code,
    stored_first,
)
from service.attachments.kinds import EXTENSION_OF
from service.cases.access import case_for_customer
from service.cases.casework import customer_view
from service.cases.customer_messages import add_customer_message
from service.cases.intake import file_case
from service.cases.privacy import erase_case
from service.cases.schemas import Contact, IntakeRequest
from service.cases.survey import (
    MAX_COMMENT_CHARS,
    MAX_SCORE,
    MIN_SCORE,
    SurveyAnswer,
    accepts_survey,
    answer_survey,
)
from service.common.errors import Conflict, DomainError, InvalidInput, NotFound
from service.common.validation import MAX_TEXT_CHARS, check_text
from service.db.models import Case
from service.http.dependencies import (
    AppSettings,
    AttachmentStorage,
    DbSession,
    Now,
    NudgeOutbox,
    SessionFactory,
)
from service.http.params import AcceptLanguage, LangQuery, TokenQuery
from service.http.uploads import FILES_FIELD, UPLOAD_MAX_BODY_BYTES, checked, form_with_files
from service.i18n import messages
from service.i18n.catalogs import translations
from service.i18n.formatting import format_due, format_moment, format_size
from service.i18n.negotiation import SUPPORTED, language_tag, negotiate, text_direction
from service.settings import Settings
from service.web import TRANSLATIONS_KEY

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# A form body carries the text percent-encoded: up to 12 bytes per character of UTF-8.
FORM_MAX_BODY_BYTES = MAX_TEXT_CHARS * 12 + 16 * 1024 + UPLOAD_MAX_BODY_BYTES
# Territory codes of CLDR that are not countries a customer lives in.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
# Intake field name -> id of the form control showing its error (None: no visible control).
_CONTROL_OF_FIELD: Mapping[str, str | None] = {
    "text": "text",
    "contact.email": "email",
    "contact.name": "name",
    "contact.phone": "phone",
    "country": "country",
    "timezone": None,
    "locale": None,
}


@dataclass
class ComplaintForm:
    """The complaint form as posted; every field may be missing or empty."""

    text: str = ""
    email: str = ""
    name: str = ""
    phone: str = ""
    country: str = ""
    category: str = ""
    timezone: str = ""
    lang: str = ""


@dataclass
class SurveyForm:
    """The satisfaction survey as posted from the status page; fields may be missing or empty."""

    score: str = ""
    comment: str = ""
    lang: str = ""


@dataclass
class EraseForm:
    """The status page's erasure form: `confirm` is "yes" once the customer ticked the box."""

    confirm: str = ""
    lang: str = ""


@dataclass
class MessageForm:
    """A message the customer writes to the team from the status page."""

    text: str = ""
    lang: str = ""


SURVEY_SCORES = tuple(str(score) for score in range(MIN_SCORE, MAX_SCORE + 1))


@dataclass(frozen=True)
class Choice:
    """An option of a select or a language switcher entry."""

    value: str
    label: str
    lang: str = ""


@dataclass(frozen=True)
class FieldError:
    """A localized error and the id of the control it belongs to (None: not shown on the form)."""

    control: str | None
    text: str


def page_locale(lang: str | None, otherwise: str | None) -> str:
    """The catalog for ?lang= if one serves it, else for `otherwise` (Accept-Language, a locale)."""
    return negotiate(language=None, declared=lang or None, accept_language=otherwise).locale


@cache
def language_choices() -> tuple[Choice, ...]:
    """Every catalog, named in its own language."""
    choices = []
    for catalog in SUPPORTED:
        name = Locale.parse(catalog).display_name or catalog
        choices.append(Choice(catalog, name[:1].upper() + name[1:], language_tag(catalog)))
    return tuple(choices)


@cache
def country_choices(locale: str) -> tuple[Choice, ...]:
    """Countries and territories named in the page language, in alphabetical order."""
    names = Locale.parse(locale).territories
    countries = [
        Choice(code, name)
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    return tuple(sorted(countries, key=lambda choice: choice.label.casefold()))


def category_choices(t: NullTranslations) -> tuple[Choice, ...]:
    """The complaint categories with their localized labels."""
    labels: dict[Category, str] = {
        # NOTE: Complaint topic, chosen by the customer on the complaint form.
        "product-function": t.pgettext("complaint topic", "A product or feature does not work"),
        "performance": t.pgettext("complaint topic", "Slowness or outages"),
        "usability": t.pgettext("complaint topic", "Hard to use or understand"),
        # NOTE: Complaint topic: how the customer was treated by staff.
        "service": t.pgettext("complaint topic", "Customer service"),
        "account": t.pgettext("complaint topic", "Account and sign-in"),
        "privacy-security": t.pgettext("complaint topic", "Privacy and security"),
        "billing": t.pgettext("complaint topic", "Billing and payments"),
        "other": t.pgettext("complaint topic", "Something else"),
    }
    return tuple(Choice(category, labels[category]) for category in CATEGORIES)


def field_error_text(locale: str, field: str, message: str) -> str:
    """The customer's wording of an intake field error, in the page language."""
    t = translations(locale)
    match field:
        case "text":
            code = "text_required" if "empty" in message else "text_too_long"
            return messages.error_text(locale, code)
        case "contact.email":
            return messages.error_text(locale, "invalid_email")
        case "timezone":
            return messages.error_text(locale, "invalid_timezone")
        case "locale":
            return messages.error_text(locale, "invalid_locale")
        case "country":
            return t.gettext("Please choose a country from the list.")
        case "contact.name":
            return t.gettext("Please shorten your name.")
        case "contact.phone":
            return t.gettext("Please enter a shorter phone number.")
    raise ValueError(f"no customer wording for field {field!r}")


def field_errors(locale: str, errors: Sequence[Mapping[str, str]]) -> list[FieldError]:
    """Intake's field errors, localized and attached to their form controls."""
    return [
        FieldError(
            _CONTROL_OF_FIELD.get(error["field"]),
            field_error_text(locale, error["field"], error["message"]),
        )
        for error in errors
    ]


def file_error(locale: str, refused: DomainError) -> FieldError:
    """A refused file's problem, in the page language, on the form's file input."""
    code = problem_code(refused)
    if code is None:
        raise refused
    return FieldError(FILES_FIELD, messages.error_text(locale, code))


def _switch_url(request: Request[Any, Any, Any], catalog: str) -> str:
    """The current page in another language (other query parameters kept, e.g. the token)."""
    kept = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]
    return f"{request.url.path}?{urlencode([*kept, ('lang', catalog)])}"


def render_page(
    request: Request[Any, Any, Any],
    template: str,
    locale: str,
    status_code: int = 200,
    **values: Any,
) -> Template:
    """A page in `locale`: its catalog, lang/dir attributes and language switcher."""
    context = {
        TRANSLATIONS_KEY: translations(locale),
        "locale": locale,
        "lang": language_tag(locale),
        "direction": text_direction(locale),
        "languages": [
            Choice(_switch_url(request, choice.value), choice.label, choice.lang)
            for choice in language_choices()
        ],
        **values,
    }
    return Template(template_name=template, context=context, status_code=status_code)


def _form_page(
    request: Request[Any, Any, Any],
    locale: str,
    form: ComplaintForm,
    errors: Sequence[FieldError] = (),
    status_code: int = 200,
) -> Template:
    return render_page(
        request,
        "form.html",
        locale,
        status_code,
        form=form,
        errors=errors,
        error_of={error.control: error.text for error in errors if error.control},
        countries=country_choices(locale),
        categories=category_choices(translations(locale)),
        max_text_chars=MAX_TEXT_CHARS,
        **file_input(request, locale),
    )


def file_input(request: Request[Any, Any, Any], locale: str) -> dict[str, Any]:
    """What a form's file input says: the types it takes and the limits, in the page locale."""
    settings: Settings = request.app.state.settings
    return {
        "accepted_files": ",".join(sorted(EXTENSION_OF)),
        "max_files": FILES_PER_CASE,
        "max_file_size": format_size(settings.attachment_max_bytes, locale),
    }


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _category_or_none(value: str) -> Category | None:
    return next((category for category in CATEGORIES if category == value), None)


def survey_error(locale: str, form: SurveyForm) -> FieldError | None:
    """What is wrong with a posted survey, in the page language; None if nothing."""
    t = translations(locale)
    if form.score.strip() not in SURVEY_SCORES:
        return FieldError("score", t.gettext("Please choose a rating from 1 to 5."))
    if len(_comment_of(form)) > MAX_COMMENT_CHARS:
        return FieldError("comment", t.gettext("Please shorten your comment."))
    return None


def _comment_of(form: SurveyForm) -> str:
    # Browsers send line breaks as CRLF, while the textarea's maxlength counted them once.
    return form.comment.replace("\r\n", "\n")


def _status_url(
    reference: str, token: str | None, lang: str | None, notice: str | None = None
) -> str:
    query = {
        "token": token or "",
        **({"lang": lang} if lang else {}),
        **({"notice": notice} if notice else {}),
    }
    return f"/cases/{reference}?{urlencode(query)}"


def _not_found_page(request: Request[Any, Any, Any], locale: str) -> Template:
    return render_page(
        request,
        "not_found.html",
        locale,
        HTTP_404_NOT_FOUND,
        message=messages.error_text(locale, "not_found"),
    )


def refused_page(request: Request[Any, Any, Any], status: int, reason: str) -> Template:
    """A customer page refusing a submission (e.g. rate_limited), in the visitor's language."""
    locale = page_locale(request.query_params.get("lang"), request.headers.get("accept-language"))
    return render_page(
        request,
        "refused.html",
        locale,
        status,
        message=messages.error_text(locale, reason),
    )


@dataclass(frozen=True)
class StatusPageAsk:
    """What a request for a status page names: the case, the token, the wanted language."""

    reference: str
    token: str | None
    lang: str | None
    accept_language: str | None


async def _status_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    settings: Settings,
    now: datetime,
    asked: StatusPageAsk,
    survey: SurveyForm | None = None,
    survey_problem: FieldError | None = None,
    message: MessageForm | None = None,
    notice: str | None = None,
    file_problem: FieldError | None = None,
) -> Template:
    """The case in its reply language (or `lang`); unknown case and wrong token look alike.

    `survey` and `survey_problem` show a rejected survey answer again, with what is wrong;
    `message` a message the customer could not send (`file_problem`: because of a file),
    `notice` how their last action went.
    """
    try:
        case = await case_for_customer(
            db_session, asked.reference, asked.token, secret_key=settings.secret_key, now=now
        )
    except NotFound:
        return _not_found_page(request, page_locale(asked.lang, asked.accept_language))
    locale = page_locale(asked.lang, case.reply_locale)
    # customer_view words the status and timeline in case.reply_locale: detach the case
    # so that showing it in another language can never be written back.
    db_session.expunge(case)
    case.reply_locale = locale
    view = await customer_view(db_session, case, now, settings.reopen_window)
    token_query = urlencode({"token": asked.token or ""})
    zone = _zone(case.customer_timezone)
    return render_page(
        request,
        "case.html",
        locale,
        HTTP_422_UNPROCESSABLE_ENTITY if survey_problem or message or file_problem else 200,
        view=view,
        message_form=message or MessageForm(),
        message_action=f"/cases/{case.reference}/messages?{token_query}",
        erase_action=f"/cases/{case.reference}/erase?{token_query}",
        export_url=f"/api/v1/cases/{case.reference}/export?{token_query}",
        notice=notice,
        is_open=case.status in OPEN_STATUSES,
        timezone=case.customer_timezone,
        first_response_due=format_due(view.first_response_due, zone.key, locale),
        resolution_due=format_due(view.resolution_due, zone.key, locale),
        timeline=[(format_moment(entry.at, zone, locale), entry) for entry in view.timeline],
        survey_open=accepts_survey(case),
        survey_answered=case.csat_score is not None,
        survey_form=survey or _stored_survey(case),
        survey_error_of={survey_problem.control: survey_problem.text} if survey_problem else {},
        survey_scores=SURVEY_SCORES,
        survey_question=messages.survey_question(locale),
        survey_thanks=messages.survey_thanks(locale),
        survey_action=f"/cases/{case.reference}/survey?{token_query}",
        max_comment_chars=MAX_COMMENT_CHARS,
        files=[
            (f"/api/v1/cases/{case.reference}/attachments/{file.id}?{token_query}", file)
            for file in view.files
        ],
        file_size=lambda size: format_size(size, locale),
        file_problem=file_problem,
        **file_input(request, locale),
    )


def _stored_survey(case: Case) -> SurveyForm:
    """The customer's earlier answer (to change it), or an empty form."""
    score = "" if case.csat_score is None else str(case.csat_score)
    return SurveyForm(score=score, comment=case.csat_comment or "")


PAGE_HEADERS = (
    ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
)
"""Sent with every HTML page."""
PRIVATE_PAGE_HEADERS = (*PAGE_HEADERS, ResponseHeader(name="Cache-Control", value="no-store"))
"""Sent with the pages of signed-in people, which no cache may keep."""


class CustomerPages(Controller):
    """Public HTML pages for customers."""

    path = "/"
    include_in_schema = False
    # The status page address carries the access token: never send it to other sites.
    response_headers = (
        *(header for header in PAGE_HEADERS if header.name != "Referrer-Policy"),
        ResponseHeader(name="Referrer-Policy", value="no-referrer"),
    )

    @get("/", name="complaint-form")
    async def complaint_form(
        self, request: Request[Any, Any, Any], lang: LangQuery, accept_language: AcceptLanguage
    ) -> Template:
        locale = page_locale(lang, accept_language)
        return _form_page(request, locale, ComplaintForm(lang=locale))

    @post("/", name="file-complaint", request_max_body_size=FORM_MAX_BODY_BYTES)
    async def file_complaint(
        self,
        request: Request[Any, Any, Any],
        accept_language: AcceptLanguage,
        sessions: SessionFactory,
        settings: AppSettings,
        attachments: AttachmentStorage,
        now: Now,
        nudge_outbox: NudgeOutbox,
    ) -> Template | Redirect:
        """File the complaint (channel web) with its evidence and show its status page; errors
        re-render the form."""
        data, posted_files = await form_with_files(request, ComplaintForm)
        locale = page_locale(data.lang, accept_language)
        complaint = IntakeRequest(
            text=data.text,
            contact=Contact(
                email=data.email.strip(),
                name=data.name.strip() or None,
                phone=data.phone.strip() or None,
            ),
            locale=language_tag(locale),
            country=data.country.strip() or None,
            timezone=data.timezone.strip() or None,
            category=_category_or_none(data.category),
            channel="web",
        )
        form = ComplaintForm(**{**vars(data), "lang": locale})
        limits = Limits.of(settings)
        try:
            files = await checked(request, posted_files)
        except FILE_REFUSALS as refused:
            errors = [file_error(locale, refused)]
            return _form_page(request, locale, form, errors, status_code=422)
        try:
            async with stored_first(sessions, attachments, files):
                filed = await file_case(
                    sessions,
                    complaint,
                    accept_language=accept_language,
                    now=now,
                    acknowledgements_per_hour=settings.acknowledgement_cap,
                    with_case=adding(files, limits, by="customer"),
                )
        except InvalidInput as invalid:
            errors = field_errors(locale, invalid.errors or [])
            return _form_page(request, locale, form, errors, status_code=422)
        nudge_outbox()
        query = urlencode({"token": filed.access_token})
        return Redirect(f"/cases/{filed.case.reference}?{query}", status_code=HTTP_303_SEE_OTHER)

    @get("/cases/{reference:str}", name="case-status")
    async def case_status(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        lang: LangQuery,
        accept_language: AcceptLanguage,
        db_session: DbSession,
        settings: AppSettings,
        now: Now,
        token: TokenQuery = None,
        notice: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        """The case in its reply language (or ?lang=); unknown case and wrong token look alike."""
        asked = StatusPageAsk(reference, token, lang, accept_language)
        return await _status_page(request, db_session, settings, now, asked, notice=notice)

    @post("/cases/{reference:str}/survey", name="answer-survey")
    async def submit_survey(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        data: Annotated[SurveyForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        accept_language: AcceptLanguage,
        db_session: DbSession,
        sessions: SessionFactory,
        settings: AppSettings,
        now: Now,
        token: TokenQuery = None,
    ) -> Template | Redirect:
        """Store the rating and show the status page again, which then thanks the customer."""
        lang = data.lang or None
        if problem := survey_error(page_locale(lang, accept_language), data):
            asked = StatusPageAsk(reference, token, lang, accept_language)
            return await _status_page(request, db_session, settings, now, asked, data, problem)
        answer = SurveyAnswer(score=int(data.score.strip()), comment=_comment_of(data))
        try:
            await answer_survey(
                sessions, reference, token, answer, secret_key=settings.secret_key, now=now
            )
        except NotFound:
            return _not_found_page(request, page_locale(lang, accept_language))
        except Conflict:
            pass  # reopened since the page was shown: the status page tells where it stands
        return Redirect(_status_url(reference, token, lang), status_code=HTTP_303_SEE_OTHER)

    @post("/cases/{reference:str}/erase", name="customer-erase")
    async def erase(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        data: Annotated[EraseForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        accept_language: AcceptLanguage,
        db_session: DbSession,
        settings: AppSettings,
        now: Now,
        token: TokenQuery = None,
    ) -> Template | Redirect:
        """Erase the customer's personal data once they confirmed it; the page says it is done."""
        lang = data.lang or None
        if data.confirm != "yes":
            return Redirect(_status_url(reference, token, lang, "confirm-erase"), status_code=303)
        try:
            async with db_session.begin():
                case = await case_for_customer(
                    db_session,
                    reference,
                    token,
                    secret_key=settings.secret_key,
                    now=now,
                    for_update=True,
                )
                locale = page_locale(lang, case.reply_locale)
                await erase_case(db_session, case, now, actor="customer")
        except NotFound:
            return _not_found_page(request, page_locale(lang, accept_language))
        return render_page(request, "erased.html", locale)

    @post(
        "/cases/{reference:str}/messages",
        name="customer-message",
        request_max_body_size=FORM_MAX_BODY_BYTES,
    )
    async def send_message(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        accept_language: AcceptLanguage,
        db_session: DbSession,
        sessions: SessionFactory,
        settings: AppSettings,
        attachments: AttachmentStorage,
        now: Now,
        nudge_outbox: NudgeOutbox,
        token: TokenQuery = None,
    ) -> Template | Redirect:
        """The customer's message and files to the team; the status page shows them."""
        data, posted_files = await form_with_files(request, MessageForm)
        lang = data.lang or None
        asked = StatusPageAsk(reference, token, lang, accept_language)
        limits = Limits.of(settings)
        try:
            files = await checked(request, posted_files)
        except FILE_REFUSALS as refused:
            problem = file_error(page_locale(lang, accept_language), refused)
            return await _status_page(
                request, db_session, settings, now, asked, message=data, file_problem=problem
            )
        if check_text(data.text) and not files:
            return await _status_page(
                request, db_session, settings, now, asked, message=data, notice="empty-message"
            )
        try:
            async with stored_first(sessions, attachments, files), db_session.begin():
                case = await case_for_customer(
                    db_session,
                    reference,
                    token,
                    secret_key=settings.secret_key,
                    now=now,
                    for_update=True,
                )
                if not check_text(data.text):
                    await add_customer_message(
                        db_session, case, now, text=data.text, reopen_window=settings.reopen_window
                    )
                if files:
                    await add_rows(db_session, case, files, limits, by="customer", now=now)
        except NotFound:
            return _not_found_page(request, page_locale(lang, accept_language))
        except Conflict as refused:
            return Redirect(_status_url(reference, token, lang, refused.kind), status_code=303)
        except FILE_REFUSALS as refused:  # the case's files would be too many or too large
            problem = file_error(page_locale(lang, accept_language), refused)
            return await _status_page(
                request, db_session, settings, now, asked, message=data, file_problem=problem
            )
        nudge_outbox()
        return Redirect(_status_url(reference, token, lang, "message-sent"), status_code=303)
