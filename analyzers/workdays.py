"""Working days by the official Chinese calendar: public holidays and 调休 make-up workdays, as
one data file per year in holiday-cn's layout (`{"year", "papers", "days": [{"name", "date",
"isOffDay"}]}`). The project ships 2007 onward (analyzers/data/calendar, generated from
chinese-calendar's data); a deployment adds or corrects a year by putting a file of the same
name into `<data dir>/calendar/`, which wins over the shipped one.

A day is *settled* when the notice that can still move it is loaded: its own year's, and, from
mid-December on, the next year's too (the notice for 2019 made 2018-12-29 a working day). A
deadline that counts an unsettled day is provisional (暂定): computed with weekends as the only
days off, and final once the data arrives.

All arithmetic is by tables built once per calendar: O(1) per deadline or count."""
from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

BUNDLED = Path(__file__).parent / "data" / "calendar"
FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2200, 12, 31)
# From this day of December on, the next year's notice may still move a day (元旦 blocks).
UNSETTLED_FROM = (12, 15)


class CalendarNotCovered(ValueError):
    """A date outside every table: no working day can be counted there, not even provisionally."""


class CalendarFileError(ValueError):
    """A calendar file that cannot be used, with the reason in Chinese."""


@dataclass(frozen=True)
class CalendarDay:
    name: str
    date: date
    is_off_day: bool

    def as_json(self) -> dict:
        return {"name": self.name, "date": self.date.isoformat(), "isOffDay": self.is_off_day}


@dataclass(frozen=True)
class YearFile:
    year: int
    papers: tuple[str, ...]
    days: tuple[CalendarDay, ...]
    source: str  # "内置" or the path of the deployment's file

    def as_json(self) -> dict:
        return {"year": self.year, "papers": list(self.papers), "days": [d.as_json() for d in self.days]}


def parse_year_file(text: str, source: str, expected_year: int | None = None) -> YearFile:
    try:
        content = json.loads(text)
        year = int(content["year"])
        papers = tuple(str(p) for p in content.get("papers", []))
        days = tuple(
            CalendarDay(str(d["name"]), date.fromisoformat(str(d["date"])), _boolean(d["isOffDay"]))
            for d in content["days"]
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CalendarFileError(f"{source}：不是 holiday-cn 格式的日历文件（{type(exc).__name__}：{exc}）") from exc
    if expected_year is not None and year != expected_year:
        raise CalendarFileError(f"{source}：文件名是 {expected_year} 年，内容却是 {year} 年")
    strays = [d.date for d in days if abs(d.date.year - year) > 1]
    if strays:
        raise CalendarFileError(f"{source}：{year} 年的安排里有 {strays[0]} 这样离得太远的日期")
    return YearFile(year, papers, days, source)


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"isOffDay 应为 true 或 false，而不是 {value!r}")
    return value


@dataclass
class WorkCalendar:
    """Working days from a set of year files; every query is a table lookup."""

    years: dict[int, YearFile]
    problems: list[str] = field(default_factory=list)  # files that were skipped, and why

    def __post_init__(self) -> None:
        special: dict[date, bool] = {}
        for year in sorted(self.years):  # a later notice wins over an earlier one for the same day
            for day in self.years[year].days:
                special[day.date] = day.is_off_day
        size = (LAST_DAY - FIRST_DAY).days + 1
        workday = bytearray(size)
        cumulative = [0] * size  # working days in [FIRST_DAY, day]
        running = 0
        for i in range(size):
            day = FIRST_DAY + timedelta(days=i)
            off = special.get(day, day.weekday() >= 5)
            workday[i] = not off
            running += not off
            cumulative[i] = running
        self._workday = workday
        self._cumulative = cumulative
        self._positions = [i for i in range(size) if workday[i]]
        self._unsettled = [i for i in range(size) if not self._settled(FIRST_DAY + timedelta(days=i))]
        self.version = hashlib.sha256(
            json.dumps({y: f.as_json() for y, f in sorted(self.years.items())}, sort_keys=True).encode()
        ).hexdigest()[:16]

    def _settled(self, day: date) -> bool:
        if day.year not in self.years:
            return False
        return (day.month, day.day) < UNSETTLED_FROM or day.year + 1 in self.years

    @staticmethod
    def _index(day: date) -> int:
        if not FIRST_DAY <= day <= LAST_DAY:
            raise CalendarNotCovered(f"{day} 超出工作日历的范围（{FIRST_DAY.year}—{LAST_DAY.year} 年）")
        return (day - FIRST_DAY).days

    # ---- arithmetic ----
    def is_workday(self, day: date) -> bool:
        return bool(self._workday[self._index(day)])

    def nth_workday_after(self, day: date, n: int) -> date:
        """The n-th working day after day, day itself not counted (n=0: day itself)."""
        if n == 0:
            return day
        position = self._cumulative[self._index(day)] + n - 1
        if position >= len(self._positions):
            raise CalendarNotCovered(f"{day} 之后第 {n} 个工作日超出工作日历的范围")
        return FIRST_DAY + timedelta(days=self._positions[position])

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: after start, up to and including end; 0 when end ≤ start."""
        if end <= start:
            return 0
        return self._cumulative[self._index(end)] - self._cumulative[self._index(start)]

    # ---- how sure ----
    def settled(self, day: date) -> bool:
        return self._settled(day)

    def first_unsettled(self, after: date, through: date) -> date | None:
        """The first day in (after, through] that a notice not yet loaded may still move."""
        if through <= after:
            return None
        i = bisect_right(self._unsettled, self._index(after))
        if i < len(self._unsettled) and self._unsettled[i] <= self._index(through):
            return FIRST_DAY + timedelta(days=self._unsettled[i])
        return None

    def why_unsettled(self, day: date) -> str:
        """Plain Chinese: which notice is missing for this day."""
        missing = day.year if day.year not in self.years else day.year + 1
        if missing == day.year:
            return f"工作日历尚无 {missing} 年的节假日安排，{day} 前后按周末休息暂定"
        return f"{missing} 年的节假日安排尚未载入，它可能调整 {day.year} 年 12 月下旬的休息日和上班日"

    @property
    def covered_years(self) -> list[int]:
        return sorted(self.years)

    @property
    def settled_through(self) -> date | None:
        """The last day of the settled stretch that starts with the first year on file."""
        if not self.years:
            return None
        start = date(min(self.years), 1, 1)
        first_gap = self.first_unsettled(start - timedelta(days=1), LAST_DAY)
        return first_gap - timedelta(days=1) if first_gap else LAST_DAY


def _read_folder(folder: Path, source: str | None, problems: list[str]) -> dict[int, YearFile]:
    years: dict[int, YearFile] = {}
    if not folder.is_dir():
        return years
    for path in sorted(folder.glob("*.json")):
        if not path.stem.isdigit():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            years[int(path.stem)] = parse_year_file(text, source or str(path), int(path.stem))
        except (OSError, UnicodeDecodeError, CalendarFileError) as exc:
            problems.append(f"{path}：{exc}" if not isinstance(exc, CalendarFileError) else str(exc))
    return years


def _folder_stamp(folder: Path | None) -> tuple:
    if folder is None or not folder.is_dir():
        return ()
    stamp = []
    for path in sorted(folder.glob("*.json")):
        try:
            stat = path.stat()
        except OSError:
            continue
        stamp.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(stamp)


@lru_cache(maxsize=8)
def _calendar_for(folder: Path | None, _stamp: tuple) -> WorkCalendar:
    problems: list[str] = []
    years = _read_folder(BUNDLED, "内置", problems)
    if folder is not None:
        years.update(_read_folder(folder, None, problems))
    return WorkCalendar(years, problems)


def load_calendar(folder: Path | None = None) -> WorkCalendar:
    """The shipped years, overridden and extended by the deployment's folder. Rebuilt only when a
    file there is added, removed or changed (its name, size and time are checked on each call)."""
    return _calendar_for(folder, _folder_stamp(folder))


def default_calendar() -> WorkCalendar:
    return load_calendar(None)
