/* Findings: defer-rate periods and bounce spikes against each scope's own trailing baseline
 * (see analyze.h for the rule). Everything is computed from exact integer counts in a fixed
 * order, so the findings are the same for every input split and thread count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"

/* ---- the trailing window: sorted rates of the counting hours ------------------------------ */

struct window {
	double *sorted; /* rates, ascending */
	size_t n;
};

static size_t lower_bound(const double *v, size_t n, double x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void window_insert(struct window *w, double rate)
{
	size_t at = lower_bound(w->sorted, w->n, rate);
	memmove(w->sorted + at + 1, w->sorted + at, (w->n - at) * sizeof *w->sorted);
	w->sorted[at] = rate;
	w->n++;
}

static void window_remove(struct window *w, double rate)
{
	size_t at = lower_bound(w->sorted, w->n, rate);
	if (at < w->n && w->sorted[at] == rate) {
		memmove(w->sorted + at, w->sorted + at + 1, (w->n - at - 1) * sizeof *w->sorted);
		w->n--;
	}
}

static double window_median(const struct window *w)
{
	size_t mid = w->n / 2;
	return w->n % 2 ? w->sorted[mid] : (w->sorted[mid - 1] + w->sorted[mid]) / 2;
}

/* ---- one kind over one series -------------------------------------------------------------- */

/* Per hour: its baseline (the median; -1 when there is none) and what counted against it. */
struct hour_eval {
	double median;
	double expected; /* the count expected: attempts x the larger of the median, the
	                  * window's pooled rate and the floor */
	int elevated;
};

static uint64_t count_of(const struct pft_hour_cell *c, enum pft_finding_kind kind)
{
	return kind == PFT_FINDING_DEFER_RATE ? c->deferred : c->bounced;
}

static double rate_of(const struct pft_hour_cell *c, enum pft_finding_kind kind)
{
	return c->attempts ? (double)count_of(c, kind) / (double)c->attempts : 0;
}

/* -ln of the Poisson (Chernoff) tail bound of k events where l were expected; 0 when k <= l. */
static double surprise(double k, double l)
{
	if (k <= l)
		return 0;
	if (l <= 0)
		return INFINITY;
	return k * log(k / l) - k + l;
}

/* The median of the rates of the counting hours at the same hour of the day in the window
 * (h - 24, h - 48, ...), or -1 with fewer than PFT_FINDINGS_MIN_SAME_HOUR of them. cells[0..i)
 * are the hours before h. */
#define PFT_FINDINGS_MIN_SAME_HOUR 3

static double same_hour_median(const struct pft_scope_series *s, size_t i,
                               enum pft_finding_kind kind, const struct pft_findings_options *o)
{
	double v[32];
	size_t n = 0, hi = i;
	const int64_t h = s->cells[i].hour;
	for (int64_t back = 24; back <= (int64_t)o->baseline_hours && n < 32; back += 24) {
		size_t lo = 0, end = hi; /* the cell of hour h - back, if any */
		while (lo < end) {
			size_t mid = lo + (end - lo) / 2;
			if (s->cells[mid].hour < h - back)
				lo = mid + 1;
			else
				end = mid;
		}
		hi = lo;
		if (lo < i && s->cells[lo].hour == h - back &&
		    s->cells[lo].attempts >= o->min_volume && s->cells[lo].attempts > 0) {
			const double r = rate_of(&s->cells[lo], kind);
			size_t at = n++;
			while (at > 0 && v[at - 1] > r) { /* insertion sort */
				v[at] = v[at - 1];
				at--;
			}
			v[at] = r;
		}
	}
	if (n < PFT_FINDINGS_MIN_SAME_HOUR)
		return -1;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void evaluate(const struct pft_scope_series *s, enum pft_finding_kind kind,
                     const struct pft_findings_options *o, struct window *w, size_t *queue,
                     struct hour_eval *ev)
{
	const double factor = kind == PFT_FINDING_DEFER_RATE ? o->defer_factor : o->bounce_factor;
	size_t head = 0, tail = 0; /* queue[head..tail): counting hours in the window, in order */
	uint64_t sum_attempts = 0, sum_count = 0; /* over the window: its pooled rate */
	w->n = 0;
	for (size_t i = 0; i < s->n_cells; i++) {
		const struct pft_hour_cell *c = &s->cells[i];
		while (head < tail &&
		       s->cells[queue[head]].hour < c->hour - (int64_t)o->baseline_hours) {
			const struct pft_hour_cell *old = &s->cells[queue[head]];
			window_remove(w, rate_of(old, kind));
			sum_attempts -= old->attempts;
			sum_count -= count_of(old, kind);
			head++;
		}
		const int counts = c->attempts >= o->min_volume && c->attempts > 0;
		struct hour_eval *e = &ev[i];
		e->median = -1;
		e->expected = 0;
		e->elevated = 0;
		if (w->n > 0 && w->n >= o->min_history) {
			e->median = window_median(w);
			/* Mail has a daily rhythm: at night fresh mail is scarce while the deferred
			 * queue is retried as always, so a night's defer rate is compared with
			 * other nights too. */
			if (o->same_hour) {
				const double night = same_hour_median(s, i, kind, o);
				e->median = night > e->median ? night : e->median;
			}
			const double base = e->median > o->rate_floor ? e->median : o->rate_floor;
			/* Rare events make a median of hourly rates 0 while the rate is not: the
			 * count must also stand out against the window's pooled rate. */
			const double pooled = (double)sum_count / (double)sum_attempts;
			e->expected = (pooled > base ? pooled : base) * (double)c->attempts;
			e->elevated = counts && rate_of(c, kind) >= factor * base;
		}
		if (counts) {
			window_insert(w, rate_of(c, kind));
			sum_attempts += c->attempts;
			sum_count += count_of(c, kind);
			queue[tail++] = i;
		}
	}
}

static int dsn_cmp(const void *a, const void *b)
{
	const struct pft_dsn_count *x = a, *y = b;
	if (x->attempts != y->attempts)
		return x->attempts < y->attempts ? 1 : -1;
	return (x->code > y->code) - (x->code < y->code);
}

/* The most frequent DSN codes of the status of kind in [start, start + hours). */
static enum pft_status top_dsn(const struct pft_scope_series *s, struct pft_finding *f)
{
	const uint8_t status = f->kind == PFT_FINDING_DEFER_RATE ? PFT_DS_DEFERRED : PFT_DS_BOUNCED;
	struct pft_dsn_count *codes = NULL;
	size_t n = 0, cap = 0;
	size_t lo = 0, hi = s->n_dsn;
	while (lo < hi) { /* the first entry of start_hour or later */
		size_t mid = lo + (hi - lo) / 2;
		if (s->dsn[mid].hour < f->start_hour)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < s->n_dsn && s->dsn[i].hour < f->start_hour + (int64_t)f->hours;
	     i++) {
		const struct pft_hour_dsn *d = &s->dsn[i];
		if (d->status != status)
			continue;
		size_t j = 0;
		while (j < n && codes[j].code != d->code)
			j++;
		if (j == n) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				struct pft_dsn_count *more = realloc(codes, cap * sizeof *codes);
				if (more == NULL) {
					free(codes);
					return PFT_ERR_NOMEM;
				}
				codes = more;
			}
			codes[n++] = (struct pft_dsn_count){d->code, 0};
		}
		codes[j].attempts += d->attempts;
	}
	if (n > 0)
		qsort(codes, n, sizeof *codes, dsn_cmp);
	f->n_top_dsn = 0;
	for (size_t j = 0; j < n && j < PFT_FINDING_TOP_DSN; j++) {
		f->top_dsn[j].code = codes[j].code;
		f->top_dsn[j].attempts = codes[j].attempts;
		f->n_top_dsn++;
	}
	free(codes);
	return PFT_OK;
}

static enum pft_status push(struct pft_finding **v, size_t *n, const struct pft_finding *f)
{
	if ((*n & (*n - 1)) == 0) { /* grow at powers of two */
		struct pft_finding *more = realloc(*v, (*n ? *n * 2 : 4) * sizeof **v);
		if (more == NULL)
			return PFT_ERR_NOMEM;
		*v = more;
	}
	(*v)[(*n)++] = *f;
	return PFT_OK;
}

/* The run of cells [first, last] as a finding, if it is one. */
static enum pft_status run_end(const struct pft_scope_series *s, enum pft_scope scope,
                               enum pft_finding_kind kind, const struct pft_findings_options *o,
                               const struct hour_eval *ev, size_t first, size_t last,
                               struct pft_finding **v, size_t *n)
{
	const uint32_t hours = (uint32_t)(last - first + 1);
	if (kind == PFT_FINDING_DEFER_RATE && hours < o->min_hours)
		return PFT_OK;
	struct pft_finding f = {.kind = kind,
	                        .scope = scope,
	                        .start_hour = s->cells[first].hour,
	                        .hours = hours,
	                        .peak_hour = s->cells[first].hour,
	                        .peak_rate = -1,
	                        .baseline = ev[first].median};
	const double factor = kind == PFT_FINDING_DEFER_RATE ? o->defer_factor : o->bounce_factor;
	f.threshold =
	    factor * (ev[first].median > o->rate_floor ? ev[first].median : o->rate_floor);
	double expected = 0;
	for (size_t i = first; i <= last; i++) {
		const struct pft_hour_cell *c = &s->cells[i];
		f.attempts += c->attempts;
		f.deferred += c->deferred;
		f.bounced += c->bounced;
		expected += ev[i].expected;
		if (rate_of(c, kind) > f.peak_rate) {
			f.peak_rate = rate_of(c, kind);
			f.peak_hour = c->hour;
		}
	}
	const uint64_t k = kind == PFT_FINDING_DEFER_RATE ? f.deferred : f.bounced;
	/* A spike's hours passed the test one by one (spike_hour). */
	if (kind == PFT_FINDING_DEFER_RATE && surprise((double)k, expected) < -log(o->max_chance))
		return PFT_OK;
	f.rate = f.attempts ? (double)k / (double)f.attempts : 0;
	PFT_TRY(top_dsn(s, &f));
	if (s->name != NULL && (f.name = strdup(s->name)) == NULL)
		return PFT_ERR_NOMEM;
	enum pft_status st = push(v, n, &f);
	if (st != PFT_OK)
		free(f.name);
	return st;
}

/* Bounce spikes are hours that stand out on their own: an elevated hour that is not
 * surprising by itself does not count, and does not join its neighbours. */
static int spike_hour(const struct pft_hour_cell *c, const struct hour_eval *e,
                      const struct pft_findings_options *o)
{
	return e->elevated && surprise((double)c->bounced, e->expected) >= -log(o->max_chance);
}

static enum pft_status scan_kind(const struct pft_scope_series *s, enum pft_scope scope,
                                 enum pft_finding_kind kind, const struct pft_findings_options *o,
                                 const struct hour_eval *ev, struct pft_finding **v, size_t *n)
{
	size_t first = 0;
	int in_run = 0;
	for (size_t i = 0; i < s->n_cells; i++) {
		const int hit = kind == PFT_FINDING_DEFER_RATE
		                    ? ev[i].elevated
		                    : spike_hour(&s->cells[i], &ev[i], o);
		const int next_hour = in_run && s->cells[i].hour == s->cells[i - 1].hour + 1;
		if (in_run && !(hit && next_hour)) {
			PFT_TRY(run_end(s, scope, kind, o, ev, first, i - 1, v, n));
			in_run = 0;
		}
		if (hit && !in_run) {
			first = i;
			in_run = 1;
		}
	}
	if (in_run)
		PFT_TRY(run_end(s, scope, kind, o, ev, first, s->n_cells - 1, v, n));
	return PFT_OK;
}

enum pft_status pft_findings_of_series(const struct pft_scope_series *s, enum pft_scope scope,
                                       const struct pft_findings_options *o, struct pft_finding **v,
                                       size_t *n)
{
	if (s->n_cells == 0)
		return PFT_OK;
	struct window w = {malloc(s->n_cells * sizeof *w.sorted), 0};
	size_t *queue = malloc(s->n_cells * sizeof *queue);
	struct hour_eval *ev = malloc(s->n_cells * sizeof *ev);
	enum pft_status status = w.sorted && queue && ev ? PFT_OK : PFT_ERR_NOMEM;
	for (int k = 0; status == PFT_OK && k < PFT_FINDING_KIND_COUNT; k++) {
		evaluate(s, (enum pft_finding_kind)k, o, &w, queue, ev);
		status = scan_kind(s, scope, (enum pft_finding_kind)k, o, ev, v, n);
	}
	free(w.sorted);
	free(queue);
	free(ev);
	return status;
}

/* ---- scopes ------------------------------------------------------------------------------- */

static uint64_t attempts_of(const struct pft_counts *c)
{
	uint64_t n = 0;
	for (int k = 0; k < PFT_DS_COUNT; k++)
		n += c->attempts[k];
	return n;
}

static int by_attempts(const void *a, const void *b)
{
	const struct pft_named_counts *x = *(const struct pft_named_counts *const *)a;
	const struct pft_named_counts *y = *(const struct pft_named_counts *const *)b;
	uint64_t ax = attempts_of(&x->counts), ay = attempts_of(&y->counts);
	if (ax != ay)
		return ax < ay ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int series_by_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct pft_scope_series *)elem)->name);
}

static enum pft_status scan_top(const struct pft_named_counts *rows, size_t n_rows,
                                const struct pft_scope_series *series, size_t n_series,
                                enum pft_scope scope, const struct pft_findings_options *o,
                                struct pft_finding **v, size_t *n)
{
	if (n_rows == 0 || o->top == 0)
		return PFT_OK;
	const struct pft_named_counts **order = malloc(n_rows * sizeof *order);
	if (order == NULL)
		return PFT_ERR_NOMEM;
	for (size_t i = 0; i < n_rows; i++)
		order[i] = &rows[i];
	qsort(order, n_rows, sizeof *order, by_attempts);
	enum pft_status status = PFT_OK;
	for (size_t i = 0; status == PFT_OK && i < n_rows && i < o->top; i++) {
		const struct pft_scope_series *s =
		    bsearch(order[i]->name, series, n_series, sizeof *series, series_by_name);
		if (s != NULL)
			status = pft_findings_of_series(s, scope, o, v, n);
	}
	free(order);
	return status;
}

static int finding_cmp(const void *a, const void *b)
{
	const struct pft_finding *x = a, *y = b;
	if (x->start_hour != y->start_hour)
		return x->start_hour < y->start_hour ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->scope != y->scope)
		return x->scope < y->scope ? -1 : 1;
	if (x->name != NULL && y->name != NULL) {
		int c = strcmp(x->name, y->name);
		if (c != 0)
			return c;
	}
	return (x->hours > y->hours) - (x->hours < y->hours);
}

void pft_findings_free(struct pft_finding *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		for (int k = 0; k < v[i].n_top_reasons; k++)
			free(v[i].top_reasons[k].key);
	}
	free(v);
}

/* ---- reasons (whole input: the result has no reasons per hour) ----------------------------- */

static int group_by_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct pft_reason_group *)elem)->name);
}

static const struct pft_reason_group *reason_group(const struct pft_result *r,
                                                   const struct pft_finding *f)
{
	if (f->scope == PFT_SCOPE_DOMAIN)
		return r->n_reasons_by_domain
		           ? bsearch(f->name, r->reasons_by_domain, r->n_reasons_by_domain,
		                     sizeof *r->reasons_by_domain, group_by_name)
		           : NULL;
	if (f->n_top_dsn == 0)
		return NULL;
	char code[16];
	const pft_dsn d = f->top_dsn[0].code;
	snprintf(code, sizeof code, "%u.%u.%u", PFT_DSN_CLASS(d), PFT_DSN_SUBJECT(d),
	         PFT_DSN_DETAIL(d));
	for (size_t i = 0; i < r->n_reasons_by_dsn; i++)
		if (strcmp(r->reasons_by_dsn[i].name, code) == 0)
			return &r->reasons_by_dsn[i];
	return NULL;
}

static enum pft_status add_reasons(const struct pft_result *r, struct pft_finding *f)
{
	const struct pft_reason_group *g = reason_group(r, f);
	if (g == NULL)
		return PFT_OK;
	const enum pft_reason_status want =
	    f->kind == PFT_FINDING_DEFER_RATE ? PFT_RS_DEFERRED : PFT_RS_BOUNCED;
	f->reasons_of = f->scope == PFT_SCOPE_DOMAIN ? PFT_REASONS_DOMAIN : PFT_REASONS_DSN;
	/* rows are by count, descending, then key */
	for (size_t i = 0; i < g->n_rows && f->n_top_reasons < PFT_FINDING_TOP_REASONS; i++) {
		if (g->rows[i].status != want)
			continue;
		char *key = strdup(g->rows[i].key);
		if (key == NULL)
			return PFT_ERR_NOMEM;
		f->top_reasons[f->n_top_reasons].key = key;
		f->top_reasons[f->n_top_reasons++].count = g->rows[i].count;
	}
	return PFT_OK;
}

enum pft_status pft_findings_compute(const struct pft_result *r,
                                     const struct pft_findings_options *o, struct pft_finding **out,
                                     size_t *n_out)
{
	const struct pft_findings_options defaults = PFT_FINDINGS_DEFAULTS;
	if (o == NULL)
		o = &defaults;
	struct pft_finding *v = NULL;
	size_t n = 0;
	enum pft_status status =
	    pft_findings_of_series(&r->series_server, PFT_SCOPE_SERVER, o, &v, &n);
	if (status == PFT_OK)
		status = scan_top(r->domains, r->n_domains, r->series_domains, r->n_series_domains,
		                  PFT_SCOPE_DOMAIN, o, &v, &n);
	if (status == PFT_OK)
		status = scan_top(r->relays, r->n_relays, r->series_relays, r->n_series_relays,
		                  PFT_SCOPE_RELAY, o, &v, &n);
	for (size_t i = 0; status == PFT_OK && i < n; i++)
		status = add_reasons(r, &v[i]);
	if (status != PFT_OK) {
		pft_findings_free(v, n);
		return status;
	}
	if (n > 1)
		qsort(v, n, sizeof *v, finding_cmp);
	*out = v;
	*n_out = n;
	return PFT_OK;
}

enum pft_status pft_findings_attach(struct pft_result *r, const struct pft_findings_options *o)
{
	const struct pft_findings_options defaults = PFT_FINDINGS_DEFAULTS;
	struct pft_finding *v = NULL;
	size_t n = 0;
	PFT_TRY(pft_findings_compute(r, o, &v, &n));
	pft_findings_free(r->findings, r->n_findings);
	r->findings = v;
	r->n_findings = n;
	r->findings_options = o ? *o : defaults;
	r->findings_done = 1;
	return PFT_OK;
}
