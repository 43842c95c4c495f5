"""Real calendar dates around holidays with 调休 make-up days."""
from datetime import date

import pytest

from analyzers.workdays import CalendarNotCovered, is_workday, nth_workday_after, workdays_between


def test_national_day_2016_counts_the_make_up_saturday():
    # Fri 2016-09-30; 10-01..10-07 holiday; Sat 10-08 and Sun 10-09 were working days.
    assert is_workday(date(2016, 10, 8)) and is_workday(date(2016, 10, 9))
    assert not is_workday(date(2016, 10, 3))
    assert nth_workday_after(date(2016, 9, 30), 1) == date(2016, 10, 8)
    assert nth_workday_after(date(2016, 9, 30), 3) == date(2016, 10, 10)


def test_spring_festival_2024_counts_the_make_up_sunday():
    # Fri 2024-02-09 (除夕 eve); 02-10..02-17 holiday; Sun 02-18 a working day.
    assert not is_workday(date(2024, 2, 12))
    assert is_workday(date(2024, 2, 18))
    assert nth_workday_after(date(2024, 2, 9), 3) == date(2024, 2, 20)
    assert workdays_between(date(2024, 2, 9), date(2024, 2, 19)) == 2


def test_an_ordinary_week():
    assert nth_workday_after(date(2016, 6, 30), 3) == date(2016, 7, 5)
    assert workdays_between(date(2016, 7, 5), date(2016, 7, 8)) == 3
    assert workdays_between(date(2016, 7, 8), date(2016, 7, 5)) == 0
    assert nth_workday_after(date(2016, 7, 2), 0) == date(2016, 7, 2)


def test_a_year_without_data_is_an_error_not_a_guess():
    with pytest.raises(CalendarNotCovered, match="2099"):
        is_workday(date(2099, 1, 5))
