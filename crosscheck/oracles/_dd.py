"""Double-double arithmetic on NumPy arrays: a number is the unevaluated sum hi + lo of two
float64 with |lo| <= ulp(hi) / 2, about 106 significant bits.

The building blocks are the error-free transformations (Dekker 1971, Knuth TAOCP vol. 2,
4.2.2), exact in IEEE float64 with round-to-nearest barring overflow and underflow:

* :func:`two_sum`: ``s + e == a + b`` exactly, ``s = fl(a + b)`` (Knuth; any order);
* :func:`quick_two_sum`: the same for ``|a| >= |b|`` (Dekker, three operations);
* :func:`two_prod`: ``p + e == a * b`` exactly, by Dekker's split of each factor into two
  26-bit halves (NumPy has no fused multiply-add).

On these :class:`DD` builds the arithmetic of the QD library (Hida, Li, Bailey 2001), in
the forms whose relative error bounds Joldes, Muller and Popescu proved ("Tight and
rigorous error bounds for basic building blocks of double-word arithmetic", ACM TOMS
2017): addition <= 3u^2, multiplication <= 5u^2 (u = 2^-53), division a few u^2. The
elementary functions (:func:`exp`, :func:`expm1`, :func:`log1p`, :func:`log`,
:func:`tanh`) reduce the argument, sum a Taylor series and correct by Newton's method;
each is accurate to about 1e-31 relative (tested against mpmath), below
:data:`UNIT_ROUNDOFF`.

Underflow is float64's: below ~2^-969 the lo word loses bits and the error becomes
absolute (about 2^-1074), as in float64 itself.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = [
    "DD",
    "UNIT_ROUNDOFF",
    "constant",
    "exp",
    "exp_parts",
    "expm1",
    "log",
    "log1p",
    "quick_two_sum",
    "split",
    "tanh",
    "two_prod",
    "two_sum",
]

UNIT_ROUNDOFF = 2.0**-100
"""A bound on the relative error of one double-double operation or elementary function
(the basic operations are within 5 * 2^-106 ~ 2^-103.7, the functions within ~1e-31)."""

_SPLITTER = 134217729.0  # 2^27 + 1: Dekker's split into 26 + 27 significant bits
_SPLIT_LIMIT = 2.0**996  # above this, SPLITTER * a could overflow: split a scaled copy


# --------------------------------------------------------------------------------------
# Error-free transformations (elementwise on float64 arrays or scalars).
# --------------------------------------------------------------------------------------
def two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """(s, e) with s = fl(a + b) and s + e = a + b exactly (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def quick_two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """(s, e) with s = fl(a + b) and s + e = a + b exactly, provided |a| >= |b| or a = 0
    (Dekker's Fast2Sum)."""
    s = a + b
    e = b - (s - a)
    return s, e


def split(a: Any) -> tuple[Any, Any]:
    """(hi, lo) with hi + lo = a exactly, each of at most 26 significant bits (Dekker)."""
    a = np.asarray(a, dtype=np.float64)
    big = np.abs(a) > _SPLIT_LIMIT
    scaled = bool(big.any())
    if scaled:
        a = np.where(big, a * 2.0**-28, a)
    t = _SPLITTER * a
    hi = t - (t - a)
    lo = a - hi
    if scaled:
        hi = np.where(big, hi * 2.0**28, hi)
        lo = np.where(big, lo * 2.0**28, lo)
    return hi, lo


def two_prod(a: Any, b: Any) -> tuple[Any, Any]:
    """(p, e) with p = fl(a b) and p + e = a b exactly (Dekker's TwoProduct, no FMA)."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


# --------------------------------------------------------------------------------------
# Double-double numbers.
# --------------------------------------------------------------------------------------
def _f64(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


class DD:
    """An array of double-double numbers hi + lo (two float64 arrays of one shape).

    Supports ``+ - * /`` with another DD, a float64 array or a Python number (NumPy
    defers to it: ``__array_ufunc__ = None``), unary minus, ``abs``, indexing, ``.T``,
    ``reshape`` and :meth:`sum` (a pairwise tree of double-double additions).
    """

    __slots__ = ("hi", "lo")
    __array_ufunc__ = None

    def __init__(self, hi: Any, lo: Any = None) -> None:
        self.hi = _f64(hi)
        self.lo = np.zeros_like(self.hi) if lo is None else np.broadcast_to(_f64(lo), self.hi.shape)

    @classmethod
    def _raw(cls, hi: np.ndarray, lo: np.ndarray) -> DD:
        out = object.__new__(cls)
        out.hi = hi
        out.lo = lo
        return out

    # -- array protocol ----------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.hi.shape

    @property
    def size(self) -> int:
        return self.hi.size

    @property
    def T(self) -> DD:
        return DD._raw(self.hi.T, self.lo.T)

    def __getitem__(self, idx: Any) -> DD:
        return DD._raw(self.hi[idx], self.lo[idx])

    def reshape(self, *shape: Any) -> DD:
        return DD._raw(self.hi.reshape(*shape), self.lo.reshape(*shape))

    def __len__(self) -> int:
        return len(self.hi)

    def __repr__(self) -> str:
        return f"DD(hi={self.hi!r}, lo={self.lo!r})"

    def to_float64(self) -> np.ndarray:
        """The nearest float64 (hi, as the pair is normalised)."""
        return self.hi.copy()

    # -- arithmetic --------------------------------------------------------------------
    def __neg__(self) -> DD:
        return DD._raw(-self.hi, -self.lo)

    def __abs__(self) -> DD:
        neg = self.hi < 0
        return DD._raw(np.where(neg, -self.hi, self.hi), np.where(neg, -self.lo, self.lo))

    def __add__(self, other: Any) -> DD:
        if isinstance(other, DD):
            return _add(self, other)
        return _add_d(self, _f64(other))

    __radd__ = __add__

    def __sub__(self, other: Any) -> DD:
        if isinstance(other, DD):
            return _add(self, -other)
        return _add_d(self, -_f64(other))

    def __rsub__(self, other: Any) -> DD:
        return _add_d(-self, _f64(other))

    def __mul__(self, other: Any) -> DD:
        if isinstance(other, DD):
            return _mul(self, other)
        return _mul_d(self, _f64(other))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> DD:
        if isinstance(other, DD):
            return _div(self, other)
        return _div(self, DD(other))

    def __rtruediv__(self, other: Any) -> DD:
        return _div(DD(other), self)

    def sum(self, axis: int = 0) -> DD:
        """Sum along ``axis`` by a pairwise tree of double-double additions (error at most
        about ceil(log2 n) * 3u^2 relative to the sum of |terms|)."""
        hi = np.moveaxis(self.hi, axis, -1)
        lo = np.moveaxis(self.lo, axis, -1)
        if hi.shape[-1] == 0:
            z = np.zeros(hi.shape[:-1])
            return DD._raw(z, z.copy())
        x = DD._raw(hi, lo)
        while x.hi.shape[-1] > 1:
            n = x.hi.shape[-1]
            half = n // 2
            head = _add(x[..., :half], x[..., half : 2 * half])
            if n % 2:
                head = DD._raw(
                    np.concatenate([head.hi, x.hi[..., -1:]], axis=-1),
                    np.concatenate([head.lo, x.lo[..., -1:]], axis=-1),
                )
            x = head
        return x[..., 0]


def where(mask: Any, a: DD, b: DD) -> DD:
    """Elementwise ``a`` where ``mask`` else ``b`` (either may be a float64 array)."""
    a = a if isinstance(a, DD) else DD(a)
    b = b if isinstance(b, DD) else DD(b)
    return DD._raw(np.where(mask, a.hi, b.hi), np.where(mask, a.lo, b.lo))


def ldexp(x: DD, e: Any) -> DD:
    """x * 2^e, exact barring underflow of the lo word (a product by a power of two where
    2^e is a float64: much faster than ``np.ldexp``)."""
    e = np.asarray(e)
    if e.size and (e.max() > 1000 or e.min() < -1000):
        return DD._raw(np.ldexp(x.hi, e), np.ldexp(x.lo, e))
    f = np.ldexp(1.0, e)
    return DD._raw(x.hi * f, x.lo * f)


def _add(a: DD, b: DD) -> DD:
    # QD's ieee_add (AccurateDWPlusDW): relative error <= 3u^2.
    s, e = two_sum(a.hi, b.hi)
    t, f = two_sum(a.lo, b.lo)
    e = e + t
    s, e = quick_two_sum(s, e)
    e = e + f
    s, e = quick_two_sum(s, e)
    return DD._raw(s, e)


def _add_d(a: DD, b: np.ndarray) -> DD:
    # DWPlusFP: relative error <= 2u^2.
    s, e = two_sum(a.hi, b)
    e = e + a.lo
    s, e = quick_two_sum(s, e)
    return DD._raw(s, e)


def _mul(a: DD, b: DD) -> DD:
    # DWTimesDW: relative error <= 5u^2.
    p, e = two_prod(a.hi, b.hi)
    e = e + (a.hi * b.lo + a.lo * b.hi)
    p, e = quick_two_sum(p, e)
    return DD._raw(p, e)


def _mul_d(a: DD, b: np.ndarray) -> DD:
    # DWTimesFP: relative error <= 2u^2.
    p, e = two_prod(a.hi, b)
    e = e + a.lo * b
    p, e = quick_two_sum(p, e)
    return DD._raw(p, e)


def _div(a: DD, b: DD) -> DD:
    # QD's accurate division: three quotient digits, each correcting the last remainder.
    q1 = a.hi / b.hi
    r = a - _mul_d(b, q1)
    q2 = r.hi / b.hi
    r = r - _mul_d(b, q2)
    q3 = r.hi / b.hi
    s, e = quick_two_sum(q1, q2)
    return _add_d(DD._raw(s, e), q3)


# --------------------------------------------------------------------------------------
# Constants: exact decimal or rational values rounded to double-double.
# --------------------------------------------------------------------------------------
_PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494459230781640628")


def constant(value: Any) -> tuple[float, float]:
    """(hi, lo) of a ``Fraction``, ``Decimal``, ``int`` or decimal string, each word
    rounded to nearest: hi + lo is within 2^-106 relative of the value."""
    frac = Fraction(Decimal(value)) if isinstance(value, str) else Fraction(value)
    hi = float(frac)
    lo = float(frac - Fraction(hi))
    return hi, lo


def decimal_constants() -> dict[str, Decimal]:
    """sqrt(2/pi) (gelu's C) and ln 2 to 70 significant digits."""
    with localcontext() as ctx:
        ctx.prec = 70
        return {"sqrt_2_over_pi": (2 / _PI).sqrt(), "ln2": Decimal(2).ln()}


def _ln2_parts() -> tuple[float, float, float]:
    # ln 2 = L1 + L2 + L3 with L1, L2 of 42 significant bits, so k * L1 and k * L2 are
    # exact for |k| <= 2^11: the reduction x - k ln 2 loses nothing there.
    ln2 = Fraction(decimal_constants()["ln2"])
    l1 = Fraction(math.floor(ln2 * 2**42), 2**42)
    l2 = Fraction(round((ln2 - l1) * 2**84), 2**84)
    return float(l1), float(l2), float(ln2 - l1 - l2)


_L1, _L2, _L3 = _ln2_parts()
_LN2 = math.log(2.0)
_REDUCE = 5  # the reduced argument is divided by 2^5 (|s| <= 0.0109) and squared back
_INV_FACT = [constant(Fraction(1, math.factorial(j))) for j in range(13)]
_DD_TERMS = 7  # terms 1..7 of the series in double-double, 8..12 in float64 (< 2^-54 |s|)
_EXP_MAX = 709.78  # exp overflows above
_EXP_MIN = -745.2  # exp rounds to 0 below


# --------------------------------------------------------------------------------------
# Elementary functions.
# --------------------------------------------------------------------------------------
def _as_dd(x: Any) -> DD:
    return x if isinstance(x, DD) else DD(x)


def exp_parts(x: Any) -> tuple[np.ndarray, DD, np.ndarray]:
    """(k, E, ok): e^x = 2^k (1 + E) with |E| <= 0.42, E accurate relative to itself,
    wherever ``ok`` (-745.2 <= x <= 709.78; elsewhere k = 0, E = 0); k = 0 wherever
    |x| < ln2 / 2, so there E = expm1(x).

    x - k ln2 is exact to ~2^-120 (ln2 in three words, the first two of 42 bits so that
    k L1 and k L2 are exact); the reduced r is divided by 2^5, expm1 of it summed as a
    Taylor series (terms 8..12 in float64, where they are below 2^-54 of the sum), and
    squared back five times as expm1(2s) = expm1(s) (expm1(s) + 2), which keeps the
    relative accuracy of a small result."""
    x = _as_dd(x)
    ok = (x.hi >= _EXP_MIN) & (x.hi <= _EXP_MAX)
    xh = np.where(ok, x.hi, 0.0)
    xl = np.where(ok, x.lo, 0.0)
    k = np.rint(xh / _LN2)
    t = xh - k * _L1  # exact: k * L1 is exact and close to xh (Sterbenz)
    s, e = two_sum(t, -k * _L2)  # k * L2 exact
    r = _add_d(_add_d(DD._raw(s, e), xl), -k * _L3)
    s = ldexp(r, -_REDUCE)
    # expm1(s) = s * (1 + s/2! + s^2/3! + ...): the tail in float64, the head in dd.
    q = np.full_like(s.hi, _INV_FACT[12][0])
    for j in range(11, _DD_TERMS, -1):
        q = q * s.hi + _INV_FACT[j][0]
    p = DD(q)
    for j in range(_DD_TERMS, 0, -1):
        p = _add(
            _mul(p, s),
            DD._raw(np.full_like(s.hi, _INV_FACT[j][0]), np.full_like(s.hi, _INV_FACT[j][1])),
        )
    E = _mul(p, s)
    for _ in range(_REDUCE):  # expm1(2s) = expm1(s) (expm1(s) + 2)
        E = _mul(E, _add_d(E, np.float64(2.0)))
    return k.astype(np.int64), E, ok


def exp(x: Any) -> DD:
    """e^x in double-double (0 below -745.2, inf above 709.78)."""
    x = _as_dd(x)
    k, E, ok = exp_parts(x)
    y = ldexp(_add_d(E, np.float64(1.0)), k)
    inf = np.where(x.hi > 0, np.inf, 0.0)
    return DD._raw(np.where(ok, y.hi, inf), np.where(ok, y.lo, 0.0))


def _expm1_from(k: np.ndarray, E: DD) -> DD:
    full = _add_d(ldexp(_add_d(E, np.float64(1.0)), k), np.float64(-1.0))
    return where(k == 0, E, full)


def expm1(x: Any) -> DD:
    """e^x - 1 in double-double, accurate relative to itself near 0 (-1 below -745.2)."""
    x = _as_dd(x)
    k, E, ok = exp_parts(x)
    y = _expm1_from(k, E)
    out = np.where(x.hi > 0, np.inf, -1.0)
    return DD._raw(np.where(ok, y.hi, out), np.where(ok, y.lo, 0.0))


def exp_and_expm1(x: Any) -> tuple[DD, DD]:
    """(e^x, e^x - 1) from one argument reduction, for x <= 0 (the callers' case)."""
    x = _as_dd(x)
    k, E, ok = exp_parts(x)
    e = ldexp(_add_d(E, np.float64(1.0)), k)
    m = _expm1_from(k, E)
    e = DD._raw(np.where(ok, e.hi, 0.0), np.where(ok, e.lo, 0.0))
    m = DD._raw(np.where(ok, m.hi, -1.0), np.where(ok, m.lo, 0.0))
    return e, m


def log1p(x: Any) -> DD:
    """log(1 + x) for x > -1: float64's log1p corrected by one Newton step on expm1
    (quadratic convergence: 2^-53 -> ~2^-106), accurate relative to itself near 0."""
    x = _as_dd(x)
    y = DD(np.log1p(x.hi))
    k, E, _ = exp_parts(y)
    em1 = _expm1_from(k, E)  # e^y - 1
    return y - (em1 - x) / (em1 + 1.0)


def log(x: Any) -> DD:
    """log x for x > 0: log1p(x - 1) on [0.5, 2] (x - 1 is exact there), elsewhere
    float64's log corrected by one Newton step, y + (x - e^y) / e^y."""
    x = _as_dd(x)
    near = (x.hi >= 0.5) & (x.hi <= 2.0)
    a = log1p(where(near, x, DD(np.ones_like(x.hi))) - 1.0)
    y = DD(np.log(np.where(near, 1.0, x.hi)))
    ey = exp(y)
    b = y + (where(near, ey, x) - ey) / ey
    return where(near, a, b)


def tanh(x: Any) -> DD:
    """tanh x = sign(x) (1 - e^{-2|x|}) / (1 + e^{-2|x|}), the numerator as -expm1:
    accurate relative to itself for every x."""
    x = _as_dd(x)
    e, m = exp_and_expm1(-2.0 * abs(x))
    t = -m / (e + 1.0)
    return where(x.hi < 0, -t, t)
