"""Fake but plausible Mexican drivers (PII the marts must never carry)."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import numpy as np

FEMALE = (
    "María", "Guadalupe", "Ana", "Fernanda", "Alejandra", "Sofía", "Daniela", "Valeria", "Paola", "Karla",
    "Mariana", "Leticia", "Verónica", "Claudia", "Rocío",
)  # fmt: skip
MALE = (
    "José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Ricardo", "Héctor", "Raúl", "Arturo", "Fernando",
    "Alejandro", "Francisco", "Eduardo", "Óscar", "Javier", "Roberto", "Sergio", "Víctor", "Iván",
)  # fmt: skip
SURNAMES = (
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez", "Cruz",
    "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz", "Ruiz", "Mendoza", "Aguilar",
    "Ortiz", "Castillo", "Romero", "Álvarez", "Chávez", "Rivera", "Juárez", "Domínguez", "Ramos",
)  # fmt: skip
CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"
VOWELS = "AEIOU"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


def _first_inner(text: str, letters: str) -> str:
    for ch in text[1:]:
        if ch in letters:
            return ch
    return "X"


def curp(
    first: str, surname1: str, surname2: str, born: date, female: bool, state: str, rng: np.random.Generator
) -> str:
    """A CURP-shaped string: name letters, birth date, sex, state, inner consonants, homoclave, check digit."""
    s1, s2, fn = _ascii(surname1), _ascii(surname2), _ascii(first)
    return (
        s1[0]
        + _first_inner(s1, VOWELS)
        + s2[0]
        + fn[0]
        + born.strftime("%y%m%d")
        + ("M" if female else "H")
        + state
        + _first_inner(s1, CONSONANTS)
        + _first_inner(s2, CONSONANTS)
        + _first_inner(fn, CONSONANTS)
        + ("0" if born.year < 2000 else "A")
        + str(int(rng.integers(0, 10)))
    )


def identity(rng: np.random.Generator, reference: date) -> tuple[str, str, str]:
    """full_name, phone, curp for a new driver (born 22-58 years before `reference`)."""
    female = rng.random() < 0.18
    first = str(rng.choice(FEMALE if female else MALE))
    s1, s2 = (str(x) for x in rng.choice(SURNAMES, size=2))
    born = reference - timedelta(days=int(rng.integers(22 * 365, 58 * 365)))
    state = "DF" if rng.random() < 0.7 else "MC"  # CDMX or Estado de Mexico
    area = "55" if rng.random() < 0.85 else "56"
    number = int(rng.integers(10_000_000, 99_999_999))
    style = rng.random()
    if style < 0.6:
        phone = f"+52{area}{number}"
    elif style < 0.9:
        phone = f"{area} {number // 10_000} {number % 10_000:04d}"
    else:
        phone = f"+52 1 {area} {number}"
    return f"{first} {s1} {s2}", phone, curp(first, s1, s2, born, female, state, rng)
