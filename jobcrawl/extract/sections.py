"""A JobPosting's description with its own text sections (responsibilities, skills ...)."""

# Many postings put most of their text in separate schema.org properties rather than in
# `description`. Each becomes a labelled paragraph after the description, in the
# order below ("Responsibilities:\n..."), leaving out the lines the description
# already holds (postings often repeat them), so that nothing is said twice.

from __future__ import annotations

from typing import Any

from jobcrawl.extract.text import clean_line, html_to_text

SECTIONS: tuple[tuple[str, str], ...] = (
    ("responsibilities", "Responsibilities"),
    ("qualifications", "Qualifications"),
    ("skills", "Skills"),
    ("educationRequirements", "Education requirements"),
    ("experienceRequirements", "Experience requirements"),
    ("jobBenefits", "Benefits"),
    ("incentiveCompensation", "Incentive compensation"),
)
PARAGRAPH_JOIN = "\n\n"
# A section line at least this long (without spaces) found anywhere in the text so far is
# a repeat; a shorter one only when it is a whole line there.
REPEAT_LENGTH = 40
# The texts of structured values (EducationalOccupationalCredential, DefinedTerm,
# OccupationalExperienceRequirements ...), first found wins.
_VALUE_KEYS = ("name", "description", "credentialCategory", "text", "value")


def description(posting: dict[str, Any]) -> str:
    """The posting's description as plain text, then its sections as labelled paragraphs."""
    own = posting.get("description")
    text = html_to_text(own) if isinstance(own, str) else ""
    if not any(posting.get(key) for key, _ in SECTIONS):
        return text
    known = _Known(text)
    paragraphs = [text] if text else []
    for key, label in SECTIONS:
        lines = [line for line in _lines(posting.get(key)) if not known.holds(line)]
        if lines:
            paragraphs.append(f"{label}:\n" + "\n".join(lines))
            known.add("\n".join(lines))
    return PARAGRAPH_JOIN.join(paragraphs)


class _Known:
    """The text written so far: a line is repeated when it is one of its lines, or a
    long enough part of it ("Python" in a skills list is no repeat of "We use Python")."""

    def __init__(self, text: str) -> None:
        self.lines: set[str] = set()
        self.blob = ""
        self.add(text)

    def add(self, text: str) -> None:
        self.lines.update(_squeezed(line) for line in text.split("\n"))
        self.blob += "\x00" + _squeezed(text)

    def holds(self, line: str) -> bool:
        squeezed = _squeezed(line)
        return squeezed in self.lines or (len(squeezed) >= REPEAT_LENGTH
                                          and squeezed in self.blob)


def _lines(value: Any) -> list[str]:
    """The text lines of a section's value: text or HTML, a list, or structured values."""
    lines: list[str] = []
    for entry in value if isinstance(value, list) else [value]:
        if isinstance(entry, dict):
            entry = _structured_text(entry)
        if isinstance(entry, str | int | float) and not isinstance(entry, bool):
            text = html_to_text(str(entry))
            lines += [line for line in text.split("\n") if line.strip()]
    return [line for index, line in enumerate(lines) if line not in lines[:index]]


def _structured_text(entry: dict[str, Any]) -> str | None:
    months = entry.get("monthsOfExperience")
    if isinstance(months, int | float | str) and not isinstance(months, bool):
        return f"{clean_line(str(months))} months of experience"
    for key in _VALUE_KEYS:
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _squeezed(text: str) -> str:
    """The text without whitespace or case, to tell whether a line is already there."""
    return "".join(text.split()).casefold()
