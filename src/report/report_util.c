/* Helpers shared by the report writers: rates, safe text, rankings and time series. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

uint64_t report_recipients_total(const struct pft_counts *c)
{
	uint64_t n = 0;
	for (int o = 0; o < PFT_OUT_COUNT; o++)
		n += c->recipients[o];
	return n;
}

uint64_t report_decided(const struct pft_counts *c)
{
	return report_recipients_total(c) - c->recipients[PFT_OUT_PENDING] -
	       c->recipients[PFT_OUT_ABANDONED];
}

double report_ratio(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

void report_dsn_label(pft_dsn code, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u", PFT_DSN_CLASS(code) % 1000u, PFT_DSN_SUBJECT(code),
	         PFT_DSN_DETAIL(code));
}

void report_reject_code_label(const struct pft_reject_code *code, char buf[32])
{
	char dsn[16];
	report_dsn_label(code->dsn, dsn);
	if (code->reply != 0 && code->dsn != 0)
		snprintf(buf, 32, "%u %s", code->reply, dsn);
	else if (code->reply != 0)
		snprintf(buf, 32, "%u", code->reply);
	else if (code->dsn != 0)
		snprintf(buf, 32, "%s", dsn);
	else
		snprintf(buf, 32, "none");
}

int report_reasons_of_attempts(const char *status_name)
{
	for (int s = PFT_RS_DEFERRED; s <= PFT_RS_EXPIRED; s++)
		if (strcmp(status_name, pft_reason_status_name((enum pft_reason_status)s)) == 0)
			return 1;
	return 0;
}

const char *pft_series_name(enum pft_series series)
{
	switch (series) {
	case PFT_SERIES_HOUR: return "hour";
	case PFT_SERIES_DAY: return "day";
	case PFT_SERIES_WEEK: return "week";
	default: return "?";
	}
}

/* ---- text from the log ------------------------------------------------------------------ */

void report_put_text(FILE *out, const char *s, size_t n,
                     void (*put_ascii)(FILE *out, unsigned char c))
{
	static const char replacement[] = "\xEF\xBF\xBD";
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t len = pft_utf8_len(p + i, n - i);
		int control = len == 1 ? (p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7F
		                       : len == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0;
		if (len == 0 || control) {
			fputs(replacement, out);
			i += len ? len : 1;
		} else if (len == 1) {
			put_ascii(out, p[i]);
			i++;
		} else {
			fwrite(p + i, 1, len, out);
			i += len;
		}
	}
}

/* ---- rankings --------------------------------------------------------------------------- */

static uint64_t rank_value(const struct pft_named_counts *row, const struct report_rank *rank)
{
	return rank->by_status ? row->counts.attempts[rank->status]
	                       : pft_attempts_total(&row->counts);
}

static int by_rank_desc(const void *a, const void *b, void *ctx)
{
	const struct pft_named_counts *x = *(const struct pft_named_counts *const *)a;
	const struct pft_named_counts *y = *(const struct pft_named_counts *const *)b;
	uint64_t p = rank_value(x, ctx), q = rank_value(y, ctx);
	if (p != q)
		return p < q ? 1 : -1;
	return strcmp(x->name, y->name);
}

const struct pft_named_counts **report_top(const struct pft_named_counts *v, size_t n,
                                           struct report_rank rank, size_t limit, int skip_zero,
                                           size_t *n_out)
{
	const struct pft_named_counts **order = malloc((n ? n : 1) * sizeof *order);
	if (order == NULL)
		return NULL;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!skip_zero || rank_value(&v[i], &rank) > 0)
			order[m++] = &v[i];
	qsort_r(order, m, sizeof *order, by_rank_desc, &rank);
	*n_out = limit && m > limit ? limit : m;
	return order;
}

/* ---- time series ------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 1;
}

/* "YYYY-MM-DD" -> day number. */
static int parse_day(const char *s, int64_t *out)
{
	unsigned y, m, d;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
		!digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	*out = days_from_civil(y, m, d);
	return 1;
}

/* "YYYY-MM-DDTHH" -> hour number. */
static int parse_hour(const char *s, int64_t *out)
{
	int64_t day;
	unsigned h;
	if (!parse_day(s, &day) || s[10] != 'T' || !digits(s + 11, 2, &h) || h > 23 ||
		s[13] != '\0')
		return 0;
	*out = day * 24 + h;
	return 1;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	int64_t r = a % b;
	return r < 0 ? r + b : r;
}

/* Monday of the ISO week of a day number (1970-01-01 was a Thursday). */
static int64_t week_monday(int64_t day)
{
	return day - floor_mod(day + 3, 7);
}

static void label_of(enum pft_series kind, int64_t key, char label[16])
{
	int64_t y;
	unsigned m, d;
	switch (kind) {
	case PFT_SERIES_HOUR:
		civil_from_days(key / 24 - (key % 24 < 0), &y, &m, &d);
		snprintf(label, 16, "%04d-%02u-%02uT%02u", (int)y, m, d,
		         (unsigned)floor_mod(key, 24));
		break;
	case PFT_SERIES_DAY:
		civil_from_days(key, &y, &m, &d);
		snprintf(label, 16, "%04d-%02u-%02u", (int)y, m, d);
		break;
	default: {
		/* The ISO year is the year of the week's Thursday. */
		civil_from_days(key + 3, &y, &m, &d);
		int64_t week = (key + 3 - days_from_civil(y, 1, 1)) / 7 + 1;
		snprintf(label, 16, "%04d-W%02d", (int)y, (int)week);
		break;
	}
	}
}

static void add_counts(struct pft_counts *dst, const struct pft_counts *src)
{
	for (int s = 0; s < PFT_DS_COUNT; s++)
		dst->attempts[s] += src->attempts[s];
	for (int o = 0; o < PFT_OUT_COUNT; o++)
		dst->recipients[o] += src->recipients[o];
}

enum pft_status report_series_build(const struct pft_result *r, enum pft_series kind,
                                    struct report_series *out)
{
	memset(out, 0, sizeof *out);
	const struct pft_named_counts *src = kind == PFT_SERIES_HOUR ? r->hours : r->days;
	size_t n = kind == PFT_SERIES_HOUR ? r->n_hours : r->n_days;
	if (n == 0)
		return PFT_OK;
	int64_t *keys = malloc(n * sizeof *keys);
	if (keys == NULL)
		return PFT_ERR_NOMEM;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t k;
		int ok = kind == PFT_SERIES_HOUR ? parse_hour(src[i].name, &k)
		                                 : parse_day(src[i].name, &k);
		/* The merge writes these keys from parsed stamps: they always parse. */
		assert(ok);
		if (!ok)
			continue;
		keys[m] = kind == PFT_SERIES_WEEK ? week_monday(k) : k;
		assert(m == 0 || keys[m] >= keys[m - 1]);
		m++;
	}
	int64_t step = kind == PFT_SERIES_WEEK ? 7 : 1;
	int64_t span = m ? (keys[m - 1] - keys[0]) / step + 1 : 0;
	out->filled = span > 0 && span <= REPORT_SERIES_MAX_FILL;
	size_t cap = out->filled ? (size_t)span : m;
	out->v = calloc(cap ? cap : 1, sizeof *out->v);
	if (out->v == NULL) {
		free(keys);
		return PFT_ERR_NOMEM;
	}
	if (out->filled) {
		for (size_t b = 0; b < cap; b++)
			label_of(kind, keys[0] + (int64_t)b * step, out->v[b].label);
		out->n = cap;
	}
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t k;
		int ok = kind == PFT_SERIES_HOUR ? parse_hour(src[i].name, &k)
		                                 : parse_day(src[i].name, &k);
		if (!ok)
			continue;
		int64_t key = kind == PFT_SERIES_WEEK ? week_monday(k) : k;
		struct report_bucket *b;
		if (out->filled) {
			b = &out->v[(key - keys[0]) / step];
		} else {
			if (out->n == 0 || keys[j - 1] != key) {
				keys[j++] = key;
				label_of(kind, key, out->v[out->n].label);
				out->n++;
			}
			b = &out->v[out->n - 1];
		}
		add_counts(&b->counts, &src[i].counts);
	}
	free(keys);
	return PFT_OK;
}

void report_series_free(struct report_series *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

enum pft_status pft_report_write(const struct pft_result *r, const struct pft_report_options *o,
                                 FILE *out)
{
	switch (o->format) {
	case PFT_REPORT_TEXT: return pft_report_text_with(r, o, out);
	case PFT_REPORT_JSON: return pft_report_json(r, out);
	case PFT_REPORT_CSV: return pft_report_csv(r, o, out);
	case PFT_REPORT_HTML: return pft_report_html(r, o, out);
	case PFT_REPORT_OPENMETRICS:
	case PFT_REPORT_PROMETHEUS: return pft_report_metrics(r, o, out);
	}
	return PFT_ERR_USAGE;
}
