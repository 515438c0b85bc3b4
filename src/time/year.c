#include "time/stamp.h"

int32_t pft_year_track_join(struct pft_year_track *stream, const struct pft_year_track *next)
{
	if (!next->have)
		return 0;
	if (!stream->have) {
		*stream = *next;
		return 0;
	}
	int32_t shift = stream->rel + pft_year_step(stream->prev_pos, next->first_pos);
	stream->rel = next->rel + shift;
	stream->prev_pos = next->prev_pos;
	stream->last = next->last;
	return shift;
}

int64_t pft_days_from_civil(int32_t year, unsigned month, unsigned day)
{
	/* H. Hinnant's days_from_civil. */
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int32_t pft_year_of_last(const struct pft_civil *last, int32_t forced_year, time_t mtime)
{
	if (forced_year != 0)
		return forced_year;
	if (mtime == 0)
		return 0;
	struct tm tm;
	if (localtime_r(&mtime, &tm) == NULL)
		return 0;
	int32_t year = tm.tm_year + 1900;
	int64_t mtime_local = pft_days_from_civil(year, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) *
				      86400 +
			      tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	int64_t line = pft_days_from_civil(year, last->month, last->day) * 86400 + last->hour * 3600 +
		       last->min * 60 + last->sec;
	return line > mtime_local + 86400 ? year - 1 : year;
}
