"""Pure rules of official documents after GB/T 9704-2012 《党政机关公文格式》.

The elements the portal prints (§7): 份号 and 密级 are not used (nothing is classified);
the issuing body's mark (发文机关标志, §7.2.3) in red; the document number (发文字号,
§7.2.4) as 机关代字 + 〔年份〕 + 序号 + 号, the year in hexagonal brackets 〔〕, the sequence
without leading zeros or 第; the separator line in red (§7.2.6); title (§7.3.1);
addressees (主送机关, §7.3.2); body (§7.3.3); signature and date of issue (§7.3.5, the date
in Arabic numerals, 2026年12月7日); page numbers as "— 1 —" (§7.5); the colophon (版记,
§7.4: 抄送, 印发机关 and 印发日期).
"""

from dataclasses import dataclass

KINDS = ("bulletin", "notice", "regulator")
PLACEHOLDER = "（发布时编号）"  # a draft has no number yet: given at publication only
DATE_PLACEHOLDER = "（发布时填写）"


def format_number(prefix: str, year: int, seq: int) -> str:
    """辽银协〔2026〕12号 (§7.2.4: 〔〕 around the year, no leading zero, no 第)."""
    if seq < 1:
        raise ValueError("a document's sequence starts at 1")
    return f"{prefix}〔{year}〕{seq}号"


def page_number(n: int) -> str:
    """— 1 — (§7.5: an em dash on either side of the Arabic page number)."""
    return f"— {n} —"


TITLE_PER_LINE = 20  # 2号 characters across the 156 mm type area (§5.2.1, §7.3.1)


def title_lines(parts: list[str], per_line: int = TITLE_PER_LINE) -> list[str]:
    """The title's lines, broken only between ``parts`` (§7.3.1: a title that runs over
    keeps its words whole, 词意完整): the parts are packed greedily, a part longer than
    a line stands on its own line."""
    lines: list[str] = []
    for part in (p for p in parts if p):
        if lines and len(lines[-1]) + len(part) <= per_line:
            lines[-1] += part
        else:
            lines.append(part)
    return lines


# Fonts (§5.1: 3号仿宋 for the body, 2号小标宋 for the title; the mark 小标宋 in red).
# Each role is a CSS font-family list: the configured families first, then free faces
# Debian packages (scripts/system-deps.sh installs them), then WenQuanYi as the last
# resort, so a missing face never prints boxes.
DEFAULT_FONTS = {
    "serif": "Noto Serif CJK SC",  # ≈ 宋体 / 小标宋 (the title, the mark)
    "sans": "Noto Sans CJK SC",  # ≈ 黑体 (first-level headings)
    "kai": "AR PL UKai CN",  # 楷体 (second-level headings)
    # No packaged 仿宋 covers simplified Chinese (cwTeX 仿宋 is traditional only), so the
    # body falls back to the Song face; a site with FangSong installed names it first.
    "fang": "FangSong, FangSong_GB2312, 仿宋, Noto Serif CJK SC",
}
FALLBACK = ("WenQuanYi Micro Hei", "sans-serif")


@dataclass(frozen=True)
class Fonts:
    serif: str
    sans: str
    kai: str
    fang: str


def _families(configured: str | None, default: str) -> list[str]:
    names = []
    for part in [*(configured or "").split(","), *default.split(","), *FALLBACK]:
        name = part.strip().strip("'\"")
        if name and name not in names:
            names.append(name)
    return names


def css_family(names: list[str]) -> str:
    """A CSS font-family value, safe to print unescaped in a <style> block: a configured
    name loses quotes, backslashes, semicolons, braces and angle brackets."""
    generic = {"serif", "sans-serif", "monospace"}
    safe = ["".join(c for c in n if c not in '"\\;{}<>') for n in names]
    return ", ".join(n if n in generic else f'"{n}"' for n in safe if n)


def font_stacks(config: dict) -> Fonts:
    """The four families from PORTAL_PDF_FONT_SERIF/SANS/KAI/FANG (config keys
    PDF_FONT_*), each a comma-separated list, followed by the defaults."""
    return Fonts(
        **{
            role: css_family(_families(config.get(f"PDF_FONT_{role.upper()}"), default))
            for role, default in DEFAULT_FONTS.items()
        }
    )
