"""English dates and times, one format for every page, sentence and timeline: the
24-hour clock (a time ends no sentence in "p.m.."), the month abbreviated."""

DATE_FORMAT = "N j, Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "N j, Y, H:i"
SHORT_DATE_FORMAT = "N j, Y"
SHORT_DATETIME_FORMAT = "N j, Y, H:i"
