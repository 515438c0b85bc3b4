/* pftgen — a fast generator of realistic Postfix logs with their exact expected result.
 *
 * Usage:
 *   pftgen [--seed N] [--messages N | --bytes SIZE] [--start YYYY-MM-DDThh:mm:ss] [--days N]
 *          [--hosts N] [--instances N] [--stamp bsd|rfc3339|mixed] [--qid short|long|mixed]
 *          [--noise FRACTION] [--reuse-qids] [--rotate N] [--compress LIST] [--verbose]
 *          -o OUT
 *
 *   --seed N          PRNG seed (default 1). Same seed and options: same bytes.
 *   --messages N      messages submitted over the time span (default 10000); the bounce
 *                     notifications Postfix creates come on top.
 *   --bytes SIZE      instead of --messages: stop once about SIZE bytes are written
 *                     (K/M/G suffixes, powers of 1024).
 *   --start T         wall-clock time of the first message (default 2024-12-20T00:00:00).
 *   --days N          time span over which messages arrive (default 16: a default run
 *                     crosses New Year and its last line is in January 2025).
 *   --hosts N         syslog hosts mx1..mxN (default 1).
 *   --instances N     Postfix instances per host: postfix, postfix-out, postfix-in, ...
 *                     (default 1). Queue ids are unique per (host, instance) only.
 *   --stamp S         bsd (`Dec 20 00:00:01`, day space-padded), rfc3339
 *                     (`2024-12-20T00:00:01.123456+01:00`) or mixed (both, plus zero-padded
 *                     and single-digit BSD days), default bsd.
 *   --qid Q           short (10-12 upper-case hex digits), long (15 characters, base 52
 *                     without vowels) or mixed, default short.
 *   --noise F         after each line, with probability F, one more line: a Postfix warning,
 *                     a line of another program (sometimes a second older) or a malformed
 *                     line (default 0: no malformed lines; the usual background of smtpd
 *                     connect/disconnect, anvil, "host ... said" lines, cron, sshd and dovecot
 *                     is always there).
 *   --reuse-qids      reuse queue ids soon after their `removed` line (new messages).
 *   --rotate N        write N pieces OUT.N-1 ... OUT.1, OUT of the same byte stream, cut at
 *                     line boundaries into about equal sizes (oldest has the highest number).
 *   --compress LIST   comma-separated plain|gzip|zstd, applied to the pieces from the oldest
 *                     to the newest (missing entries: plain); gzip pieces get a .gz suffix,
 *                     zstd pieces .zst.
 *   --incident SPEC   plant an incident: domain=NAME,start=YYYY-MM-DDThh:mm:ss,hours=N
 *                     [,defer=F][,bounce=F]. For N hours from start, each delivery attempt to
 *                     the recipient domain NAME (one delivered by smtp or lmtp) is deferred
 *                     with probability F (421 4.7.0 / 451 4.3.0, retried as usual), else
 *                     bounced with probability F. Up to 8; the truth lists them under
 *                     "planted_incidents" (its last key). Without it the bytes are as before.
 *   --verbose         statistics on standard error.
 *   -o OUT            the log; the expected result goes to OUT.truth.json (one file for a
 *                     rotated set).
 *
 * Every output file's mtime is the wall-clock time of its last line, read as local time, as
 * a log file's would be (pftally infers the year of BSD stamps from it).
 *
 * The truth is computed from the generated events themselves (ground truth by construction,
 * never by reading the log back). It has the structure and key names of pftally's JSON
 * report (schema "pftally-1"): attempts, recipients, messages, notifications, rejects, dsn,
 * lines, programs, by_domain, by_relay, by_day and by_hour, counted as README.md defines.
 *
 * The simulation: messages arrive (smtpd, pickup) with a daily rhythm; qmgr queues them;
 * delivery agents (smtp, lmtp, local, virtual, pipe, error, discard) try each recipient;
 * deferred recipients are retried with Postfix's backoff until they are delivered, bounce, or
 * the message expires after the queue lifetime; the bounce daemon queues notifications, which
 * are messages of their own. Events are kept in a heap ordered by time, so lines come out in
 * time order; what is still queued at the end is pending. Output goes through large buffers
 * with hand-written number and time formatting, written (and compressed) by a second thread;
 * rotated sets are produced by running the (deterministic) simulation twice, the first time
 * only to measure the stream. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#define LIT(s) (s), (sizeof(s) - 1)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define US_PER_SEC INT64_C(1000000)

/* ---- errors and memory -------------------------------------------------------------------- */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("pftgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

/* ---- PRNG: xoshiro256** seeded with splitmix64 ---------------------------------------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rnd(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) (Lemire's multiply-shift; the bias is irrelevant here). */
static inline uint32_t rnd_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rnd(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline uint32_t rnd_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rnd_below(r, hi - lo + 1);
}

/* Uniform in [0, 1). */
static inline double rnd_unit(struct rng *r)
{
	return (double)(rnd(r) >> 11) * 0x1.0p-53;
}

/* 1 with probability p. */
static inline int chance(struct rng *r, double p)
{
	return rnd_unit(r) < p;
}

/* ---- number formatting -------------------------------------------------------------------- */

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930"
				     "31323334353637383940414243444546474849505152535455565758596061"
				     "62636465666768697071727374757677787980818283848586878889909192"
				     "93949596979899";

static inline char *put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PUT(p, lit) put((p), LIT(lit))

/* Copies n <= block bytes of s, where block bytes of s are readable and block bytes at p
 * writable (line buffers keep LINE_MAX_BYTES free): one fixed-size copy, no library call. */
#define PUT_BLOCK(p, s, n, block) (memcpy((p), (s), (block)), (p) + (n))

static inline char *put_small(char *p, const char *s, size_t n, size_t readable)
{
	if (n <= 32 && readable >= 32)
		return PUT_BLOCK(p, s, n, 32);
	return put(p, s, n);
}

static inline char *put_str(char *p, const char *s)
{
	return put(p, s, strlen(s));
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24], *e = tmp + sizeof tmp, *q = e;
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;
		v /= 100;
		*--q = digit_pairs[d + 1];
		*--q = digit_pairs[d];
	}
	if (v >= 10) {
		*--q = digit_pairs[v * 2 + 1];
		*--q = digit_pairs[v * 2];
	} else {
		*--q = (char)('0' + v);
	}
	return put(p, q, (size_t)(e - q));
}

static inline char *put_2d(char *p, unsigned v)
{
	p[0] = digit_pairs[v * 2];
	p[1] = digit_pairs[v * 2 + 1];
	return p + 2;
}

/* v with exactly `width` digits, zero-padded. */
static char *put_padded(char *p, uint64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

static const char hex_upper[] = "0123456789ABCDEF";

/* ---- civil time --------------------------------------------------------------------------- */

/* Simulated time is microseconds since 1970-01-01T00:00:00 of the *wall clock* (civil time
 * counted as if it were UTC): no time zone, no DST; mtimes go through mktime(). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

struct civil {
	int year;
	unsigned month, day, hour, min, sec;
};

static struct civil civil_from_sec(int64_t t)
{
	int64_t z = (t >= 0 ? t : t - 86399) / 86400;
	int64_t secs = t - z * 86400;
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	struct civil c = {(int)(y + (m <= 2)), m, d, (unsigned)(secs / 3600),
			  (unsigned)(secs / 60 % 60), (unsigned)(secs % 60)};
	return c;
}

static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Local time_t of a wall-clock second (for utimes). */
static time_t local_time_of(int64_t wall_sec)
{
	struct civil c = civil_from_sec(wall_sec);
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = c.year - 1900;
	tm.tm_mon = (int)c.month - 1;
	tm.tm_mday = (int)c.day;
	tm.tm_hour = (int)c.hour;
	tm.tm_min = (int)c.min;
	tm.tm_sec = (int)c.sec;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static int parse_start(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	char tail;
	int n = sscanf(s, "%d-%d-%dT%d:%d:%d%c", &y, &mo, &d, &h, &mi, &se, &tail);
	if (n != 3 && n != 6)
		return 0;
	if (y < 1971 || y > 9000 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || se < 0 || se > 59)
		return 0;
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
	return 1;
}

/* ---- options ------------------------------------------------------------------------------ */

enum stamp_style { STAMP_BSD, STAMP_RFC3339, STAMP_MIXED };
enum qid_style { QID_SHORT, QID_LONG, QID_MIXED };
enum compression { COMP_PLAIN, COMP_GZIP, COMP_ZSTD };

#define MAX_HOSTS 64
#define MAX_INSTANCES 8
#define MAX_PIECES 100

struct options {
	uint64_t seed;
	uint64_t messages;
	uint64_t bytes;         /* 0: --messages decides */
	int64_t start;          /* wall-clock seconds */
	unsigned days;
	unsigned hosts, instances;
	enum stamp_style stamp;
	enum qid_style qid;
	double noise;
	int reuse_qids;
	unsigned rotate;
	enum compression compress[MAX_PIECES];
	int verbose;
	struct incident {
		char domain[64];
		int64_t start;          /* wall-clock seconds */
		unsigned hours;
		double defer, bounce;   /* probabilities per attempt */
	} incidents[8];
	unsigned n_incidents;
	const char *out;
};

static void usage(FILE *f)
{
	fputs("usage: pftgen [--seed N] [--messages N | --bytes SIZE(K/M/G)]\n"
	      "              [--start 2024-12-20T00:00:00] [--days N] [--hosts N] [--instances N]\n"
	      "              [--stamp bsd|rfc3339|mixed] [--qid short|long|mixed]\n"
	      "              [--noise FRACTION] [--reuse-qids] [--rotate N --compress plain,gzip,zstd,...]\n"
	      "              [--incident domain=NAME,start=T,hours=N,defer=F,bounce=F]\n"
	      "              [--verbose] -o OUT\n"
	      "Writes a realistic Postfix log OUT (or a rotated set OUT.N-1 ... OUT.1, OUT) and the exact\n"
	      "expected pftally result OUT.truth.json. Same seed and options: same bytes.\n"
	      "  --seed N          PRNG seed (default 1)\n"
	      "  --messages N      submitted messages (default 10000); notifications come on top\n"
	      "  --bytes SIZE      stop after about SIZE bytes instead\n"
	      "  --start T         wall-clock time of the first message (default 2024-12-20T00:00:00)\n"
	      "  --days N          arrival span in days (default 16, crossing New Year)\n"
	      "  --hosts N         hosts mx1..mxN (default 1)\n"
	      "  --instances N     Postfix instances per host: postfix, postfix-out, ... (default 1)\n"
	      "  --stamp S         bsd, rfc3339 or mixed time stamps (default bsd)\n"
	      "  --qid Q           short (hex), long (base 52) or mixed queue ids (default short)\n"
	      "  --noise F         probability per line of an extra warning, foreign or malformed line\n"
	      "                    (default 0)\n"
	      "  --reuse-qids      reuse queue ids soon after their `removed`\n"
	      "  --rotate N        split the stream into N rotated pieces\n"
	      "  --compress LIST   plain|gzip|zstd per piece, oldest first (default plain)\n"
	      "  --incident SPEC   domain=NAME,start=T,hours=N[,defer=F][,bounce=F]: attempts to NAME\n"
	      "                    in those hours are deferred (bounced) with probability F; up to 8\n"
	      "  --verbose         statistics on standard error\n"
	      "  -o OUT            output path\n",
	      f);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, "pftgen: bad value for %s: '%s'\n", opt, s);
		exit(2);
	}
	return v;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	double mult = 1;
	if (*end == 'K' || *end == 'k')
		mult = 1024.0, end++;
	else if (*end == 'M' || *end == 'm')
		mult = 1024.0 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mult = 1024.0 * 1024 * 1024, end++;
	if (errno || end == s || *end || !(v > 0) || v * mult > 1e15) {
		fprintf(stderr, "pftgen: bad size '%s'\n", s);
		exit(2);
	}
	return (uint64_t)(v * mult);
}

static void parse_compress(struct options *o, const char *list)
{
	const char *p = list;
	unsigned i = 0;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		enum compression c;
		if (n == 5 && memcmp(p, "plain", 5) == 0)
			c = COMP_PLAIN;
		else if (n == 4 && memcmp(p, "gzip", 4) == 0)
			c = COMP_GZIP;
		else if (n == 4 && memcmp(p, "zstd", 4) == 0)
			c = COMP_ZSTD;
		else {
			fprintf(stderr, "pftgen: bad --compress entry '%.*s'\n", (int)n, p);
			exit(2);
		}
		if (i >= MAX_PIECES) {
			fprintf(stderr, "pftgen: too many --compress entries\n");
			exit(2);
		}
		o->compress[i++] = c;
		p += n;
		if (*p == ',')
			p++;
	}
}

/* --incident domain=NAME,start=T,hours=N[,defer=F][,bounce=F] */
static void parse_incident(struct options *o, const char *spec)
{
	if (o->n_incidents >= ARRAY_LEN(o->incidents)) {
		fprintf(stderr, "pftgen: at most %zu --incident\n", ARRAY_LEN(o->incidents));
		exit(2);
	}
	struct incident *x = &o->incidents[o->n_incidents];
	memset(x, 0, sizeof *x);
	x->start = -1;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", spec);
	for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (eq == NULL)
			goto bad;
		*eq = '\0';
		const char *v = eq + 1;
		char *end;
		if (strcmp(kv, "domain") == 0 && strlen(v) < sizeof x->domain && *v)
			snprintf(x->domain, sizeof x->domain, "%s", v);
		else if (strcmp(kv, "start") == 0 && parse_start(v, &x->start))
			;
		else if (strcmp(kv, "hours") == 0)
			x->hours = (unsigned)parse_u64("--incident hours", v, 24 * 3650);
		else if (strcmp(kv, "defer") == 0 && (x->defer = strtod(v, &end), end != v && !*end))
			;
		else if (strcmp(kv, "bounce") == 0 && (x->bounce = strtod(v, &end), end != v && !*end))
			;
		else
			goto bad;
	}
	if (!x->domain[0] || x->start < 0 || x->hours == 0 || !(x->defer >= 0 && x->defer <= 1) ||
	    !(x->bounce >= 0 && x->bounce <= 1) || x->defer + x->bounce <= 0)
		goto bad;
	o->n_incidents++;
	return;
bad:
	fprintf(stderr, "pftgen: bad --incident '%s' (domain=NAME,start=YYYY-MM-DDThh:mm:ss,"
			"hours=N[,defer=F][,bounce=F], F in 0..1)\n", spec);
	exit(2);
}

static void parse_options(struct options *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->messages = 10000;
	o->days = 16;
	o->hosts = 1;
	o->instances = 1;
	o->rotate = 1;
	parse_start("2024-12-20T00:00:00", &o->start);
	int have_messages = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(a, "--reuse-qids") == 0) {
			o->reuse_qids = 1;
			continue;
		}
		if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			o->verbose = 1;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "pftgen: unknown option or missing value: '%s'\n", a);
			usage(stderr);
			exit(2);
		}
		const char *v = argv[++i];
		if (strcmp(a, "--seed") == 0)
			o->seed = parse_u64(a, v, UINT64_MAX);
		else if (strcmp(a, "--messages") == 0)
			o->messages = parse_u64(a, v, UINT64_C(1) << 40), have_messages = 1;
		else if (strcmp(a, "--bytes") == 0)
			o->bytes = parse_size(v);
		else if (strcmp(a, "--start") == 0) {
			if (!parse_start(v, &o->start)) {
				fprintf(stderr, "pftgen: bad --start '%s' (YYYY-MM-DDThh:mm:ss)\n", v);
				exit(2);
			}
		} else if (strcmp(a, "--days") == 0)
			o->days = (unsigned)parse_u64(a, v, 3650);
		else if (strcmp(a, "--hosts") == 0)
			o->hosts = (unsigned)parse_u64(a, v, MAX_HOSTS);
		else if (strcmp(a, "--instances") == 0)
			o->instances = (unsigned)parse_u64(a, v, MAX_INSTANCES);
		else if (strcmp(a, "--stamp") == 0) {
			if (strcmp(v, "bsd") == 0)
				o->stamp = STAMP_BSD;
			else if (strcmp(v, "rfc3339") == 0)
				o->stamp = STAMP_RFC3339;
			else if (strcmp(v, "mixed") == 0)
				o->stamp = STAMP_MIXED;
			else {
				fprintf(stderr, "pftgen: bad --stamp '%s'\n", v);
				exit(2);
			}
		} else if (strcmp(a, "--qid") == 0) {
			if (strcmp(v, "short") == 0)
				o->qid = QID_SHORT;
			else if (strcmp(v, "long") == 0)
				o->qid = QID_LONG;
			else if (strcmp(v, "mixed") == 0)
				o->qid = QID_MIXED;
			else {
				fprintf(stderr, "pftgen: bad --qid '%s'\n", v);
				exit(2);
			}
		} else if (strcmp(a, "--noise") == 0) {
			char *end;
			o->noise = strtod(v, &end);
			if (*end || end == v || !(o->noise >= 0) || o->noise > 0.5) {
				fprintf(stderr, "pftgen: bad --noise '%s' (0 to 0.5)\n", v);
				exit(2);
			}
		} else if (strcmp(a, "--rotate") == 0)
			o->rotate = (unsigned)parse_u64(a, v, MAX_PIECES);
		else if (strcmp(a, "--incident") == 0)
			parse_incident(o, v);
		else if (strcmp(a, "--compress") == 0)
			parse_compress(o, v);
		else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
			o->out = v;
		else {
			fprintf(stderr, "pftgen: unknown option '%s'\n", a);
			usage(stderr);
			exit(2);
		}
	}
	if (o->out == NULL) {
		fprintf(stderr, "pftgen: -o OUT is required\n");
		usage(stderr);
		exit(2);
	}
	if (o->bytes && have_messages) {
		fprintf(stderr, "pftgen: --messages and --bytes are exclusive\n");
		exit(2);
	}
	if (o->hosts == 0 || o->instances == 0 || o->rotate == 0 || o->days == 0) {
		fprintf(stderr, "pftgen: --hosts, --instances, --rotate and --days must be >= 1\n");
		exit(2);
	}
	if (o->messages == 0 && !o->bytes) {
		fprintf(stderr, "pftgen: --messages must be >= 1\n");
		exit(2);
	}
}

/* ---- output: buffer, rotated pieces, compression ------------------------------------------ */

#define OUT_BUF_SIZE ((size_t)8 << 20)
#define LINE_MAX_BYTES 4096 /* room kept free for one line; lines stay far below */

struct piece_writer {
	int fd;
	enum compression comp;
	z_stream z;
	ZSTD_CCtx *zc;
	char *cbuf;
	size_t ccap;
	char *path;
};

struct sink {
	const struct options *o;
	int measuring;               /* first pass of a rotated set: count bytes only */
	char *buf;
	size_t len;                  /* bytes of whole lines waiting in buf */
	uint64_t emitted;            /* bytes of all lines so far */
	unsigned npieces, piece;
	uint64_t bounds[MAX_PIECES]; /* piece k ends with the first line ending at >= bounds[k] */
	uint64_t next_bound;
	int64_t line_sec;            /* wall-clock second of the line being written */
	int64_t piece_last_sec;      /* ... of the last line of the current piece */
	int64_t first_sec;
	struct piece_writer w;          /* used by the writer thread while a job is ready */
	char *bufs[2];                  /* buf is one of them */
	pthread_t writer;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const char *job;
	size_t job_len;
	int job_ready, quit;
};

static void write_all(int fd, const char *p, size_t n, const char *path)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			die("cannot write %s: %s", path, strerror(errno));
		}
		p += k;
		n -= (size_t)k;
	}
}

static char *piece_path(const struct options *o, unsigned piece, unsigned npieces,
			enum compression comp)
{
	unsigned number = npieces - 1 - piece;
	size_t n = strlen(o->out) + 32;
	char *path = xcalloc(1, n);
	if (number == 0)
		snprintf(path, n, "%s", o->out);
	else
		snprintf(path, n, "%s.%u", o->out, number);
	if (comp == COMP_GZIP)
		strcat(path, ".gz");
	else if (comp == COMP_ZSTD)
		strcat(path, ".zst");
	return path;
}

static void piece_open(struct sink *s)
{
	struct piece_writer *w = &s->w;
	memset(w, 0, sizeof *w);
	w->comp = s->piece < MAX_PIECES ? s->o->compress[s->piece] : COMP_PLAIN;
	w->path = piece_path(s->o, s->piece, s->npieces, w->comp);
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (w->fd < 0)
		die("cannot create %s: %s", w->path, strerror(errno));
	if (w->comp == COMP_GZIP) {
		if (deflateInit2(&w->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			die("deflateInit2 failed");
		w->ccap = (size_t)1 << 20;
		w->cbuf = xcalloc(1, w->ccap);
	} else if (w->comp == COMP_ZSTD) {
		w->zc = ZSTD_createCCtx();
		if (w->zc == NULL)
			die("ZSTD_createCCtx failed");
		ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, 3);
		w->ccap = ZSTD_CStreamOutSize();
		w->cbuf = xcalloc(1, w->ccap);
	}
	s->piece_last_sec = s->emitted ? s->line_sec : s->first_sec;
}

static void piece_write(struct piece_writer *w, const char *p, size_t n, int finish)
{
	if (w->comp == COMP_PLAIN) {
		write_all(w->fd, p, n, w->path);
	} else if (w->comp == COMP_GZIP) {
		w->z.next_in = (Bytef *)(uintptr_t)p;
		w->z.avail_in = (uInt)n;
		int flush = finish ? Z_FINISH : Z_NO_FLUSH, rc;
		do {
			w->z.next_out = (Bytef *)w->cbuf;
			w->z.avail_out = (uInt)w->ccap;
			rc = deflate(&w->z, flush);
			if (rc == Z_STREAM_ERROR)
				die("deflate failed");
			write_all(w->fd, w->cbuf, w->ccap - w->z.avail_out, w->path);
		} while (w->z.avail_out == 0 || (finish && rc != Z_STREAM_END));
	} else {
		ZSTD_inBuffer in = {p, n, 0};
		ZSTD_EndDirective mode = finish ? ZSTD_e_end : ZSTD_e_continue;
		for (;;) {
			ZSTD_outBuffer out = {w->cbuf, w->ccap, 0};
			size_t left = ZSTD_compressStream2(w->zc, &out, &in, mode);
			if (ZSTD_isError(left))
				die("zstd: %s", ZSTD_getErrorName(left));
			write_all(w->fd, w->cbuf, out.pos, w->path);
			if (finish ? left == 0 : in.pos == in.size)
				break;
		}
	}
}

static void piece_close(struct sink *s)
{
	struct piece_writer *w = &s->w;
	piece_write(w, "", 0, 1);
	if (w->comp == COMP_GZIP)
		deflateEnd(&w->z);
	else if (w->comp == COMP_ZSTD)
		ZSTD_freeCCtx(w->zc);
	struct stat st;
	int regular = fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode); /* not /dev/null, a pipe */
	if (close(w->fd) != 0)
		die("cannot write %s: %s", w->path, strerror(errno));
	struct timeval tv[2];
	tv[0].tv_sec = tv[1].tv_sec = local_time_of(s->piece_last_sec);
	tv[0].tv_usec = tv[1].tv_usec = 0;
	if (regular && utimes(w->path, tv) != 0)
		die("cannot set the time of %s: %s", w->path, strerror(errno));
	free(w->cbuf);
	free(w->path);
	memset(w, 0, sizeof *w);
}

/* The writer thread writes (and compresses) one buffer while the generator fills the other. */
static void *writer_main(void *arg)
{
	struct sink *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->job_ready && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->job_ready)
			break;
		const char *job = s->job;
		size_t n = s->job_len;
		pthread_mutex_unlock(&s->mu);
		piece_write(&s->w, job, n, 0);
		pthread_mutex_lock(&s->mu);
		s->job_ready = 0;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Waits until the writer thread has written everything handed to it. */
static void sink_wait(struct sink *s)
{
	if (s->measuring)
		return;
	pthread_mutex_lock(&s->mu);
	while (s->job_ready)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

/* Hands the buffered lines to the writer thread and continues in the other buffer. */
static void sink_flush(struct sink *s)
{
	if (!s->measuring && s->len > 0) {
		sink_wait(s);
		pthread_mutex_lock(&s->mu);
		s->job = s->buf;
		s->job_len = s->len;
		s->job_ready = 1;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		char *other = s->bufs[0] == s->buf ? s->bufs[1] : s->bufs[0];
		s->buf = other;
	}
	s->len = 0;
}

/* total: the stream's length from the measuring pass (0 when there is one piece). */
static void sink_init(struct sink *s, const struct options *o, int measuring, uint64_t total,
		      int64_t first_sec)
{
	memset(s, 0, sizeof *s);
	s->o = o;
	s->measuring = measuring;
	s->bufs[0] = s->buf = xcalloc(1, OUT_BUF_SIZE);
	if (!measuring) {
		s->bufs[1] = xcalloc(1, OUT_BUF_SIZE);
		pthread_mutex_init(&s->mu, NULL);
		pthread_cond_init(&s->cv, NULL);
		if (pthread_create(&s->writer, NULL, writer_main, s) != 0)
			die("cannot start the writer thread");
	}
	s->npieces = measuring ? 1 : o->rotate;
	s->first_sec = first_sec;
	for (unsigned k = 0; k + 1 < s->npieces; k++)
		s->bounds[k] = total / s->npieces * (k + 1) + (total % s->npieces) * (k + 1) / s->npieces;
	s->next_bound = s->npieces > 1 ? s->bounds[0] : UINT64_MAX;
	if (s->next_bound == 0)
		s->next_bound = 1;
	if (!measuring)
		piece_open(s);
}

static void sink_finish(struct sink *s)
{
	sink_flush(s);
	sink_wait(s);
	if (!s->measuring) {
		pthread_mutex_lock(&s->mu);
		s->quit = 1;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->writer, NULL);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		piece_close(s);
		/* Pieces that got no line (tiny outputs) still exist, empty. */
		while (++s->piece < s->npieces) {
			piece_open(s);
			piece_close(s);
		}
	}
	free(s->bufs[0]);
	free(s->bufs[1]);
	s->buf = s->bufs[0] = s->bufs[1] = NULL;
}

/* Where the next line goes (room for LINE_MAX_BYTES). */
static inline char *sink_line_start(struct sink *s)
{
	return s->buf + s->len;
}

/* The line [buf + len, end) is complete (end points past its '\n'). */
static inline void sink_line_done(struct sink *s, char *end)
{
	size_t n = (size_t)(end - (s->buf + s->len));
	s->len += n;
	s->emitted += n;
	if (s->line_sec > s->piece_last_sec)
		s->piece_last_sec = s->line_sec; /* a line may be a second older than the one before */
	if (s->emitted >= s->next_bound) {
		sink_flush(s);
		sink_wait(s);
		piece_close(s);
		s->piece++;
		s->next_bound = s->piece + 1 < s->npieces ? s->bounds[s->piece] : UINT64_MAX;
		if (s->next_bound <= s->emitted)
			s->next_bound = s->emitted + 1;
		piece_open(s);
	} else if (s->len > OUT_BUF_SIZE - LINE_MAX_BYTES) {
		sink_flush(s);
	}
}

/* ---- syslog tags -------------------------------------------------------------------------- */

enum service {
	SV_SMTPD, SV_SUBMISSION, SV_CLEANUP, SV_QMGR, SV_SMTP, SV_LMTP, SV_LOCAL, SV_VIRTUAL,
	SV_PIPE, SV_ERROR, SV_DISCARD, SV_BOUNCE, SV_PICKUP, SV_ANVIL, SV_POSTSUPER, SV_SCACHE,
	SV_COUNT
};
static const char *const service_names[SV_COUNT] = {
	"smtpd", "submission/smtpd", "cleanup", "qmgr", "smtp", "lmtp", "local", "virtual",
	"pipe", "error", "discard", "bounce", "pickup", "anvil", "postsuper", "scache",
};
static const char *const instance_names[MAX_INSTANCES] = {
	"postfix", "postfix-out", "postfix-in", "postfix-dmz",
	"postfix2", "postfix3", "postfix-relay", "postfix-lists",
};
enum other_program { OP_SSHD, OP_CRON, OP_DOVECOT, OP_SYSTEMD, OP_OPENDKIM, OP_KERNEL, OP_COUNT };
static const char *const other_names[OP_COUNT] = {
	"sshd", "CRON", "dovecot", "systemd", "opendkim", "kernel",
};

#define N_POSTFIX_TAGS (MAX_INSTANCES * SV_COUNT)
#define N_TAGS (N_POSTFIX_TAGS + OP_COUNT)
#define TAG(inst, svc) ((inst) * SV_COUNT + (svc))
#define OTHER_TAG(op) (N_POSTFIX_TAGS + (op))

struct tag {
	char text[40];
	uint8_t len;
};

#define PIDS_PER_TAG 4

/* ---- the world: domains, relays, clients, people ------------------------------------------ */

enum domain_kind { DK_SMTP, DK_LMTP, DK_VIRTUAL, DK_LOCAL, DK_PIPE, DK_DISCARD, DK_ERROR };
enum profile {
	PR_GENERIC, PR_GOOGLE, PR_MS, PR_YAHOO, PR_EXIM, PR_DEAD, PR_NX, PR_GREY, PR_OURS
};

struct domain_def {
	const char *name;       /* lower case: the truth key */
	const char *shown;      /* spelling used in a few addresses (NULL: name) */
	uint8_t kind, profile;
	uint16_t weight;        /* popularity among recipients of its side */
	const char *mx[3];
};

/* Remote domains: recipients of outgoing mail and senders of incoming mail. */
static const struct domain_def remote_domains[] = {
	{"gmail.com", "GMail.com", DK_SMTP, PR_GOOGLE, 300,
	 {"gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com", NULL}},
	{"googlemail.com", NULL, DK_SMTP, PR_GOOGLE, 20,
	 {"gmail-smtp-in.l.google.com", "alt2.gmail-smtp-in.l.google.com", NULL}},
	{"outlook.com", NULL, DK_SMTP, PR_MS, 120, {"outlook-com.olc.protection.outlook.com", NULL, NULL}},
	{"hotmail.com", "Hotmail.COM", DK_SMTP, PR_MS, 90, {"hotmail-com.olc.protection.outlook.com", NULL, NULL}},
	{"yahoo.com", NULL, DK_SMTP, PR_YAHOO, 80,
	 {"mta5.am0.yahoodns.net", "mta6.am0.yahoodns.net", "mta7.am0.yahoodns.net"}},
	{"aol.com", NULL, DK_SMTP, PR_YAHOO, 15, {"mx-aol.mail.gm0.yahoodns.net", NULL, NULL}},
	{"icloud.com", NULL, DK_SMTP, PR_GENERIC, 40, {"mx01.mail.icloud.com", "mx02.mail.icloud.com", NULL}},
	{"gmx.de", NULL, DK_SMTP, PR_GENERIC, 35, {"mx00.emig.gmx.net", "mx01.emig.gmx.net", NULL}},
	{"web.de", NULL, DK_SMTP, PR_GENERIC, 30, {"mx-ha03.web.de", "mx-ha02.web.de", NULL}},
	{"orange.fr", NULL, DK_SMTP, PR_GENERIC, 20, {"smtp-in.orange.fr", NULL, NULL}},
	{"example.com", "Example.COM", DK_SMTP, PR_GENERIC, 60, {"mx.example.com", NULL, NULL}},
	{"acme.example", NULL, DK_SMTP, PR_EXIM, 40, {"mx1.acme.example", "mx2.acme.example", NULL}},
	{"widgets.example", NULL, DK_SMTP, PR_GENERIC, 30, {"mail.widgets.example", NULL, NULL}},
	{"example.edu", NULL, DK_SMTP, PR_EXIM, 25, {"mx1.example.edu", "mx2.example.edu", NULL}},
	{"protonmail.ch", NULL, DK_SMTP, PR_GENERIC, 15, {"mail.protonmail.ch", "mailsec.protonmail.ch", NULL}},
	{"greylist.example", NULL, DK_SMTP, PR_GREY, 20, {"mx.greylist.example", NULL, NULL}},
	{"dead-mx.example", NULL, DK_SMTP, PR_DEAD, 4, {"mx.dead-mx.example", "mx2.dead-mx.example", NULL}},
	{"nonexistent.example", NULL, DK_SMTP, PR_NX, 4, {NULL, NULL, NULL}},
};

/* Our own domains: recipients of incoming mail. The hosts' own names (local delivery) are
 * added at start-up. */
static const struct domain_def local_domains[] = {
	{"example.net", "EXAMPLE.net", DK_LMTP, PR_OURS, 400, {"mail.example.net", NULL, NULL}},
	{"corp.example.net", NULL, DK_VIRTUAL, PR_OURS, 120, {NULL, NULL, NULL}},
	{"lists.example.net", NULL, DK_PIPE, PR_OURS, 40, {NULL, NULL, NULL}},
	{"noreply.example.net", NULL, DK_DISCARD, PR_OURS, 10, {NULL, NULL, NULL}},
	{"old.example.net", NULL, DK_ERROR, PR_OURS, 8, {NULL, NULL, NULL}},
	{"gmail.com", NULL, DK_SMTP, PR_GOOGLE, 15, /* forwarded to a freemail account */
	 {"gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com", NULL}},
};

static const char *const first_names[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
	"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
	"wendy", "xavier", "yvonne", "zoe", "anna", "ben", "chloe", "daniel", "emma", "felix",
	"hannah", "jonas", "lena", "lukas", "marie", "noah", "paul", "sofia", "tim",
};
static const char *const last_names[] = {
	"smith", "jones", "miller", "garcia", "martin", "bernard", "dubois", "mueller",
	"schmidt", "rossi", "novak", "kowalski", "jansen", "nielsen", "silva", "moreau",
};
static const char *const role_names[] = {
	"info", "sales", "support", "billing", "newsletter", "noreply", "admin", "jobs",
	"office", "team", "hello", "orders", "notifications", "security",
};

struct client_def {
	const char *name, *ip;
};
static const struct client_def clients[] = {
	{"mail-wr1-f54.google.com", "209.85.221.54"},
	{"mail-ej1-f47.google.com", "209.85.218.47"},
	{"mail-eopbgr70112.outbound.protection.outlook.com", "40.107.7.112"},
	{"sonic301-21.consmr.mail.ir2.yahoo.com", "77.238.176.98"},
	{"mout.gmx.net", "212.227.17.22"},
	{"mx1.acme.example", "203.0.113.10"},
	{"smtp.widgets.example", "203.0.113.25"},
	{"mail.example.edu", "198.51.100.40"},
	{"unknown", "198.51.100.7"},
	{"unknown", "192.0.2.199"},
	{"mta-out.newsletter.example", "203.0.113.77"},
	{"mail.protonmail.ch", "185.70.40.130"},
};
static const char *const submission_clients[][2] = {
	{"dsl-203-0-113-50.example.net", "203.0.113.50"},
	{"unknown", "2001:db8:1::42"},
	{"vpn.example.net", "192.0.2.10"},
	{"localhost", "127.0.0.1"},
};
static const char *const helos[] = {
	"mail-wr1-f54.google.com", "EUR05-AM6-obe.outbound.protection.outlook.com",
	"mx1.acme.example", "localhost", "[198.51.100.7]", "User", "ylmf-pc", "WIN-3K7L1M2N0OP",
};

/* Relays: index 0.. fixed names, then one per MX host name (filled at start-up). */
enum { RELAY_NONE, RELAY_LOCAL, RELAY_VIRTUAL, RELAY_PIPE, RELAY_LMTP, RELAY_FIXED };
#define MAX_RELAYS 64
#define MAX_DOMAINS 128

struct relay {
	char name[64];
	char text[112];         /* value of relay=: "name[ip]:25", "none", "local" */
	uint8_t name_len, text_len;
	char ip[48];
};

struct domain {
	char name[64], shown[64];
	uint8_t name_len, shown_len;
	uint8_t kind, profile, nmx;
	uint8_t mx[3];          /* relay indexes */
};

/* DSN codes used, in ascending order (the truth lists them so). */
enum dsn_code {
	D200, D260, D420, D422, D430, D441, D442, D443, D470, D471, D4650,
	D500, D511, D522, D530, D544, D571, D5726, D_COUNT
};
static const char *const dsn_text[D_COUNT] = {
	"2.0.0", "2.6.0", "4.2.0", "4.2.2", "4.3.0", "4.4.1", "4.4.2", "4.4.3", "4.7.0", "4.7.1",
	"4.7.650", "5.0.0", "5.1.1", "5.2.2", "5.3.0", "5.4.4", "5.7.1", "5.7.26",
};

/* ---- the truth ---------------------------------------------------------------------------- */

enum attempt_status { AS_SENT, AS_DEFERRED, AS_BOUNCED, AS_COUNT };
enum outcome { OUT_SENT, OUT_BOUNCED, OUT_EXPIRED, OUT_DISCARDED, OUT_PENDING, OUT_DROPPED, OUT_COUNT };
static const char *const outcome_names[OUT_COUNT] = {
	"sent", "bounced", "expired", "discarded", "pending", "dropped",
};
enum notify_kind { NK_NON_DELIVERY, NK_DELAY, NK_SUCCESS, NK_POSTMASTER, NK_COUNT };

struct cell {
	uint64_t att[AS_COUNT];
	uint64_t rc[OUT_COUNT];
};

struct truth {
	struct cell all;
	uint64_t deferred_ever, deferred_then[OUT_COUNT];
	uint64_t msg_total, msg_closed, msg_pending, msg_expired, msg_with_deferral, msg_with_bounce;
	uint64_t notifications[NK_COUNT];
	uint64_t rejects_noqueue, rejects_qid;
	uint64_t dsn[D_COUNT];
	struct cell domains[MAX_DOMAINS];
	struct cell relays[MAX_RELAYS];
	struct cell *hours;
	size_t n_hours;
	int64_t hour_base;      /* hours since the epoch of hours[0] */
};

/* ---- the generator state ------------------------------------------------------------------ */

struct gen {
	const struct options *o;
	struct rng r;
	struct sink *out;
	int64_t now_us;                 /* time of the last line (lines never go back) */
	int64_t end_us;                 /* no event after this */

	/* stamp cache for one wall-clock second */
	int64_t cache_sec;
	struct civil cache_c;
	char bsd[16], bsd_zero[16], bsd_bare[16], rfc[20];
	int bsd_bare_len;

	char host_names[MAX_HOSTS][16];
	uint8_t host_len[MAX_HOSTS];
	struct tag tags[N_TAGS];
	uint32_t pids[MAX_HOSTS][N_TAGS][PIDS_PER_TAG];
	uint32_t next_pid[MAX_HOSTS];
	unsigned cur_tag;               /* tag of the line being written */

	/* truth: lines */
	uint64_t lines_total, lines_postfix, lines_other, lines_malformed;
	uint64_t tag_lines[N_TAGS];
	int64_t min_line_sec, max_line_sec;     /* of Postfix lines: time_range */
	int noise_depth;

	/* the world */
	struct domain domains[MAX_DOMAINS];
	unsigned n_domains;
	uint8_t remote_pick[1024], local_pick[1024];  /* weighted domain choice */
	uint8_t host_domain[MAX_HOSTS];               /* mxN.example.net, local(8) */
	uint8_t ours_lmtp, ours_corp;                 /* example.net, corp.example.net */
	struct relay relays[MAX_RELAYS];
	unsigned n_relays;

	/* the queue */
	struct event *heap;
	size_t heap_n, heap_cap;
	uint64_t seq;
	struct msg **qset;                            /* open messages by (host, instance, qid) */
	size_t qset_cap, qset_n;
	char recent[MAX_HOSTS][MAX_INSTANCES][8][20]; /* recently removed qids (--reuse-qids) */
	uint8_t recent_n[MAX_HOSTS][MAX_INSTANCES];

	/* arrivals */
	uint64_t n_messages, next_message;
	double *cum;                                  /* cumulative arrival weight per hour */
	size_t cum_hours, cum_k;
	int64_t next_arrival_us;
	int64_t last_cron_hour[MAX_HOSTS], last_anvil[MAX_HOSTS];
	int stop;

	char reason[1536];                            /* scratch for a status reason */
	size_t reason_len;
	struct truth t;
	int incident_domain[8];                       /* domain index of each --incident */
	uint64_t n_created, n_notifications;          /* statistics for --verbose */
};

static void stamp_cache_fill(struct gen *g, int64_t sec)
{
	struct civil c = civil_from_sec(sec);
	g->cache_sec = sec;
	g->cache_c = c;
	char *p = g->bsd;
	p = put(p, month_names[c.month - 1], 3);
	*p++ = ' ';
	if (c.day < 10) {
		*p++ = ' ';
		*p++ = (char)('0' + c.day);
	} else {
		p = put_2d(p, c.day);
	}
	*p++ = ' ';
	p = put_2d(p, c.hour);
	*p++ = ':';
	p = put_2d(p, c.min);
	*p++ = ':';
	p = put_2d(p, c.sec);
	memcpy(g->bsd_zero, g->bsd, 15);
	if (c.day < 10)
		g->bsd_zero[4] = '0';
	/* "Jan 1 00:00:00": one space and a single digit */
	if (c.day < 10) {
		memcpy(g->bsd_bare, g->bsd, 4);
		memcpy(g->bsd_bare + 4, g->bsd + 5, 10);
		g->bsd_bare_len = 14;
	} else {
		memcpy(g->bsd_bare, g->bsd, 15);
		g->bsd_bare_len = 15;
	}
	p = g->rfc;
	p = put_padded(p, (uint64_t)c.year, 4);
	*p++ = '-';
	p = put_2d(p, c.month);
	*p++ = '-';
	p = put_2d(p, c.day);
	*p++ = 'T';
	p = put_2d(p, c.hour);
	*p++ = ':';
	p = put_2d(p, c.min);
	*p++ = ':';
	p = put_2d(p, c.sec);
}

/* Writes "STAMP HOST TAG[PID]: " for a line at time us and returns where the text goes. */
static char *line_at(struct gen *g, int64_t us, unsigned host, unsigned tag, uint32_t pid)
{
	char *p = sink_line_start(g->out);
	int64_t sec = us / US_PER_SEC;
	if (sec != g->cache_sec)
		stamp_cache_fill(g, sec);
	g->out->line_sec = sec;
	int style = 0; /* 0 bsd, 1 bsd zero-padded, 2 bsd bare day, 3 rfc3339, 4.. rfc variants */
	if (g->o->stamp == STAMP_RFC3339) {
		style = 3;
	} else if (g->o->stamp == STAMP_MIXED) {
		uint32_t x = rnd_below(&g->r, 100);
		style = x < 45 ? 0 : x < 65 ? 1 : x < 70 ? 2 : x < 92 ? 3 : x < 96 ? 4 : 5;
	}
	switch (style) {
	case 0:
		p = put(p, g->bsd, 15);
		break;
	case 1:
		p = put(p, g->bsd_zero, 15);
		break;
	case 2:
		p = put(p, g->bsd_bare, (size_t)g->bsd_bare_len);
		break;
	default:
		p = put(p, g->rfc, 19);
		if (style != 5) { /* style 5: no fraction */
			*p++ = '.';
			p = put_padded(p, (uint64_t)(us % US_PER_SEC), 6);
		}
		p = style == 4 ? PUT(p, "+0100") : PUT(p, "+01:00");
		break;
	}
	*p++ = ' ';
	p = PUT_BLOCK(p, g->host_names[host], g->host_len[host], sizeof g->host_names[host]);
	*p++ = ' ';
	p = put_small(p, g->tags[tag].text, g->tags[tag].len, sizeof g->tags[tag].text);
	if (tag != OTHER_TAG(OP_KERNEL)) {
		*p++ = '[';
		p = put_u64(p, pid);
		*p++ = ']';
	}
	*p++ = ':';
	*p++ = ' ';
	g->cur_tag = tag;
	return p;
}

/* A process id of (host, tag): a few processes per daemon, replaced now and then. */
static uint32_t pid_of(struct gen *g, unsigned host, unsigned tag)
{
	/* processes per daemon: one queue manager, a few smtpd, ...; commands start anew */
	static const uint8_t procs[SV_COUNT] = {
		[SV_SMTPD] = 4, [SV_SUBMISSION] = 2, [SV_CLEANUP] = 2, [SV_QMGR] = 1, [SV_SMTP] = 4,
		[SV_LMTP] = 2, [SV_LOCAL] = 2, [SV_VIRTUAL] = 2, [SV_PIPE] = 2, [SV_ERROR] = 1,
		[SV_DISCARD] = 1, [SV_BOUNCE] = 2, [SV_PICKUP] = 1, [SV_ANVIL] = 1, [SV_POSTSUPER] = 0,
		[SV_SCACHE] = 1,
	};
	unsigned n = tag < N_POSTFIX_TAGS ? procs[tag % SV_COUNT]
		     : tag == OTHER_TAG(OP_DOVECOT) || tag == OTHER_TAG(OP_OPENDKIM) ? 1 : 0;
	uint32_t *slot = &g->pids[host][tag][n > 1 ? rnd_below(&g->r, n) : 0];
	if (*slot == 0 || n == 0 || rnd_below(&g->r, 4096) == 0) {
		g->next_pid[host] += 1 + rnd_below(&g->r, 40);
		if (g->next_pid[host] < 1000 || g->next_pid[host] > 4000000)
			g->next_pid[host] = 1000 + rnd_below(&g->r, 30000);
		*slot = g->next_pid[host];
	}
	return *slot;
}

/* The next line's time: now, or a later event time. */
static inline int64_t tick(struct gen *g, int64_t at_us)
{
	g->now_us += 1 + rnd_below(&g->r, 700);
	if (at_us > g->now_us)
		g->now_us = at_us;
	return g->now_us;
}

/* Starts a line of a Postfix daemon (or another program) at the current time. */
static char *line(struct gen *g, unsigned host, unsigned tag)
{
	tick(g, 0);
	return line_at(g, g->now_us, host, tag, pid_of(g, host, tag));
}

/* A line of a given process (an smtpd session keeps its process). */
static char *line_pid(struct gen *g, unsigned host, unsigned tag, uint32_t pid)
{
	tick(g, 0);
	return line_at(g, g->now_us, host, tag, pid);
}

static void noise_line(struct gen *g);

/* Ends a line started with line()/line_at(): counts it and maybe adds noise after it. */
static void line_end(struct gen *g, char *p)
{
	*p++ = '\n';
	sink_line_done(g->out, p);
	g->lines_total++;
	g->tag_lines[g->cur_tag]++;
	if (g->cur_tag < N_POSTFIX_TAGS) {
		int64_t sec = g->out->line_sec;
		if (g->lines_postfix++ == 0)
			g->min_line_sec = g->max_line_sec = sec;
		if (sec < g->min_line_sec)
			g->min_line_sec = sec;
		if (sec > g->max_line_sec)
			g->max_line_sec = sec;
	} else
		g->lines_other++;
	if (g->o->noise > 0 && g->noise_depth == 0 && chance(&g->r, g->o->noise)) {
		g->noise_depth++;
		noise_line(g);
		g->noise_depth--;
	}
}

/* Ends a malformed line (no valid syslog header). */
static void malformed_end(struct gen *g, char *p)
{
	*p++ = '\n';
	sink_line_done(g->out, p);
	g->lines_total++;
	g->lines_malformed++;
}

static void gen_init_names(struct gen *g)
{
	for (unsigned h = 0; h < MAX_HOSTS; h++) {
		int n = snprintf(g->host_names[h], sizeof g->host_names[h], "mx%u", h + 1);
		g->host_len[h] = (uint8_t)n;
	}
	for (unsigned i = 0; i < MAX_INSTANCES; i++)
		for (unsigned s = 0; s < SV_COUNT; s++) {
			struct tag *t = &g->tags[TAG(i, s)];
			int n = snprintf(t->text, sizeof t->text, "%s/%s", instance_names[i],
					 service_names[s]);
			t->len = (uint8_t)n;
		}
	for (unsigned k = 0; k < OP_COUNT; k++) {
		struct tag *t = &g->tags[OTHER_TAG(k)];
		int n = snprintf(t->text, sizeof t->text, "%s", other_names[k]);
		t->len = (uint8_t)n;
	}
	g->cache_sec = INT64_MIN;
}


/* ---- messages ----------------------------------------------------------------------------- */

enum origin { OR_SMTPD, OR_SUBMISSION, OR_PICKUP, OR_NOTIFY };
enum fate { F_SENT, F_DEFER_SENT, F_BOUNCE, F_DEFER_BOUNCE, F_DEFER_FOREVER, F_DISCARD };
enum rstate { RS_OPEN, RS_SENT, RS_BOUNCED, RS_DISCARDED };
enum step { STEP_DELIVER, STEP_FINISH, STEP_EXPIRE };

struct rcpt {
	char addr[72];
	char orig[40];          /* orig_to= before alias expansion ("" when none) */
	uint8_t addr_len, orig_len;
	uint8_t domain, fate, defers_left, state, relay, attempted;
	uint32_t deferrals;
	int64_t last_sec, term_sec;
};

struct msg {
	int64_t arrival_us, expire_us;
	int64_t expired_sec;
	uint64_t size;
	uint16_t nrcpt, rounds;
	uint8_t host, inst, origin, step, qid_len, sender_len, sender_domain;
	uint8_t expired, deferral, bounce, delay_notified, v311, notify_kind;
	char qid[24];
	char sender[72];
	struct rcpt r[];
};

struct event {
	int64_t at_us;
	uint64_t seq;
	struct msg *m;
};

static void heap_push(struct gen *g, int64_t at_us, struct msg *m)
{
	if (g->heap_n == g->heap_cap) {
		g->heap_cap = g->heap_cap ? g->heap_cap * 2 : 4096;
		g->heap = xrealloc(g->heap, g->heap_cap * sizeof *g->heap);
	}
	struct event e = {at_us, g->seq++, m};
	size_t i = g->heap_n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		struct event *p = &g->heap[parent];
		if (p->at_us < e.at_us || (p->at_us == e.at_us && p->seq < e.seq))
			break;
		g->heap[i] = *p;
		i = parent;
	}
	g->heap[i] = e;
}

static struct event heap_pop(struct gen *g)
{
	struct event top = g->heap[0], last = g->heap[--g->heap_n];
	size_t i = 0, n = g->heap_n;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && (g->heap[c + 1].at_us < g->heap[c].at_us ||
				  (g->heap[c + 1].at_us == g->heap[c].at_us &&
				   g->heap[c + 1].seq < g->heap[c].seq)))
			c++;
		if (last.at_us < g->heap[c].at_us ||
		    (last.at_us == g->heap[c].at_us && last.seq < g->heap[c].seq))
			break;
		g->heap[i] = g->heap[c];
		i = c;
	}
	if (n > 0)
		g->heap[i] = last;
	return top;
}

/* ---- queue ids ---------------------------------------------------------------------------- */

static uint64_t qid_hash(unsigned host, unsigned inst, const char *q, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ (host * 131u + inst);
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)q[i]) * UINT64_C(0x100000001b3);
	return h ^ (h >> 29);
}

static struct msg **qset_slot(struct gen *g, unsigned host, unsigned inst, const char *q, size_t n)
{
	size_t mask = g->qset_cap - 1, i = qid_hash(host, inst, q, n) & mask;
	for (;; i = (i + 1) & mask) {
		struct msg *m = g->qset[i];
		if (m == NULL || (m->host == host && m->inst == inst && m->qid_len == n &&
				  memcmp(m->qid, q, n) == 0))
			return &g->qset[i];
	}
}

static void qset_insert(struct gen *g, struct msg *m)
{
	if ((g->qset_n + 1) * 2 > g->qset_cap) {
		struct msg **old = g->qset;
		size_t old_cap = g->qset_cap;
		g->qset_cap = old_cap ? old_cap * 2 : 1024;
		g->qset = xcalloc(g->qset_cap, sizeof *g->qset);
		for (size_t i = 0; i < old_cap; i++)
			if (old[i] != NULL)
				*qset_slot(g, old[i]->host, old[i]->inst, old[i]->qid, old[i]->qid_len) = old[i];
		free(old);
	}
	*qset_slot(g, m->host, m->inst, m->qid, m->qid_len) = m;
	g->qset_n++;
}

static void qset_remove(struct gen *g, struct msg *m)
{
	size_t mask = g->qset_cap - 1;
	struct msg **slot = qset_slot(g, m->host, m->inst, m->qid, m->qid_len);
	size_t i = (size_t)(slot - g->qset);
	g->qset[i] = NULL;
	g->qset_n--;
	/* backward-shift deletion for linear probing */
	for (size_t j = (i + 1) & mask; g->qset[j] != NULL; j = (j + 1) & mask) {
		struct msg *x = g->qset[j];
		size_t home = qid_hash(x->host, x->inst, x->qid, x->qid_len) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			g->qset[i] = x;
			g->qset[j] = NULL;
			i = j;
		}
	}
}

static const char base52[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

static int use_long_qid(struct gen *g, unsigned host, unsigned inst)
{
	if (g->o->qid == QID_SHORT)
		return 0;
	if (g->o->qid == QID_LONG)
		return 1;
	/* mixed: the style differs between instances and hosts and flips half-way */
	int64_t mid = (g->o->start + (int64_t)g->o->days * 43200) * US_PER_SEC;
	return ((host + inst + (g->now_us >= mid)) & 1) != 0;
}

/* A fresh queue id for (host, inst) at the current time, unique among open messages. */
static void make_qid(struct gen *g, struct msg *m)
{
	unsigned h = m->host, in = m->inst;
	if (g->o->reuse_qids && g->recent_n[h][in] > 0 && chance(&g->r, 0.08)) {
		unsigned k = rnd_below(&g->r, g->recent_n[h][in]);
		const char *q = g->recent[h][in][k];
		size_t n = strlen(q);
		if (*qset_slot(g, h, in, q, n) == NULL) {
			memcpy(m->qid, q, n + 1);
			m->qid_len = (uint8_t)n;
			return;
		}
	}
	if (g->o->hosts * g->o->instances > 1 && g->qset_n > 0 && rnd_below(&g->r, 64) == 0) {
		/* the queue id of an open message of another host or instance: legal, as queue ids
		 * are unique per (host, instance) only */
		size_t i = rnd(&g->r) & (g->qset_cap - 1);
		while (g->qset[i] == NULL)
			i = (i + 1) & (g->qset_cap - 1);
		const struct msg *o = g->qset[i];
		if ((o->host != h || o->inst != in) && *qset_slot(g, h, in, o->qid, o->qid_len) == NULL) {
			memcpy(m->qid, o->qid, (size_t)o->qid_len + 1);
			m->qid_len = o->qid_len;
			return;
		}
	}
	for (;;) {
		char *p = m->qid;
		uint64_t us = (uint64_t)(g->now_us % US_PER_SEC);
		if (use_long_qid(g, h, in)) {
			/* seconds (6 base-52 digits), microseconds (4), 'z', inode (4 base-51) */
			uint64_t sec = (uint64_t)(g->now_us / US_PER_SEC);
			for (int i = 5; i >= 0; i--, sec /= 52)
				p[i] = base52[sec % 52];
			for (int i = 9; i >= 6; i--, us /= 52)
				p[i] = base52[us % 52];
			p[10] = 'z';
			uint64_t ino = rnd_below(&g->r, 51u * 51 * 51 * 51);
			for (int i = 14; i >= 11; i--, ino /= 51)
				p[i] = base52[ino % 51];
			p[15] = '\0';
			m->qid_len = 15;
		} else {
			/* microseconds (5 hex digits) and the inode number (5 to 7 hex digits) */
			for (int i = 4; i >= 0; i--, us >>= 4)
				p[i] = hex_upper[us & 15];
			unsigned digits = 5 + rnd_below(&g->r, 3);
			uint64_t ino = ((uint64_t)1 << (4 * digits - 4)) +
				       rnd_below(&g->r, (uint32_t)(((uint64_t)15 << (4 * digits - 4)) - 1));
			for (int i = (int)digits - 1; i >= 0; i--, ino >>= 4)
				p[5 + i] = hex_upper[ino & 15];
			p[5 + digits] = '\0';
			m->qid_len = (uint8_t)(5 + digits);
		}
		if (*qset_slot(g, h, in, m->qid, m->qid_len) == NULL)
			return;
	}
}

static void remember_removed(struct gen *g, const struct msg *m)
{
	if (!g->o->reuse_qids)
		return;
	uint8_t *n = &g->recent_n[m->host][m->inst];
	unsigned k = *n < 8 ? (*n)++ : rnd_below(&g->r, 8);
	memcpy(g->recent[m->host][m->inst][k], m->qid, (size_t)m->qid_len + 1);
}

/* ---- world set-up ------------------------------------------------------------------------- */

static unsigned add_relay(struct gen *g, const char *name, const char *text, const char *ip)
{
	for (unsigned i = 0; i < g->n_relays; i++)
		if (strcmp(g->relays[i].name, name) == 0)
			return i;
	if (g->n_relays == MAX_RELAYS)
		die("too many relays");
	struct relay *r = &g->relays[g->n_relays];
	snprintf(r->name, sizeof r->name, "%s", name);
	snprintf(r->ip, sizeof r->ip, "%s", ip ? ip : "");
	if (text != NULL)
		snprintf(r->text, sizeof r->text, "%s", text);
	else
		snprintf(r->text, sizeof r->text, "%s[%s]:25", name, ip);
	r->name_len = (uint8_t)strlen(r->name);
	r->text_len = (uint8_t)strlen(r->text);
	return g->n_relays++;
}

static unsigned add_domain(struct gen *g, const struct domain_def *d)
{
	for (unsigned i = 0; i < g->n_domains; i++)
		if (strcmp(g->domains[i].name, d->name) == 0)
			return i;
	if (g->n_domains == MAX_DOMAINS)
		die("too many domains");
	struct domain *x = &g->domains[g->n_domains];
	snprintf(x->name, sizeof x->name, "%s", d->name);
	snprintf(x->shown, sizeof x->shown, "%s", d->shown ? d->shown : d->name);
	x->name_len = (uint8_t)strlen(x->name);
	x->shown_len = (uint8_t)strlen(x->shown);
	x->kind = d->kind;
	x->profile = d->profile;
	for (int k = 0; k < 3 && d->mx[k] != NULL; k++) {
		char ip[48];
		unsigned n = g->n_relays;
		if (n % 7 == 3)
			snprintf(ip, sizeof ip, "2001:db8:%x::%x", 0x100 + n, 25 + k);
		else
			snprintf(ip, sizeof ip, "%s.%u", n % 3 == 0 ? "192.0.2" : n % 3 == 1 ? "198.51.100" : "203.0.113",
				 10 + n * 3 + (unsigned)k);
		x->mx[x->nmx++] = (uint8_t)add_relay(g, d->mx[k], NULL, ip);
	}
	if (d->kind == DK_LMTP)
		x->mx[0] = RELAY_LMTP, x->nmx = 1;
	return g->n_domains++;
}

static void fill_pick(struct gen *g, uint8_t *pick, const struct domain_def *defs, size_t n)
{
	uint32_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += defs[i].weight;
	size_t k = 0;
	uint32_t acc = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned idx = add_domain(g, &defs[i]);
		acc += defs[i].weight;
		size_t upto = (size_t)((uint64_t)acc * 1024 / total);
		while (k < upto)
			pick[k++] = (uint8_t)idx;
	}
	for (; k < 1024; k++)
		pick[k] = pick[k - 1];
}

static void world_init(struct gen *g)
{
	add_relay(g, "none", "none", NULL);
	add_relay(g, "local", "local", NULL);
	add_relay(g, "virtual", "virtual", NULL);
	add_relay(g, "mlmmj", "mlmmj", NULL);
	add_relay(g, "mail.example.net", "mail.example.net[private/dovecot-lmtp]", NULL);
	fill_pick(g, g->remote_pick, remote_domains, ARRAY_LEN(remote_domains));
	fill_pick(g, g->local_pick, local_domains, ARRAY_LEN(local_domains));
	g->ours_lmtp = (uint8_t)add_domain(g, &local_domains[0]);
	g->ours_corp = (uint8_t)add_domain(g, &local_domains[1]);
	for (unsigned h = 0; h < g->o->hosts; h++) {
		char name[64];
		snprintf(name, sizeof name, "%s.example.net", g->host_names[h]);
		struct domain_def d = {name, NULL, DK_LOCAL, PR_OURS, 0, {NULL, NULL, NULL}};
		g->host_domain[h] = (uint8_t)add_domain(g, &d);
	}
}

/* ---- addresses ---------------------------------------------------------------------------- */

static char *put_person(struct gen *g, char *p)
{
	const char *first = first_names[rnd_below(&g->r, ARRAY_LEN(first_names))];
	uint32_t x = rnd_below(&g->r, 100);
	if (x < 45) {
		p = put_str(p, first);
	} else if (x < 70) {
		p = put_str(p, first);
		*p++ = '.';
		p = put_str(p, last_names[rnd_below(&g->r, ARRAY_LEN(last_names))]);
	} else if (x < 85) {
		p = put_str(p, first);
		p = put_u64(p, rnd_range(&g->r, 1, 99));
	} else if (x < 93) {
		*p++ = first[0];
		p = put_str(p, last_names[rnd_below(&g->r, ARRAY_LEN(last_names))]);
	} else {
		p = put_str(p, role_names[rnd_below(&g->r, ARRAY_LEN(role_names))]);
	}
	return p;
}

/* "local@domain" into buf (NUL-terminated), @return its length. */
static uint8_t make_address(struct gen *g, char *buf, unsigned domain, int local_user)
{
	const struct domain *d = &g->domains[domain];
	char *p = buf;
	if (local_user) {
		static const char *const users[] = {"root", "www-data", "logwatch", "backup", "nextcloud"};
		p = put_str(p, users[rnd_below(&g->r, ARRAY_LEN(users))]);
	} else {
		p = put_person(g, p);
	}
	*p++ = '@';
	if (rnd_below(&g->r, 64) == 0)
		p = put(p, d->shown, d->shown_len); /* a few mixed-case spellings */
	else
		p = put(p, d->name, d->name_len);
	*p = '\0';
	return (uint8_t)(p - buf);
}

/* ---- truth bookkeeping -------------------------------------------------------------------- */

static struct cell *hour_cell(struct gen *g, int64_t sec)
{
	struct truth *t = &g->t;
	int64_t h = sec / 3600 - t->hour_base;
	if (h < 0)
		die("internal error: line before the first hour");
	if ((size_t)h >= t->n_hours) {
		size_t n = t->n_hours ? t->n_hours : 512;
		while (n <= (size_t)h)
			n *= 2;
		t->hours = xrealloc(t->hours, n * sizeof *t->hours);
		memset(t->hours + t->n_hours, 0, (n - t->n_hours) * sizeof *t->hours);
		t->n_hours = n;
	}
	return &t->hours[h];
}

/* One delivery-status line of recipient r, just written (its time is the line's). */
static void count_attempt(struct gen *g, struct msg *m, struct rcpt *r, enum attempt_status st,
			  enum dsn_code dsn, unsigned relay, int discard)
{
	struct truth *t = &g->t;
	int64_t sec = g->out->line_sec;
	t->all.att[st]++;
	t->dsn[dsn]++;
	t->domains[r->domain].att[st]++;
	t->relays[relay].att[st]++;
	hour_cell(g, sec)->att[st]++;
	r->attempted = 1;
	r->relay = (uint8_t)relay;
	r->last_sec = sec;
	switch (st) {
	case AS_SENT:
		r->state = discard ? RS_DISCARDED : RS_SENT;
		r->term_sec = sec;
		break;
	case AS_BOUNCED:
		r->state = RS_BOUNCED;
		r->term_sec = sec;
		m->bounce = 1;
		break;
	default:
		r->deferrals++;
		m->deferral = 1;
		break;
	}
}

static void count_outcome(struct gen *g, const struct rcpt *r, enum outcome o, int64_t sec)
{
	struct truth *t = &g->t;
	t->all.rc[o]++;
	t->domains[r->domain].rc[o]++;
	t->relays[r->relay].rc[o]++;
	hour_cell(g, sec)->rc[o]++;
	if (r->deferrals > 0) {
		t->deferred_ever++;
		t->deferred_then[o]++;
	}
}

/* The end of a lifecycle: `removed` at removed_sec, or still open (pending) at the end. */
static void count_message(struct gen *g, struct msg *m, int closed, int64_t removed_sec,
			  int64_t expired_sec)
{
	struct truth *t = &g->t;
	t->msg_total++;
	if (closed)
		t->msg_closed++;
	else
		t->msg_pending++;
	t->msg_expired += m->expired;
	t->msg_with_deferral += m->deferral;
	t->msg_with_bounce += m->bounce;
	for (unsigned i = 0; i < m->nrcpt; i++) {
		struct rcpt *r = &m->r[i];
		if (!r->attempted)
			continue; /* never named in a delivery line: not a recipient of the log */
		switch (r->state) {
		case RS_SENT: count_outcome(g, r, OUT_SENT, r->term_sec); break;
		case RS_BOUNCED: count_outcome(g, r, OUT_BOUNCED, r->term_sec); break;
		case RS_DISCARDED: count_outcome(g, r, OUT_DISCARDED, r->term_sec); break;
		default:
			if (m->expired)
				count_outcome(g, r, OUT_EXPIRED, expired_sec);
			else if (closed)
				count_outcome(g, r, OUT_DROPPED, removed_sec);
			else
				count_outcome(g, r, OUT_PENDING, r->last_sec);
			break;
		}
	}
}

/* ---- delivery attempts -------------------------------------------------------------------- */

#define OUR_IP "198.51.100.25"

static char *put_delay(char *p, int64_t cs)
{
	if (cs <= 0) {
		*p++ = '0';
	} else if (cs < 100) {
		*p++ = '0';
		*p++ = '.';
		*p++ = (char)('0' + cs / 10);
		if (cs % 10)
			*p++ = (char)('0' + cs % 10);
	} else if (cs < 1000) {
		*p++ = (char)('0' + cs / 100);
		if ((cs / 10) % 10) {
			*p++ = '.';
			*p++ = (char)('0' + (cs / 10) % 10);
		}
	} else {
		p = put_u64(p, (uint64_t)(cs / 100));
	}
	return p;
}

static char *put_hostip(struct gen *g, char *p, unsigned relay)
{
	const struct relay *r = &g->relays[relay];
	p = put(p, r->name, r->name_len);
	*p++ = '[';
	p = put_str(p, r->ip);
	*p++ = ']';
	return p;
}

static char *put_token(struct gen *g, char *p, size_t n)
{
	static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	uint64_t x = rnd(&g->r);
	for (size_t i = 0; i < n; i++) {
		if (i % 10 == 9)
			x = rnd(&g->r);
		p[i] = alnum[x % 62];
		x /= 62;
	}
	return p + n;
}

static char *put_gsmtp(struct gen *g, char *p)
{
	p = PUT(p, "5b1f17b1804b1-");
	p = put_token(g, p, 12);
	p = PUT(p, "si");
	p = put_u64(p, rnd_range(&g->r, 1000000, 9999999));
	p = PUT(p, "wrf.");
	p = put_u64(p, rnd_below(&g->r, 1000));
	return PUT(p, " - gsmtp");
}

/* Writes the delivery-status line of r and counts it. The reason is in g->reason. */
static void status_line(struct gen *g, struct msg *m, struct rcpt *r, unsigned svc, unsigned relay,
			enum dsn_code dsn, enum attempt_status st)
{
	char *p = line(g, m->host, TAG(m->inst, svc));
	p = PUT_BLOCK(p, m->qid, m->qid_len, 16);
	p = PUT(p, ": to=<");
	p = put_small(p, r->addr, r->addr_len, sizeof r->addr);
	*p++ = '>';
	if (r->orig_len) {
		p = PUT(p, ", orig_to=<");
		p = put(p, r->orig, r->orig_len);
		*p++ = '>';
	}
	p = PUT(p, ", relay=");
	p = put_small(p, g->relays[relay].text, g->relays[relay].text_len, sizeof g->relays[relay].text);
	int remote = svc == SV_SMTP && relay >= RELAY_FIXED;
	if (remote && rnd_below(&g->r, 8) == 0) {
		p = PUT(p, ", conn_use=");
		p = put_u64(p, rnd_range(&g->r, 2, 30));
	}
	/* delays=a/b/c/d: before qmgr, in qmgr, connection set-up, transmission */
	int64_t b = rnd_below(&g->r, 4), c = 0, dd = rnd_below(&g->r, 5);
	if (svc == SV_SMTP || svc == SV_LMTP) {
		c = relay == RELAY_NONE ? 0 : rnd_range(&g->r, 2, 80);
		dd = relay == RELAY_NONE ? 0 : rnd_range(&g->r, 5, 160);
		if (relay == RELAY_NONE && st == AS_DEFERRED && dsn == D441)
			c = 3000; /* a connection time-out */
	}
	int64_t elapsed = (g->now_us - m->arrival_us) / 10000;
	int64_t a = elapsed - b - c - dd;
	if (a < 1)
		a = rnd_range(&g->r, 1, 30);
	p = PUT(p, ", delay=");
	p = put_delay(p, a + b + c + dd);
	p = PUT(p, ", delays=");
	p = put_delay(p, a);
	*p++ = '/';
	p = put_delay(p, b);
	*p++ = '/';
	p = put_delay(p, c);
	*p++ = '/';
	p = put_delay(p, dd);
	if (remote && m->v311) {
		static const char *const tls[] = {"dane", "verified", "may", "may", "encrypt", "none"};
		p = PUT(p, ", tls=");
		p = put_str(p, tls[rnd_below(&g->r, ARRAY_LEN(tls))]);
	}
	p = PUT(p, ", dsn=");
	p = put_str(p, dsn_text[dsn]);
	p = PUT(p, ", status=");
	p = st == AS_SENT ? PUT(p, "sent (") : st == AS_DEFERRED ? PUT(p, "deferred (") : PUT(p, "bounced (");
	p = put(p, g->reason, g->reason_len);
	*p++ = ')';
	line_end(g, p);
	count_attempt(g, m, r, st, dsn, relay, svc == SV_DISCARD);
}

static char *reason_start(struct gen *g)
{
	return g->reason;
}

static void reason_done(struct gen *g, char *p)
{
	g->reason_len = (size_t)(p - g->reason);
}

/* An smtp line without queue id: "connect to MX[IP]:25: Connection timed out". */
static void connect_failure_line(struct gen *g, struct msg *m, unsigned relay, int refused)
{
	char *p = line(g, m->host, TAG(m->inst, SV_SMTP));
	p = PUT(p, "connect to ");
	p = put_hostip(g, p, relay);
	p = refused ? PUT(p, ":25: Connection refused") : PUT(p, ":25: Connection timed out");
	line_end(g, p);
}

/* A per-server line of smtp with queue id but no status=: not an attempt. */
static void host_said_line(struct gen *g, struct msg *m, struct rcpt *r, unsigned relay)
{
	char *p = line(g, m->host, TAG(m->inst, SV_SMTP));
	p = put(p, m->qid, m->qid_len);
	p = PUT(p, ": host ");
	p = put_hostip(g, p, relay);
	if (rnd_below(&g->r, 2)) {
		p = PUT(p, " said: 450 4.2.0 <");
		p = put(p, r->addr, r->addr_len);
		p = PUT(p, ">: Recipient address rejected: try again later (in reply to RCPT TO command)");
	} else {
		p = PUT(p, " said: 421 4.3.2 Service not available, closing transmission channel (in reply to MAIL FROM command)");
	}
	line_end(g, p);
}

static void tls_line(struct gen *g, struct msg *m, unsigned relay)
{
	char *p = line(g, m->host, TAG(m->inst, SV_SMTP));
	p = rnd_below(&g->r, 3) ? PUT(p, "Trusted TLS connection established to ")
				: PUT(p, "Untrusted TLS connection established to ");
	p = put_hostip(g, p, relay);
	p = PUT(p, ":25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
		   "server-signature ECDSA (P-256) server-digest SHA256");
	line_end(g, p);
}

static void attempt_smtp(struct gen *g, struct msg *m, struct rcpt *r, const struct domain *d,
			 enum attempt_status st)
{
	char *p = reason_start(g);
	unsigned relay = d->nmx ? d->mx[0] : RELAY_NONE;
	unsigned svc = SV_SMTP;
	enum dsn_code dsn = D200;

	if (d->profile == PR_NX || d->nmx == 0) {
		relay = RELAY_NONE;
		p = PUT(p, "Host or domain name not found. Name service error for name=");
		p = put(p, d->name, d->name_len);
		if (st == AS_BOUNCED) {
			dsn = D544;
			p = PUT(p, " type=AAAA: Host not found");
		} else {
			st = AS_DEFERRED;
			dsn = D443;
			p = PUT(p, " type=MX: Host not found, try again");
		}
		reason_done(g, p);
		status_line(g, m, r, svc, relay, dsn, st);
		return;
	}
	if (d->profile == PR_DEAD && st == AS_DEFERRED) {
		dsn = D441;
		if (m->rounds > 1 && rnd_below(&g->r, 2)) {
			/* the destination is marked dead: the error agent defers at once */
			svc = SV_ERROR;
			p = PUT(p, "delivery temporarily suspended: connect to ");
			p = put_hostip(g, p, d->mx[0]);
			p = PUT(p, ":25: Connection timed out");
		} else {
			if (d->nmx > 1) {
				connect_failure_line(g, m, d->mx[0], 0);
				relay = d->mx[1];
			}
			p = PUT(p, "connect to ");
			p = put_hostip(g, p, relay);
			p = PUT(p, ":25: Connection timed out");
		}
		reason_done(g, p);
		status_line(g, m, r, svc, RELAY_NONE, dsn, st);
		return;
	}

	/* another server of the domain was tried first */
	if (d->nmx > 1 && st != AS_BOUNCED && rnd_below(&g->r, 8) == 0) {
		if (rnd_below(&g->r, 2))
			connect_failure_line(g, m, d->mx[0], rnd_below(&g->r, 2));
		else
			host_said_line(g, m, r, d->mx[0]);
		relay = d->mx[1];
	}
	if (st != AS_DEFERRED && rnd_below(&g->r, 4) == 0)
		tls_line(g, m, relay);

	if (st == AS_SENT) {
		switch (d->profile) {
		case PR_GOOGLE:
			p = PUT(p, "250 2.0.0 OK  ");
			p = put_u64(p, (uint64_t)(g->now_us / US_PER_SEC));
			*p++ = ' ';
			p = put_gsmtp(g, p);
			break;
		case PR_MS:
			dsn = D260;
			p = PUT(p, "250 2.6.0 <");
			p = put_u64(p, (uint64_t)(g->now_us / US_PER_SEC));
			*p++ = '.';
			p = put(p, m->qid, m->qid_len);
			*p++ = '@';
			p = put(p, g->host_names[m->host], g->host_len[m->host]);
			p = PUT(p, ".example.net> [InternalId=");
			p = put_u64(p, rnd(&g->r) % UINT64_C(100000000000000));
			p = PUT(p, ", Hostname=AM0PR02MB");
			p = put_u64(p, rnd_range(&g->r, 1000, 9999));
			p = PUT(p, ".eurprd02.prod.outlook.com] ");
			p = put_u64(p, m->size);
			p = PUT(p, " bytes in 0.");
			p = put_u64(p, rnd_range(&g->r, 100, 999));
			p = PUT(p, ", ");
			p = put_u64(p, rnd_range(&g->r, 20, 900));
			p = PUT(p, ".");
			p = put_u64(p, rnd_range(&g->r, 100, 999));
			p = PUT(p, " KB/sec Queued mail for delivery");
			break;
		case PR_YAHOO:
			p = PUT(p, "250 ok dirdel");
			break;
		case PR_EXIM:
			p = PUT(p, "250 OK id=1t");
			p = put_token(g, p, 4);
			*p++ = '-';
			p = put_token(g, p, 6);
			*p++ = '-';
			p = put_token(g, p, 2);
			break;
		default:
			p = PUT(p, "250 2.0.0 Ok: queued as ");
			for (int i = 0; i < 9; i++)
				*p++ = hex_upper[rnd_below(&g->r, 16)];
			break;
		}
	} else if (st == AS_DEFERRED) {
		uint32_t x = rnd_below(&g->r, 100);
		if (d->profile == PR_GREY) {
			dsn = D471;
			p = PUT(p, "host ");
			p = put_hostip(g, p, relay);
			p = PUT(p, " said: 450 4.7.1 <");
			p = put(p, r->addr, r->addr_len);
			p = PUT(p, ">: Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/help/");
			p = put(p, d->name, d->name_len);
			p = PUT(p, ".html (in reply to RCPT TO command)");
		} else if (d->profile == PR_MS && x < 70) {
			dsn = D4650;
			p = PUT(p, "host ");
			p = put_hostip(g, p, relay);
			p = PUT(p, " said: 451 4.7.650 The mail server [" OUR_IP "] has been temporarily rate "
				   "limited due to IP reputation. For e-mail delivery information, see "
				   "https://aka.ms/postmaster (S775) [Name=Protocol Filter Agent][AGT=PFA][MxId=11BB");
			p = put_token(g, p, 12);
			p = PUT(p, "] [AM4PEPF00012345.eurprd04.prod.outlook.com] (in reply to MAIL FROM command)");
		} else if (d->profile == PR_YAHOO && x < 80) {
			dsn = D470;
			p = PUT(p, "host ");
			p = put_hostip(g, p, relay);
			p = PUT(p, " said: 421 4.7.0 [TSS04] Messages from " OUR_IP " temporarily deferred due to "
				   "unexpected volume or user complaints - 4.16.55.1; see "
				   "https://postmaster.yahooinc.com/error-codes (in reply to MAIL FROM command)");
		} else if (d->profile == PR_GOOGLE && x < 40) {
			dsn = D422;
			p = PUT(p, "host ");
			p = put_hostip(g, p, relay);
			p = PUT(p, " said: 452-4.2.2 The recipient's inbox is out of storage space. Please direct the "
				   "452-4.2.2 recipient to 452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp ");
			p = put_gsmtp(g, p);
			p = PUT(p, " (in reply to RCPT TO command)");
		} else if (d->profile == PR_GOOGLE && x < 70) {
			dsn = D470;
			p = PUT(p, "host ");
			p = put_hostip(g, p, relay);
			p = PUT(p, " said: 421-4.7.0 [" OUR_IP "      15] Our system has detected an unusual rate of "
				   "421-4.7.0 unsolicited mail originating from your IP address. To protect our "
				   "421-4.7.0 users from spam, mail sent from your IP address has been temporarily "
				   "421 4.7.0 rate limited. For more information, go to "
				   "https://support.google.com/mail/?p=UnsolicitedRateLimitError ");
			p = put_gsmtp(g, p);
			p = PUT(p, " (in reply to end of DATA command)");
		} else if (x < 85) {
			/* no connection at all: relay=none */
			dsn = D441;
			int refused = x < 30;
			p = PUT(p, "connect to ");
			p = put_hostip(g, p, relay);
			p = refused ? PUT(p, ":25: Connection refused") : PUT(p, ":25: Connection timed out");
			relay = RELAY_NONE;
		} else if (x < 92) {
			dsn = D442;
			p = PUT(p, "lost connection with ");
			p = put_hostip(g, p, relay);
			p = PUT(p, " while receiving the initial server greeting");
		} else if (x < 96) {
			dsn = D442;
			p = PUT(p, "conversation with ");
			p = put_hostip(g, p, relay);
			p = PUT(p, " timed out while sending end of data -- message may be sent more than once");
		} else {
			dsn = D430;
			p = PUT(p, "host ");
			p = put_hostip(g, p, relay);
			p = PUT(p, " said: 451 4.3.0 Temporary local problem - please try later (in reply to end of DATA command)");
		}
	} else {
		uint32_t x = rnd_below(&g->r, 100);
		p = PUT(p, "host ");
		p = put_hostip(g, p, relay);
		if (x < 15) {
			dsn = D571;
			p = PUT(p, " said: 554 5.7.1 Service unavailable; Client host [" OUR_IP "] blocked using "
				   "zen.spamhaus.org; https://www.spamhaus.org/query/ip/" OUR_IP
				   " (in reply to RCPT TO command)");
		} else if (d->profile == PR_GOOGLE) {
			if (x < 30) {
				dsn = D5726;
				p = PUT(p, " said: 550-5.7.26 Unauthenticated email from example.net is not accepted due "
					   "to domain's 550-5.7.26 DMARC policy. Please contact the administrator of "
					   "example.net domain if 550-5.7.26 this was a legitimate mail. ");
				p = put_gsmtp(g, p);
				p = PUT(p, " (in reply to end of DATA command)");
			} else {
				dsn = D511;
				p = PUT(p, " said: 550-5.1.1 The email account that you tried to reach does not exist. "
					   "Please try 550-5.1.1 double-checking the recipient's email address for typos "
					   "or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1  "
					   "https://support.google.com/mail/?p=NoSuchUser ");
				p = put_gsmtp(g, p);
				p = PUT(p, " (in reply to RCPT TO command)");
			}
		} else if (d->profile == PR_YAHOO) {
			dsn = D500;
			p = PUT(p, " said: 554 delivery error: dd This user doesn't have a ");
			p = put(p, d->name, d->name_len);
			p = PUT(p, " account (");
			p = put(p, r->addr, r->addr_len);
			p = PUT(p, ") [0] - ");
			p = put(p, g->relays[relay].name, g->relays[relay].name_len);
			p = PUT(p, " (in reply to end of DATA command)");
		} else if (d->profile == PR_EXIM) {
			dsn = D500;
			p = PUT(p, " said: 550 Unrouteable address (in reply to RCPT TO command)");
		} else {
			dsn = D511;
			p = PUT(p, " said: 550 5.1.1 <");
			p = put(p, r->addr, r->addr_len);
			p = PUT(p, ">: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)");
		}
	}
	reason_done(g, p);
	status_line(g, m, r, svc, relay, dsn, st);
}

static void attempt_local(struct gen *g, struct msg *m, struct rcpt *r, const struct domain *d,
			  enum attempt_status st)
{
	char *p = reason_start(g);
	unsigned svc, relay;
	enum dsn_code dsn = D200;
	uint32_t x = rnd_below(&g->r, 100);
	switch (d->kind) {
	case DK_LMTP:
		svc = SV_LMTP;
		relay = RELAY_LMTP;
		if (st == AS_SENT) {
			p = PUT(p, "250 2.0.0 <");
			p = put(p, r->addr, r->addr_len);
			p = PUT(p, "> ");
			p = put_token(g, p, 22);
			p = PUT(p, " Saved");
		} else if (st == AS_DEFERRED) {
			if (x < 70) {
				dsn = D422;
				p = PUT(p, "host mail.example.net[private/dovecot-lmtp] said: 452 4.2.2 <");
				p = put(p, r->addr, r->addr_len);
				p = PUT(p, "> Quota exceeded (mailbox for user is full) (in reply to end of DATA command)");
			} else {
				dsn = D442;
				p = PUT(p, "lost connection with mail.example.net[private/dovecot-lmtp] while receiving the initial server greeting");
			}
		} else {
			p = PUT(p, "host mail.example.net[private/dovecot-lmtp] said: ");
			if (x < 80) {
				dsn = D511;
				p = PUT(p, "550 5.1.1 <");
				p = put(p, r->addr, r->addr_len);
				p = PUT(p, "> User doesn't exist: ");
				p = put(p, r->addr, r->addr_len);
				p = PUT(p, " (in reply to RCPT TO command)");
			} else {
				dsn = D522;
				p = PUT(p, "552 5.2.2 <");
				p = put(p, r->addr, r->addr_len);
				p = PUT(p, "> Quota exceeded (mailbox for user is full) (in reply to end of DATA command)");
			}
		}
		break;
	case DK_VIRTUAL:
		svc = SV_VIRTUAL;
		relay = RELAY_VIRTUAL;
		if (st == AS_SENT) {
			p = PUT(p, "delivered to maildir");
		} else if (st == AS_DEFERRED) {
			dsn = D422;
			p = PUT(p, "maildir delivery failed: create maildir file /var/vmail/");
			p = put(p, d->name, d->name_len);
			p = PUT(p, "/tmp/");
			p = put_u64(p, (uint64_t)(g->now_us / US_PER_SEC));
			p = PUT(p, ".P");
			p = put_u64(p, rnd_range(&g->r, 1000, 99999));
			p = PUT(p, ".mail: Disk quota exceeded");
		} else {
			dsn = D511;
			p = PUT(p, "unknown user: \"");
			p = put(p, r->addr, r->addr_len);
			*p++ = '"';
		}
		break;
	case DK_PIPE:
		svc = SV_PIPE;
		relay = RELAY_PIPE;
		if (st == AS_SENT) {
			p = PUT(p, "delivered via mlmmj service");
		} else if (st == AS_DEFERRED) {
			dsn = D430;
			p = PUT(p, "temporary failure. Command output: mlmmj-receive: could not lock the list directory (Resource temporarily unavailable)");
		} else {
			dsn = D530;
			p = PUT(p, "Command died with status 1: \"/usr/bin/mlmmj-receive\". Command output: mlmmj-receive: no such list, rejected (see the list owner) ");
		}
		break;
	case DK_DISCARD:
		svc = SV_DISCARD;
		relay = RELAY_NONE;
		st = AS_SENT;
		p = PUT(p, "discarded");
		break;
	case DK_ERROR:
		svc = SV_ERROR;
		relay = RELAY_NONE;
		st = AS_BOUNCED;
		dsn = D571;
		p = PUT(p, "This address no longer accepts mail");
		break;
	default: /* DK_LOCAL */
		svc = SV_LOCAL;
		relay = RELAY_LOCAL;
		if (st == AS_SENT) {
			if (x < 70)
				p = PUT(p, "delivered to mailbox");
			else
				p = PUT(p, "delivered to command: /usr/bin/procmail -a \"$EXTENSION\"");
		} else if (st == AS_DEFERRED) {
			dsn = D430;
			p = PUT(p, "cannot update mailbox /var/mail/root for user root. error writing message: No space left on device");
		} else {
			dsn = D511;
			p = PUT(p, "unknown user: \"");
			const char *at = memchr(r->addr, '@', r->addr_len);
			p = put(p, r->addr, at ? (size_t)(at - r->addr) : r->addr_len);
			*p++ = '"';
		}
		break;
	}
	reason_done(g, p);
	status_line(g, m, r, svc, relay, dsn, st);
}

/* One delivery attempt of r: what its fate says for this round. */
/* The planted incident (--incident) in force for r's domain now, or NULL. */
static const struct incident *incident_now(const struct gen *g, const struct rcpt *r)
{
	for (unsigned i = 0; i < g->o->n_incidents; i++) {
		const struct incident *x = &g->o->incidents[i];
		if (g->incident_domain[i] == r->domain && g->now_us >= x->start * US_PER_SEC &&
		    g->now_us < (x->start + (int64_t)x->hours * 3600) * US_PER_SEC)
			return x;
	}
	return NULL;
}

/* A deferral that the incident causes: the same cause every time, as in a real one. */
static void incident_defer(struct gen *g, struct msg *m, struct rcpt *r, const struct domain *d)
{
	char *p = reason_start(g);
	if (d->kind == DK_LMTP) {
		p = PUT(p, "host mail.example.net[private/dovecot-lmtp] said: 451 4.3.0 <");
		p = put(p, r->addr, r->addr_len);
		p = PUT(p, "> Temporary internal failure (in reply to end of DATA command)");
		reason_done(g, p);
		status_line(g, m, r, SV_LMTP, RELAY_LMTP, D430, AS_DEFERRED);
		return;
	}
	p = PUT(p, "host ");
	p = put_hostip(g, p, d->mx[0]);
	p = PUT(p, " said: 421 4.7.0 Try again later, closing connection. (in reply to MAIL FROM command)");
	reason_done(g, p);
	status_line(g, m, r, SV_SMTP, d->mx[0], D470, AS_DEFERRED);
}

static void attempt(struct gen *g, struct msg *m, struct rcpt *r)
{
	const struct domain *d = &g->domains[r->domain];
	const struct incident *incident = g->o->n_incidents ? incident_now(g, r) : NULL;
	if (incident != NULL && incident->defer > 0 && chance(&g->r, incident->defer)) {
		incident_defer(g, m, r, d);
		return;
	}
	enum attempt_status st;
	switch (r->fate) {
	case F_SENT:
	case F_DISCARD:
		st = AS_SENT;
		break;
	case F_BOUNCE:
		st = AS_BOUNCED;
		break;
	case F_DEFER_FOREVER:
		st = AS_DEFERRED;
		break;
	default:
		if (r->defers_left > 0) {
			st = AS_DEFERRED;
			r->defers_left--;
		} else {
			st = r->fate == F_DEFER_SENT ? AS_SENT : AS_BOUNCED;
		}
		break;
	}
	if (incident != NULL && incident->bounce > 0 && chance(&g->r, incident->bounce))
		st = AS_BOUNCED;
	if (d->kind == DK_SMTP)
		attempt_smtp(g, m, r, d, st);
	else
		attempt_local(g, m, r, d, st);
}

/* ---- message flow ------------------------------------------------------------------------- */

#define QUEUE_LIFETIME_US (INT64_C(5) * 86400 * US_PER_SEC)
#define DELAY_WARNING_US (INT64_C(4) * 3600 * US_PER_SEC)

static void pick_fate(struct gen *g, struct rcpt *r, int notification)
{
	const struct domain *d = &g->domains[r->domain];
	uint32_t x = rnd_below(&g->r, 10000);
	uint8_t fate = F_SENT;
	switch (d->kind) {
	case DK_DISCARD:
		fate = F_DISCARD;
		break;
	case DK_ERROR:
		fate = F_BOUNCE;
		break;
	case DK_SMTP:
		switch (d->profile) {
		case PR_DEAD:
			fate = F_DEFER_FOREVER;
			break;
		case PR_NX:
			fate = x < 8000 ? F_BOUNCE : F_DEFER_BOUNCE;
			break;
		case PR_GREY:
			fate = x < 8500 ? F_DEFER_SENT : x < 9700 ? F_SENT : F_BOUNCE;
			break;
		default: {
			uint32_t defer = d->profile == PR_MS || d->profile == PR_YAHOO ? 900
					 : d->profile == PR_GOOGLE		     ? 400
										     : 350;
			uint32_t bounce = notification ? 500 : 200;
			fate = x < defer		       ? F_DEFER_SENT
			       : x < defer + bounce	       ? F_BOUNCE
			       : x < defer + bounce + 40      ? F_DEFER_BOUNCE
			       : x < defer + bounce + 40 + 30 ? F_DEFER_FOREVER
							      : F_SENT;
			break;
		}
		}
		break;
	case DK_LOCAL: /* root, www-data, ...: the mailbox rarely fails */
		fate = x < 30 ? F_DEFER_SENT : F_SENT;
		break;
	default:
		fate = x < 200 ? F_BOUNCE : x < 320 ? F_DEFER_SENT : x < 350 ? F_DEFER_BOUNCE : F_SENT;
		break;
	}
	r->fate = fate;
	r->defers_left = 0;
	if (fate == F_DEFER_SENT || fate == F_DEFER_BOUNCE) {
		uint8_t n = 1;
		if (d->profile != PR_GREY)
			while (n < 8 && rnd_below(&g->r, 2))
				n++;
		r->defers_left = n;
	}
}

static struct msg *msg_new(struct gen *g, unsigned host, unsigned inst, unsigned origin,
			   unsigned nrcpt)
{
	struct msg *m = xcalloc(1, sizeof *m + nrcpt * sizeof(struct rcpt));
	m->host = (uint8_t)host;
	m->inst = (uint8_t)inst;
	m->origin = (uint8_t)origin;
	m->nrcpt = (uint16_t)nrcpt;
	m->arrival_us = g->now_us;
	m->expire_us = g->now_us + QUEUE_LIFETIME_US;
	m->v311 = rnd_below(&g->r, 5) < 2;
	m->size = 600 + rnd_below(&g->r, 12000);
	if (rnd_below(&g->r, 10) == 0)
		m->size += rnd_below(&g->r, 4000000);
	make_qid(g, m);
	qset_insert(g, m);
	g->n_created++;
	return m;
}

/* Adds recipient i: an address of `domain` not yet used in m. */
static void add_rcpt(struct gen *g, struct msg *m, unsigned i, unsigned domain, int local_user)
{
	struct rcpt *r = &m->r[i];
	r->domain = (uint8_t)domain;
	for (int tries = 0;; tries++) {
		r->addr_len = make_address(g, r->addr, domain, local_user);
		int dup = 0;
		for (unsigned k = 0; k < i && !dup; k++)
			dup = m->r[k].addr_len == r->addr_len &&
			      memcmp(m->r[k].addr, r->addr, r->addr_len) == 0;
		if (!dup)
			break;
		if (tries > 8) { /* make it unique */
			char *at = memchr(r->addr, '@', r->addr_len);
			char tail[72];
			size_t tn = r->addr_len - (size_t)(at - r->addr);
			memcpy(tail, at, tn);
			char *p = put_u64(at, i);
			memcpy(p, tail, tn);
			r->addr_len = (uint8_t)(p + tn - r->addr);
			r->addr[r->addr_len] = '\0';
			break;
		}
	}
}

static char *put_qid_prefix(char *p, const struct msg *m)
{
	p = PUT_BLOCK(p, m->qid, m->qid_len, 16);
	*p++ = ':';
	*p++ = ' ';
	return p;
}

static void cleanup_line(struct gen *g, struct msg *m)
{
	char *p = line(g, m->host, TAG(m->inst, SV_CLEANUP));
	p = put_qid_prefix(p, m);
	p = PUT(p, "message-id=<");
	if (m->origin == OR_SMTPD && rnd_below(&g->r, 3) == 0) {
		p = PUT(p, "CA");
		p = put_token(g, p, 24);
		p = PUT(p, "+x=");
		p = put_token(g, p, 8);
		p = PUT(p, "@mail.gmail.com");
	} else {
		struct civil c = g->cache_c;
		p = put_padded(p, (uint64_t)c.year, 4);
		p = put_2d(p, c.month);
		p = put_2d(p, c.day);
		p = put_2d(p, c.hour);
		p = put_2d(p, c.min);
		p = put_2d(p, c.sec);
		*p++ = '.';
		p = put(p, m->qid, m->qid_len);
		*p++ = '@';
		p = put(p, g->host_names[m->host], g->host_len[m->host]);
		p = PUT(p, ".example.net");
	}
	*p++ = '>';
	line_end(g, p);
}

static void qmgr_active_line(struct gen *g, struct msg *m)
{
	char *p = line(g, m->host, TAG(m->inst, SV_QMGR));
	p = put_qid_prefix(p, m);
	p = PUT(p, "from=<");
	p = put(p, m->sender, m->sender_len);
	p = PUT(p, ">, size=");
	p = put_u64(p, m->size);
	p = PUT(p, ", nrcpt=");
	p = put_u64(p, m->nrcpt);
	p = PUT(p, " (queue active)");
	line_end(g, p);
}

static void schedule(struct gen *g, struct msg *m, enum step step, int64_t at_us)
{
	m->step = (uint8_t)step;
	heap_push(g, at_us, m);
}

/* `removed`: the end of the lifecycle. */
static void msg_removed(struct gen *g, struct msg *m, unsigned svc)
{
	char *p = line(g, m->host, TAG(m->inst, svc));
	p = put_qid_prefix(p, m);
	p = PUT(p, "removed");
	line_end(g, p);
	count_message(g, m, 1, g->out->line_sec, m->expired_sec);
	qset_remove(g, m);
	remember_removed(g, m);
	free(m);
}

static void deliver_round(struct gen *g, struct msg *m);

static void link_line(struct gen *g, struct msg *parent, const char *qid, size_t qid_len,
		      enum notify_kind kind)
{
	static const char *const what[NK_COUNT] = {
		"sender non-delivery notification: ", "sender delay notification: ",
		"sender delivery status notification: ", "postmaster non-delivery notification: ",
	};
	char *p = line(g, parent->host, TAG(parent->inst, SV_BOUNCE));
	p = put_qid_prefix(p, parent);
	p = put_str(p, what[kind]);
	p = put(p, qid, qid_len);
	line_end(g, p);
	g->t.notifications[kind]++;
}

/* The bounce daemon queues a notification about `parent` (still open) as a new message. */
static void notify(struct gen *g, struct msg *parent, enum notify_kind kind)
{
	struct msg *n = msg_new(g, parent->host, parent->inst, OR_NOTIFY, 1);
	g->n_notifications++;
	n->notify_kind = (uint8_t)kind;
	n->v311 = parent->v311;
	n->size = 2000 + rnd_below(&g->r, 3000) + (kind == NK_DELAY ? 0 : parent->size / 4);
	if (kind == NK_POSTMASTER) {
		n->sender_len = (uint8_t)snprintf(n->sender, sizeof n->sender, "double-bounce@%s.example.net",
						  g->host_names[n->host]);
		struct rcpt *r = &n->r[0];
		r->domain = g->host_domain[n->host];
		r->addr_len = (uint8_t)snprintf(r->addr, sizeof r->addr, "root@%s.example.net",
						g->host_names[n->host]);
		r->orig_len = (uint8_t)snprintf(r->orig, sizeof r->orig, "postmaster@%s.example.net",
						g->host_names[n->host]);
		r->fate = F_SENT;
	} else {
		struct rcpt *r = &n->r[0];
		r->domain = parent->sender_domain;
		memcpy(r->addr, parent->sender, parent->sender_len);
		r->addr_len = parent->sender_len;
		pick_fate(g, r, 1);
	}
	uint32_t order = rnd_below(&g->r, 100);
	if (order < 3 && n->r[0].fate == F_SENT) {
		/* queued, delivered and removed before the bounce daemon logs the link */
		char qid[24];
		size_t qid_len = n->qid_len;
		memcpy(qid, n->qid, qid_len);
		cleanup_line(g, n);
		qmgr_active_line(g, n);
		deliver_round(g, n); /* the recipient is delivered: n is removed and freed */
		link_line(g, parent, qid, qid_len, kind);
		return;
	}
	if (parent->v311) { /* Postfix 3.11: the link first */
		link_line(g, parent, n->qid, n->qid_len, kind);
		cleanup_line(g, n);
	} else {
		cleanup_line(g, n);
		link_line(g, parent, n->qid, n->qid_len, kind);
	}
	qmgr_active_line(g, n);
	schedule(g, n, STEP_DELIVER, g->now_us + rnd_range(&g->r, 20000, 900000));
}

static void finish(struct gen *g, struct msg *m)
{
	int bounced = 0, all_sent = 1;
	for (unsigned i = 0; i < m->nrcpt; i++) {
		bounced |= m->r[i].state == RS_BOUNCED;
		all_sent &= m->r[i].state == RS_SENT;
	}
	if (bounced) {
		if (m->origin != OR_NOTIFY)
			notify(g, m, m->sender_len ? NK_NON_DELIVERY : NK_POSTMASTER);
		else if (m->notify_kind != NK_POSTMASTER)
			notify(g, m, NK_POSTMASTER); /* a bounce that bounced: to the postmaster */
	} else if (all_sent && m->origin != OR_NOTIFY && m->sender_len && rnd_below(&g->r, 1000) < 3) {
		notify(g, m, NK_SUCCESS); /* the sender asked for NOTIFY=SUCCESS */
	}
	msg_removed(g, m, SV_QMGR);
}

static void expire(struct gen *g, struct msg *m)
{
	char *p = line(g, m->host, TAG(m->inst, SV_QMGR));
	p = put_qid_prefix(p, m);
	p = PUT(p, "from=<");
	p = put(p, m->sender, m->sender_len);
	p = PUT(p, ">, status=expired, returned to sender");
	line_end(g, p);
	m->expired = 1;
	m->expired_sec = g->out->line_sec;
	if (m->origin != OR_NOTIFY && m->sender_len)
		notify(g, m, NK_NON_DELIVERY);
	else if (m->origin == OR_NOTIFY && m->notify_kind != NK_POSTMASTER && rnd_below(&g->r, 2))
		notify(g, m, NK_POSTMASTER);
	msg_removed(g, m, SV_QMGR);
}

/* The administrator deletes a message stuck in the queue: its open recipients are dropped. */
static void postsuper_delete(struct gen *g, struct msg *m)
{
	unsigned host = m->host, inst = m->inst;
	msg_removed(g, m, SV_POSTSUPER);
	char *p = line(g, host, TAG(inst, SV_POSTSUPER));
	p = PUT(p, "Deleted: 1 message");
	line_end(g, p);
}

static void deliver_round(struct gen *g, struct msg *m)
{
	m->rounds++;
	int open = 0;
	for (unsigned i = 0; i < m->nrcpt; i++) {
		struct rcpt *r = &m->r[i];
		if (r->state != RS_OPEN)
			continue;
		attempt(g, m, r);
		open += r->state == RS_OPEN;
	}
	if (!open) {
		finish(g, m);
		return;
	}
	if (m->rounds > 3 && rnd_below(&g->r, 1000) == 0) {
		postsuper_delete(g, m);
		return;
	}
	if (!m->delay_notified && m->origin != OR_NOTIFY && m->sender_len &&
	    g->now_us - m->arrival_us >= DELAY_WARNING_US) {
		m->delay_notified = 1;
		if (rnd_below(&g->r, 2))
			notify(g, m, NK_DELAY);
	}
	unsigned shift = m->rounds - 1 < 4 ? m->rounds - 1u : 4u;
	int64_t backoff = (INT64_C(300) << shift) * US_PER_SEC;
	if (backoff > INT64_C(4000) * US_PER_SEC)
		backoff = INT64_C(4000) * US_PER_SEC;
	backoff += (int64_t)rnd_below(&g->r, 300) * US_PER_SEC + rnd_below(&g->r, 1000000);
	int64_t next = g->now_us + backoff;
	schedule(g, m, next >= m->expire_us ? STEP_EXPIRE : STEP_DELIVER, next);
}

/* ---- arrivals and background lines -------------------------------------------------------- */

static void other_line(struct gen *g, unsigned host, enum other_program op, int may_step_back)
{
	int64_t us = g->now_us;
	int64_t sec = us / US_PER_SEC;
	/* syslog does not sort: now and then a line is a second older than the one before */
	if (may_step_back && sec % 86400 != 0 && rnd_below(&g->r, 8) == 0)
		us -= US_PER_SEC;
	char *p = line_at(g, us, host, OTHER_TAG(op), pid_of(g, host, OTHER_TAG(op)));
	switch (op) {
	case OP_SSHD:
		if (rnd_below(&g->r, 2)) {
			p = PUT(p, "Accepted publickey for deploy from 203.0.113.9 port ");
			p = put_u64(p, rnd_range(&g->r, 30000, 65000));
			p = PUT(p, " ssh2: ED25519 SHA256:");
			p = put_token(g, p, 43);
		} else {
			p = PUT(p, "Connection closed by authenticating user root 198.51.100.99 port ");
			p = put_u64(p, rnd_range(&g->r, 30000, 65000));
			p = PUT(p, " [preauth]");
		}
		break;
	case OP_CRON:
		p = PUT(p, "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)");
		break;
	case OP_DOVECOT:
		p = PUT(p, "imap-login: Login: user=<");
		p = put_person(g, p);
		p = PUT(p, "@example.net>, method=PLAIN, rip=203.0.113.50, lip=192.0.2.1, mpid=");
		p = put_u64(p, rnd_range(&g->r, 1000, 99999));
		p = PUT(p, ", TLS, session=<");
		p = put_token(g, p, 16);
		*p++ = '>';
		break;
	case OP_SYSTEMD:
		p = PUT(p, "Started session-");
		p = put_u64(p, rnd_range(&g->r, 100, 9999));
		p = PUT(p, ".scope - Session of User deploy.");
		break;
	case OP_OPENDKIM: /* looks like a queue id record, but it is not Postfix */
		for (int i = 0; i < 10; i++)
			*p++ = hex_upper[rnd_below(&g->r, 16)];
		p = PUT(p, ": DKIM-Signature field added (s=mail, d=example.net)");
		break;
	default:
		p = PUT(p, "[");
		p = put_u64(p, rnd_range(&g->r, 1000, 999999));
		p = PUT(p, ".123456] audit: type=1400 audit(0.0:42): apparmor=\"DENIED\" operation=\"open\"");
		break;
	}
	line_end(g, p);
}

static void malformed_line(struct gen *g)
{
	char *p = sink_line_start(g->out);
	switch (rnd_below(&g->r, 7)) {
	case 0:
		p = PUT(p, "Foo 99 xx:yy:zz mx1 prog: text");
		break;
	case 1:
		p = put(p, g->bsd, 7);
		p = PUT(p, "25:61:99 mx1 postfix/smtp[123]: garbage after a bad clock");
		break;
	case 2:
		p = put(p, g->bsd, 4 + rnd_below(&g->r, 8)); /* a line cut inside its stamp */
		break;
	case 3:
		p = put(p, g->bsd, 15);
		p = PUT(p, " mx1");
		break;
	case 4:
		p = put(p, g->bsd, 15);
		p = PUT(p, " mx1 postfix/smtpd[12a4]: connect from unknown[192.0.2.1]");
		break;
	case 5:
		break; /* an empty line */
	default:
		p = PUT(p, "\x1b[0m\xff\xfe binary -- junk \x01\x02");
		break;
	}
	malformed_end(g, p);
}

static void noise_line(struct gen *g)
{
	unsigned host = rnd_below(&g->r, g->o->hosts);
	uint32_t x = rnd_below(&g->r, 100);
	if (x < 20) {
		char *p = line(g, host, TAG(0, SV_SMTPD));
		p = PUT(p, "warning: hostname mail.example.com does not resolve to address 198.51.100.");
		p = put_u64(p, rnd_range(&g->r, 1, 254));
		p = PUT(p, ": Name or service not known");
		line_end(g, p);
	} else if (x < 70) {
		static const uint8_t ops[] = {OP_DOVECOT, OP_SSHD, OP_OPENDKIM, OP_KERNEL, OP_SYSTEMD};
		other_line(g, host, ops[rnd_below(&g->r, ARRAY_LEN(ops))], 1);
	} else {
		malformed_line(g);
	}
}

static void anvil_lines(struct gen *g, unsigned host)
{
	char *p = line(g, host, TAG(0, SV_ANVIL));
	p = PUT(p, "statistics: max connection rate ");
	p = put_u64(p, rnd_range(&g->r, 1, 9));
	p = PUT(p, "/60s for (smtp:198.51.100.7) at ");
	p = put(p, g->bsd, 15);
	line_end(g, p);
	p = line(g, host, TAG(0, SV_ANVIL));
	p = PUT(p, "statistics: max cache size ");
	p = put_u64(p, rnd_range(&g->r, 1, 30));
	p = PUT(p, " at ");
	p = put(p, g->bsd, 15);
	line_end(g, p);
}

static void background(struct gen *g, unsigned host)
{
	int64_t sec = g->now_us / US_PER_SEC;
	if (sec / 3600 != g->last_cron_hour[host]) {
		g->last_cron_hour[host] = sec / 3600;
		other_line(g, host, OP_CRON, 0);
	}
	if (sec - g->last_anvil[host] >= 1800) {
		g->last_anvil[host] = sec;
		anvil_lines(g, host);
	}
	uint32_t x = rnd_below(&g->r, 1000);
	if (x < 30)
		other_line(g, host, OP_DOVECOT, 1);
	else if (x < 40)
		other_line(g, host, OP_SSHD, 1);
	else if (x < 45)
		other_line(g, host, OP_SYSTEMD, 1);
}

static void client_text(struct gen *g, char *out, size_t size, int submission)
{
	if (submission) {
		unsigned k = rnd_below(&g->r, ARRAY_LEN(submission_clients));
		snprintf(out, size, "%s[%s]", submission_clients[k][0], submission_clients[k][1]);
	} else {
		unsigned k = rnd_below(&g->r, ARRAY_LEN(clients));
		snprintf(out, size, "%s[%s]", clients[k].name, clients[k].ip);
	}
}

static void smtpd_simple(struct gen *g, unsigned host, unsigned tag, uint32_t pid,
			 const char *what, const char *client)
{
	char *p = line_pid(g, host, tag, pid);
	p = put_str(p, what);
	p = put_str(p, client);
	line_end(g, p);
}

/* A session that is refused before any queue file exists. */
static void noqueue_session(struct gen *g, unsigned host, unsigned inst)
{
	char client[96], rcpt[72], sender[72];
	client_text(g, client, sizeof client, 0);
	unsigned tag = TAG(inst, SV_SMTPD);
	uint32_t pid = pid_of(g, host, tag);
	smtpd_simple(g, host, tag, pid, "connect from ", client);
	make_address(g, sender, g->remote_pick[rnd_below(&g->r, 1024)], 0);
	uint32_t x = rnd_below(&g->r, 4);
	make_address(g, rcpt, x == 0 ? g->remote_pick[rnd_below(&g->r, 1024)] : g->ours_lmtp, 0);
	const char *ip = strchr(client, '[') + 1;
	size_t ip_len = strlen(ip) - 1;
	char *p = line_pid(g, host, tag, pid);
	p = PUT(p, "NOQUEUE: reject: RCPT from ");
	p = put_str(p, client);
	p = PUT(p, ": ");
	switch (x) {
	case 0:
		p = PUT(p, "554 5.7.1 <");
		p = put_str(p, rcpt);
		p = PUT(p, ">: Relay access denied");
		break;
	case 1:
		p = PUT(p, "450 4.7.1 Client host rejected: cannot find your hostname, [");
		p = put(p, ip, ip_len);
		*p++ = ']';
		break;
	case 2:
		p = PUT(p, "554 5.7.1 Service unavailable; Client host [");
		p = put(p, ip, ip_len);
		p = PUT(p, "] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/");
		p = put(p, ip, ip_len);
		break;
	default:
		p = PUT(p, "550 5.1.1 <");
		p = put_str(p, rcpt);
		p = PUT(p, ">: Recipient address rejected: User unknown in virtual mailbox table");
		break;
	}
	p = PUT(p, "; from=<");
	p = put_str(p, sender);
	p = PUT(p, "> to=<");
	p = put_str(p, rcpt);
	p = PUT(p, "> proto=ESMTP helo=<");
	p = put_str(p, helos[rnd_below(&g->r, ARRAY_LEN(helos))]);
	*p++ = '>';
	line_end(g, p);
	g->t.rejects_noqueue++;
	smtpd_simple(g, host, tag, pid, "disconnect from ", client);
}

static unsigned pick_nrcpt(struct gen *g)
{
	uint32_t x = rnd_below(&g->r, 1000);
	return x < 750 ? 1 : x < 900 ? 2 : x < 960 ? rnd_range(&g->r, 3, 5)
	       : x < 992 ? rnd_range(&g->r, 6, 12) : rnd_range(&g->r, 13, 40);
}

static unsigned pick_instance(struct gen *g, int inbound)
{
	unsigned n = g->o->instances;
	if (n == 1)
		return 0;
	/* incoming mail on the even instances (postfix, postfix-in, ...), outgoing on the odd */
	unsigned half = inbound ? (n + 1) / 2 : n / 2;
	return 2 * rnd_below(&g->r, half) + (inbound ? 0 : 1);
}

static void arrive(struct gen *g)
{
	unsigned host = rnd_below(&g->r, g->o->hosts);
	background(g, host);
	int inbound = rnd_below(&g->r, 100) < 55;
	unsigned inst = pick_instance(g, inbound);
	if (rnd_below(&g->r, 100) < 8)
		noqueue_session(g, host, inst & ~1u);
	unsigned origin = inbound ? OR_SMTPD : rnd_below(&g->r, 4) ? OR_SUBMISSION : OR_PICKUP;
	unsigned nrcpt = pick_nrcpt(g);
	struct msg *m = msg_new(g, host, inst, origin, nrcpt);

	/* sender */
	char local_part[40];
	size_t local_len = 0;
	if (origin == OR_SMTPD) {
		m->sender_domain = g->remote_pick[rnd_below(&g->r, 1024)];
		m->sender_len = make_address(g, m->sender, m->sender_domain, 0);
		if (rnd_below(&g->r, 50) == 0)
			m->sender_len = 0; /* a bounce from elsewhere: from=<> */
	} else if (origin == OR_SUBMISSION) {
		m->sender_domain = rnd_below(&g->r, 4) ? g->ours_lmtp : g->ours_corp;
		m->sender_len = make_address(g, m->sender, m->sender_domain, 0);
	} else {
		m->sender_domain = g->host_domain[host];
		m->sender_len = make_address(g, m->sender, m->sender_domain, 1);
		local_len = (size_t)((char *)memchr(m->sender, '@', m->sender_len) - m->sender);
		memcpy(local_part, m->sender, local_len);
	}

	/* recipients */
	for (unsigned i = 0; i < nrcpt; i++) {
		struct rcpt *r = &m->r[i];
		if (inbound && rnd_below(&g->r, 100) < 3) {
			add_rcpt(g, m, i, g->host_domain[host], 1);
			if (memcmp(r->addr, "root@", 5) == 0) {
				r->orig_len = (uint8_t)snprintf(r->orig, sizeof r->orig, "postmaster@%s.example.net",
								g->host_names[host]);
			}
		} else {
			unsigned d = inbound ? g->local_pick[rnd_below(&g->r, 1024)]
					     : g->remote_pick[rnd_below(&g->r, 1024)];
			add_rcpt(g, m, i, d, 0);
			if (inbound && g->domains[d].kind == DK_LMTP && rnd_below(&g->r, 12) == 0) {
				char *p = r->orig;
				p = put_str(p, role_names[rnd_below(&g->r, ARRAY_LEN(role_names))]);
				p = PUT(p, "@example.net");
				r->orig_len = (uint8_t)(p - r->orig);
			}
		}
		pick_fate(g, r, 0);
	}

	/* the lines of the arrival */
	char client[96];
	unsigned tag = TAG(inst, origin == OR_SUBMISSION ? SV_SUBMISSION : SV_SMTPD);
	uint32_t smtpd_pid = origin == OR_PICKUP ? 0 : pid_of(g, host, tag);
	if (origin == OR_PICKUP) {
		char *p = line(g, host, TAG(inst, SV_PICKUP));
		p = put_qid_prefix(p, m);
		p = PUT(p, "uid=");
		p = put_u64(p, 33 + rnd_below(&g->r, 3) * 967);
		p = PUT(p, " from=<");
		p = put(p, local_part, local_len);
		*p++ = '>';
		line_end(g, p);
		cleanup_line(g, m);
	} else {
		client_text(g, client, sizeof client, origin == OR_SUBMISSION);
		smtpd_simple(g, host, tag, smtpd_pid, "connect from ", client);
		if (rnd_below(&g->r, 3) == 0) {
			char *p = line_pid(g, host, tag, smtpd_pid);
			p = PUT(p, "Anonymous TLS connection established from ");
			p = put_str(p, client);
			p = PUT(p, ": TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
				   "server-signature RSA-PSS (2048 bits) server-digest SHA256");
			line_end(g, p);
		}
		char *p = line_pid(g, host, tag, smtpd_pid);
		p = put_qid_prefix(p, m);
		p = PUT(p, "client=");
		p = put_str(p, client);
		if (origin == OR_SUBMISSION) {
			p = PUT(p, ", sasl_method=PLAIN, sasl_username=");
			p = put(p, m->sender, m->sender_len);
		}
		line_end(g, p);
		if (origin == OR_SMTPD && rnd_below(&g->r, 100) == 0) {
			/* one more recipient refused while the queue file exists */
			char rcpt[72];
			make_address(g, rcpt, g->ours_lmtp, 0);
			p = line_pid(g, host, tag, smtpd_pid);
			p = put_qid_prefix(p, m);
			p = PUT(p, "reject: RCPT from ");
			p = put_str(p, client);
			p = PUT(p, ": 550 5.1.1 <");
			p = put_str(p, rcpt);
			p = PUT(p, ">: Recipient address rejected: User unknown in virtual mailbox table; from=<");
			p = put(p, m->sender, m->sender_len);
			p = PUT(p, "> to=<");
			p = put_str(p, rcpt);
			p = PUT(p, "> proto=ESMTP helo=<");
			p = put_str(p, helos[rnd_below(&g->r, ARRAY_LEN(helos))]);
			*p++ = '>';
			line_end(g, p);
			g->t.rejects_qid++;
		}
		cleanup_line(g, m);
	}
	qmgr_active_line(g, m);
	if (origin != OR_PICKUP) {
		char *p = line_pid(g, host, tag, smtpd_pid);
		p = PUT(p, "disconnect from ");
		p = put_str(p, client);
		p = PUT(p, " ehlo=2 starttls=1 mail=1 rcpt=");
		p = put_u64(p, nrcpt);
		p = PUT(p, " data=1 quit=1 commands=");
		p = put_u64(p, 6 + nrcpt);
		line_end(g, p);
	}
	schedule(g, m, STEP_DELIVER, g->now_us + rnd_range(&g->r, 30000, 1500000));
}

/* ---- the run ------------------------------------------------------------------------------ */

/* Average bytes per submitted message (lines of the message, its notifications, noise), to
 * turn --bytes into a number of messages; a little more is planned and the run stops at the
 * byte count. */
#define BYTES_PER_MESSAGE 1560.0

static const double hour_weight[24] = {
	0.30, 0.25, 0.20, 0.20, 0.25, 0.35, 0.60, 0.90, 1.30, 1.50, 1.50, 1.40,
	1.20, 1.30, 1.40, 1.40, 1.30, 1.10, 0.90, 0.80, 0.70, 0.60, 0.50, 0.40,
};

static void arrivals_init(struct gen *g)
{
	const struct options *o = g->o;
	g->n_messages = o->bytes ? (uint64_t)((double)o->bytes / BYTES_PER_MESSAGE * 1.1) + 1 : o->messages;
	g->cum_hours = (size_t)o->days * 24;
	g->cum = xcalloc(g->cum_hours + 1, sizeof *g->cum);
	int64_t first_hour = o->start / 3600;
	for (size_t k = 0; k < g->cum_hours; k++) {
		int64_t h = first_hour + (int64_t)k;
		int64_t day = h / 24;
		int weekday = (int)((day + 4) % 7); /* 1970-01-01 was a Thursday: 0 = Sunday */
		double w = hour_weight[h % 24] * (weekday == 0 || weekday == 6 ? 0.6 : 1.0);
		g->cum[k + 1] = g->cum[k] + w;
	}
	g->cum_k = 0;
	g->next_message = 0;
}

static void next_arrival(struct gen *g)
{
	if (g->next_message >= g->n_messages) {
		g->next_arrival_us = INT64_MAX;
		return;
	}
	double total = g->cum[g->cum_hours];
	double u = ((double)g->next_message + rnd_unit(&g->r)) / (double)g->n_messages * total;
	g->next_message++;
	while (g->cum_k + 1 < g->cum_hours && g->cum[g->cum_k + 1] <= u)
		g->cum_k++;
	double frac = (u - g->cum[g->cum_k]) / (g->cum[g->cum_k + 1] - g->cum[g->cum_k]);
	if (frac < 0)
		frac = 0;
	if (frac >= 1)
		frac = 0.999999;
	int64_t start_hour_us = (g->o->start / 3600 * 3600 + (int64_t)g->cum_k * 3600) * US_PER_SEC;
	int64_t at = start_hour_us + (int64_t)(frac * 3600.0 * (double)US_PER_SEC);
	if (at < g->o->start * US_PER_SEC)
		at = g->o->start * US_PER_SEC + (int64_t)(frac * 1e6);
	g->next_arrival_us = at;
}

static void run(struct gen *g)
{
	const struct options *o = g->o;
	g->end_us = (o->start + (int64_t)o->days * 86400) * US_PER_SEC;
	arrivals_init(g);
	next_arrival(g);
	while (!g->stop) {
		int64_t ta = g->next_arrival_us;
		int64_t th = g->heap_n ? g->heap[0].at_us : INT64_MAX;
		int64_t t = ta <= th ? ta : th;
		if (t == INT64_MAX || t > g->end_us)
			break;
		if (t > g->now_us)
			g->now_us = t;
		if (ta <= th) {
			arrive(g);
			next_arrival(g);
		} else {
			struct event ev = heap_pop(g);
			if (ev.m->step == STEP_EXPIRE)
				expire(g, ev.m);
			else
				deliver_round(g, ev.m);
		}
		if (o->bytes && g->out->emitted >= o->bytes)
			break;
	}
	/* what is still in the queue is pending */
	for (size_t i = 0; i < g->qset_cap; i++) {
		struct msg *m = g->qset[i];
		if (m == NULL)
			continue;
		count_message(g, m, 0, 0, m->expired_sec);
		free(m);
		g->qset[i] = NULL;
	}
	g->qset_n = 0;
	free(g->qset);
	free(g->heap);
	free(g->cum);
	g->qset = NULL;
	g->heap = NULL;
	g->cum = NULL;
}

/* ---- the truth file ----------------------------------------------------------------------- */

static void json_attempts(FILE *f, const uint64_t *att)
{
	fprintf(f,
		"{\"total\": %" PRIu64 ", \"sent\": %" PRIu64 ", \"deferred\": %" PRIu64
		", \"bounced\": %" PRIu64 ", \"softbounce\": 0, \"deliverable\": 0, \"undeliverable\": 0"
		", \"undeliverable_not_cached\": 0, \"other\": 0}",
		att[AS_SENT] + att[AS_DEFERRED] + att[AS_BOUNCED], att[AS_SENT], att[AS_DEFERRED],
		att[AS_BOUNCED]);
}

static void json_outcomes(FILE *f, const uint64_t *rc)
{
	for (int o = 0; o < OUT_COUNT; o++)
		fprintf(f, "%s\"%s\": %" PRIu64, o ? ", " : "", outcome_names[o], rc[o]);
}

static int cell_empty(const struct cell *c)
{
	for (int i = 0; i < AS_COUNT; i++)
		if (c->att[i])
			return 0;
	for (int i = 0; i < OUT_COUNT; i++)
		if (c->rc[i])
			return 0;
	return 1;
}

static void json_cell(FILE *f, const char *key, const struct cell *c, int *first)
{
	fprintf(f, "%s\n    \"%s\": {\"attempts\": ", *first ? "" : ",", key);
	json_attempts(f, c->att);
	fputs(", \"recipients\": {", f);
	json_outcomes(f, c->rc);
	fputs("}}", f);
	*first = 0;
}

static void json_close(FILE *f, int first, int last)
{
	fputs(first ? "}" : "\n  }", f);
	fputs(last ? "\n" : ",\n", f);
}

static const char *sort_names_base;
static size_t sort_names_stride;

static int name_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return strcmp(sort_names_base + x * sort_names_stride, sort_names_base + y * sort_names_stride);
}

/* Indexes 0..n-1 of names (at base + i * stride) in strcmp order. */
static void sorted_indexes(unsigned *idx, unsigned n, const char *base, size_t stride)
{
	for (unsigned i = 0; i < n; i++)
		idx[i] = i;
	sort_names_base = base;
	sort_names_stride = stride;
	qsort(idx, n, sizeof *idx, name_cmp);
}

static void json_stamp(FILE *f, int64_t sec)
{
	struct civil c = civil_from_sec(sec);
	fprintf(f, "\"%04d-%02u-%02uT%02u:%02u:%02u\"", c.year, c.month, c.day, c.hour, c.min, c.sec);
}

/* The planted incidents (--incident), the truth's last key: what pftally should find. */
static void write_incidents(FILE *f, const struct options *o)
{
	if (o->n_incidents == 0)
		return;
	fputs("  \"planted_incidents\": [", f);
	for (unsigned i = 0; i < o->n_incidents; i++) {
		const struct incident *x = &o->incidents[i];
		fprintf(f, "%s\n    {\"scope\": \"domain\", \"name\": \"%s\", \"start\": ",
			i ? "," : "", x->domain);
		json_stamp(f, x->start);
		fputs(", \"end\": ", f);
		json_stamp(f, x->start + (int64_t)x->hours * 3600);
		fprintf(f, ", \"hours\": %u, \"defer\": %g, \"bounce\": %g}", x->hours, x->defer,
			x->bounce);
	}
	fputs("\n  ]\n", f);
}

static void write_truth(struct gen *g, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		die("cannot create %s: %s", path, strerror(errno));
	const struct truth *t = &g->t;
	fputs("{\n  \"schema\": \"pftally-1\",\n  \"time_range\": ", f);
	if (g->lines_postfix) {
		fputs("{\"first\": ", f);
		json_stamp(f, g->min_line_sec);
		fputs(", \"last\": ", f);
		json_stamp(f, g->max_line_sec);
		fputs("},\n", f);
	} else {
		fputs("null,\n", f);
	}
	fputs("  \"attempts\": ", f);
	json_attempts(f, t->all.att);
	uint64_t rtotal = 0;
	for (int o = 0; o < OUT_COUNT; o++)
		rtotal += t->all.rc[o];
	fprintf(f, ",\n  \"recipients\": {\"total\": %" PRIu64 ", ", rtotal);
	json_outcomes(f, t->all.rc);
	fprintf(f,
		", \"deferred_ever\": %" PRIu64 ", \"deferred_then_sent\": %" PRIu64
		", \"deferred_then_bounced\": %" PRIu64 ", \"deferred_then_expired\": %" PRIu64
		", \"deferred_then_pending\": %" PRIu64 ", \"probes\": 0},\n",
		t->deferred_ever, t->deferred_then[OUT_SENT], t->deferred_then[OUT_BOUNCED],
		t->deferred_then[OUT_EXPIRED], t->deferred_then[OUT_PENDING]);
	uint64_t nsum = 0;
	for (int k = 0; k < NK_COUNT; k++)
		nsum += t->notifications[k];
	fprintf(f,
		"  \"messages\": {\"total\": %" PRIu64 ", \"closed\": %" PRIu64 ", \"pending\": %" PRIu64
		", \"expired\": %" PRIu64 ", \"with_deferral\": %" PRIu64 ", \"with_bounce\": %" PRIu64
		", \"notifications\": %" PRIu64 ", \"rejected\": 0},\n",
		t->msg_total, t->msg_closed, t->msg_pending, t->msg_expired, t->msg_with_deferral,
		t->msg_with_bounce, nsum);
	fprintf(f,
		"  \"notifications\": {\"non_delivery\": %" PRIu64 ", \"delay\": %" PRIu64
		", \"success\": %" PRIu64 ", \"postmaster\": %" PRIu64 "},\n",
		t->notifications[NK_NON_DELIVERY], t->notifications[NK_DELAY],
		t->notifications[NK_SUCCESS], t->notifications[NK_POSTMASTER]);
	fprintf(f, "  \"rejects\": {\"noqueue\": %" PRIu64 ", \"with_queue_id\": %" PRIu64 "},\n",
		t->rejects_noqueue, t->rejects_qid);
	fputs("  \"dsn\": {", f);
	int first = 1;
	for (int d = 0; d < D_COUNT; d++) {
		if (t->dsn[d] == 0)
			continue;
		fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ", dsn_text[d], t->dsn[d]);
		first = 0;
	}
	fputs("},\n", f);
	fprintf(f,
		"  \"lines\": {\"total\": %" PRIu64 ", \"postfix\": %" PRIu64 ", \"other_programs\": %" PRIu64
		", \"malformed\": %" PRIu64 ", \"unrecognized\": 0, \"orphan_removed\": 0},\n",
		g->lines_total, g->lines_postfix, g->lines_other, g->lines_malformed);
	fputs("  \"unrecognized\": {},\n", f);

	fputs("  \"programs\": {", f);
	unsigned idx[N_TAGS > MAX_DOMAINS ? N_TAGS : MAX_DOMAINS];
	sorted_indexes(idx, N_TAGS, g->tags[0].text, sizeof g->tags[0]);
	first = 1;
	for (unsigned i = 0; i < N_TAGS; i++) {
		if (g->tag_lines[idx[i]] == 0)
			continue;
		fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ", g->tags[idx[i]].text, g->tag_lines[idx[i]]);
		first = 0;
	}
	fputs("},\n", f);

	fputs("  \"by_domain\": {", f);
	sorted_indexes(idx, g->n_domains, g->domains[0].name, sizeof g->domains[0]);
	first = 1;
	for (unsigned i = 0; i < g->n_domains; i++)
		if (!cell_empty(&t->domains[idx[i]]))
			json_cell(f, g->domains[idx[i]].name, &t->domains[idx[i]], &first);
	json_close(f, first, 0);

	fputs("  \"by_relay\": {", f);
	sorted_indexes(idx, g->n_relays, g->relays[0].name, sizeof g->relays[0]);
	first = 1;
	for (unsigned i = 0; i < g->n_relays; i++)
		if (!cell_empty(&t->relays[idx[i]]))
			json_cell(f, g->relays[idx[i]].name, &t->relays[idx[i]], &first);
	json_close(f, first, 0);

	fputs("  \"by_day\": {", f);
	first = 1;
	for (size_t h = 0; h < t->n_hours;) {
		int64_t day = (t->hour_base + (int64_t)h) / 24;
		struct cell sum;
		memset(&sum, 0, sizeof sum);
		for (; h < t->n_hours && (t->hour_base + (int64_t)h) / 24 == day; h++) {
			for (int i = 0; i < AS_COUNT; i++)
				sum.att[i] += t->hours[h].att[i];
			for (int i = 0; i < OUT_COUNT; i++)
				sum.rc[i] += t->hours[h].rc[i];
		}
		if (cell_empty(&sum))
			continue;
		struct civil c = civil_from_sec(day * 86400);
		char key[16];
		snprintf(key, sizeof key, "%04d-%02u-%02u", c.year, c.month, c.day);
		json_cell(f, key, &sum, &first);
	}
	json_close(f, first, 0);

	fputs("  \"by_hour\": {", f);
	first = 1;
	for (size_t h = 0; h < t->n_hours; h++) {
		if (cell_empty(&t->hours[h]))
			continue;
		struct civil c = civil_from_sec((t->hour_base + (int64_t)h) * 3600);
		char key[24];
		snprintf(key, sizeof key, "%04d-%02u-%02uT%02u", c.year, c.month, c.day, c.hour);
		json_cell(f, key, &t->hours[h], &first);
	}
	json_close(f, first, g->o->n_incidents == 0);
	write_incidents(f, g->o);
	fputs("}\n", f);
	if (fclose(f) != 0)
		die("cannot write %s", path);
}

/* ---- main --------------------------------------------------------------------------------- */

/* Each --incident names a domain of the world that smtp or lmtp delivers to. */
static void incidents_init(struct gen *g)
{
	for (unsigned i = 0; i < g->o->n_incidents; i++) {
		const struct incident *x = &g->o->incidents[i];
		int *index = &g->incident_domain[i];
		*index = -1;
		for (unsigned k = 0; k < g->n_domains && *index < 0; k++)
			if (strcmp(g->domains[k].name, x->domain) == 0 &&
			    ((g->domains[k].kind == DK_SMTP && g->domains[k].nmx > 0) ||
			     g->domains[k].kind == DK_LMTP))
				*index = (int)k;
		if (*index < 0)
			die("--incident: '%s' is not a domain the simulation delivers to by smtp or "
			    "lmtp (e.g. example.net, gmail.com, outlook.com, yahoo.com)", x->domain);
	}
}

static struct gen *gen_new(const struct options *o, struct sink *out)
{
	struct gen *g = xcalloc(1, sizeof *g);
	g->o = o;
	g->out = out;
	rng_seed(&g->r, o->seed);
	gen_init_names(g);
	world_init(g);
	incidents_init(g);
	g->now_us = o->start * US_PER_SEC;
	g->t.hour_base = o->start / 3600 - 48;
	g->qset_cap = 1024;
	g->qset = xcalloc(g->qset_cap, sizeof *g->qset);
	for (unsigned h = 0; h < MAX_HOSTS; h++)
		g->last_cron_hour[h] = g->last_anvil[h] = INT64_MIN / 2;
	return g;
}

static void gen_free(struct gen *g)
{
	free(g->t.hours);
	free(g);
}

int main(int argc, char **argv)
{
	struct options o;
	parse_options(&o, argc, argv);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	uint64_t total = 0;
	struct sink s;
	if (o.rotate > 1) {
		/* first pass: the length of the stream, to cut it into equal pieces */
		sink_init(&s, &o, 1, 0, o.start);
		struct gen *g = gen_new(&o, &s);
		run(g);
		total = s.emitted;
		sink_finish(&s);
		gen_free(g);
	}
	sink_init(&s, &o, 0, total, o.start);
	struct gen *g = gen_new(&o, &s);
	run(g);
	uint64_t bytes = s.emitted;
	sink_finish(&s);

	size_t n = strlen(o.out) + 16;
	char *truth = xcalloc(1, n);
	snprintf(truth, n, "%s.truth.json", o.out);
	write_truth(g, truth);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (o.verbose) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
		fprintf(stderr,
			"pftgen: %" PRIu64 " bytes, %" PRIu64 " lines (%" PRIu64 " postfix, %" PRIu64
			" other, %" PRIu64 " malformed), %" PRIu64 " messages (%" PRIu64
			" notifications, %" PRIu64 " pending), %.2f s, %.0f MB/s\n",
			bytes, g->lines_total, g->lines_postfix, g->lines_other, g->lines_malformed,
			g->t.msg_total, g->n_notifications, g->t.msg_pending, secs,
			(double)bytes / 1e6 / (secs > 0 ? secs : 1e-9));
	}
	free(truth);
	gen_free(g);
	return 0;
}
