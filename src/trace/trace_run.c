/* pftally — trace: the passes over the inputs, lifecycles, links and the look-back window.
 *
 * Per chunk, the candidates are the union of two filters (trace_find.c): the needle (the
 * queue ID asked for, or the address in pass 1) and the token set (queue IDs whose lines are
 * collected: the address's messages in pass 2, and every linked child). They are visited in
 * order, each line parsed once; a line that adds to the token set (a link) makes the token
 * filter start again from the next line.
 *
 * Keys are (stream, host, instance, QID): a message lifecycle runs from the first line of a
 * key to its `removed`. A key is traced for all its lifecycles (the QID asked for; the keys of
 * the address's lines) or for the next one only (a child named before its first line).
 *
 * The look-back window keeps the last chunks of the stream being read (references to the
 * reader's buffers, or copies) so that the lines a child logged before its link line can be
 * found: the window is searched backwards from the link line in growing steps (64 KiB, then
 * 4x) until the child's first line (smtpd client= or pickup; cleanup's message-id for a
 * message Postfix made itself, else one more step) or the end of its previous lifecycle is
 * found. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "io/io_guard.h"
#include "parse/parse.h"
#include "time/stamp.h"
#include "trace/trace_internal.h"

enum { PASS_ANCHORS = 1, PASS_COLLECT = 2 };

#define LOOKBACK_FIRST_STEP ((uint64_t)64 << 10)
#define NO_GROUP (-1)

struct iline {
	struct pft_trace_line l;
	uint64_t vpos;          /* position in the concatenation of every input */
};

struct igroup {
	uint32_t stream;
	const char *host, *instance, *qid;
	struct iline *lines;
	size_t n_lines, cap_lines;
	struct pft_trace_child *children; /* .message = group index during the run */
	size_t n_children, cap_children;
	uint32_t parent;
	enum pft_trace_link parent_kind;
	const struct pft_trace_parent_ref *parent_ref;
	uint8_t open, matched, ended, start_unseen;
	uint32_t out_index;     /* index in the result, or UINT32_MAX when left out */
};

struct key_state {
	int32_t open;           /* group of the running lifecycle, or NO_GROUP */
	uint8_t all;            /* every lifecycle of the key is traced */
	uint8_t in_set;         /* holds its QID in the token set */
	uint8_t expect;         /* the next lifecycle is a child named before its lines */
	uint8_t expect_unseen;  /* ... whose earlier lines may be out of the window */
	uint64_t expect_until;  /* ... if it shows up before this position (0: any time) */
	enum pft_trace_link expect_kind;
	uint32_t expect_parent, expect_line;
	const struct pft_trace_parent_ref *pending_ref;
};

struct host_state {
	int32_t last;           /* newest group of (stream, host, QID), any instance */
};

/* A piece of decoded text: a window chunk or the chunk being read. */
struct seg {
	const char *data;
	size_t len;
	uint64_t vpos;
	uint32_t file;
	uint64_t offset;
	struct pft_chunk_owner *owner; /* retained, or NULL */
	char *copy;                    /* owned copy, or NULL */
	uint64_t *bloom;               /* the queue IDs of its lines, built when first looked
					* back into (NULL: not yet) */
	uint64_t bloom_mask;           /* bits - 1 */
};

/* The first and last BSD stamps of a file (year inference). */
struct file_stamps {
	struct pft_civil first, last;
	uint8_t have_first, have_last;
	int32_t year_first;     /* year of `first`, once inferred; 0 unknown */
};

/* A hop's child awaited after its link line, until a position (see follow()). */
struct awaited {
	uint64_t until;
	struct key_state *ks;
	uint8_t len;
	char qid[PFT_TRACE_QID_MAX];
};

struct run {
	const struct pft_inputs *in;
	const struct pft_trace_options *o;
	struct pft_trace_result *out;
	int pass;
	size_t needle_len;
	struct pft_trace_needle needle;
	int use_needle;
	struct pft_trace_qidset set;
	int set_changed;
	struct pft_strmap keys, hosts;
	struct igroup *g;
	size_t n_g, cap_g;
	struct seg *win;        /* oldest first */
	size_t n_win, cap_win, win_bytes;
	uint32_t stream;
	uint64_t vpos;          /* of the next chunk */
	uint64_t stream_start;  /* vpos where the current stream began */
	struct seg cur;
	size_t cur_line;        /* start of the line being handled, in cur */
	struct awaited *await;  /* in order of `until`; [await_head, n_await) pending */
	size_t await_head, n_await, cap_await;
	struct file_stamps *stamps;
	uint8_t *file_failed;
	enum pft_status fail;   /* out of memory */
};

/* ---- small helpers ------------------------------------------------------------------------- */

static int slice_eq(struct pft_slice s, const char *p, size_t n)
{
	return s.n == n && memcmp(s.p, p, n) == 0;
}

static char *arena_strndup(struct run *r, const char *p, size_t n)
{
	char *s = pft_arena_alloc(&r->out->arena, n + 1);
	if (s == NULL) {
		r->fail = PFT_ERR_NOMEM;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static int ends_lifecycle(const struct pft_event *ev)
{
	return ev->kind == PFT_EV_REMOVED || (ev->kind == PFT_EV_REJECT && ev->ends_message);
}

static enum pft_trace_link link_of(const struct pft_event *ev)
{
	if (ev->new_qid.n == 0)
		return PFT_LINK_NONE;
	if (ev->kind == PFT_EV_NOTIFICATION)
		return PFT_LINK_NOTIFICATION;
	if (ev->kind == PFT_EV_DELIVERY && ev->status == PFT_DS_SENT)
		return ev->reason_text.n >= 13 &&
				       memcmp(ev->reason_text.p, "forwarded as ", 13) == 0
			       ? PFT_LINK_FORWARD
			       : PFT_LINK_HOP;
	return PFT_LINK_NONE;
}

const char *pft_trace_link_name(enum pft_trace_link kind)
{
	switch (kind) {
	case PFT_LINK_HOP: return "hop";
	case PFT_LINK_FORWARD: return "forward";
	case PFT_LINK_NOTIFICATION: return "notification";
	default: return "none";
	}
}

enum pft_trace_query pft_trace_classify(const char *arg)
{
	/* The parser's own rule: a queue ID is what it takes for one in "QID: removed". */
	char line[128];
	const int n =
		snprintf(line, sizeof line, "Jan  1 00:00:00 h postfix/qmgr[1]: %s: removed", arg);
	if (n <= 0 || (size_t)n >= sizeof line || strpbrk(arg, " :\n") != NULL)
		return PFT_TRACE_ADDRESS;
	struct pft_event ev;
	pft_parse_line(line, (size_t)n, &ev);
	return ev.kind == PFT_EV_REMOVED && slice_eq(ev.qid, arg, strlen(arg)) ? PFT_TRACE_QID
									       : PFT_TRACE_ADDRESS;
}

/* Key bytes: stream, host, NUL, instance, NUL, qid. @return the length, 0 if too long. */
static size_t key_bytes(char *buf, size_t size, uint32_t stream, struct pft_slice host,
			struct pft_slice instance, struct pft_slice qid)
{
	const size_t n = 4 + host.n + 1 + instance.n + 1 + qid.n;
	if (n > size)
		return 0;
	memcpy(buf, &stream, 4);
	char *p = buf + 4;
	memcpy(p, host.p, host.n);
	p += host.n;
	*p++ = '\0';
	memcpy(p, instance.p, instance.n);
	p += instance.n;
	*p++ = '\0';
	memcpy(p, qid.p, qid.n);
	return n;
}

static struct key_state *key_get(struct run *r, uint32_t stream, struct pft_slice host,
				 struct pft_slice instance, struct pft_slice qid, int create)
{
	char buf[1024];
	const size_t n = key_bytes(buf, sizeof buf, stream, host, instance, qid);
	if (n == 0)
		return NULL;
	const uint64_t h = pft_hash_bytes(buf, n, 0);
	if (!create)
		return pft_strmap_find(&r->keys, buf, n, h);
	int added = 0;
	struct key_state *ks = pft_strmap_upsert(&r->keys, buf, n, h, &added);
	if (ks == NULL)
		r->fail = PFT_ERR_NOMEM;
	else if (added)
		ks->open = NO_GROUP;
	return ks;
}

static struct host_state *host_get(struct run *r, uint32_t stream, struct pft_slice host,
				   struct pft_slice qid, int create)
{
	char buf[1024];
	const size_t n = key_bytes(buf, sizeof buf, stream, host, (struct pft_slice){"", 0}, qid);
	if (n == 0)
		return NULL;
	const uint64_t h = pft_hash_bytes(buf, n, 1);
	if (!create)
		return pft_strmap_find(&r->hosts, buf, n, h);
	int added = 0;
	struct host_state *hs = pft_strmap_upsert(&r->hosts, buf, n, h, &added);
	if (hs == NULL)
		r->fail = PFT_ERR_NOMEM;
	else if (added)
		hs->last = NO_GROUP;
	return hs;
}

/* The key's lines are to be found by their QID token (once per key). */
static void set_hold(struct run *r, struct key_state *ks, struct pft_slice qid)
{
	if (ks->in_set)
		return;
	const int added = pft_trace_qidset_add(&r->set, qid.p, qid.n);
	if (added < 0) {
		r->fail = PFT_ERR_NOMEM;
		return;
	}
	ks->in_set = 1;
	if (added > 0)
		r->set_changed = 1;
}

/* A child's lifecycle is over: its QID need not be searched for any more. */
static void set_release(struct run *r, struct key_state *ks, struct pft_slice qid)
{
	if (!ks->in_set || ks->all || ks->expect)
		return;
	pft_trace_qidset_release(&r->set, qid.p, qid.n);
	ks->in_set = 0;
}

/* ---- groups -------------------------------------------------------------------------------- */

static int32_t group_new(struct run *r, uint32_t stream, const struct pft_event *ev)
{
	if (r->n_g == r->cap_g) {
		const size_t cap = r->cap_g ? 2 * r->cap_g : 64;
		struct igroup *g = realloc(r->g, cap * sizeof *g);
		if (g == NULL) {
			r->fail = PFT_ERR_NOMEM;
			return NO_GROUP;
		}
		r->g = g;
		r->cap_g = cap;
	}
	struct igroup *g = &r->g[r->n_g];
	*g = (struct igroup){.stream = stream, .parent = PFT_TRACE_NO_PARENT};
	g->host = arena_strndup(r, ev->host.p, ev->host.n);
	g->instance = arena_strndup(r, ev->instance.p, ev->instance.n);
	g->qid = ev->qid.n ? arena_strndup(r, ev->qid.p, ev->qid.n) : NULL;
	if (r->fail)
		return NO_GROUP;
	if (ev->qid.n) {
		struct host_state *hs = host_get(r, stream, ev->host, ev->qid, 1);
		if (hs == NULL)
			return NO_GROUP;
		hs->last = (int32_t)r->n_g;
	}
	return (int32_t)r->n_g++;
}

static void group_append(struct run *r, int32_t gi, const struct seg *s, size_t at, size_t len,
			 const struct pft_event *ev)
{
	struct igroup *g = &r->g[gi];
	if (g->n_lines == g->cap_lines) {
		const size_t cap = g->cap_lines ? 2 * g->cap_lines : 16;
		struct iline *v = realloc(g->lines, cap * sizeof *v);
		if (v == NULL) {
			r->fail = PFT_ERR_NOMEM;
			return;
		}
		g->lines = v;
		g->cap_lines = cap;
	}
	const char *text = arena_strndup(r, s->data + at, len);
	if (text == NULL)
		return;
	g->lines[g->n_lines++] = (struct iline){
		.l = {.text = text, .len = (uint32_t)len, .file = s->file,
		      .offset = s->offset + at},
		.vpos = s->vpos + at,
	};
	if (r->o->query == PFT_TRACE_ADDRESS &&
	    pft_trace_event_matches(ev, r->o->needle, r->needle_len))
		g->matched = 1;
}

static int has_child(const struct run *r, const struct igroup *g, struct pft_slice qid)
{
	for (size_t i = 0; i < g->n_children; i++) {
		const struct igroup *c = &r->g[g->children[i].message];
		if (c->qid && slice_eq(qid, c->qid, strlen(c->qid)))
			return 1;
	}
	return 0;
}

static void link_child(struct run *r, int32_t parent, int32_t child, enum pft_trace_link kind,
		       uint32_t line)
{
	struct igroup *p = &r->g[parent];
	if (parent == child || r->g[child].parent != PFT_TRACE_NO_PARENT)
		return;
	if (p->n_children == p->cap_children) {
		const size_t cap = p->cap_children ? 2 * p->cap_children : 4;
		struct pft_trace_child *v = realloc(p->children, cap * sizeof *v);
		if (v == NULL) {
			r->fail = PFT_ERR_NOMEM;
			return;
		}
		p->children = v;
		p->cap_children = cap;
	}
	p->children[p->n_children++] =
		(struct pft_trace_child){.message = (uint32_t)child, .kind = kind, .line = line};
	r->g[child].parent = (uint32_t)parent;
	r->g[child].parent_kind = kind;
}

/* ---- the look-back window ------------------------------------------------------------------ */

static void seg_release(struct seg *s)
{
	if (s->owner)
		pft_chunk_release(s->owner);
	free(s->copy);
	free(s->bloom);
	memset(s, 0, sizeof *s);
}

/* A segment's queue-ID filter: every token that a ": " ends and a ' ' starts (5..31 letters
 * and digits), two bits each. Looking back for a child that is not there (a remote server's
 * "queued as" ID: one per delivery to a Postfix elsewhere) then costs a bit test per
 * segment, not a search of the window; each segment is scanned once however many links look
 * back into it. */
static inline uint64_t seg_token_hash(const char *p, size_t n)
{
	return pft_hash_bytes(p, n, 0xB100Full);
}

static int seg_bloom_build(struct seg *s)
{
	size_t bits = 512;
	while (bits < s->len / 4)
		bits *= 2;
	s->bloom = calloc(bits / 64, sizeof *s->bloom);
	if (s->bloom == NULL)
		return 0;
	s->bloom_mask = bits - 1;
	const char *p = s->data, *end = s->data + s->len;
	while (p + 1 < end && (p = memchr(p, ':', (size_t)(end - 1 - p))) != NULL) {
		if (p[1] == ' ') {
			const char *b = p;
			while (b > s->data && p - b <= PFT_TRACE_QID_MAX &&
			       ((unsigned)((b[-1] | 0x20) - 'a') < 26 ||
				(unsigned)(b[-1] - '0') < 10))
				b--;
			const size_t n = (size_t)(p - b);
			if (n >= 5 && n <= PFT_TRACE_QID_MAX && b > s->data && b[-1] == ' ') {
				const uint64_t h = seg_token_hash(b, n), m = s->bloom_mask;
				s->bloom[(h & m) >> 6] |= 1ull << (h & 63);
				s->bloom[((h >> 32) & m) >> 6] |= 1ull << ((h >> 32) & 63);
			}
		}
		p++;
	}
	return 1;
}

/* 0 when the segment has no line of this queue ID; 1 when it may have (or the filter could
 * not be built). */
static int seg_may_have(struct seg *s, struct pft_slice qid)
{
	if (qid.n < 5)
		return 1;
	if (s->bloom == NULL && !seg_bloom_build(s))
		return 1;
	const uint64_t h = seg_token_hash(qid.p, qid.n), m = s->bloom_mask;
	return (s->bloom[(h & m) >> 6] >> (h & 63) & 1) &&
	       (s->bloom[((h >> 32) & m) >> 6] >> ((h >> 32) & 63) & 1);
}

static void window_clear(struct run *r)
{
	for (size_t i = 0; i < r->n_win; i++)
		seg_release(&r->win[i]);
	r->n_win = 0;
	r->win_bytes = 0;
}

static void window_push(struct run *r, const struct pft_chunk *ck)
{
	if (r->n_win == r->cap_win) {
		const size_t cap = r->cap_win ? 2 * r->cap_win : 8;
		struct seg *v = realloc(r->win, cap * sizeof *v);
		if (v == NULL) {
			r->fail = PFT_ERR_NOMEM;
			return;
		}
		r->win = v;
		r->cap_win = cap;
	}
	struct seg s = r->cur;
	if (ck->owner != NULL) {
		pft_chunk_retain(ck);
		s.owner = ck->owner;
	} else {
		s.copy = malloc(ck->len ? ck->len : 1);
		if (s.copy == NULL) {
			r->fail = PFT_ERR_NOMEM;
			return;
		}
		memcpy(s.copy, ck->data, ck->len);
		s.data = s.copy;
	}
	r->win[r->n_win++] = s;
	r->win_bytes += s.len;
	r->cur.bloom = NULL; /* now the window's */
	/* Keep at least `window` bytes before the next chunk. */
	const size_t keep = r->o->window ? r->o->window : PFT_TRACE_WINDOW_DEFAULT;
	size_t drop = 0;
	while (drop < r->n_win && r->win_bytes - r->win[drop].len >= keep) {
		r->win_bytes -= r->win[drop].len;
		seg_release(&r->win[drop]);
		drop++;
	}
	if (drop) {
		memmove(r->win, r->win + drop, (r->n_win - drop) * sizeof *r->win);
		r->n_win -= drop;
	}
}

/* The segment holding position v: a window chunk or the current one. */
static const struct seg *seg_at(const struct run *r, uint64_t v)
{
	if (v >= r->cur.vpos)
		return &r->cur;
	for (size_t i = r->n_win; i-- > 0;)
		if (v >= r->win[i].vpos)
			return &r->win[i];
	return NULL;
}

/* The start of the line holding position v (v inside the window or the current chunk). */
static uint64_t line_start_of(const struct run *r, uint64_t v)
{
	const struct seg *s = seg_at(r, v);
	if (s == NULL || v == s->vpos)
		return v;
	const char *nl = memrchr(s->data, '\n', (size_t)(v - s->vpos));
	return nl ? s->vpos + (uint64_t)(nl - s->data) + 1 : s->vpos;
}

struct found {
	const struct seg *seg;
	size_t at, len;
	enum pft_event_kind kind;
	uint8_t ends;
};

struct found_list {
	struct found *v;
	size_t n, cap;
};

/* Lines of (host, qid) in [lo, hi) of the window and current chunk, in order, appended. */
static void search_region(struct run *r, const struct pft_trace_needle *nd, struct pft_slice host,
			  struct pft_slice qid, uint64_t lo, uint64_t hi, struct found_list *out)
{
	const size_t n_segs = r->n_win + 1;
	for (size_t i = 0; i < n_segs; i++) {
		struct seg *s = i < r->n_win ? &r->win[i] : &r->cur;
		if (s->vpos >= hi || s->vpos + s->len <= lo || !seg_may_have(s, qid))
			continue;
		size_t from = lo > s->vpos ? (size_t)(lo - s->vpos) : 0;
		const size_t to = hi < s->vpos + s->len ? (size_t)(hi - s->vpos) : s->len;
		while (from < to) {
			const size_t hit =
				from + pft_trace_needle_find(nd, s->data + from, to - from);
			if (hit >= to)
				break;
			const char *nl = memrchr(s->data + from, '\n', hit - from);
			const size_t ls = nl ? (size_t)(nl - s->data) + 1 : from;
			const char *e = memchr(s->data + hit, '\n', s->len - hit);
			const size_t le = e ? (size_t)(e - s->data) : s->len;
			struct pft_event ev;
			pft_parse_line(s->data + ls, le - ls, &ev);
			if (slice_eq(ev.qid, qid.p, qid.n) && slice_eq(ev.host, host.p, host.n)) {
				if (out->n == out->cap) {
					const size_t cap = out->cap ? 2 * out->cap : 16;
					struct found *v = realloc(out->v, cap * sizeof *v);
					if (v == NULL) {
						r->fail = PFT_ERR_NOMEM;
						return;
					}
					out->v = v;
					out->cap = cap;
				}
				out->v[out->n++] = (struct found){s, ls, le - ls, ev.kind,
								  (uint8_t)ends_lifecycle(&ev)};
			}
			from = le + 1;
		}
	}
}

/* Index of the first line of the last lifecycle in f[0..n): after the last line that ends one,
 * unless that is the final line. */
static size_t last_lifecycle(const struct found *f, size_t n)
{
	for (size_t i = n - 1; i-- > 0;)
		if (f[i].ends)
			return i + 1;
	return 0;
}

/* The lines that (host, qid) logged before the current line, as far back as its last
 * lifecycle began (or the window reaches): *out, oldest first. *complete says whether the
 * lifecycle's beginning was seen. */
static void lookback(struct run *r, struct pft_slice host, struct pft_slice qid,
		     enum pft_trace_link kind, struct found_list *out, size_t *first, int *complete)
{
	struct pft_trace_needle nd;
	pft_trace_needle_init(&nd, qid.p, qid.n, 0);
	const uint64_t floor = r->n_win ? r->win[0].vpos : r->cur.vpos;
	uint64_t hi = r->cur.vpos + r->cur_line, step = LOOKBACK_FIRST_STEP;
	int one_more = 0;
	*complete = 0;
	*first = 0;
	struct found_list region = {0};
	while (hi > floor && !r->fail) {
		const uint64_t lo = line_start_of(r, hi - floor > step ? hi - step : floor);
		region.n = 0;
		search_region(r, &nd, host, qid, lo, hi, &region);
		if (region.n) {
			/* Prepend: out = region ++ out. */
			if (out->n + region.n > out->cap) {
				const size_t cap = out->n + region.n + 16;
				struct found *v = realloc(out->v, cap * sizeof *v);
				if (v == NULL) {
					r->fail = PFT_ERR_NOMEM;
					break;
				}
				out->v = v;
				out->cap = cap;
			}
			memmove(out->v + region.n, out->v, out->n * sizeof *out->v);
			memcpy(out->v, region.v, region.n * sizeof *region.v);
			out->n += region.n;
		}
		if (out->n) {
			*first = last_lifecycle(out->v, out->n);
			if (*first > 0) {
				*complete = 1;
				break;
			}
			int start = 0, message_id = 0;
			for (size_t i = 0; i < out->n; i++) {
				start |= out->v[i].kind == PFT_EV_CLIENT ||
					 out->v[i].kind == PFT_EV_PICKUP;
				message_id |= out->v[i].kind == PFT_EV_MESSAGE_ID;
			}
			/* A message that Postfix made (notification, forward) starts at cleanup's
			 * message-id; one that came in (a hop) at smtpd's client=, a moment
			 * earlier: one more step of the same size. */
			if (start || (message_id && (kind != PFT_LINK_HOP || one_more))) {
				*complete = 1;
				break;
			}
			if (message_id) {
				one_more = 1;
				hi = lo;
				continue;
			}
		}
		hi = lo;
		step *= 4;
	}
	if (hi <= floor && floor == r->stream_start)
		*complete = 1; /* the window reaches back to the start of the stream */
	free(region.v);
}

/* ---- awaited hops ----------------------------------------------------------------------------
 * Most "queued as" IDs are remote servers' (one per delivery to a Postfix elsewhere). A hop
 * whose child was not in the window waits `window` bytes for a line of its QID; past that it
 * leaves the token set, so that the set holds only what may still come. */

static void await_push(struct run *r, struct key_state *ks, struct pft_slice qid)
{
	if (r->await_head > 0 && r->await_head == r->n_await)
		r->await_head = r->n_await = 0;
	if (r->n_await == r->cap_await) {
		if (r->await_head > 0) {
			memmove(r->await, r->await + r->await_head,
				(r->n_await - r->await_head) * sizeof *r->await);
			r->n_await -= r->await_head;
			r->await_head = 0;
		}
		if (r->n_await == r->cap_await) {
			const size_t cap = r->cap_await ? 2 * r->cap_await : 64;
			struct awaited *v = realloc(r->await, cap * sizeof *v);
			if (v == NULL) {
				r->fail = PFT_ERR_NOMEM;
				return;
			}
			r->await = v;
			r->cap_await = cap;
		}
	}
	struct awaited *a = &r->await[r->n_await++];
	a->until = ks->expect_until;
	a->ks = ks;
	a->len = (uint8_t)qid.n;
	memcpy(a->qid, qid.p, qid.n);
}

/* Drops the hops awaited before position v (their QIDs leave the token set). */
static void await_expire(struct run *r, uint64_t v)
{
	for (; r->await_head < r->n_await && r->await[r->await_head].until < v; r->await_head++) {
		struct awaited *a = &r->await[r->await_head];
		if (a->ks->expect && a->ks->expect_until == a->until && a->ks->open == NO_GROUP) {
			a->ks->expect = 0;
			set_release(r, a->ks, (struct pft_slice){a->qid, a->len});
		}
	}
}

/* ---- lines --------------------------------------------------------------------------------- */

static void follow(struct run *r, int32_t gi, const struct pft_event *ev, enum pft_trace_link kind,
		   uint64_t line_vpos);

/* Adds the found lines [first, n) as a new child lifecycle of (host, qid) under parent. */
static void adopt_found(struct run *r, int32_t parent, enum pft_trace_link kind, uint32_t line,
			const struct found_list *f, size_t first, int complete)
{
	struct pft_event ev;
	const struct found *x = &f->v[first];
	pft_parse_line(x->seg->data + x->at, x->len, &ev);
	const uint32_t stream = r->g[parent].stream;
	struct key_state *ks = key_get(r, stream, ev.host, ev.instance, ev.qid, 1);
	const int32_t ci = ks ? group_new(r, stream, &ev) : NO_GROUP;
	if (ci == NO_GROUP)
		return;
	r->g[ci].start_unseen = (uint8_t)!complete;
	link_child(r, parent, ci, kind, line);
	int ended = 0;
	for (size_t i = first; i < f->n && !r->fail; i++) {
		x = &f->v[i];
		pft_parse_line(x->seg->data + x->at, x->len, &ev);
		group_append(r, ci, x->seg, x->at, x->len, &ev);
		ended = ends_lifecycle(&ev);
	}
	r->g[ci].ended = (uint8_t)ended;
	r->g[ci].open = (uint8_t)!ended;
	ks->open = ended ? NO_GROUP : ci;
	if (!ended)
		set_hold(r, ks, ev.qid);
	/* Links logged by the child itself before the current line. */
	for (size_t i = first; i < f->n && !r->fail; i++) {
		x = &f->v[i];
		pft_parse_line(x->seg->data + x->at, x->len, &ev);
		const enum pft_trace_link k = link_of(&ev);
		if (k != PFT_LINK_NONE)
			follow(r, ci, &ev, k, x->seg->vpos + x->at);
	}
}

static void follow(struct run *r, int32_t gi, const struct pft_event *ev, enum pft_trace_link kind,
		   uint64_t line_vpos)
{
	const struct pft_slice c = ev->new_qid;
	if (c.n == 0 || c.n > PFT_TRACE_QID_MAX || has_child(r, &r->g[gi], c))
		return;
	/* The link line is the last line appended to the parent. */
	const uint32_t line = (uint32_t)(r->g[gi].n_lines - 1);
	uint32_t link_line = line;
	for (size_t i = r->g[gi].n_lines; i-- > 0;)
		if (r->g[gi].lines[i].vpos == line_vpos) {
			link_line = (uint32_t)i;
			break;
		}
	const uint32_t stream = r->g[gi].stream;
	const size_t window = r->o->window ? r->o->window : PFT_TRACE_WINDOW_DEFAULT;
	/* Already here: traced on its own, or found before. */
	struct host_state *hs = host_get(r, stream, ev->host, c, 0);
	if (hs != NULL && hs->last != NO_GROUP) {
		const struct igroup *cg = &r->g[hs->last];
		if (cg->open || cg->lines[cg->n_lines - 1].vpos + window >= line_vpos) {
			link_child(r, gi, hs->last, kind, link_line);
			return;
		}
	}
	struct found_list f = {0};
	size_t first = 0;
	int complete = 0;
	lookback(r, ev->host, c, kind, &f, &first, &complete);
	if (f.n > 0) {
		adopt_found(r, gi, kind, link_line, &f, first, complete);
	} else if (kind != PFT_LINK_HOP || !complete) {
		/* Named before its first line (Postfix 3.11 logs the bounce link first). A hop
		 * whose QID never showed up here is a remote server's queue ID: no link; but when
		 * the window does not reach back far enough to be sure, a line of that QID on this
		 * host soon after makes it a child whose start was not seen. */
		struct key_state *ks = key_get(r, stream, ev->host, ev->instance, c, 1);
		if (ks != NULL) {
			ks->expect = 1;
			ks->expect_unseen = (uint8_t)(kind == PFT_LINK_HOP);
			ks->expect_until = kind == PFT_LINK_HOP ? line_vpos + window : 0;
			ks->expect_kind = kind;
			ks->expect_parent = (uint32_t)gi;
			ks->expect_line = link_line;
			set_hold(r, ks, c);
			if (kind == PFT_LINK_HOP)
				await_push(r, ks, c);
		}
	}
	free(f.v);
}

/* QID trace: a line of another message names the traced QID as its child. */
static void note_parent(struct run *r, const struct pft_event *ev, const char *line, size_t len)
{
	const enum pft_trace_link kind = link_of(ev);
	if (kind == PFT_LINK_NONE || ev->qid.n == 0)
		return;
	struct pft_trace_parent_ref *ref = pft_arena_alloc(&r->out->arena, sizeof *ref);
	if (ref == NULL) {
		r->fail = PFT_ERR_NOMEM;
		return;
	}
	*ref = (struct pft_trace_parent_ref){
		.qid = arena_strndup(r, ev->qid.p, ev->qid.n),
		.kind = kind,
		.line = {.text = arena_strndup(r, line, len), .len = (uint32_t)len,
			 .file = r->cur.file,
			 .offset = r->cur.offset + r->cur_line},
	};
	if (r->fail)
		return;
	const uint64_t vpos = r->cur.vpos + r->cur_line;
	const size_t window = r->o->window ? r->o->window : PFT_TRACE_WINDOW_DEFAULT;
	struct host_state *hs = host_get(r, r->stream, ev->host, ev->new_qid, 0);
	if (hs != NULL && hs->last != NO_GROUP) {
		struct igroup *cg = &r->g[hs->last];
		if (cg->open || cg->lines[cg->n_lines - 1].vpos + window >= vpos) {
			if (cg->parent_ref == NULL)
				cg->parent_ref = ref;
			return;
		}
	}
	if (kind != PFT_LINK_HOP) {
		struct key_state *ks =
			key_get(r, r->stream, ev->host, ev->instance, ev->new_qid, 1);
		if (ks) {
			ks->all = 1;
			ks->pending_ref = ref;
		}
	}
}

static void handle_anchor(struct run *r, const char *line, size_t len, const struct pft_event *ev)
{
	if (!pft_trace_event_matches(ev, r->o->needle, r->needle_len))
		return;
	if (ev->qid.n) {
		struct key_state *ks = key_get(r, r->stream, ev->host, ev->instance, ev->qid, 1);
		if (ks) {
			ks->all = 1;
			set_hold(r, ks, ev->qid);
		}
		return;
	}
	/* A line without queue ID (NOQUEUE reject): a message of its own. */
	const int32_t gi = group_new(r, r->stream, ev);
	if (gi == NO_GROUP)
		return;
	group_append(r, gi, &r->cur, (size_t)(line - r->cur.data), len, ev);
	r->g[gi].ended = 1;
}

static void handle_collect(struct run *r, const char *line, size_t len, const struct pft_event *ev)
{
	if (r->o->query == PFT_TRACE_QID) {
		if (slice_eq(ev->qid, r->o->needle, r->needle_len)) {
			struct key_state *ks =
				key_get(r, r->stream, ev->host, ev->instance, ev->qid, 1);
			if (ks)
				ks->all = 1;
		} else if (slice_eq(ev->new_qid, r->o->needle, r->needle_len)) {
			note_parent(r, ev, line, len);
		}
	}
	if (ev->qid.n == 0 || r->fail)
		return;
	struct key_state *ks = key_get(r, r->stream, ev->host, ev->instance, ev->qid, 0);
	if (ks == NULL)
		return;
	int32_t gi = ks->open;
	if (gi == NO_GROUP) {
		const uint64_t vpos = r->cur.vpos + (uint64_t)(line - r->cur.data);
		if (ks->expect && ks->expect_until && vpos > ks->expect_until) {
			ks->expect = 0; /* too late: another message that reuses the QID */
			set_release(r, ks, ev->qid);
		}
		if (!ks->all && !ks->expect)
			return;
		const int expect = ks->expect, unseen = ks->expect_unseen;
		const uint32_t parent = ks->expect_parent, parent_line = ks->expect_line;
		const enum pft_trace_link kind = ks->expect_kind;
		const struct pft_trace_parent_ref *ref = ks->pending_ref;
		ks->expect = 0;
		ks->pending_ref = NULL;
		gi = group_new(r, r->stream, ev);
		if (gi == NO_GROUP)
			return;
		ks->open = gi;
		r->g[gi].open = 1;
		r->g[gi].matched = (uint8_t)(r->o->query == PFT_TRACE_QID &&
					     slice_eq(ev->qid, r->o->needle, r->needle_len));
		r->g[gi].parent_ref = ref;
		if (expect) {
			link_child(r, (int32_t)parent, gi, kind, parent_line);
			r->g[gi].start_unseen = (uint8_t)unseen;
		}
	}
	group_append(r, gi, &r->cur, (size_t)(line - r->cur.data), len, ev);
	if (r->fail)
		return;
	if (ends_lifecycle(ev)) {
		r->g[gi].open = 0;
		r->g[gi].ended = 1;
		ks->open = NO_GROUP;
		set_release(r, ks, ev->qid);
	}
	const enum pft_trace_link kind = r->o->follow ? link_of(ev) : PFT_LINK_NONE;
	if (kind != PFT_LINK_NONE)
		follow(r, gi, ev, kind, r->cur.vpos + (uint64_t)(line - r->cur.data));
}

/* ---- chunks -------------------------------------------------------------------------------- */

/* First and last BSD stamps of the file (first pass only): a few lines at each end. */
static void probe_stamps(struct run *r, const struct pft_chunk *ck)
{
	struct file_stamps *fs = &r->stamps[ck->file_index];
	struct pft_event ev;
	if (!fs->have_first) {
		const char *p = ck->data, *end = ck->data + ck->len;
		for (int i = 0; i < 64 && p < end && !fs->have_first; i++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end;
			if (pft_parse_header(p, (size_t)(le - p), &ev) && ev.has_time &&
			    !ev.time.year_known) {
				fs->first = ev.time;
				fs->have_first = 1;
			}
			p = le + 1;
		}
	}
	size_t end = ck->len;
	for (int i = 0; i < 64 && end > 0; i++) {
		const size_t le = ck->data[end - 1] == '\n' ? end - 1 : end;
		const char *nl = le ? memrchr(ck->data, '\n', le) : NULL;
		const size_t ls = nl ? (size_t)(nl - ck->data) + 1 : 0;
		if (pft_parse_header(ck->data + ls, le - ls, &ev) && ev.has_time &&
		    !ev.time.year_known) {
			fs->last = ev.time;
			fs->have_last = 1;
			break;
		}
		end = ls;
	}
}

static void process_chunk(struct run *r)
{
	const char *data = r->cur.data;
	const size_t len = r->cur.len;
	size_t pos = 0, hit_needle = 0, hit_token = len;
	int need_needle = r->use_needle, need_token = r->pass == PASS_COLLECT;
	while (pos < len && !r->fail) {
		if (r->use_needle && (need_needle || hit_needle < pos)) {
			hit_needle = pos + pft_trace_needle_find(&r->needle, data + pos, len - pos);
			need_needle = 0;
		}
		if (r->pass == PASS_COLLECT && (need_token || r->set_changed || hit_token < pos)) {
			hit_token = pft_trace_qidset_next(&r->set, data, pos, len);
			need_token = 0;
			r->set_changed = 0;
		}
		const size_t hit = r->use_needle && hit_needle < hit_token ? hit_needle : hit_token;
		if (hit >= len)
			break;
		const char *nl = hit > pos ? memrchr(data + pos, '\n', hit - pos) : NULL;
		const size_t ls = nl ? (size_t)(nl - data) + 1 : pos;
		const char *e = memchr(data + hit, '\n', len - hit);
		const size_t le = e ? (size_t)(e - data) : len;
		struct pft_event ev;
		pft_parse_line(data + ls, le - ls, &ev);
		r->cur_line = ls;
		if (r->pass == PASS_ANCHORS)
			handle_anchor(r, data + ls, le - ls, &ev);
		else
			handle_collect(r, data + ls, le - ls, &ev);
		pos = le + 1;
	}
}

static enum pft_status on_chunk(void *arg, const struct pft_chunk *ck)
{
	struct run *r = arg;
	free(r->cur.bloom); /* left by a chunk abandoned on SIGBUS */
	r->cur = (struct seg){.data = ck->data, .len = ck->len, .vpos = r->vpos,
			      .file = ck->file_index, .offset = ck->offset};
	if (r->out->passes == 1)
		probe_stamps(r, ck);
	await_expire(r, r->vpos);
	process_chunk(r);
	r->out->lines_searched_bytes += ck->len;
	r->vpos += ck->len;
	if (r->pass == PASS_COLLECT && r->o->follow && !r->fail)
		window_push(r, ck); /* takes cur's filter along */
	free(r->cur.bloom);
	r->cur.bloom = NULL;
	return r->fail;
}

static enum pft_status note_error(struct run *r, const struct pft_error *e)
{
	struct pft_error *v = realloc(r->out->errors, (r->out->n_errors + 1) * sizeof *v);
	if (v == NULL)
		return PFT_ERR_NOMEM;
	r->out->errors = v;
	v[r->out->n_errors++] = *e;
	return PFT_OK;
}

/* A file read to its end or not: note the first error of each file once (pass 2 meets the
 * errors of pass 1 again). */
static enum pft_status file_finished(struct run *r, size_t f, enum pft_status st,
				     struct pft_error *e, struct pft_error *err)
{
	if (r->fail)
		return pft_error_set(err, r->fail, 0, r->in->files[f].path, 0, NULL);
	if (st == PFT_OK)
		return PFT_OK;
	if (st == PFT_ERR_NOMEM)
		return pft_error_set(err, st, 0, r->in->files[f].path, 0, NULL);
	if (e->status == PFT_OK)
		pft_error_set(e, st, 0, r->in->files[f].path, 0, NULL);
	if (!r->file_failed[f]) {
		r->file_failed[f] = 1;
		PFT_TRY(note_error(r, e));
	}
	return PFT_OK;
}

static void stream_begins(struct run *r, size_t f)
{
	/* The window spans the files of a rotated set, never two sets. */
	if (r->in->files[f].stream != r->stream) {
		window_clear(r);
		r->stream = r->in->files[f].stream;
		r->stream_start = r->vpos;
	}
}

/* One thread: the files are read inside the callback (the reader's own SIGBUS guard covers
 * the callback). */
static enum pft_status read_all_direct(struct run *r, size_t chunk, struct pft_error *err)
{
	for (size_t f = 0; f < r->in->n_files; f++) {
		stream_begins(r, f);
		struct pft_error e = {0};
		const enum pft_status st = pft_input_read(r->in, f, chunk, on_chunk, r, &e);
		PFT_TRY(file_finished(r, f, st, &e, err));
	}
	return PFT_OK;
}

/* ---- reader threads -------------------------------------------------------------------------
 * Readers decode files ahead, several files at once (rotated gzip/zstd archives: one core
 * each), into a small queue per file; the calling thread searches the chunks in input order.
 * A chunk in a queue holds a reference on its buffer (or is a copy). */

#define QUEUE_CHUNKS 4u

struct qchunk {
	struct pft_chunk ck;
	char *copy;
};

struct fileq {
	struct qchunk ring[QUEUE_CHUNKS];
	unsigned head, n;
	int done;
	enum pft_status status;
	struct pft_error err;
};

struct pool {
	struct run *r;
	size_t chunk;
	pthread_mutex_t mu;
	pthread_cond_t produced, consumed;
	struct fileq *q;
	size_t next_file;
	int stop;
};

struct reader_arg {
	struct pool *p;
	size_t file;
};

static enum pft_status reader_chunk(void *arg, const struct pft_chunk *ck)
{
	struct reader_arg *a = arg;
	struct pool *p = a->p;
	struct fileq *q = &p->q[a->file];
	struct qchunk qc = {.ck = *ck};
	if (ck->owner != NULL) {
		pft_chunk_retain(ck);
	} else {
		if ((qc.copy = malloc(ck->len ? ck->len : 1)) == NULL)
			return PFT_ERR_NOMEM;
		memcpy(qc.copy, ck->data, ck->len);
		qc.ck.data = qc.copy;
	}
	pthread_mutex_lock(&p->mu);
	while (q->n == QUEUE_CHUNKS && !p->stop)
		pthread_cond_wait(&p->consumed, &p->mu);
	const int stop = p->stop;
	if (!stop) {
		q->ring[(q->head + q->n) % QUEUE_CHUNKS] = qc;
		q->n++;
		pthread_cond_broadcast(&p->produced);
	}
	pthread_mutex_unlock(&p->mu);
	if (stop) {
		if (qc.ck.owner)
			pft_chunk_release(qc.ck.owner);
		free(qc.copy);
		return PFT_ERR_CANCELLED;
	}
	return PFT_OK;
}

static void *reader_main(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		const size_t f = p->stop ? p->r->in->n_files : p->next_file++;
		pthread_mutex_unlock(&p->mu);
		if (f >= p->r->in->n_files)
			break;
		struct reader_arg a = {p, f};
		struct pft_error e = {0};
		const enum pft_status st =
			pft_input_read(p->r->in, f, p->chunk, reader_chunk, &a, &e);
		pthread_mutex_lock(&p->mu);
		p->q[f].status = st;
		p->q[f].err = e;
		p->q[f].done = 1;
		pthread_cond_broadcast(&p->produced);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

static void qchunk_release(struct qchunk *qc)
{
	if (qc->ck.owner)
		pft_chunk_release(qc->ck.owner);
	free(qc->copy);
}

/* Searches one chunk; a mapped file that shrank (SIGBUS) lands back here. @return 0, or 1
 * for SIGBUS. */
static int consume_guarded(struct run *r, const struct pft_chunk *ck)
{
	sigjmp_buf jb;
	if (sigsetjmp(jb, 1) != 0) {
		pft_io_guard_jmp = NULL;
		return 1;
	}
	pft_io_guard_jmp = &jb;
	(void)on_chunk(r, ck);
	pft_io_guard_jmp = NULL;
	return 0;
}

static enum pft_status read_all_threads(struct run *r, size_t chunk, unsigned n_readers,
					struct pft_error *err)
{
	struct pool p = {.r = r, .chunk = chunk};
	p.q = calloc(r->in->n_files, sizeof *p.q);
	pthread_t *th = calloc(n_readers, sizeof *th);
	if (p.q == NULL || th == NULL) {
		free(p.q);
		free(th);
		return pft_error_set(err, PFT_ERR_NOMEM, 0, NULL, 0, NULL);
	}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.produced, NULL);
	pthread_cond_init(&p.consumed, NULL);
	unsigned started = 0;
	while (started < n_readers && pthread_create(&th[started], NULL, reader_main, &p) == 0)
		started++;
	enum pft_status status = PFT_OK;
	if (started == 0)
		status = read_all_direct(r, chunk, err);
	for (size_t f = 0; started > 0 && f < r->in->n_files && status == PFT_OK; f++) {
		stream_begins(r, f);
		struct fileq *q = &p.q[f];
		int shrank = 0;
		for (;;) {
			pthread_mutex_lock(&p.mu);
			while (q->n == 0 && !q->done)
				pthread_cond_wait(&p.produced, &p.mu);
			if (q->n == 0) {
				pthread_mutex_unlock(&p.mu);
				break;
			}
			struct qchunk qc = q->ring[q->head];
			q->head = (q->head + 1) % QUEUE_CHUNKS;
			q->n--;
			pthread_cond_broadcast(&p.consumed);
			pthread_mutex_unlock(&p.mu);
			if (!shrank && !r->fail && consume_guarded(r, &qc.ck)) {
				/* Its chunks in the window may be gone too: drop them all. */
				shrank = 1;
				window_clear(r);
				struct pft_error e;
				pft_error_set(&e, PFT_ERR_IO, 0, r->in->files[f].path, qc.ck.offset,
					      "the file shrank while it was read");
				if (!r->file_failed[f]) {
					r->file_failed[f] = 1;
					status = note_error(r, &e);
				}
			}
			qchunk_release(&qc);
		}
		if (status == PFT_OK)
			status = file_finished(r, f, q->status, &q->err, err);
	}
	/* Stop the readers (on an error they may still be decoding), then free what they left. */
	pthread_mutex_lock(&p.mu);
	p.stop = 1;
	pthread_cond_broadcast(&p.consumed);
	pthread_mutex_unlock(&p.mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (size_t f = 0; f < r->in->n_files; f++)
		for (; p.q[f].n > 0; p.q[f].n--, p.q[f].head = (p.q[f].head + 1) % QUEUE_CHUNKS)
			qchunk_release(&p.q[f].ring[p.q[f].head]);
	pthread_cond_destroy(&p.produced);
	pthread_cond_destroy(&p.consumed);
	pthread_mutex_destroy(&p.mu);
	free(p.q);
	free(th);
	return status;
}

static enum pft_status read_all(struct run *r, struct pft_error *err)
{
	const size_t chunk = r->o->chunk_size ? r->o->chunk_size : PFT_TRACE_CHUNK_DEFAULT;
	r->stream = UINT32_MAX;
	unsigned threads = r->o->threads;
	if (threads == 0) {
		const long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	const unsigned readers = r->in->n_files < threads ? (unsigned)r->in->n_files : threads;
	const enum pft_status st = threads > 1 && readers > 0
					   ? read_all_threads(r, chunk, readers, err)
					   : read_all_direct(r, chunk, err);
	window_clear(r);
	return st;
}

/* ---- years --------------------------------------------------------------------------------- */

static uint32_t year_pos(const struct pft_civil *c)
{
	return pft_year_pos(c->month, c->day, (uint32_t)c->hour * 3600u + c->min * 60u + c->sec);
}

/* Lines of one file span less than a year and files follow each other within a year: a stamp
 * that is earlier in the calendar than the one before it (by more than a day of jitter) is in
 * the next year. Anchored on the newest BSD line of each stream (--year or its file's mtime). */
static void infer_years(struct run *r)
{
	const struct pft_inputs *in = r->in;
	for (size_t f = 0; f < in->n_files;) {
		size_t end = f;
		while (end < in->n_files && in->files[end].stream == in->files[f].stream)
			end++;
		int32_t year_next_first = 0; /* year of the first BSD line of the next file */
		const struct pft_civil *next_first = NULL;
		for (size_t i = end; i-- > f;) {
			struct file_stamps *fs = &r->stamps[i];
			if (!fs->have_first || !fs->have_last)
				continue;
			const uint32_t first = year_pos(&fs->first), last = year_pos(&fs->last);
			int32_t year_last;
			if (next_first == NULL)
				year_last =
					pft_year_of_last(&fs->last, r->o->year, in->files[i].mtime);
			else if (year_next_first == 0)
				year_last = 0;
			else
				year_last = year_next_first -
					    (last > year_pos(next_first) + 86400u);
			fs->year_first = year_last == 0 ? 0 : year_last - (first > last + 86400u);
			year_next_first = fs->year_first;
			next_first = &fs->first;
		}
		f = end;
	}
}

static int32_t line_year(const struct run *r, const struct pft_trace_line *l)
{
	struct pft_event ev;
	if (!pft_parse_header(l->text, l->len, &ev) || !ev.has_time)
		return 0;
	if (ev.time.year_known)
		return ev.time.year;
	const struct file_stamps *fs = &r->stamps[l->file];
	if (!fs->have_first || fs->year_first == 0)
		return 0;
	return fs->year_first + (year_pos(&ev.time) + 86400u < year_pos(&fs->first));
}

/* ---- the result ---------------------------------------------------------------------------- */

static int by_first_line(const void *a, const void *b)
{
	const struct igroup *x = *(struct igroup *const *)a, *y = *(struct igroup *const *)b;
	const uint64_t u = x->lines[0].vpos, v = y->lines[0].vpos;
	return u < v ? -1 : u > v;
}

/* Marks g and every message it leads to as part of the output. */
static void mark(struct run *r, uint32_t gi, uint8_t *keep)
{
	if (keep[gi])
		return;
	keep[gi] = 1;
	for (size_t i = 0; i < r->g[gi].n_children; i++)
		mark(r, r->g[gi].children[i].message, keep);
}

static enum pft_status build_result(struct run *r, struct pft_error *err)
{
	struct pft_trace_result *out = r->out;
	uint8_t *keep = calloc(r->n_g ? r->n_g : 1, 1);
	struct igroup **order = calloc(r->n_g ? r->n_g : 1, sizeof *order);
	if (keep == NULL || order == NULL) {
		free(keep);
		free(order);
		return pft_error_set(err, PFT_ERR_NOMEM, 0, NULL, 0, NULL);
	}
	for (size_t i = 0; i < r->n_g; i++)
		if (r->g[i].matched && r->g[i].n_lines)
			mark(r, (uint32_t)i, keep);
	size_t n = 0;
	for (size_t i = 0; i < r->n_g; i++) {
		r->g[i].out_index = UINT32_MAX;
		if (keep[i] && r->g[i].n_lines)
			order[n++] = &r->g[i];
	}
	qsort(order, n, sizeof *order, by_first_line);
	for (size_t i = 0; i < n; i++)
		order[i]->out_index = (uint32_t)i;
	out->messages = n ? pft_arena_alloc(&out->arena, n * sizeof *out->messages) : NULL;
	enum pft_status status = n && out->messages == NULL ? PFT_ERR_NOMEM : PFT_OK;
	for (size_t i = 0; i < n && status == PFT_OK; i++) {
		const struct igroup *g = order[i];
		struct pft_trace_message *m = &out->messages[i];
		*m = (struct pft_trace_message){
			.host = g->host, .instance = g->instance, .qid = g->qid,
			.n_lines = g->n_lines, .parent = PFT_TRACE_NO_PARENT,
			.parent_kind = PFT_LINK_NONE, .parent_ref = g->parent_ref,
			.matched = g->matched, .ended = g->ended, .start_unseen = g->start_unseen,
		};
		if (g->parent != PFT_TRACE_NO_PARENT && r->g[g->parent].out_index != UINT32_MAX) {
			m->parent = r->g[g->parent].out_index;
			m->parent_kind = g->parent_kind;
			m->parent_ref = NULL;
		}
		m->lines = pft_arena_alloc(&out->arena, g->n_lines * sizeof *m->lines);
		const size_t children_size = g->n_children * sizeof *m->children;
		m->children = g->n_children ? pft_arena_alloc(&out->arena, children_size) : NULL;
		if (m->lines == NULL || (g->n_children && m->children == NULL)) {
			status = PFT_ERR_NOMEM;
			break;
		}
		for (size_t j = 0; j < g->n_lines; j++) {
			m->lines[j] = g->lines[j].l;
			m->lines[j].year = line_year(r, &m->lines[j]);
		}
		for (size_t j = 0; j < g->n_children; j++) {
			const struct pft_trace_child *c = &g->children[j];
			if (r->g[c->message].out_index == UINT32_MAX)
				continue;
			m->children[m->n_children++] =
				(struct pft_trace_child){.message = r->g[c->message].out_index,
							 .kind = c->kind,
							 .line = c->line};
		}
		if (m->parent_ref) {
			struct pft_trace_parent_ref *ref =
				(struct pft_trace_parent_ref *)m->parent_ref;
			ref->line.year = line_year(r, &ref->line);
		}
	}
	out->n_messages = status == PFT_OK ? n : 0;
	free(keep);
	free(order);
	if (status != PFT_OK)
		return pft_error_set(err, status, 0, NULL, 0, NULL);
	return PFT_OK;
}

static void run_free(struct run *r)
{
	window_clear(r);
	free(r->win);
	free(r->await);
	for (size_t i = 0; i < r->n_g; i++) {
		free(r->g[i].lines);
		free(r->g[i].children);
	}
	free(r->g);
	pft_strmap_free(&r->keys);
	pft_strmap_free(&r->hosts);
	pft_trace_qidset_free(&r->set);
	free(r->stamps);
	free(r->file_failed);
}

enum pft_status pft_trace_run(const struct pft_inputs *in, const struct pft_trace_options *o,
			      struct pft_trace_result *out, struct pft_error *err)
{
	memset(out, 0, sizeof *out);
	struct run r = {.in = in, .o = o, .out = out, .needle_len = strlen(o->needle)};
	pft_strmap_init(&r.keys, sizeof(struct key_state));
	pft_strmap_init(&r.hosts, sizeof(struct host_state));
	pft_trace_qidset_init(&r.set);
	r.stamps = calloc(in->n_files ? in->n_files : 1, sizeof *r.stamps);
	r.file_failed = calloc(in->n_files ? in->n_files : 1, 1);
	enum pft_status status = PFT_OK;
	if (r.stamps == NULL || r.file_failed == NULL || r.needle_len == 0) {
		if (r.needle_len)
			status = pft_error_set(err, PFT_ERR_NOMEM, 0, NULL, 0, NULL);
		else
			status = pft_error_set(err, PFT_ERR_USAGE, 0, NULL, 0, "nothing to trace");
		goto done;
	}
	for (size_t i = 0; i < in->n_errors && status == PFT_OK; i++)
		status = note_error(&r, &in->errors[i]);
	if (status != PFT_OK)
		goto done;

	if (o->query == PFT_TRACE_ADDRESS) {
		/* Pass 1: the keys of the lines that name the address. The filter bytes: "local@"
		 * (exact) when the local part is long enough to be rare, else the whole address
		 * with the domain's letters folded. */
		const char *at = memrchr(o->needle, '@', r.needle_len);
		const size_t local = at ? (size_t)(at - o->needle) : r.needle_len;
		if (at != NULL && local >= 3)
			pft_trace_needle_init(&r.needle, o->needle, local + 1, 0);
		else if (at != NULL)
			pft_trace_needle_init(&r.needle, o->needle, r.needle_len, 1);
		else
			pft_trace_needle_init(&r.needle, o->needle, r.needle_len, 0);
		r.use_needle = 1;
		r.pass = PASS_ANCHORS;
		out->passes++;
		if ((status = read_all(&r, err)) != PFT_OK)
			goto done;
		r.use_needle = 0;
	} else {
		pft_trace_needle_init(&r.needle, o->needle, r.needle_len, 0);
		r.use_needle = 1;
	}
	/* The collecting pass: the QID's lines (needle) and every key in the token set. */
	r.pass = PASS_COLLECT;
	r.vpos = 0;
	out->passes++;
	if ((status = read_all(&r, err)) != PFT_OK)
		goto done;
	infer_years(&r);
	status = build_result(&r, err);
done:
	run_free(&r);
	if (status != PFT_OK)
		pft_trace_result_free(out);
	return status;
}

void pft_trace_result_free(struct pft_trace_result *r)
{
	free(r->errors);
	pft_arena_free(&r->arena);
	memset(r, 0, sizeof *r);
}
