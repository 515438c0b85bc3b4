/* Findings (src/analyze/): the detector on synthetic hourly series — exact boundaries of the
 * run length, the volume floor, the trailing-median baseline, bounce spikes and their
 * significance — and end to end: incidents that pftgen plants are found with their scope and
 * time range, a log without one has none, and the JSON findings do not depend on threads or
 * chunk sizes. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../report/report_json_check.h"
#include "agg/agg.h"
#include "analyze/analyze.h"
#include "io/io.h"
#include "pft_test.h"

#define PFTALLY "\"${PFT_TEST_PFTALLY:-" PFT_BINARY_DIR "/pftally}\""
#define PFTGEN  PFT_BINARY_DIR "/tools/pftgen"

/* ---- synthetic series ----------------------------------------------------------------------- */

#define H0 ((int64_t)480000) /* 2024-10-04T00: any hour number will do */

struct series_builder {
	struct pft_scope_series s;
	size_t cap;
};

static void add_hour(struct series_builder *b, int64_t hour, uint64_t attempts, uint64_t deferred,
                     uint64_t bounced)
{
	if (b->s.n_cells == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->s.cells = realloc(b->s.cells, b->cap * sizeof *b->s.cells);
		cr_assert_not_null(b->s.cells);
	}
	b->s.cells[b->s.n_cells++] = (struct pft_hour_cell){
	    hour, attempts, attempts - deferred - bounced, deferred, bounced};
}

/* n hours from `from` with the same counts. */
static void add_hours(struct series_builder *b, int64_t from, int n, uint64_t attempts,
                      uint64_t deferred, uint64_t bounced)
{
	for (int i = 0; i < n; i++)
		add_hour(b, from + i, attempts, deferred, bounced);
}

static void builder_free(struct series_builder *b)
{
	free(b->s.cells);
	free(b->s.dsn);
	memset(b, 0, sizeof *b);
}

struct found {
	struct pft_finding *v;
	size_t n;
};

static struct found detect(const struct series_builder *b, const struct pft_findings_options *o)
{
	const struct pft_findings_options defaults = PFT_FINDINGS_DEFAULTS;
	struct found f = {NULL, 0};
	cr_assert_eq(pft_findings_of_series(&b->s, PFT_SCOPE_SERVER, o ? o : &defaults, &f.v, &f.n),
	             PFT_OK);
	return f;
}

static size_t count_kind(const struct found *f, enum pft_finding_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].kind == kind;
	return n;
}

static const struct pft_finding *first_of(const struct found *f, enum pft_finding_kind kind)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].kind == kind)
			return &f->v[i];
	return NULL;
}

/* 48 hours of history at 2% deferrals, then `elevated` hours at 20%, then 10 normal hours. */
static struct series_builder history_then(int elevated, uint64_t volume)
{
	struct series_builder b = {0};
	add_hours(&b, H0, 48, 100, 2, 0);
	add_hours(&b, H0 + 48, elevated, volume, volume / 5, 0);
	add_hours(&b, H0 + 48 + elevated, 10, 100, 2, 0);
	return b;
}

Test(detector, five_elevated_hours_are_not_a_finding)
{
	struct series_builder b = history_then(5, 100);
	struct found f = detect(&b, NULL);
	cr_expect_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 0);
	pft_findings_free(f.v, f.n);
	builder_free(&b);
}

Test(detector, six_elevated_hours_are_one_finding)
{
	struct series_builder b = history_then(6, 100);
	struct found f = detect(&b, NULL);
	cr_assert_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 1);
	const struct pft_finding *x = first_of(&f, PFT_FINDING_DEFER_RATE);
	cr_expect_eq(x->start_hour, H0 + 48);
	cr_expect_eq(x->hours, 6);
	cr_expect_eq(x->attempts, 600);
	cr_expect_eq(x->deferred, 120);
	cr_expect_float_eq(x->baseline, 0.02, 1e-12);
	cr_expect_float_eq(x->rate, 0.2, 1e-12);
	cr_expect_float_eq(x->peak_rate, 0.2, 1e-12);
	cr_expect_float_eq(x->threshold, 0.06, 1e-12);
	cr_expect_eq(x->scope, PFT_SCOPE_SERVER);
	cr_expect_null(x->name);
	pft_findings_free(f.v, f.n);
	builder_free(&b);
}

Test(detector, min_hours_is_configurable)
{
	struct pft_findings_options o = PFT_FINDINGS_DEFAULTS;
	o.min_hours = 5;
	struct series_builder b = history_then(5, 100);
	struct found f = detect(&b, &o);
	cr_expect_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 1);
	pft_findings_free(f.v, f.n);
	o.defer_factor = 11; /* 20% is 10x the 2% baseline */
	f = detect(&b, &o);
	cr_expect_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 0);
	pft_findings_free(f.v, f.n);
	builder_free(&b);
}

Test(detector, hours_below_the_minimum_volume_do_not_count)
{
	/* 19 attempts an hour, 3 deferred (16%): too few attempts to count. */
	struct series_builder b = {0};
	add_hours(&b, H0, 48, 100, 2, 0);
	add_hours(&b, H0 + 48, 8, 19, 15, 0);
	struct found f = detect(&b, NULL);
	cr_expect_eq(f.n, 0, "hours under min_volume made %zu findings", f.n);
	pft_findings_free(f.v, f.n);
	builder_free(&b);

	/* The same with 20 attempts an hour (and 15 deferred) is a finding. */
	add_hours(&b, H0, 48, 100, 2, 0);
	add_hours(&b, H0 + 48, 8, 20, 15, 0);
	f = detect(&b, NULL);
	cr_expect_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 1);
	pft_findings_free(f.v, f.n);

	struct pft_findings_options o = PFT_FINDINGS_DEFAULTS;
	o.min_volume = 21;
	f = detect(&b, &o);
	cr_expect_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 0);
	pft_findings_free(f.v, f.n);
	builder_free(&b);
}

Test(detector, a_low_volume_hour_breaks_the_run)
{
	struct series_builder b = {0};
	add_hours(&b, H0, 48, 100, 2, 0);
	add_hours(&b, H0 + 48, 3, 100, 20, 0);
	add_hour(&b, H0 + 51, 10, 5, 0); /* too few attempts */
	add_hours(&b, H0 + 52, 3, 100, 20, 0);
	struct found f = detect(&b, NULL);
	cr_expect_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 0);
	pft_findings_free(f.v, f.n);
	builder_free(&b);

	/* A missing hour (no attempts at all) breaks it as well. */
	add_hours(&b, H0, 48, 100, 2, 0);
	add_hours(&b, H0 + 48, 3, 100, 20, 0);
	add_hours(&b, H0 + 52, 3, 100, 20, 0);
	f = detect(&b, NULL);
	cr_expect_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 0);
	pft_findings_free(f.v, f.n);
	builder_free(&b);
}

Test(detector, baseline_is_the_trailing_seven_day_median)
{
	/* 200 hours at 10%, then 100 at 2%: at hour 300 the preceding 168 hours hold 68 at 10%
	 * and 100 at 2% (median 2%), while all of history would say 10%. Then 8% for 6 hours:
	 * 4x the trailing median, under the whole history's. (A volume of 1000 an hour makes the
	 * excess significant against the window's pooled rate, 5.2%, too.) */
	struct series_builder b = {0};
	add_hours(&b, H0, 200, 1000, 100, 0);
	add_hours(&b, H0 + 200, 100, 1000, 20, 0);
	add_hours(&b, H0 + 300, 6, 1000, 80, 0);
	struct found f = detect(&b, NULL);
	cr_assert_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 1);
	const struct pft_finding *x = first_of(&f, PFT_FINDING_DEFER_RATE);
	cr_expect_eq(x->start_hour, H0 + 300);
	cr_expect_float_eq(x->baseline, 0.02, 1e-12);
	pft_findings_free(f.v, f.n);

	/* A window of 300 hours sees the 10% history: no finding. */
	struct pft_findings_options o = PFT_FINDINGS_DEFAULTS;
	o.baseline_hours = 300;
	f = detect(&b, &o);
	cr_expect_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 0);
	pft_findings_free(f.v, f.n);
	builder_free(&b);
}

Test(detector, median_of_an_even_window_and_the_floor)
{
	/* 24 hours at 5%, 24 at 1% (alternating, 1% last): the median of 48 is 3%. */
	struct series_builder b = {0};
	for (int i = 0; i < 48; i++)
		add_hour(&b, H0 + i, 100, i % 2 ? 1 : 5, 0);
	add_hours(&b, H0 + 48, 6, 100, 30, 0);
	struct found f = detect(&b, NULL);
	cr_assert_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 1);
	const struct pft_finding *x = first_of(&f, PFT_FINDING_DEFER_RATE);
	cr_expect_eq(x->start_hour, H0 + 48);
	cr_expect_float_eq(x->baseline, 0.03, 1e-12);
	pft_findings_free(f.v, f.n);
	builder_free(&b);

	/* A baseline of 0 counts as the 1% floor: 2% is not 3x that. */
	add_hours(&b, H0, 48, 100, 0, 0);
	add_hours(&b, H0 + 48, 8, 100, 2, 0);
	f = detect(&b, NULL);
	cr_expect_eq(f.n, 0);
	pft_findings_free(f.v, f.n);
	builder_free(&b);
}

Test(detector, no_finding_without_history)
{
	/* Fewer than min_history (24) counting hours before: no baseline yet. The hours of the
	 * incident fill the window too: its first hour with a baseline is the 7th, and only two
	 * are left. */
	struct series_builder b = {0};
	add_hours(&b, H0, 18, 100, 2, 0);
	add_hours(&b, H0 + 18, 8, 100, 50, 0);
	struct found f = detect(&b, NULL);
	cr_expect_eq(f.n, 0);
	pft_findings_free(f.v, f.n);
	builder_free(&b);
}

Test(detector, bounce_spike_is_one_hour_that_stands_out)
{
	struct series_builder b = {0};
	add_hours(&b, H0, 48, 100, 2, 1);
	add_hour(&b, H0 + 48, 100, 2, 30); /* 30% bounced against 1% */
	add_hours(&b, H0 + 49, 5, 100, 2, 1);
	add_hour(&b, H0 + 54, 100, 2, 4); /* 4%: 3x the floor, but 4 where 1 was expected */
	add_hours(&b, H0 + 55, 5, 100, 2, 1);
	struct found f = detect(&b, NULL);
	cr_assert_eq(count_kind(&f, PFT_FINDING_BOUNCE_SPIKE), 1, "%zu spikes",
	             count_kind(&f, PFT_FINDING_BOUNCE_SPIKE));
	const struct pft_finding *x = first_of(&f, PFT_FINDING_BOUNCE_SPIKE);
	cr_expect_eq(x->start_hour, H0 + 48);
	cr_expect_eq(x->hours, 1);
	cr_expect_eq(x->bounced, 30);
	cr_expect_float_eq(x->peak_rate, 0.3, 1e-12);
	cr_expect_float_eq(x->baseline, 0.01, 1e-12);
	cr_expect_eq(count_kind(&f, PFT_FINDING_DEFER_RATE), 0);
	pft_findings_free(f.v, f.n);

	/* The factor is the bounce factor: 30% is not 40x 1%. */
	struct pft_findings_options o = PFT_FINDINGS_DEFAULTS;
	o.bounce_factor = 40;
	f = detect(&b, &o);
	cr_expect_eq(count_kind(&f, PFT_FINDING_BOUNCE_SPIKE), 0);
	pft_findings_free(f.v, f.n);
	builder_free(&b);
}

Test(detector, top_dsn_codes_of_the_period)
{
	struct series_builder b = history_then(6, 100);
	static const struct pft_hour_dsn dsn[] = {
	    {H0 + 10, PFT_DSN_MAKE(4, 2, 2), PFT_DS_DEFERRED, 500}, /* before the period */
	    {H0 + 48, PFT_DSN_MAKE(4, 4, 1), PFT_DS_DEFERRED, 5},
	    {H0 + 48, PFT_DSN_MAKE(4, 7, 0), PFT_DS_DEFERRED, 15},
	    {H0 + 48, PFT_DSN_MAKE(5, 1, 1), PFT_DS_BOUNCED, 90}, /* another status */
	    {H0 + 50, PFT_DSN_MAKE(4, 7, 0), PFT_DS_DEFERRED, 20},
	    {H0 + 53, PFT_DSN_MAKE(4, 3, 0), PFT_DS_DEFERRED, 5},
	    {H0 + 54, PFT_DSN_MAKE(4, 2, 2), PFT_DS_DEFERRED, 99}, /* after it */
	};
	b.s.dsn = malloc(sizeof dsn);
	memcpy(b.s.dsn, dsn, sizeof dsn);
	b.s.n_dsn = sizeof dsn / sizeof dsn[0];
	struct found f = detect(&b, NULL);
	const struct pft_finding *x = first_of(&f, PFT_FINDING_DEFER_RATE);
	cr_assert_not_null(x);
	cr_assert_eq(x->n_top_dsn, 3);
	cr_expect_eq(x->top_dsn[0].code, PFT_DSN_MAKE(4, 7, 0));
	cr_expect_eq(x->top_dsn[0].attempts, 35);
	/* equal counts: by code */
	cr_expect_eq(x->top_dsn[1].code, PFT_DSN_MAKE(4, 3, 0));
	cr_expect_eq(x->top_dsn[2].code, PFT_DSN_MAKE(4, 4, 1));
	pft_findings_free(f.v, f.n);
	builder_free(&b);
}

/* ---- scopes of a result ---------------------------------------------------------------------- */

Test(scopes, only_the_top_domains_by_attempts_are_examined)
{
	struct pft_result r;
	memset(&r, 0, sizeof r);
	/* two domains (rows by name), each with an incident in its series */
	r.n_domains = 2;
	r.domains = calloc(2, sizeof *r.domains);
	r.domains[0].name = strdup("big.example");
	r.domains[0].counts.attempts[PFT_DS_SENT] = 9000;
	r.domains[1].name = strdup("small.example");
	r.domains[1].counts.attempts[PFT_DS_SENT] = 10;
	r.n_series_domains = 2;
	r.series_domains = calloc(2, sizeof *r.series_domains);
	for (int i = 0; i < 2; i++) {
		struct series_builder b = history_then(8, 100);
		r.series_domains[i] = b.s;
		r.series_domains[i].name = strdup(r.domains[i].name);
	}
	struct pft_findings_options o = PFT_FINDINGS_DEFAULTS;
	cr_assert_eq(pft_findings_attach(&r, &o), PFT_OK);
	cr_expect_eq(r.findings_done, 1);
	cr_assert_eq(r.n_findings, 2);
	cr_expect_str_eq(r.findings[0].name, "big.example");
	cr_expect_str_eq(r.findings[1].name, "small.example");
	cr_expect_eq(r.findings[0].scope, PFT_SCOPE_DOMAIN);
	o.top = 1;
	cr_assert_eq(pft_findings_attach(&r, &o), PFT_OK);
	cr_assert_eq(r.n_findings, 1);
	cr_expect_str_eq(r.findings[0].name, "big.example");
	pft_result_free(&r);
}

/* ---- end to end ---------------------------------------------------------------------------- */

static char *run_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run_ok(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char *out = NULL;
	int code = pft_test_run(cmd, &out);
	cr_assert_eq(code, 0, "command failed (%d): %s", code, cmd);
	return out;
}

/* The merged result of a log, with the default findings. */
static void tally_file(const char *path, struct pft_result *r)
{
	struct pft_inputs inputs = {0};
	struct pft_error err = {0};
	const char *paths[] = {path};
	cr_assert_eq(pft_inputs_expand(paths, 1, &inputs, &err), PFT_OK, "%s", err.detail);
	const struct pft_tally_options options = {
	    .threads = 2, .limits.horizon = (int64_t)PFT_DEFAULT_HORIZON_DAYS * 86400};
	cr_assert_eq(pft_tally(&inputs, &options, r, &err), PFT_OK, "%s", err.detail);
	pft_inputs_free(&inputs);
	cr_assert_eq(pft_findings_attach(r, NULL), PFT_OK);
}

static int64_t hour_of(const char *iso)
{
	int y, mo, d, h;
	cr_assert_eq(sscanf(iso, "%d-%d-%dT%d", &y, &mo, &d, &h), 4);
	return pft_days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h;
}

static const char *const gen_shape = "--seed 11 --messages 24000 --days 9 "
                                     "--start 2025-03-01T00:00:00";

Test(end_to_end, planted_incident_is_found_with_its_scope_and_time, .timeout = 300)
{
	char *dir = pft_test_tmpdir();
	free(run_ok(PFTGEN " %s --incident domain=example.net,start=2025-03-06T09:00:00,hours=8,"
	                   "defer=0.6 -o %s/mail.log",
	            gen_shape, dir));
	char truth_path[4096], log_path[4096];
	snprintf(truth_path, sizeof truth_path, "%s/mail.log.truth.json", dir);
	snprintf(log_path, sizeof log_path, "%s/mail.log", dir);

	/* the truth lists the incident */
	char *truth = pft_test_read_file(truth_path, NULL);
	cr_assert_not_null(truth);
	struct jvalue tdoc;
	char err[256];
	cr_assert(jparse(truth, strlen(truth), &tdoc, err, sizeof err), "%s", err);
	const struct jvalue *planted = jget(&tdoc, "planted_incidents");
	cr_assert(planted && planted->type == J_ARRAY && planted->n == 1);
	const struct jvalue *inc = &planted->items[0];
	const int64_t start = hour_of(jget(inc, "start")->string);
	const int64_t end = hour_of(jget(inc, "end")->string);
	cr_expect_eq(end - start, 8);
	cr_expect_str_eq(jget(inc, "name")->string, "example.net");

	/* the counts are still exact with an incident planted (the truth before its last key) */
	char *json = run_ok(PFTALLY " --format json %s", log_path);
	char *cut = strstr(truth, ",\n  \"planted_incidents\"");
	cr_assert_not_null(cut);
	strcpy(cut, "\n}\n");
	char msg[4096];
	int bad = pft_test_json_compare_leaves(truth, json, msg, sizeof msg);
	cr_expect_eq(bad, 0, "%d values differ from the truth: %s", bad, msg);

	struct pft_result r;
	tally_file(log_path, &r);
	const struct pft_finding *hit = NULL;
	for (size_t i = 0; i < r.n_findings; i++) {
		const struct pft_finding *f = &r.findings[i];
		if (f->kind == PFT_FINDING_DEFER_RATE && f->scope == PFT_SCOPE_DOMAIN &&
		    strcmp(f->name, "example.net") == 0)
			hit = f;
	}
	cr_assert_not_null(hit, "the planted incident was not found (%zu findings)", r.n_findings);
	/* the period is the incident's hours, give or take the first and last (a deferral's
	 * retry can land just after; the first hour may still be below the threshold) */
	cr_expect(hit->start_hour >= start && hit->start_hour <= start + 1,
	          "starts %lld hours after the incident", (long long)(hit->start_hour - start));
	const int64_t hit_end = hit->start_hour + hit->hours;
	cr_expect(hit_end >= end - 1 && hit_end <= end + 1, "ends %lld hours after the incident",
	          (long long)(hit_end - end));
	cr_expect_gt(hit->rate, 0.4);
	cr_expect_lt(hit->baseline, 0.1);
	cr_assert_geq(hit->n_top_dsn, 1);
	cr_expect_eq(hit->top_dsn[0].code, PFT_DSN_MAKE(4, 3, 0), "the incident's code first");
	cr_expect_eq(hit->reasons_of, PFT_REASONS_DOMAIN);
	/* nothing found outside the incident, in any scope */
	for (size_t i = 0; i < r.n_findings; i++) {
		const struct pft_finding *f = &r.findings[i];
		cr_expect(f->start_hour + f->hours > start - 1 && f->start_hour <= end + 1,
		          "a finding away from the incident: %s %s %s at hour %+lld",
		          pft_finding_kind_name(f->kind), pft_scope_name(f->scope),
		          f->name ? f->name : "", (long long)(f->start_hour - start));
	}
	pft_result_free(&r);

	/* The JSON findings and the exit status for cron. */
	struct jvalue doc;
	cr_assert(jparse(json, strlen(json), &doc, err, sizeof err), "%s", err);
	const struct jvalue *findings = jget(&doc, "findings");
	cr_assert(findings && findings->type == J_ARRAY && findings->n >= 1);
	int domain_found = 0;
	for (size_t i = 0; i < findings->n; i++) {
		const struct jvalue *f = &findings->items[i];
		const struct jvalue *name = jget(f, "name");
		if (strcmp(jget(f, "scope")->string, "domain") == 0 && name->type == J_STRING &&
		    strcmp(name->string, "example.net") == 0 &&
		    strcmp(jget(f, "kind")->string, "defer_rate") == 0)
			domain_found = 1;
	}
	cr_expect(domain_found, "no domain finding for example.net in the JSON");
	/* ... as the schema documents them */
	char *schema_text =
	    pft_test_read_file(PFT_SOURCE_DIR "/src/report/pftally-1.schema.json", NULL);
	cr_assert_not_null(schema_text);
	struct jvalue schema;
	cr_assert(jparse(schema_text, strlen(schema_text), &schema, err, sizeof err), "%s", err);
	char schema_msg[1024] = "";
	cr_expect_eq(jschema_validate(&schema, &doc, schema_msg, sizeof schema_msg), 0,
	             "the JSON with findings does not match the schema: %s", schema_msg);
	jfree(&schema);
	free(schema_text);
	/* ... and in the HTML report, as a table and as bands on the time charts */
	char *html = run_ok(PFTALLY " --format html %s", log_path);
	cr_expect(strstr(html, "id=\"findings-table\"") != NULL, "no findings table");
	cr_expect(strstr(html, "class=\"band-defer_rate\"") != NULL, "no band on the charts");
	free(html);
	char cmd[8192];
	snprintf(cmd, sizeof cmd, PFTALLY " --fail-on-findings %s > /dev/null", log_path);
	cr_expect_eq(pft_test_run(cmd, NULL), 4, "--fail-on-findings with a finding exits 4");
	snprintf(cmd, sizeof cmd, PFTALLY " --no-findings --fail-on-findings %s > /dev/null",
	         log_path);
	cr_expect_eq(pft_test_run(cmd, NULL), 0, "--no-findings finds nothing to fail on");
	char *text = run_ok(PFTALLY " --color never %s", log_path);
	char *first = strstr(text, "Findings: ");
	cr_expect(first != NULL && first < strstr(text, "Delivery attempts"),
	          "the text report shows the findings first");
	cr_expect(strstr(text, "example.net") != NULL);
	free(text);
	jfree(&doc);
	jfree(&tdoc);
	free(json);
	free(truth);
	free(run_ok("rm -rf %s", dir));
	free(dir);
}

Test(end_to_end, no_incident_no_finding, .timeout = 300)
{
	char *dir = pft_test_tmpdir();
	free(run_ok(PFTGEN " %s -o %s/mail.log", gen_shape, dir));
	char log_path[4096];
	snprintf(log_path, sizeof log_path, "%s/mail.log", dir);
	struct pft_result r;
	tally_file(log_path, &r);
	cr_expect_gt(r.series_server.n_cells, 200, "the log covers too few hours to mean anything");
	for (size_t i = 0; i < r.n_findings; i++) {
		const struct pft_finding *f = &r.findings[i];
		const struct pft_civil c = pft_hour_civil(f->start_hour);
		cr_expect_fail(
		    "unexpected finding: %s %s %s at %04d-%02u-%02uT%02u, %u h, rate %.3f "
		    "baseline %.3f",
		    pft_finding_kind_name(f->kind), pft_scope_name(f->scope),
		    f->name ? f->name : "", c.year, c.month, c.day, c.hour, f->hours, f->rate,
		    f->baseline);
	}
	pft_result_free(&r);
	char cmd[8192];
	snprintf(cmd, sizeof cmd, PFTALLY " --fail-on-findings %s > /dev/null", log_path);
	cr_expect_eq(pft_test_run(cmd, NULL), 0, "--fail-on-findings without a finding exits 0");
	free(run_ok("rm -rf %s", dir));
	free(dir);
}

/* The "findings" key of a JSON report. */
static char *findings_of(char *json)
{
	char *from = strstr(json, "\n  \"findings\": ");
	char *to = from ? strstr(from, "\n  \"attempts\": ") : NULL;
	cr_assert(from && to, "no findings key before attempts");
	*to = '\0';
	memmove(json, from, strlen(from) + 1);
	return json;
}

Test(end_to_end, findings_json_is_the_same_for_any_threads_and_chunks, .timeout = 300)
{
	char *dir = pft_test_tmpdir();
	free(run_ok(PFTGEN
	            " --seed 12 --messages 16000 --days 8 --start 2025-05-01T00:00:00 "
	            "--hosts 2 --stamp mixed --incident domain=gmail.com,start=2025-05-05T"
	            "12:00:00,hours=7,defer=0.7 --incident domain=example.net,start=2025-05-06T"
	            "10:00:00,hours=2,bounce=0.5 --rotate 3 --compress gzip,zstd,plain "
	            "-o %s/mail.log",
	            dir));
	char *reference = findings_of(run_ok(PFTALLY " --format json -j 1 %s", dir));
	cr_expect(strstr(reference, "\"defer_rate\"") != NULL, "no defer finding: %s", reference);
	cr_expect(strstr(reference, "\"bounce_spike\"") != NULL, "no bounce spike: %s", reference);
	static const char *const engines[] = {"-j 2", "-j 2 --chunk-size 3K",
	                                      "-j 3 --chunk-size 64K",
	                                      "-j 1 --chunk-size 1K --no-mmap"};
	for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
		char *json = findings_of(run_ok(PFTALLY " --format json %s %s", engines[i], dir));
		cr_expect_str_eq(json, reference, "%s changes the findings", engines[i]);
		free(json);
	}
	free(reference);
	free(run_ok("rm -rf %s", dir));
	free(dir);
}
