/* Findings in every report that shows them: the text summary's first section, the JSON
 * "findings" array, the HTML findings table and the bands on its time charts. Names and
 * reasons come from the log: each goes through the writer's escaping. */
#include <inttypes.h>
#include <string.h>

#include "report/report_internal.h"
#include "time/stamp.h"

static void hour_iso(int64_t hour, char buf[32])
{
	const struct pft_civil c = pft_hour_civil(hour);
	snprintf(buf, 32, "%04d-%02u-%02uT%02u:00:00", c.year, c.month, c.day, c.hour);
}

/* "2025-01-05 10:00" */
static void hour_text(int64_t hour, char buf[32])
{
	const struct pft_civil c = pft_hour_civil(hour);
	snprintf(buf, 32, "%04d-%02u-%02u %02u:00", c.year, c.month, c.day, c.hour);
}

static const char *kind_title(enum pft_finding_kind kind)
{
	return kind == PFT_FINDING_DEFER_RATE ? "defer rate" : "bounce rate";
}

static uint64_t finding_count(const struct pft_finding *f)
{
	return f->kind == PFT_FINDING_DEFER_RATE ? f->deferred : f->bounced;
}

/* ---- text ----------------------------------------------------------------------------------- */

static void put_plain(FILE *out, unsigned char c)
{
	putc(c, out);
}

void report_findings_text(FILE *out, const struct pft_result *r, int color)
{
	if (!r->findings_done)
		return;
	const struct pft_findings_options *o = &r->findings_options;
	fputs(color ? "\n\033[1m" : "\n", out);
	if (r->n_findings == 0)
		fputs("Findings: none", out);
	else
		fprintf(out, "Findings: %zu", r->n_findings);
	fputs(color ? "\033[0m" : "", out);
	fprintf(
	    out,
	    "  (defer rate >= %gx its %u-hour median for >= %u h; bounce rate >= %gx in an hour;"
	    " hours with >= %u attempts; server, top %u domains and relays)\n",
	    o->defer_factor, o->baseline_hours, o->min_hours, o->bounce_factor, o->min_volume,
	    o->top);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct pft_finding *f = &r->findings[i];
		char start[32], end[32], peak[32];
		hour_text(f->start_hour, start);
		hour_text(f->start_hour + f->hours, end);
		hour_text(f->peak_hour, peak);
		fprintf(out, "  %-12s %-6s ", pft_finding_kind_name(f->kind),
		        pft_scope_name(f->scope));
		if (f->name != NULL)
			report_put_text(out, f->name, strlen(f->name), put_plain);
		else
			fputs("(all mail)", out);
		fprintf(out,
		        "\n      %s .. %s (%u h): %s %.1f%% (peak %.1f%% at %s), baseline %.1f%%,"
		        " %" PRIu64 " of %" PRIu64 " attempts\n",
		        start, end, f->hours, kind_title(f->kind), 100 * f->rate,
		        100 * f->peak_rate, peak + 11, 100 * f->baseline, finding_count(f),
		        f->attempts);
		if (f->n_top_dsn > 0) {
			fputs("      DSN", out);
			for (int k = 0; k < f->n_top_dsn; k++) {
				char code[16];
				report_dsn_label(f->top_dsn[k].code, code);
				fprintf(out, "%s %s (%" PRIu64 ")", k ? "," : "", code,
				        f->top_dsn[k].attempts);
			}
			putc('\n', out);
		}
		for (int k = 0; k < f->n_top_reasons; k++) {
			fprintf(out, "      %s %" PRIu64 "x: ",
			        f->reasons_of == PFT_REASONS_DOMAIN ? "domain reason"
			                                            : "code reason",
			        f->top_reasons[k].count);
			report_put_text(out, f->top_reasons[k].key, strlen(f->top_reasons[k].key),
			                put_plain);
			putc('\n', out);
		}
	}
}

/* ---- JSON ----------------------------------------------------------------------------------- */

void report_findings_json(FILE *out, const struct pft_result *r)
{
	fputs("  \"findings\": ", out);
	if (!r->findings_done) {
		fputs("null,\n", out);
		return;
	}
	putc('[', out);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct pft_finding *f = &r->findings[i];
		char start[32], end[32], peak[32];
		hour_iso(f->start_hour, start);
		hour_iso(f->start_hour + f->hours, end);
		hour_iso(f->peak_hour, peak);
		fprintf(out, "%s\n    {\"scope\": \"%s\", \"name\": ", i ? "," : "",
		        pft_scope_name(f->scope));
		if (f->name != NULL)
			pft_json_write_string(out, f->name, strlen(f->name));
		else
			fputs("null", out);
		fprintf(out,
		        ", \"kind\": \"%s\", \"start\": \"%s\", \"end\": \"%s\", \"hours\": %u, "
		        "\"rate\": %.6f, \"peak_rate\": %.6f, \"peak_hour\": \"%s\", \"baseline\": "
		        "%.6f, "
		        "\"threshold\": %.6f, \"attempts\": %" PRIu64 ", \"deferred\": %" PRIu64
		        ", \"bounced\": %" PRIu64 ", \"top_dsn\": [",
		        pft_finding_kind_name(f->kind), start, end, f->hours, f->rate, f->peak_rate,
		        peak, f->baseline, f->threshold, f->attempts, f->deferred, f->bounced);
		for (int k = 0; k < f->n_top_dsn; k++) {
			char code[16];
			report_dsn_label(f->top_dsn[k].code, code);
			fprintf(out, "%s{\"code\": \"%s\", \"attempts\": %" PRIu64 "}",
			        k ? ", " : "", code, f->top_dsn[k].attempts);
		}
		static const char *const reasons_of[] = {"null", "\"domain\"", "\"dsn\""};
		fprintf(out, "], \"reasons_of\": %s, \"top_reasons\": [",
		        reasons_of[f->reasons_of < 3 ? f->reasons_of : 0]);
		for (int k = 0; k < f->n_top_reasons; k++) {
			fputs(k ? ", {\"key\": " : "{\"key\": ", out);
			pft_json_write_string(out, f->top_reasons[k].key,
			                      strlen(f->top_reasons[k].key));
			fprintf(out, ", \"count\": %" PRIu64 "}", f->top_reasons[k].count);
		}
		fputs("]}", out);
	}
	fputs(r->n_findings ? "\n  ],\n" : "],\n", out);
}

/* ---- HTML ----------------------------------------------------------------------------------- */

static const char *band_color(enum pft_finding_kind kind)
{
	return kind == PFT_FINDING_DEFER_RATE ? "#E69F00" : "#D55E00";
}

void report_findings_html(FILE *out, const struct pft_result *r)
{
	if (!r->findings_done)
		return;
	const struct pft_findings_options *o = &r->findings_options;
	fputs("<section id=\"findings\">\n<h2>Findings</h2>\n", out);
	fprintf(
	    out,
	    "<p class=\"sub\">Defer rate &ge; %g&times; its %u-hour median for &ge; %u hours in a"
	    " row; bounce rate &ge; %g&times; its median in an hour; only hours with &ge; %u "
	    "attempts; the server, the top %u domains and the top %u relays. Shaded on the "
	    "charts below.</p>\n",
	    o->defer_factor, o->baseline_hours, o->min_hours, o->bounce_factor, o->min_volume,
	    o->top, o->top);
	if (r->n_findings == 0) {
		fputs("<p id=\"findings-none\">None.</p>\n</section>\n", out);
		return;
	}
	fputs("<table id=\"findings-table\"><thead><tr><th>kind</th><th>scope</th><th>name</th>"
	      "<th>from</th><th>to</th><th class=\"n\">hours</th><th class=\"n\">rate</th>"
	      "<th class=\"n\">peak</th><th class=\"n\">baseline</th><th class=\"n\">attempts</th>"
	      "<th>DSN codes</th><th>reasons</th></tr></thead><tbody>\n",
	      out);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct pft_finding *f = &r->findings[i];
		char start[32], end[32];
		hour_text(f->start_hour, start);
		hour_text(f->start_hour + f->hours, end);
		fprintf(out,
		        "<tr class=\"finding-%s\"><td><i "
		        "style=\"display:inline-block;width:10px;height:10px;border-radius:2px;"
		        "margin-right:5px;background:%s\"></i>%s</td><td>%s"
		        "</td><td class=\"name\">",
		        pft_finding_kind_name(f->kind), band_color(f->kind),
		        pft_finding_kind_name(f->kind), pft_scope_name(f->scope));
		if (f->name != NULL)
			report_html_text(out, f->name);
		else
			fputs("(all mail)", out);
		fprintf(
		    out,
		    "</td><td>%s</td><td>%s</td><td class=\"n\">%u</td><td class=\"n\">%.1f%%</td>"
		    "<td class=\"n\">%.1f%%</td><td class=\"n\">%.1f%%</td><td class=\"n\">%" PRIu64
		    "</td><td>",
		    start, end, f->hours, 100 * f->rate, 100 * f->peak_rate, 100 * f->baseline,
		    f->attempts);
		for (int k = 0; k < f->n_top_dsn; k++) {
			char code[16];
			report_dsn_label(f->top_dsn[k].code, code);
			fprintf(out, "%s<code>%s</code>&nbsp;%" PRIu64, k ? "<br>" : "", code,
			        f->top_dsn[k].attempts);
		}
		fputs("</td><td>", out);
		for (int k = 0; k < f->n_top_reasons; k++) {
			fputs(k ? "<br>" : "", out);
			report_html_text(out, f->top_reasons[k].key);
			fprintf(out, " <span class=\"sub\">(%" PRIu64 ")</span>",
			        f->top_reasons[k].count);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
	if (r->n_findings > 0)
		fputs("<p class=\"sub\">Reasons: the normalised reasons of the domain (domain "
		      "findings) or of the top DSN code (others) over the whole input; the log "
		      "gives no reasons per hour.</p>\n",
		      out);
	fputs("</section>\n", out);
}

/* ---- bands on the time charts ------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The label of the bucket of kind that holds an hour, as report_series_build writes it. */
static void bucket_label(enum pft_series kind, int64_t hour, char label[32])
{
	if (kind == PFT_SERIES_HOUR) {
		const struct pft_civil c = pft_hour_civil(hour);
		snprintf(label, 32, "%04d-%02u-%02uT%02u", c.year, c.month, c.day, c.hour);
		return;
	}
	int64_t day = floor_div(hour, 24);
	if (kind == PFT_SERIES_DAY) {
		const struct pft_civil c = pft_hour_civil(day * 24);
		snprintf(label, 32, "%04d-%02u-%02u", c.year, c.month, c.day);
		return;
	}
	/* ISO week: the year of the week's Thursday, as report_series_build labels it. */
	const int64_t monday = day - (((day + 3) % 7 + 7) % 7);
	const struct pft_civil thu = pft_hour_civil((monday + 3) * 24);
	const int64_t week = (monday + 3 - pft_days_from_civil(thu.year, 1, 1)) / 7 + 1;
	snprintf(label, 32, "%04d-W%02d", thu.year, (int)week);
}

/* First bucket whose label is >= label (labels ascend). */
static size_t bucket_at(const struct report_series *s, const char *label)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->v[mid].label, label) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void report_findings_bands(FILE *out, const struct pft_result *r, const struct report_series *s,
                           enum pft_series kind, double x, double y, double w, double h)
{
	if (!r->findings_done || r->n_findings == 0 || s->n == 0)
		return;
	const double bw = w / (double)s->n;
	fputs("<g class=\"findings\">\n", out);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct pft_finding *f = &r->findings[i];
		char first[32], last[32];
		bucket_label(kind, f->start_hour, first);
		bucket_label(kind, f->start_hour + f->hours - 1, last);
		const size_t a = bucket_at(s, first);
		size_t b = bucket_at(s, last);
		if (b == s->n || strcmp(s->v[b].label, last) > 0) {
			if (b == 0)
				continue; /* the period is before the first bucket */
			b--;
		}
		if (a >= s->n || a > b)
			continue;
		char start[32], end[32];
		hour_text(f->start_hour, start);
		hour_text(f->start_hour + f->hours, end);
		fprintf(out,
		        "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\" "
		        "fill-opacity=\"0.18\" class=\"band-%s\"><title>%s, %s ",
		        x + bw * (double)a, y, bw * (double)(b - a + 1), h, band_color(f->kind),
		        pft_finding_kind_name(f->kind), pft_finding_kind_name(f->kind),
		        pft_scope_name(f->scope));
		if (f->name != NULL)
			report_html_text(out, f->name);
		fprintf(out, ": %s .. %s, %s %.1f%% (baseline %.1f%%)</title></rect>\n", start, end,
		        kind_title(f->kind), 100 * f->rate, 100 * f->baseline);
	}
	fputs("</g>\n", out);
}
