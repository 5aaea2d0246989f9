"""Files an agent attaches to a reply, on both databases: they are the reply's (the customer's
e-mail with the reply names them), while a note's files stay the team's and unnamed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.attachments.files import CheckedFile, Limits, adding, stored_first
from service.attachments.storage import Storage
from service.cases import casework
from service.db.models import Attachment, Case, OutboxMessage, utcnow
from service.i18n.messages import Email
from service.notify import customer_mail

Sessions = async_sessionmaker[AsyncSession]
AGENT = "mei@example.com"
LIMITS = Limits(per_file=1024, per_case=4096)
LABEL = CheckedFile("return-label.pdf", "application/pdf", b"%PDF-1.4 a return label\n")
MEMO = CheckedFile("memo.txt", "text/plain", b"for the team only\n")


async def _reply_email(sessions: Sessions, case_id: int) -> Email:
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        query = select(OutboxMessage.payload).where(OutboxMessage.task == "email_customer")
        [payload] = [p for p in (await session.scalars(query)).all() if p["kind"] == "reply"]
        email = await customer_mail.render(
            session,
            case,
            "reply",
            payload,
            base_url="https://meridian.example",
            secret_key="test-secret",
            now=utcnow(),
        )
    assert email is not None
    return email


async def test_the_reply_email_names_the_files_of_the_reply_and_not_those_of_a_note(
    sessions: Sessions, folder_storage: Storage, case_id: int
) -> None:
    async with (
        stored_first(sessions, folder_storage, [MEMO]),
        sessions() as session,
        session.begin(),
    ):
        case = await session.get(Case, case_id)
        assert case is not None
        memo = adding([MEMO], LIMITS, by=AGENT, internal=True)
        await casework.add_note(session, case, utcnow(), agent=AGENT, text="FYI", attach=memo)
    async with (
        stored_first(sessions, folder_storage, [LABEL]),
        sessions() as session,
        session.begin(),
    ):
        case = await session.get(Case, case_id)
        assert case is not None
        label = adding([LABEL], LIMITS, by=AGENT)
        body = "Here is your return label."
        await casework.reply(session, case, utcnow(), agent=AGENT, body=body, attach=label)

    email = await _reply_email(sessions, case_id)
    assert "Here is your return label." in email.text
    assert "1 file came with this reply: return-label.pdf." in email.text
    assert "memo.txt" not in email.text and "memo.txt" not in email.html
    async with sessions() as session:
        rows = (await session.scalars(select(Attachment).order_by(Attachment.name))).all()
    assert [(row.name, row.reply_id is not None, row.internal) for row in rows] == [
        ("memo.txt", False, True),
        ("return-label.pdf", True, False),
    ]


async def test_a_reply_without_files_says_nothing_about_files(
    sessions: Sessions, case_id: int
) -> None:
    async with sessions() as session, session.begin():
        case = await session.get(Case, case_id)
        assert case is not None
        await casework.reply(session, case, utcnow(), agent=AGENT, body="We are on it.")
    email = await _reply_email(sessions, case_id)
    assert "We are on it." in email.text and "came with this reply" not in email.text
