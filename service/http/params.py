"""Request parameters several routes read, declared once."""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter, QueryParameter

AcceptLanguage = Annotated[str | None, HeaderParameter(name="Accept-Language")]
LangQuery = Annotated[str | None, QueryParameter(name="lang")]
"""A page's language chosen by the visitor (?lang=zh_Hant)."""
TokenQuery = Annotated[str | None, QueryParameter(name="token")]
"""A customer's case token, in links e-mailed to them."""
