/* HTML report: one self-contained file an operator opens in a browser or prints. Inline CSS
 * and SVG only: no script, no font, no network fetch (a Content-Security-Policy forbids them
 * too, in case anything slipped through). The hour/day/week switch is CSS radio buttons.
 * Everything that comes from the log (names, sample lines, paths) goes through
 * report_html_text(), which escapes markup characters and replaces control bytes and invalid
 * UTF-8 (report_findings.c uses it too). The output
 * depends only on the result: no clock, no host name. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* Chart geometry (SVG user units; the SVG scales to the page width). */
#define CHART_W      900.0
#define CHART_H      260.0
#define PLOT_LEFT    64.0
#define PLOT_RIGHT   12.0
#define PLOT_TOP     12.0
#define PLOT_BOTTOM  34.0
#define MAX_BARS     3000 /* more buckets than this are not drawn (sub-pixel bars) */
#define MAX_TOOLTIPS 400  /* per-bucket hover titles up to this many buckets */
#define MAX_MARKERS  100  /* point markers on rate lines up to this many buckets */
#define MAX_DSN_BARS 30

static const struct layer {
	const char *name;
	const char *color;
} layers[] = {
	{"sent", "#0072B2"},
	{"deferred", "#E69F00"},
	{"bounced", "#D55E00"},
	{"other", "#8C8C8C"}, /* softbounce, address probes, unknown statuses */
};
enum { LAYER_SENT, LAYER_DEFERRED, LAYER_BOUNCED, LAYER_OTHER, N_LAYERS };

static void put_html_char(FILE *out, unsigned char c)
{
	switch (c) {
	case '&': fputs("&amp;", out); break;
	case '<': fputs("&lt;", out); break;
	case '>': fputs("&gt;", out); break;
	case '"': fputs("&quot;", out); break;
	case '\'': fputs("&#39;", out); break;
	default: putc(c, out);
	}
}

/* Text from the log, safe in element content and quoted attribute values. */
void report_html_text(FILE *out, const char *s)
{
	report_put_text(out, s, strlen(s), put_html_char);
}

/* 1234567 -> "1,234,567". */
static const char *group(uint64_t v, char buf[32])
{
	char digits[24];
	int n = snprintf(digits, sizeof digits, "%" PRIu64, v), j = 0;
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = digits[i];
	}
	buf[j] = '\0';
	return buf;
}

/* A short axis label: 950, 12k, 3.5M. */
static void short_number(double v, char buf[32])
{
	if (v >= 1e9)
		snprintf(buf, 32, "%gG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, 32, "%gM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, 32, "%gk", v / 1e3);
	else
		snprintf(buf, 32, "%g", v);
}

static double percent(uint64_t part, uint64_t whole)
{
	return 100.0 * report_ratio(part, whole);
}

/* A step of 1, 2 or 5 times a power of ten that cuts [0, max] into at most 5 intervals. */
static double nice_step(double max)
{
	if (max <= 0)
		return 1;
	double raw = max / 5, base = pow(10, floor(log10(raw)));
	double f = raw / base;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * base;
}

struct frame {
	double x, y, w, h; /* plot area */
	double top;        /* value at the top of the plot */
};

static double y_of(const struct frame *f, double v)
{
	return f->y + f->h - (f->top > 0 ? v / f->top : 0) * f->h;
}

static void svg_open(FILE *out, double height, const char *label)
{
	fprintf(out,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
	        "aria-label=\"%s\">\n",
	        CHART_W, height, label);
}

static void svg_message(FILE *out, const char *label, const char *message)
{
	svg_open(out, 60, label);
	fprintf(out, "<text x=\"%.0f\" y=\"34\" text-anchor=\"middle\" class=\"muted\">%s</text>\n",
	        CHART_W / 2, message);
	fputs("</svg>\n", out);
}

/* Horizontal grid lines with value labels; percent appends '%'. */
static void y_axis(FILE *out, const struct frame *f, double step, int percent_axis)
{
	fputs("<g class=\"axis\">\n", out);
	for (double v = 0; v <= f->top + step / 2; v += step) {
		double y = y_of(f, v);
		char label[32];
		short_number(v, label);
		fprintf(out,
		        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
		        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s%s</text>\n",
		        f->x, y, f->x + f->w, y, f->x - 6, y + 4, label, percent_axis ? "%" : "");
	}
	fputs("</g>\n", out);
}

/* A bucket label for the x axis: "06-17 10h", "2025-06-17", "2025-W25". */
static void axis_label(const char *label, enum pft_series kind, char buf[16])
{
	if (kind == PFT_SERIES_HOUR && strlen(label) == 13)
		snprintf(buf, 16, "%.5s %.2sh", label + 5, label + 11);
	else
		snprintf(buf, 16, "%s", label);
}

static void x_axis(FILE *out, const struct frame *f, const struct report_series *s,
                   enum pft_series kind)
{
	size_t n = s->n, every = (n + 5) / 6;
	double bw = f->w / (double)n;
	fputs("<g class=\"axis\">\n", out);
	fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"base\"/>\n",
	        f->x, f->y + f->h, f->x + f->w, f->y + f->h);
	for (size_t i = 0; i < n; i += every) {
		char label[16];
		axis_label(s->v[i].label, kind, label);
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
		        f->x + bw * ((double)i + 0.5), f->y + f->h + 20, label);
	}
	fputs("</g>\n", out);
}

static void layer_values(const struct pft_counts *c, uint64_t v[N_LAYERS])
{
	v[LAYER_SENT] = c->attempts[PFT_DS_SENT];
	v[LAYER_DEFERRED] = c->attempts[PFT_DS_DEFERRED];
	v[LAYER_BOUNCED] = c->attempts[PFT_DS_BOUNCED];
	v[LAYER_OTHER] =
		pft_attempts_total(c) - v[LAYER_SENT] - v[LAYER_DEFERRED] - v[LAYER_BOUNCED];
}

static struct frame plot_frame(void)
{
	return (struct frame){PLOT_LEFT, PLOT_TOP, CHART_W - PLOT_LEFT - PLOT_RIGHT,
	                      CHART_H - PLOT_TOP - PLOT_BOTTOM, 1};
}

/* Stacked columns of attempts by status, one per bucket. */
static void chart_attempts(FILE *out, const struct pft_result *r, const struct report_series *s,
                           enum pft_series kind)
{
	char label[96];
	snprintf(label, sizeof label, "Delivery attempts by status per %s", pft_series_name(kind));
	if (s->n == 0) {
		svg_message(out, label, "No log lines with a time stamp.");
		return;
	}
	if (s->n > MAX_BARS) {
		snprintf(label, sizeof label, "Too many %ss to draw (%zu): choose a coarser view.",
		         pft_series_name(kind), s->n);
		svg_message(out, "Delivery attempts by status", label);
		return;
	}
	struct frame f = plot_frame();
	uint64_t max = 0;
	for (size_t i = 0; i < s->n; i++)
		if (pft_attempts_total(&s->v[i].counts) > max)
			max = pft_attempts_total(&s->v[i].counts);
	double step = nice_step((double)max);
	if (step < 1)
		step = 1; /* attempts are whole numbers */
	f.top = max ? step * ceil((double)max / step) : 1;
	svg_open(out, CHART_H, label);
	y_axis(out, &f, max ? step : 1, 0);
	report_findings_bands(out, r, s, kind, f.x, f.y, f.w, f.h);
	double bw = f.w / (double)s->n, gap = bw > 4 ? bw * 0.15 : 0;
	for (int k = 0; k < N_LAYERS; k++) {
		fprintf(out, "<path fill=\"%s\" class=\"layer-%s\" d=\"", layers[k].color,
		        layers[k].name);
		for (size_t i = 0; i < s->n; i++) {
			uint64_t v[N_LAYERS], below = 0;
			layer_values(&s->v[i].counts, v);
			if (v[k] == 0)
				continue;
			for (int j = 0; j < k; j++)
				below += v[j];
			double y0 = y_of(&f, (double)below), y1 = y_of(&f, (double)(below + v[k]));
			fprintf(out, "M%.2f %.2fh%.2fv%.2fh%.2fz", f.x + bw * (double)i + gap / 2,
			        y1, bw - gap, y0 - y1, -(bw - gap));
		}
		fputs("\"/>\n", out);
	}
	if (s->n <= MAX_TOOLTIPS) {
		fputs("<g class=\"hover\">\n", out);
		for (size_t i = 0; i < s->n; i++) {
			uint64_t v[N_LAYERS];
			layer_values(&s->v[i].counts, v);
			fprintf(out,
			        "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
			        "height=\"%.1f\"><title>%s: sent "
			        "%" PRIu64 ", deferred %" PRIu64 ", bounced %" PRIu64
			        ", other %" PRIu64 "</title></rect>\n",
			        f.x + bw * (double)i, f.y, bw, f.h, s->v[i].label, v[0], v[1], v[2],
			        v[3]);
		}
		fputs("</g>\n", out);
	}
	x_axis(out, &f, s, kind);
	fputs("</svg>\n", out);
}

/* Defer rate (of attempts) and bounce rate (of recipients with an outcome) per bucket. */
static void chart_rates(FILE *out, const struct pft_result *r, const struct report_series *s,
                        enum pft_series kind)
{
	char label[96];
	snprintf(label, sizeof label, "Defer rate and bounce rate per %s", pft_series_name(kind));
	if (s->n == 0) {
		svg_message(out, label, "No log lines with a time stamp.");
		return;
	}
	if (s->n > MAX_BARS) {
		snprintf(label, sizeof label, "Too many %ss to draw (%zu): choose a coarser view.",
		         pft_series_name(kind), s->n);
		svg_message(out, "Defer rate and bounce rate", label);
		return;
	}
	struct frame f = plot_frame();
	double max = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct pft_counts *c = &s->v[i].counts;
		double d = percent(c->attempts[PFT_DS_DEFERRED], pft_attempts_total(c));
		double b = percent(c->recipients[PFT_OUT_BOUNCED], report_decided(c));
		max = d > max ? d : max;
		max = b > max ? b : max;
	}
	double step = nice_step(max > 0 ? max : 1);
	f.top = step * ceil((max > 0 ? max : 1) / step);
	svg_open(out, CHART_H, label);
	y_axis(out, &f, step, 1);
	report_findings_bands(out, r, s, kind, f.x, f.y, f.w, f.h);
	double bw = f.w / (double)s->n;
	for (int line = 0; line < 2; line++) {
		const struct layer *l = &layers[line ? LAYER_BOUNCED : LAYER_DEFERRED];
		fprintf(
		    out,
		    "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s class=\"rate-%s\" d=\"",
		    l->color, line ? " stroke-dasharray=\"6 3\"" : "", line ? "bounce" : "defer");
		int pen = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct pft_counts *c = &s->v[i].counts;
			uint64_t whole = line ? report_decided(c) : pft_attempts_total(c);
			if (whole == 0) {
				pen = 0; /* no base: a gap in the line */
				continue;
			}
			uint64_t part =
			    line ? c->recipients[PFT_OUT_BOUNCED] : c->attempts[PFT_DS_DEFERRED];
			fprintf(out, "%c%.2f %.2f", pen ? 'L' : 'M', f.x + bw * ((double)i + 0.5),
			        y_of(&f, percent(part, whole)));
			pen = 1;
		}
		fputs("\"/>\n", out);
		if (s->n <= MAX_MARKERS) {
			fprintf(out, "<g fill=\"%s\">", l->color);
			for (size_t i = 0; i < s->n; i++) {
				const struct pft_counts *c = &s->v[i].counts;
				uint64_t whole = line ? report_decided(c) : pft_attempts_total(c);
				if (whole == 0)
					continue;
				uint64_t part = line ? c->recipients[PFT_OUT_BOUNCED]
				                     : c->attempts[PFT_DS_DEFERRED];
				double p = percent(part, whole);
				fprintf(out,
				        "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\"><title>%s: %s "
				        "rate %.1f%% "
				        "(%" PRIu64 " of %" PRIu64 ")</title></circle>",
				        f.x + bw * ((double)i + 0.5), y_of(&f, p), s->v[i].label,
				        line ? "bounce" : "defer", p, part, whole);
			}
			fputs("</g>\n", out);
		}
	}
	x_axis(out, &f, s, kind);
	fputs("</svg>\n", out);
}

static const char *class_color(unsigned cls)
{
	return cls == 2   ? layers[LAYER_SENT].color
	       : cls == 4 ? layers[LAYER_DEFERRED].color
	       : cls == 5 ? layers[LAYER_BOUNCED].color
	                  : layers[LAYER_OTHER].color;
}

static int by_attempts_desc(const void *a, const void *b)
{
	const struct pft_dsn_count *x = a, *y = b;
	if (x->attempts != y->attempts)
		return x->attempts < y->attempts ? 1 : -1;
	return x->code < y->code ? -1 : x->code > y->code;
}

static int by_code(const void *a, const void *b)
{
	const struct pft_dsn_count *x = a, *y = b;
	return x->code < y->code ? -1 : x->code > y->code;
}

/* One bar per code (the most frequent MAX_DSN_BARS, in code order), coloured by class. */
static enum pft_status chart_dsn(FILE *out, const struct pft_result *r)
{
	const char *label = "Delivery attempts by DSN code";
	if (r->n_dsn == 0) {
		svg_message(out, label, "No DSN codes in the input.");
		return PFT_OK;
	}
	struct pft_dsn_count *codes = malloc(r->n_dsn * sizeof *codes);
	if (codes == NULL)
		return PFT_ERR_NOMEM;
	memcpy(codes, r->dsn, r->n_dsn * sizeof *codes);
	size_t n = r->n_dsn;
	if (n > MAX_DSN_BARS) {
		qsort(codes, n, sizeof *codes, by_attempts_desc);
		n = MAX_DSN_BARS;
	}
	qsort(codes, n, sizeof *codes, by_code);
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++)
		max = codes[i].attempts > max ? codes[i].attempts : max;
	const double row = 24, left = 80, right = 90, top = 8;
	double height = top + row * (double)n + 8, w = CHART_W - left - right;
	svg_open(out, height, label);
	for (size_t i = 0; i < n; i++) {
		char code[16], count[32];
		report_dsn_label(codes[i].code, code);
		double y = top + row * (double)i;
		double bar = max ? w * (double)codes[i].attempts / (double)max : 0;
		unsigned c = PFT_DSN_CLASS(codes[i].code), s = PFT_DSN_SUBJECT(codes[i].code);
		const char *detail = pft_dsn_detail_name(s, PFT_DSN_DETAIL(codes[i].code));
		fprintf(out,
		        "<g><title>%s %s: %s attempts</title>"
		        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"code\">%s</text>"
		        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"/>"
		        "<text x=\"%.1f\" y=\"%.1f\">%s</text></g>\n",
		        code, detail ? detail : "(unregistered detail)",
		        group(codes[i].attempts, count), left - 8, y + 16, code, left, y + 4,
		        bar < 1 && codes[i].attempts ? 1 : bar, row - 8, class_color(c),
		        left + (bar < 1 ? 1 : bar) + 6, y + 16, count);
	}
	fputs("</svg>\n", out);
	free(codes);
	return PFT_OK;
}

/* ---- page --------------------------------------------------------------------------------- */

static const char style[] =
	":root{--fg:#1d1d1f;--muted:#5f6368;--line:#d9dce1;--bg:#fff;--panel:#f6f7f9;"
	"--sent:#0072B2;--deferred:#E69F00;--bounced:#D55E00;--other:#8C8C8C}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',"
	"Arial,sans-serif;color:var(--fg);background:var(--bg)}\n"
	"main{max-width:1120px;margin:0 auto;padding:24px 28px 48px}\n"
	"h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:36px 0 10px;"
	"border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:16px;margin:20px 0 6px}\n"
	".sub,.muted,figcaption{color:var(--muted)}.muted{fill:var(--muted)}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:12px;"
	"margin-top:20px}\n"
	".card{background:var(--panel);border-radius:8px;padding:10px 14px}\n"
	".card .label{display:block;font-size:13px;color:var(--muted)}\n"
	".card .value{display:block;font-size:24px;font-weight:600;"
	"font-variant-numeric:tabular-nums}\n"
	".card.sent{border-left:5px solid var(--sent)}.card.deferred{border-left:5px solid "
	"var(--deferred)}.card.bounced{border-left:5px solid var(--bounced)}\n"
	"figure{margin:12px 0 20px}figcaption{font-size:14px;margin-bottom:4px}\n"
	"svg{width:100%;height:auto;display:block;font-size:12px}\n"
	"svg text{fill:var(--fg)}svg .axis text{fill:var(--muted)}\n"
	"svg .grid{stroke:var(--line);stroke-width:1}svg .base{stroke:#999;stroke-width:1}\n"
	"svg .hover rect{fill:transparent}svg .hover rect:hover{fill:rgba(0,0,0,.06)}\n"
	"svg .code{font-family:ui-monospace,Menlo,Consolas,monospace}\n"
	".legend{display:flex;flex-wrap:wrap;gap:16px;font-size:13px;color:var(--muted);"
	"margin:4px 0}\n"
	".legend i{display:inline-block;width:12px;height:12px;border-radius:2px;"
	"vertical-align:-1px;margin-right:5px}\n"
	".legend i.line{height:3px;vertical-align:3px;width:18px}\n"
	".gran{position:absolute;opacity:0;width:1px;height:1px}\n"
	".switch{display:inline-flex;border:1px solid var(--line);border-radius:6px;"
	"overflow:hidden;margin:4px 0 8px}\n"
	".switch label{padding:4px 14px;cursor:pointer;user-select:none}\n"
	".switch label+label{border-left:1px solid var(--line)}\n"
	".view{display:none}\n"
	"#g-hour:checked~.views .v-hour,#g-day:checked~.views .v-day,"
	"#g-week:checked~.views .v-week{display:block}\n"
	"#g-hour:checked~.switch label[for=g-hour],#g-day:checked~.switch label[for=g-day],"
	"#g-week:checked~.switch label[for=g-week]{background:var(--fg);color:var(--bg)}\n"
	".gran:focus-visible~.switch{outline:2px solid var(--sent);outline-offset:2px}\n"
	"table{border-collapse:collapse;width:100%;font-size:14px;margin:8px 0 16px}\n"
	"th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;"
	"vertical-align:top}\n"
	"th{font-weight:600;background:var(--panel)}\n"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.name{word-break:break-all}\n"
	"code,.sample{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}\n"
	".sample{white-space:pre-wrap;word-break:break-all;color:var(--muted)}\n"
	"footer{margin-top:40px;font-size:13px;color:var(--muted)}\n"
	"@media print{body{font-size:10pt}main{max-width:none;padding:0}"
	".switch,.gran{display:none}h2{break-after:avoid}"
	"figure,table,.cards{break-inside:avoid}.card{border:1px solid #bbb}"
	"svg .hover{display:none}@page{margin:14mm}}\n";

static void card(FILE *out, const char *id, const char *cls, const char *label, uint64_t v)
{
	char buf[32];
	fprintf(out,
	        "<div class=\"card %s\"><span class=\"label\">%s</span><span class=\"value\" "
	        "id=\"%s\" data-value=\"%" PRIu64 "\">%s</span></div>\n",
	        cls, label, id, v, group(v, buf));
}

static void card_rate(FILE *out, const char *id, const char *label, uint64_t part, uint64_t whole)
{
	fprintf(
		out,
		"<div class=\"card\"><span class=\"label\">%s</span><span class=\"value\" id=\"%s\" "
		"data-value=\"%.6f\">%.2f%%</span></div>\n",
		label, id, report_ratio(part, whole), percent(part, whole));
}

static void legend_status(FILE *out)
{
	fputs("<div class=\"legend\">", out);
	for (int k = 0; k < N_LAYERS; k++)
		fprintf(out, "<span><i style=\"background:%s\"></i>%s</span>", layers[k].color,
		        k == LAYER_OTHER ? "other (softbounce, probes, unknown)" : layers[k].name);
	fputs("</div>\n", out);
}

static void legend_rates(FILE *out)
{
	fprintf(out,
	        "<div class=\"legend\"><span><i class=\"line\" style=\"background:%s\"></i>defer "
	        "rate (deferred attempts / attempts)</span><span><i class=\"line\" "
	        "style=\"background:%s\"></i>bounce rate (bounced recipients / recipients with an "
	        "outcome), dashed</span></div>\n",
	        layers[LAYER_DEFERRED].color, layers[LAYER_BOUNCED].color);
}

static void put_num_cell(FILE *out, uint64_t v)
{
	char buf[32];
	fprintf(out, "<td class=\"n\">%s</td>", group(v, buf));
}

static enum pft_status breakdown_table(FILE *out, const char *id, const char *what,
                                       const struct pft_named_counts *v, size_t n, size_t top)
{
	size_t m = 0;
	const struct pft_named_counts **rows =
		report_top(v, n, (struct report_rank){0}, top, 0, &m);
	if (rows == NULL)
		return PFT_ERR_NOMEM;
	if (m == 0) {
		fputs("<p class=\"sub\">None.</p>\n", out);
		free(rows);
		return PFT_OK;
	}
	fprintf(out,
	        "<table id=\"%s\"><thead><tr><th>%s</th><th class=\"n\">attempts</th>"
	        "<th class=\"n\">sent</th><th class=\"n\">deferred</th><th class=\"n\">bounced</th>"
	        "<th class=\"n\">defer rate</th><th class=\"n\">recipients</th>"
	        "<th class=\"n\">bounced rcpt</th><th class=\"n\">bounce rate</th></tr></thead>"
	        "<tbody>\n",
	        id, what);
	for (size_t i = 0; i < m; i++) {
		const struct pft_counts *c = &rows[i]->counts;
		uint64_t attempts = pft_attempts_total(c);
		fputs("<tr><td class=\"name\">", out);
		report_html_text(out, rows[i]->name);
		fputs("</td>", out);
		put_num_cell(out, attempts);
		put_num_cell(out, c->attempts[PFT_DS_SENT]);
		put_num_cell(out, c->attempts[PFT_DS_DEFERRED]);
		put_num_cell(out, c->attempts[PFT_DS_BOUNCED]);
		fprintf(out, "<td class=\"n\">%.1f%%</td>",
		        percent(c->attempts[PFT_DS_DEFERRED], attempts));
		put_num_cell(out, report_recipients_total(c));
		put_num_cell(out, c->recipients[PFT_OUT_BOUNCED]);
		fprintf(out, "<td class=\"n\">%.1f%%</td></tr>\n",
		        percent(c->recipients[PFT_OUT_BOUNCED], report_decided(c)));
	}
	fputs("</tbody></table>\n", out);
	if (m < n)
		fprintf(out,
		        "<p class=\"sub\">The %zu of %zu with the most attempts (--top).</p>\n", m,
		        n);
	free(rows);
	return PFT_OK;
}

static void dsn_table(FILE *out, const struct pft_result *r)
{
	uint64_t attempts = pft_attempts_total(&r->totals.all);
	fputs("<table id=\"dsn-table\"><thead><tr><th>code</th><th class=\"n\">attempts</th>"
	      "<th class=\"n\">share</th><th>meaning (RFC 3463)</th></tr></thead><tbody>\n",
	      out);
	for (size_t i = 0; i < r->n_dsn; i++) {
		pft_dsn d = r->dsn[i].code;
		unsigned c = PFT_DSN_CLASS(d), s = PFT_DSN_SUBJECT(d), x = PFT_DSN_DETAIL(d);
		char code[16];
		report_dsn_label(d, code);
		const char *detail = pft_dsn_detail_name(s, x), *subject = pft_dsn_subject_name(s);
		const char *cls = pft_dsn_class_name(c);
		fprintf(out, "<tr><td><code>%s</code></td>", code);
		put_num_cell(out, r->dsn[i].attempts);
		fprintf(out, "<td class=\"n\">%.2f%%</td><td>",
		        percent(r->dsn[i].attempts, attempts));
		if (detail)
			fputs(detail, out);
		else
			fprintf(out, "unregistered detail %u.%u", s, x);
		fprintf(out, " <span class=\"sub\">(%s; ", cls ? cls : "unknown class");
		if (subject)
			fputs(subject, out);
		else
			fprintf(out, "unknown subject %u", s);
		fputs(")</span></td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

/* Top reasons of each status: key, count and share, the first raw reason under the key. */
static void reasons_section(FILE *out, const struct pft_result *r, size_t top)
{
	fputs("<section id=\"reasons\">\n<h2>Top reasons</h2>\n", out);
	if (r->n_reasons_by_status == 0)
		fputs("<p class=\"sub\">No deferrals, bounces or rejects.</p>\n", out);
	for (size_t i = 0; i < r->n_reasons_by_status; i++) {
		const struct pft_reason_group *g = &r->reasons_by_status[i];
		char b[2][32];
		const int deliveries = report_reasons_of_attempts(g->name);
		fprintf(out,
		        "<h3>%s <span class=\"sub\">%s %s, %s distinct reasons</span></h3>\n"
		        "<table class=\"reasons\" id=\"reasons-%s\"><thead><tr><th class=\"n\">count"
		        "</th><th class=\"n\">share</th><th>reason (normalised) and first example"
		        "</th></tr></thead><tbody>\n",
		        g->name, group(g->total, b[0]), deliveries ? "attempts" : "records",
		        group(g->keys, b[1]), g->name);
		size_t n = g->n_rows < top ? g->n_rows : top;
		uint64_t rest = g->other;
		for (size_t j = n; j < g->n_rows; j++)
			rest += g->rows[j].count;
		for (size_t j = 0; j < n; j++) {
			const struct pft_reason_row *row = &g->rows[j];
			fputs("<tr>", out);
			put_num_cell(out, row->count);
			fprintf(out, "<td class=\"n\">%.1f%%</td><td class=\"name\"><code>",
			        percent(row->count, g->total));
			report_html_text(out, row->key[0] ? row->key : "(no reason text)");
			fputs("</code><div class=\"sample\">", out);
			report_html_text(out, row->sample);
			fputs("</div></td></tr>\n", out);
		}
		if (rest > 0) {
			fputs("<tr>", out);
			put_num_cell(out, rest);
			fprintf(out, "<td class=\"n\">%.1f%%</td><td class=\"sub\">other reasons</td></tr>\n",
			        percent(rest, g->total));
		}
		fputs("</tbody></table>\n", out);
	}
	fputs("</section>\n", out);
}

static const enum pft_action html_actions[] = {
	PFT_ACTION_REJECT,  PFT_ACTION_MILTER_REJECT, PFT_ACTION_PROXY_REJECT, PFT_ACTION_DISCARD,
	PFT_ACTION_HOLD,    PFT_ACTION_REJECT_WARNING, PFT_ACTION_OTHER,
};
#define N_HTML_ACTIONS (sizeof html_actions / sizeof html_actions[0])

static uint64_t actions_sum(const uint64_t *by_action)
{
	uint64_t n = 0;
	for (size_t a = 0; a < N_HTML_ACTIONS; a++)
		n += by_action[html_actions[a]];
	return n;
}

static void actions_rows(FILE *out, const char *name, const uint64_t *by_action)
{
	if (actions_sum(by_action) == 0)
		return;
	fprintf(out, "<tr><td>%s</td>", name);
	for (size_t a = 0; a < N_HTML_ACTIONS; a++)
		put_num_cell(out, by_action[html_actions[a]]);
	put_num_cell(out, actions_sum(by_action));
	fputs("</tr>\n", out);
}

/* Reject-like and policy records by stage and by daemon, and the reply codes of refusals. */
static void rejects_section(FILE *out, const struct pft_result *r)
{
	const struct pft_totals *t = &r->totals;
	uint64_t all = 0;
	for (int s = 0; s < PFT_STAGE_COUNT; s++)
		all += actions_sum(t->policy_stage[s]);
	char b[32];
	fprintf(out, "<section id=\"rejects\">\n<h2>Rejects and policy actions</h2>\n<p>Records with "
	        "an action: %s (reject_warning: what warn_if_reject would have refused).</p>\n",
	        group(all, b));
	if (all == 0) {
		fputs("</section>\n", out);
		return;
	}
	fputs("<table id=\"rejects-table\"><thead><tr><th>stage / daemon</th>", out);
	for (size_t a = 0; a < N_HTML_ACTIONS; a++)
		fprintf(out, "<th class=\"n\">%s</th>", pft_action_name(html_actions[a]));
	fputs("<th class=\"n\">total</th></tr></thead><tbody>\n", out);
	for (int s = 0; s < PFT_STAGE_COUNT; s++)
		actions_rows(out, pft_stage_name((enum pft_reject_stage)s), t->policy_stage[s]);
	fputs("</tbody><tbody>\n", out);
	for (int s = 0; s < PFT_POLICY_SOURCE_COUNT; s++)
		actions_rows(out, pft_policy_source_name((enum pft_policy_source)s), t->policy_source[s]);
	fputs("</tbody></table>\n", out);
	if (r->n_reject_codes > 0) {
		fputs("<table id=\"reject-codes-table\"><thead><tr><th>reply code of refusals</th>"
		      "<th class=\"n\">records</th></tr></thead><tbody>\n",
		      out);
		for (size_t i = 0; i < r->n_reject_codes; i++) {
			char code[32];
			report_reject_code_label(&r->reject_codes[i], code);
			fprintf(out, "<tr><td><code>%s</code></td>", code);
			put_num_cell(out, r->reject_codes[i].count);
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table>\n", out);
	}
	fputs("</section>\n", out);
}

static void put_civil(FILE *out, const struct pft_civil *c)
{
	fprintf(out, "%04d-%02u-%02u %02u:%02u:%02u", c->year, c->month, c->day, c->hour, c->min,
	        c->sec);
}

static void outcomes_table(FILE *out, const struct pft_totals *t)
{
	fputs("<table id=\"recipients-table\"><thead><tr><th>recipient outcome</th>"
	      "<th class=\"n\">recipients</th><th class=\"n\">deferred first</th></tr></thead>"
	      "<tbody>\n",
	      out);
	for (int o = 0; o < PFT_OUT_COUNT; o++) {
		fprintf(out, "<tr><td>%s</td>", pft_outcome_name((enum pft_outcome)o));
		put_num_cell(out, t->all.recipients[o]);
		put_num_cell(out, t->rcpt_deferred_then[o]);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
	char b[8][32];
	fprintf(out,
	        "<p>Messages: %s (closed %s, pending %s); expired %s, with a deferral %s, with a "
	        "bounce %s, rejected %s.</p>\n",
	        group(t->msg_total, b[0]), group(t->msg_closed, b[1]), group(t->msg_pending, b[2]),
	        group(t->msg_expired, b[3]), group(t->msg_with_deferral, b[4]),
	        group(t->msg_with_bounce, b[5]), group(t->msg_rejected, b[6]));
	fprintf(out,
	        "<p>Notifications by the bounce daemon: non-delivery %s, delay %s, success %s, "
	        "postmaster %s. ",
	        group(t->notifications[PFT_NOTIFY_NON_DELIVERY], b[0]),
	        group(t->notifications[PFT_NOTIFY_DELAY], b[1]),
	        group(t->notifications[PFT_NOTIFY_SUCCESS], b[2]),
	        group(t->notifications[PFT_NOTIFY_POSTMASTER], b[3]));
	fprintf(out, "Rejects: before queue %s, with a queue id %s. Address probes: %s.</p>\n",
	        group(t->rejects_noqueue, b[0]), group(t->rejects_with_queue_id, b[1]),
	        group(t->rcpt_probes, b[2]));
}

static void unrecognized_section(FILE *out, const struct pft_result *r)
{
	const struct pft_totals *t = &r->totals;
	char b[5][32];
	fprintf(out,
	        "<h2 id=\"lines\">Log lines</h2>\n<p>%s lines: Postfix %s, other programs %s, "
	        "malformed %s; Postfix records not understood %s.</p>\n",
	        group(t->lines_total, b[0]), group(t->lines_postfix, b[1]),
	        group(t->lines_other_programs, b[2]), group(t->lines_malformed, b[3]),
	        group(t->lines_unrecognized, b[4]));
	if (r->n_programs > 0) {
		fputs("<table id=\"programs-table\"><thead><tr><th>syslog tag</th>"
		      "<th class=\"n\">lines</th></tr></thead><tbody>\n",
		      out);
		for (size_t i = 0; i < r->n_programs; i++) {
			fputs("<tr><td class=\"name\">", out);
			report_html_text(out, r->programs[i].name);
			fputs("</td>", out);
			put_num_cell(out, r->programs[i].count);
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table>\n", out);
	}
	if (t->lines_malformed + t->lines_unrecognized == 0)
		return;
	fputs("<table id=\"unrecognized-table\"><thead><tr><th>reason</th><th class=\"n\">lines"
	      "</th><th>first samples</th></tr></thead><tbody>\n",
	      out);
	for (int k = 1; k < PFT_UNREC_REASON_COUNT; k++) {
		if (t->unrecognized[k] == 0)
			continue;
		fprintf(out, "<tr><td>%s</td>", pft_unrec_reason_name((enum pft_unrec_reason)k));
		put_num_cell(out, t->unrecognized[k]);
		fputs("<td>", out);
		for (int i = 0; i < r->n_samples[k]; i++) {
			const struct pft_sample *s = &r->samples[k][i];
			fputs("<div class=\"sample\">", out);
			report_html_text(out, r->files[s->file_index].path);
			fprintf(out, ":%" PRIu64 ": ", s->line);
			report_html_text(out, s->text);
			fputs("</div>", out);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

static void inputs_section(FILE *out, const struct pft_result *r)
{
	fputs("<h2 id=\"inputs\">Inputs</h2>\n<table id=\"inputs-table\"><thead><tr><th>file</th>"
	      "<th>format</th><th class=\"n\">bytes (decoded)</th><th class=\"n\">lines</th></tr>"
	      "</thead><tbody>\n",
	      out);
	for (size_t i = 0; i < r->n_files; i++) {
		fputs("<tr><td class=\"name\">", out);
		report_html_text(out, r->files[i].path);
		fputs("</td><td>", out);
		report_html_text(out, r->files[i].format);
		fputs("</td>", out);
		put_num_cell(out, r->files[i].bytes);
		put_num_cell(out, r->files[i].lines);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

/* The view shown first: the finest granularity that still reads well. */
static enum pft_series default_view(const struct report_series s[PFT_SERIES_COUNT])
{
	if (s[PFT_SERIES_HOUR].n <= 72)
		return PFT_SERIES_HOUR;
	if (s[PFT_SERIES_DAY].n <= 120)
		return PFT_SERIES_DAY;
	return PFT_SERIES_WEEK;
}

static void time_section(FILE *out, const struct pft_result *r,
                         const struct report_series s[PFT_SERIES_COUNT])
{
	enum pft_series first = default_view(s);
	fputs("<section id=\"time\">\n<h2>Over time</h2>\n", out);
	for (int k = 0; k < PFT_SERIES_COUNT; k++)
		fprintf(
		    out,
		    "<input type=\"radio\" name=\"granularity\" class=\"gran\" id=\"g-%s\"%s>\n",
		    pft_series_name((enum pft_series)k), k == (int)first ? " checked" : "");
	fputs("<div class=\"switch\" role=\"group\" aria-label=\"time granularity\">"
	      "<label for=\"g-hour\">Hour</label><label for=\"g-day\">Day</label>"
	      "<label for=\"g-week\">Week (ISO)</label></div>\n<div class=\"views\">\n",
	      out);
	for (int k = 0; k < PFT_SERIES_COUNT; k++) {
		const char *name = pft_series_name((enum pft_series)k);
		fprintf(out, "<div class=\"view v-%s\">\n", name);
		fprintf(out,
		        "<figure class=\"chart\" id=\"chart-attempts-%s\" data-chart=\"attempts\">"
		        "<figcaption>Delivery attempts by status, per %s (wall clock of the log)"
		        "</figcaption>\n",
		        name, name);
		legend_status(out);
		chart_attempts(out, r, &s[k], (enum pft_series)k);
		fprintf(
		    out,
		    "</figure>\n<figure class=\"chart\" id=\"chart-rates-%s\" data-chart=\"rates\">"
		    "<figcaption>Defer rate and bounce rate, per %s</figcaption>\n",
		    name, name);
		legend_rates(out);
		chart_rates(out, r, &s[k], (enum pft_series)k);
		fputs("</figure>\n</div>\n", out);
	}
	fputs("</div>\n</section>\n", out);
}

enum pft_status pft_report_html(const struct pft_result *r, const struct pft_report_options *o,
                                FILE *out)
{
	const struct pft_totals *t = &r->totals;
	const struct pft_counts *all = &t->all;
	size_t top = o->top ? o->top : PFT_REPORT_TOP_DEFAULT;
	struct report_series series[PFT_SERIES_COUNT] = {{0}};
	enum pft_status status = PFT_OK;
	for (int k = 0; k < PFT_SERIES_COUNT && status == PFT_OK; k++)
		status = report_series_build(r, (enum pft_series)k, &series[k]);
	if (status != PFT_OK)
		goto done;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"generator\" content=\"pftally\">\n<title>pftally report",
	      out);
	if (r->has_time)
		fprintf(out, " %04d-%02u-%02u to %04d-%02u-%02u", r->first.year, r->first.month,
		        r->first.day, r->last.year, r->last.month, r->last.day);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", style);

	fputs("<header>\n<h1>Postfix delivery report</h1>\n<p class=\"sub\" id=\"time-range\">",
	      out);
	if (r->has_time) {
		put_civil(out, &r->first);
		fputs(" to ", out);
		put_civil(out, &r->last);
		fputs(" (wall clock of the log)", out);
	} else {
		fputs("No time stamps in the input", out);
	}
	char b[2][32];
	fprintf(out, " &middot; %zu file%s, %s lines</p>\n</header>\n", r->n_files,
	        r->n_files == 1 ? "" : "s", group(t->lines_total, b[0]));

	uint64_t attempts = pft_attempts_total(all);
	fputs("<section class=\"cards\" id=\"totals\">\n", out);
	card(out, "total-attempts", "", "Delivery attempts", attempts);
	card(out, "total-attempts-sent", "sent", "Sent", all->attempts[PFT_DS_SENT]);
	card(out, "total-attempts-deferred", "deferred", "Deferred",
	     all->attempts[PFT_DS_DEFERRED]);
	card(out, "total-attempts-bounced", "bounced", "Bounced", all->attempts[PFT_DS_BOUNCED]);
	card_rate(out, "defer-rate", "Defer rate", all->attempts[PFT_DS_DEFERRED], attempts);
	card(out, "total-recipients", "", "Recipients", report_recipients_total(all));
	card(out, "total-recipients-bounced", "bounced", "Recipients bounced",
	     all->recipients[PFT_OUT_BOUNCED]);
	card_rate(out, "bounce-rate", "Bounce rate", all->recipients[PFT_OUT_BOUNCED],
	          report_decided(all));
	card(out, "total-messages", "", "Messages", t->msg_total);
	card(out, "total-recipients-expired", "", "Recipients expired",
	     all->recipients[PFT_OUT_EXPIRED]);
	fputs("</section>\n", out);

	report_findings_html(out, r);
	time_section(out, r, series);

	fputs("<section id=\"dsn\">\n<h2>Enhanced status codes (DSN)</h2>\n"
	      "<figure class=\"chart\" id=\"chart-dsn\" data-chart=\"dsn\"><figcaption>Delivery "
	      "attempts by DSN code (blue success, orange transient, red permanent)</figcaption>\n",
	      out);
	if ((status = chart_dsn(out, r)) != PFT_OK)
		goto done;
	fputs("</figure>\n", out);
	if (r->n_dsn)
		dsn_table(out, r);
	fputs("</section>\n", out);

	fputs("<section id=\"domains\">\n<h2>Top recipient domains</h2>\n", out);
	if ((status = breakdown_table(out, "domains-table", "domain", r->domains, r->n_domains,
	                              top)) != PFT_OK)
		goto done;
	fputs("</section>\n<section id=\"relays\">\n<h2>Top relays</h2>\n", out);
	if ((status = breakdown_table(out, "relays-table", "relay", r->relays, r->n_relays, top)) !=
		PFT_OK)
		goto done;
	fputs("</section>\n", out);
	reasons_section(out, r, top);
	rejects_section(out, r);
	fputs("<section id=\"recipients\">\n<h2>Recipients and messages</h2>\n", out);
	outcomes_table(out, t);
	fputs("</section>\n<section id=\"input-lines\">\n", out);
	unrecognized_section(out, r);
	inputs_section(out, r);
	fputs("</section>\n<footer>Made by pftally. An attempt is one delivery-status line; a "
	      "recipient is a (message, address) pair counted once, under its outcome. Defer rate: "
	      "deferred attempts / attempts; bounce rate: bounced recipients / recipients with an "
	      "outcome.</footer>\n</main>\n</body>\n</html>\n",
	      out);
done:
	for (int k = 0; k < PFT_SERIES_COUNT; k++)
		report_series_free(&series[k]);
	if (status == PFT_OK && ferror(out))
		status = PFT_ERR_IO;
	return status;
}
