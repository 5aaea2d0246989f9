"""Language detection: script rules, langdetect's profiles scored deterministically, lexicons.

`detect(text, hints)` is the contract; `preload()` loads the profiles ahead of the first call.
The detector (langdetect, wordfreq, hanzidentifier) is imported when one of these names is first
used, so modules that only need `routing.language.tags` do not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from routing.language.detection import Detection, detect, preload

__all__ = ["Detection", "detect", "preload"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from routing.language import detection

    value = getattr(detection, name)
    globals()[name] = value
    return value
