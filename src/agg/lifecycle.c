/* Message lifecycles: the recipients of one (host, instance, queue id) lifecycle and their
 * outcomes, built from events, appended fragment to fragment, and folded into counters. */
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "agg/agg_internal.h"
#include "common/hash.h"

enum rcpt_terminal { TERM_NONE = 0, TERM_SENT, TERM_BOUNCED, TERM_DISCARDED };
enum { RCPT_REAL = 1, RCPT_PROBE = 2 };

struct pft_rcpt {
	uint64_t hash;
	uint32_t addr_off, addr_len;    /* in life->strings */
	uint32_t relay_off, relay_len;  /* relay host of the last attempt */
	uint32_t hop_off, hop_len;      /* "host\0QID" of a hand-off that made it terminal */
	uint32_t deferrals;
	uint8_t terminal;               /* enum rcpt_terminal */
	uint8_t seen;                   /* RCPT_REAL | RCPT_PROBE */
	uint8_t hop_forward;            /* the hand-off is local(8)'s "forwarded as" */
	pft_stamp last_at, terminal_at;
};

/* An attempt kept for the fold (lifecycle filters): struct pft_attempt with its strings in
 * life->strings. */
struct pft_held {
	enum pft_dstatus status;
	pft_dsn dsn;
	uint16_t reply_code;
	pft_stamp when;
	uint64_t times;
	uint32_t to_off, to_len, relay_off, relay_len, reason_off, reason_len;
};

struct pft_life_ext {
	struct pft_held *held;          /* attempts not counted yet (lifecycle filters) */
	uint32_t n_held, cap_held;
	uint32_t from_off, from_len;    /* sender domain (PFT_LIFE_FROM), in strings */
};

#define KIND_MASK (7u << PFT_LIFE_KIND_SHIFT)

#define INDEX_FROM 8 /* recipients searched linearly below this count */

struct pft_life *pft_life_new(struct pft_arena *arena)
{
	struct pft_life *life = arena ? pft_arena_alloc(arena, sizeof *life)
				      : malloc(sizeof *life);
	if (life != NULL) {
		memset(life, 0, sizeof *life);
		life->arena = arena;
	}
	return life;
}

void pft_life_free(struct pft_life *life)
{
	if (life == NULL || life->arena != NULL)
		return;
	free(life->rcpts);
	free(life->index);
	if (life->ext != NULL)
		free(life->ext->held);
	free(life->ext);
	free(life->strings);
	free(life);
}

/* Grows an array of life from old_size to new_size bytes (contents kept). */
static void *grow(struct pft_life *life, void *old, size_t old_size, size_t new_size)
{
	if (life->arena == NULL)
		return realloc(old, new_size);
	void *p = pft_arena_alloc(life->arena, new_size);
	if (p != NULL && old_size > 0)
		memcpy(p, old, old_size);
	return p;
}

static void *zalloc(struct pft_life *life, size_t size)
{
	void *p = life->arena ? pft_arena_alloc(life->arena, size) : malloc(size);
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

static void release(struct pft_life *life, void *p)
{
	if (life->arena == NULL)
		free(p);
}

struct pft_life *pft_life_to_heap(const struct pft_life *src)
{
	struct pft_life *life = pft_life_new(NULL);
	if (life == NULL)
		return NULL;
	*life = *src;
	life->arena = NULL;
	life->rcpts = src->cap_rcpts ? malloc(src->cap_rcpts * sizeof *src->rcpts) : NULL;
	life->strings = src->strings_cap ? malloc(src->strings_cap) : NULL;
	life->index = src->index_cap ? malloc(src->index_cap * sizeof *src->index) : NULL;
	life->ext = NULL;
	if (src->ext != NULL && (life->ext = malloc(sizeof *life->ext)) != NULL) {
		*life->ext = *src->ext;
		life->ext->cap_held = src->ext->n_held;
		life->ext->held = src->ext->n_held ? malloc(src->ext->n_held * sizeof *src->ext->held)
						   : NULL;
	}
	if ((src->cap_rcpts && !life->rcpts) || (src->strings_cap && !life->strings) ||
	    (src->index_cap && !life->index) || (src->ext && !life->ext) ||
	    (src->ext && src->ext->n_held && !life->ext->held)) {
		pft_life_free(life);
		return NULL;
	}
	if (src->n_rcpts)
		memcpy(life->rcpts, src->rcpts, src->n_rcpts * sizeof *src->rcpts);
	if (src->strings_len)
		memcpy(life->strings, src->strings, src->strings_len);
	if (src->index_cap)
		memcpy(life->index, src->index, src->index_cap * sizeof *src->index);
	if (src->ext && src->ext->n_held)
		memcpy(life->ext->held, src->ext->held, src->ext->n_held * sizeof *src->ext->held);
	return life;
}

/* The string at off of life's string store. A lifecycle whose strings are all empty has no
 * store (strings == NULL, every off 0): "" then, as `NULL + 0` is undefined behaviour. */
static inline const char *life_str(const struct pft_life *life, uint32_t off)
{
	return life->strings != NULL ? life->strings + off : "";
}

static const char *rcpt_addr(const struct pft_life *life, const struct pft_rcpt *r)
{
	return life_str(life, r->addr_off);
}

static int store_string(struct pft_life *life, const char *p, uint32_t n, uint32_t *off)
{
	if (life->strings_len + n > life->strings_cap) {
		uint32_t cap = life->strings_cap ? life->strings_cap : 128;
		while (cap < life->strings_len + n)
			cap *= 2;
		char *grown = grow(life, life->strings, life->strings_len, cap);
		if (grown == NULL)
			return 0;
		life->strings = grown;
		life->strings_cap = cap;
	}
	if (n > 0) /* an empty string may come as a NULL slice: memcpy(_, NULL, 0) is UB */
		memcpy(life->strings + life->strings_len, p, n);
	*off = life->strings_len;
	life->strings_len += n;
	return 1;
}

static int index_insert(struct pft_life *life, uint32_t i)
{
	uint32_t mask = life->index_cap - 1, j = (uint32_t)life->rcpts[i].hash & mask;
	while (life->index[j] != 0)
		j = (j + 1) & mask;
	life->index[j] = i + 1;
	return 1;
}

static int index_rebuild(struct pft_life *life, uint32_t cap)
{
	uint32_t *index = zalloc(life, cap * sizeof *index);
	if (index == NULL)
		return 0;
	release(life, life->index);
	life->index = index;
	life->index_cap = cap;
	for (uint32_t i = 0; i < life->n_rcpts; i++)
		index_insert(life, i);
	return 1;
}

static struct pft_rcpt *rcpt_find(const struct pft_life *life, const char *addr, uint32_t n,
				  uint64_t hash)
{
	if (life->index != NULL) {
		uint32_t mask = life->index_cap - 1;
		for (uint32_t j = (uint32_t)hash & mask; life->index[j] != 0; j = (j + 1) & mask) {
			struct pft_rcpt *r = &life->rcpts[life->index[j] - 1];
			if (r->hash == hash && r->addr_len == n && pft_bytes_equal(rcpt_addr(life, r), addr, n))
				return r;
		}
		return NULL;
	}
	for (uint32_t i = 0; i < life->n_rcpts; i++) {
		struct pft_rcpt *r = &life->rcpts[i];
		if (r->hash == hash && r->addr_len == n && pft_bytes_equal(rcpt_addr(life, r), addr, n))
			return r;
	}
	return NULL;
}

/* The recipient `addr` of life, added (zeroed) when new. */
static struct pft_rcpt *rcpt_get(struct pft_life *life, const char *addr, uint32_t n)
{
	uint64_t hash = pft_hash_bytes(addr, n, 0x5eed);
	struct pft_rcpt *r = rcpt_find(life, addr, n, hash);
	if (r != NULL)
		return r;
	if (life->n_rcpts == life->cap_rcpts) {
		uint32_t cap = life->cap_rcpts ? life->cap_rcpts * 2 : 2;
		struct pft_rcpt *grown =
			grow(life, life->rcpts, life->n_rcpts * sizeof *grown, cap * sizeof *grown);
		if (grown == NULL)
			return NULL;
		life->rcpts = grown;
		life->cap_rcpts = cap;
	}
	uint32_t off;
	if (!store_string(life, addr, n, &off))
		return NULL;
	r = &life->rcpts[life->n_rcpts++];
	memset(r, 0, sizeof *r);
	r->hash = hash;
	r->addr_off = off;
	r->addr_len = n;
	if (life->n_rcpts >= INDEX_FROM) {
		if (life->n_rcpts * 2 > life->index_cap) {
			if (!index_rebuild(life, life->index_cap ? life->index_cap * 2 : 32))
				return NULL;
		} else {
			index_insert(life, life->n_rcpts - 1);
		}
	}
	return r;
}

static int rcpt_set_relay(struct pft_life *life, struct pft_rcpt *r, const char *relay, uint32_t n)
{
	if (r->relay_len == n && pft_bytes_equal(life_str(life, r->relay_off), relay, n))
		return 1;
	uint32_t off;
	if (!store_string(life, relay, n, &off))
		return 0;
	r->relay_off = off;
	r->relay_len = n;
	return 1;
}

static int is_discard_agent(const struct pft_event *ev)
{
	return ev->service.n == 7 && memcmp(ev->service.p, "discard", 7) == 0;
}

/* A hand-off: "status=sent (... queued as QID)" or local(8)'s "forwarded as QID". */
static int rcpt_set_hop(struct pft_life *life, struct pft_rcpt *r, const struct pft_event *ev)
{
	r->hop_len = 0;
	r->hop_forward = 0;
	if (ev->new_qid.n == 0)
		return 1;
	char key[1024];
	const size_t n = pft_hop_key(ev, &ev->new_qid, key, sizeof key);
	if (n == 0)
		return 1; /* absurd host/qid length: no hop */
	uint32_t off;
	if (!store_string(life, key, (uint32_t)n, &off))
		return 0;
	r->hop_off = off;
	r->hop_len = (uint32_t)n;
	r->hop_forward = ev->service.n == 5 && memcmp(ev->service.p, "local", 5) == 0;
	return 1;
}

static enum pft_status apply_delivery(struct pft_life *life, const struct pft_event *ev,
				      pft_stamp when)
{
	struct pft_rcpt *r = rcpt_get(life, ev->to.p, ev->to.n);
	if (r == NULL || !rcpt_set_relay(life, r, ev->relay_host.p, ev->relay_host.n))
		return PFT_ERR_NOMEM;
	r->last_at = when;
	switch (ev->status) {
	case PFT_DS_SENT:
		r->terminal = is_discard_agent(ev) ? TERM_DISCARDED : TERM_SENT;
		r->terminal_at = when;
		r->seen |= RCPT_REAL;
		if (!rcpt_set_hop(life, r, ev))
			return PFT_ERR_NOMEM;
		break;
	case PFT_DS_BOUNCED:
		r->terminal = TERM_BOUNCED;
		r->terminal_at = when;
		r->hop_len = 0;
		r->seen |= RCPT_REAL;
		life->flags |= PFT_LIFE_BOUNCE;
		break;
	case PFT_DS_DEFERRED:
		/* "message repeated N times: [ ... ]" stands for N deferrals */
		r->deferrals += ev->repeated > 0 ? ev->repeated : 1;
		r->seen |= RCPT_REAL;
		life->flags |= PFT_LIFE_DEFERRAL;
		break;
	case PFT_DS_DELIVERABLE:
	case PFT_DS_UNDELIVERABLE:
	case PFT_DS_UNDELIVERABLE_NOT_CACHED:
		r->seen |= RCPT_PROBE;
		break;
	default: /* SOFTBOUNCE and unknown words: an attempt, not an outcome */
		r->seen |= RCPT_REAL;
		break;
	}
	return PFT_OK;
}

static struct pft_life_ext *ext_of(struct pft_life *life)
{
	if (life->ext == NULL)
		life->ext = zalloc(life, sizeof *life->ext);
	return life->ext;
}

/* The sender's domain, from the first from= of the lifecycle. */
static enum pft_status set_from(struct pft_life *life, const struct pft_event *ev)
{
	if ((life->flags & PFT_LIFE_FROM) || !(life->flags & PFT_LIFE_KEEP_FROM))
		return PFT_OK;
	char domain[PFT_DOMAIN_KEY_MAX];
	size_t n = ev->from.n ? pft_domain_key(ev->from.p, ev->from.n, domain, sizeof domain) : 0;
	if (!ext_of(life) || !store_string(life, domain, (uint32_t)n, &life->ext->from_off))
		return PFT_ERR_NOMEM;
	life->ext->from_len = (uint32_t)n;
	life->flags |= PFT_LIFE_FROM;
	return PFT_OK;
}

void pft_life_abandon(struct pft_life *life)
{
	life->flags |= PFT_LIFE_ABANDONED;
	life->ended_at = life->last_at;
}

enum pft_status pft_life_apply(struct pft_life *life, const struct pft_event *ev, pft_stamp when)
{
	if (life->first_at == PFT_STAMP_NONE)
		life->first_at = when;
	life->last_at = when;
	if (ev->kind == PFT_EV_REMOVED) {
		life->flags |= PFT_LIFE_ENDED;
		life->ended_at = when;
		return PFT_OK;
	}
	if (!(life->flags & PFT_LIFE_CONTENT))
		life->content_at = when;
	life->flags |= PFT_LIFE_CONTENT;
	switch (ev->kind) {
	case PFT_EV_DELIVERY:
		return apply_delivery(life, ev, when);
	case PFT_EV_EXPIRED:
		life->flags |= PFT_LIFE_EXPIRED;
		life->expired_at = when;
		return set_from(life, ev);
	case PFT_EV_QUEUED:
		return set_from(life, ev);
	case PFT_EV_PICKUP:
		life->flags |= PFT_LIFE_PICKUP;
		return set_from(life, ev);
	case PFT_EV_CLIENT:
		life->flags |= PFT_LIFE_CLIENT;
		return PFT_OK;
	case PFT_EV_REJECT:
		if (ev->ends_message) {
			life->flags |= PFT_LIFE_REJECTED | PFT_LIFE_ENDED;
			life->ended_at = when;
		}
		return PFT_OK;
	default:
		return PFT_OK;
	}
}

void pft_life_link(struct pft_life *life, enum pft_notification_kind kind, pft_stamp when)
{
	if (life->first_at == PFT_STAMP_NONE)
		life->first_at = when;
	if (!(life->flags & KIND_MASK))
		life->flags |= ((uint32_t)kind << PFT_LIFE_KIND_SHIFT) & KIND_MASK;
	if (life->flags & PFT_LIFE_CONTENT) {
		life->flags |= PFT_LIFE_LINK_AFTER;
		return;
	}
	life->last_at = when;
	life->flags |= PFT_LIFE_LINK_EARLY; /* its time is first_at: nothing came before */
}

int pft_life_is_notification(const struct pft_life *life)
{
	const uint32_t f = life->flags;
	if (!(f & PFT_LIFE_CONTENT) || (f & (PFT_LIFE_CLIENT | PFT_LIFE_PICKUP)))
		return 0;
	if (f & PFT_LIFE_LINK_AFTER)
		return 1;
	if (!(f & PFT_LIFE_LINK_EARLY))
		return 0;
	const int64_t gap = pft_stamp_gap(life->first_at, life->content_at);
	return gap >= 0 && gap <= PFT_LINK_WINDOW;
}

int pft_life_linkable(const struct pft_life *life)
{
	return (life->flags & PFT_LIFE_CONTENT) &&
	       !(life->flags & (PFT_LIFE_CLIENT | PFT_LIFE_PICKUP)) && !pft_life_is_notification(life);
}

int pft_life_decided(const struct pft_life *life, const struct pft_filter *f)
{
	if (f == NULL)
		return 1;
	if (f->exclude_notifications && !(life->flags & (PFT_LIFE_CLIENT | PFT_LIFE_PICKUP)))
		return 0;
	return f->n_sender_domains == 0 || (life->flags & PFT_LIFE_FROM);
}

int pft_life_passes(const struct pft_life *life, const struct pft_filter *f)
{
	if (f == NULL)
		return 1;
	if (f->exclude_notifications && pft_life_is_notification(life))
		return 0;
	if (f->n_sender_domains > 0)
		return (life->flags & PFT_LIFE_FROM) && life->ext != NULL &&
		       pft_filter_domain_match(f->sender_domains, f->n_sender_domains,
					       life_str(life, life->ext->from_off),
					       life->ext->from_len);
	return 1;
}

enum pft_status pft_life_hold(struct pft_life *life, const struct pft_attempt *a)
{
	struct pft_life_ext *x = ext_of(life);
	if (x == NULL)
		return PFT_ERR_NOMEM;
	if (x->n_held == x->cap_held) {
		uint32_t cap = x->cap_held ? x->cap_held * 2 : 4;
		struct pft_held *grown = grow(life, x->held, x->n_held * sizeof *grown,
					      cap * sizeof *grown);
		if (grown == NULL)
			return PFT_ERR_NOMEM;
		x->held = grown;
		x->cap_held = cap;
	}
	struct pft_held h = {.status = a->status, .dsn = a->dsn, .reply_code = a->reply_code,
			     .when = a->when, .times = a->times};
	if (!store_string(life, a->to.p, a->to.n, &h.to_off) ||
	    !store_string(life, a->relay_host.p, a->relay_host.n, &h.relay_off) ||
	    !store_string(life, a->reason.p, a->reason.n, &h.reason_off))
		return PFT_ERR_NOMEM;
	h.to_len = a->to.n;
	h.relay_len = a->relay_host.n;
	h.reason_len = a->reason.n;
	x->held[x->n_held++] = h;
	return PFT_OK;
}

static struct pft_attempt held_attempt(const struct pft_life *life, const struct pft_held *h)
{
	return (struct pft_attempt){
		.status = h->status, .dsn = h->dsn, .when = h->when, .times = h->times,
		.reply_code = h->reply_code,
		.to = {life_str(life, h->to_off), h->to_len},
		.relay_host = {life_str(life, h->relay_off), h->relay_len},
		.reason = {life_str(life, h->reason_off), h->reason_len},
	};
}

enum pft_status pft_life_count_held(struct pft_sink *sink, const struct pft_life *life, uint32_t i)
{
	const struct pft_attempt a = held_attempt(life, &life->ext->held[i]);
	return pft_sink_count_attempt(sink, &a);
}

uint32_t pft_life_n_held(const struct pft_life *life)
{
	return life->ext ? life->ext->n_held : 0;
}

void pft_life_clear_held(struct pft_life *life)
{
	if (life->ext != NULL)
		life->ext->n_held = 0;
}

enum pft_status pft_life_append(struct pft_life *life, const struct pft_life *next)
{
	const uint32_t had_content = life->flags & PFT_LIFE_CONTENT;
	uint32_t nf = next->flags;
	if (had_content && (nf & PFT_LIFE_LINK_EARLY)) /* next's link came after life's content */
		nf = (nf & ~(uint32_t)PFT_LIFE_LINK_EARLY) | PFT_LIFE_LINK_AFTER;
	if (!had_content && (nf & PFT_LIFE_CONTENT))
		life->content_at = next->content_at;
	if (life->flags & KIND_MASK)
		nf &= ~KIND_MASK; /* the first link's kind is life's */
	if (!(life->flags & PFT_LIFE_FROM) && (nf & PFT_LIFE_FROM) && next->ext != NULL) {
		if (!ext_of(life) || !store_string(life, life_str(next, next->ext->from_off),
						   next->ext->from_len, &life->ext->from_off))
			return PFT_ERR_NOMEM;
		life->ext->from_len = next->ext->from_len;
	}
	life->flags |= nf;
	if (life->first_at == PFT_STAMP_NONE)
		life->first_at = next->first_at;
	if (next->last_at != PFT_STAMP_NONE)
		life->last_at = next->last_at;
	if (next->flags & PFT_LIFE_EXPIRED)
		life->expired_at = next->expired_at;
	if (next->flags & PFT_LIFE_ENDED)
		life->ended_at = next->ended_at;
	for (uint32_t i = 0; i < next->n_rcpts; i++) {
		const struct pft_rcpt *src = &next->rcpts[i];
		struct pft_rcpt *r = rcpt_get(life, rcpt_addr(next, src), src->addr_len);
		if (r == NULL ||
		    !rcpt_set_relay(life, r, life_str(next, src->relay_off), src->relay_len))
			return PFT_ERR_NOMEM;
		r->deferrals += src->deferrals;
		r->seen |= src->seen;
		r->last_at = src->last_at;
		if (src->terminal != TERM_NONE) {
			r->terminal = src->terminal;
			r->terminal_at = src->terminal_at;
			r->hop_len = 0;
			r->hop_forward = src->hop_forward;
			if (src->hop_len > 0) {
				if (!store_string(life, life_str(next, src->hop_off), src->hop_len,
						  &r->hop_off))
					return PFT_ERR_NOMEM;
				r->hop_len = src->hop_len;
			}
		}
	}
	for (uint32_t i = 0; i < pft_life_n_held(next); i++) {
		const struct pft_attempt a = held_attempt(next, &next->ext->held[i]);
		PFT_TRY(pft_life_hold(life, &a));
	}
	return PFT_OK;
}

void pft_life_shift_years(struct pft_life *life, int32_t delta)
{
	if (delta == 0)
		return;
	life->first_at = pft_stamp_shift_year(life->first_at, delta);
	life->last_at = pft_stamp_shift_year(life->last_at, delta);
	life->expired_at = pft_stamp_shift_year(life->expired_at, delta);
	life->ended_at = pft_stamp_shift_year(life->ended_at, delta);
	life->content_at = pft_stamp_shift_year(life->content_at, delta);
	for (uint32_t i = 0; i < life->n_rcpts; i++) {
		struct pft_rcpt *r = &life->rcpts[i];
		r->last_at = pft_stamp_shift_year(r->last_at, delta);
		r->terminal_at = pft_stamp_shift_year(r->terminal_at, delta);
	}
	for (uint32_t i = 0; i < pft_life_n_held(life); i++)
		life->ext->held[i].when = pft_stamp_shift_year(life->ext->held[i].when, delta);
}

static enum pft_outcome rcpt_outcome(const struct pft_life *life, const struct pft_rcpt *r,
				     pft_stamp *when)
{
	switch (r->terminal) {
	case TERM_SENT: *when = r->terminal_at; return PFT_OUT_SENT;
	case TERM_BOUNCED: *when = r->terminal_at; return PFT_OUT_BOUNCED;
	case TERM_DISCARDED: *when = r->terminal_at; return PFT_OUT_DISCARDED;
	default: break;
	}
	if (life->flags & PFT_LIFE_EXPIRED) {
		*when = life->expired_at;
		return PFT_OUT_EXPIRED;
	}
	if (life->flags & PFT_LIFE_ENDED) {
		*when = life->ended_at;
		return PFT_OUT_DROPPED;
	}
	if (life->flags & PFT_LIFE_ABANDONED) {
		*when = r->last_at;
		return PFT_OUT_ABANDONED;
	}
	*when = r->last_at;
	return PFT_OUT_PENDING;
}

static int rcpt_in_domains(const struct pft_filter *f, const struct pft_life *life,
			   const struct pft_rcpt *r)
{
	if (f == NULL || f->n_domains == 0)
		return 1;
	char domain[PFT_DOMAIN_KEY_MAX];
	size_t dn = pft_domain_key(rcpt_addr(life, r), r->addr_len, domain, sizeof domain);
	return pft_filter_domain_match(f->domains, f->n_domains, domain, dn);
}

enum pft_status pft_life_fold(struct pft_sink *sink, const struct pft_life *life, int sign)
{
	const uint64_t d = (uint64_t)(int64_t)sign; /* +1 or -1 (mod 2^64) */
	if (!(life->flags & PFT_LIFE_CONTENT)) {
		/* an orphan `removed`; a link alone (its message never showed) counts nothing */
		if (life->flags & PFT_LIFE_ENDED)
			sink->agg->t.lines_orphan_removed += d;
		return PFT_OK;
	}
	const struct pft_filter *f = sink->filter;
	if (f != NULL && !pft_life_passes(life, f))
		return PFT_OK;
	for (uint32_t i = 0; i < pft_life_n_held(life); i++) {
		struct pft_attempt a = held_attempt(life, &life->ext->held[i]);
		a.times *= d;
		PFT_TRY(pft_sink_count_attempt(sink, &a));
	}
	const int notification = pft_life_is_notification(life);
	int counted = f == NULL || f->n_domains == 0;
	for (uint32_t i = 0; !counted && i < life->n_rcpts; i++)
		counted = rcpt_in_domains(f, life, &life->rcpts[i]);
	struct pft_agg *magg = counted ? pft_sink_at(sink, life->content_at) : NULL;
	if (sink->nomem)
		return PFT_ERR_NOMEM;
	if (magg != NULL) {
		struct pft_totals *t = &magg->t;
		t->msg_total += d;
		if (life->flags & PFT_LIFE_ENDED)
			t->msg_closed += d;
		else if (life->flags & PFT_LIFE_ABANDONED)
			t->msg_abandoned += d;
		else
			t->msg_pending += d;
		t->msg_expired += (life->flags & PFT_LIFE_EXPIRED) ? d : 0;
		t->msg_with_deferral += (life->flags & PFT_LIFE_DEFERRAL) ? d : 0;
		t->msg_with_bounce += (life->flags & PFT_LIFE_BOUNCE) ? d : 0;
		t->msg_rejected += (life->flags & PFT_LIFE_REJECTED) ? d : 0;
		t->msg_notifications += notification ? d : 0;
	}

	for (uint32_t i = 0; i < life->n_rcpts; i++) {
		const struct pft_rcpt *r = &life->rcpts[i];
		if (!rcpt_in_domains(f, life, r))
			continue;
		pft_stamp when;
		enum pft_outcome o = rcpt_outcome(life, r, &when);
		struct pft_agg *agg = pft_sink_at(sink, r->seen == RCPT_PROBE ? life->content_at : when);
		if (agg == NULL) {
			if (sink->nomem)
				return PFT_ERR_NOMEM;
			continue;
		}
		struct pft_totals *t = &agg->t;
		if (r->seen == RCPT_PROBE) {
			t->rcpt_probes += d;
			continue;
		}
		t->all.recipients[o] += d;
		if (notification)
			t->rcpt_notifications[o] += d;
		if (r->deferrals > 0) {
			t->rcpt_deferred_ever += d;
			t->rcpt_deferred_then[o] += d;
		}
		if (o == PFT_OUT_SENT && r->hop_len > 0) {
			if (r->hop_forward)
				t->rcpt_hops += d;
			else
				PFT_TRY(pft_hop_list_add(&sink->handoffs, life_str(life, r->hop_off),
							 r->hop_len, when, d));
		}
		struct pft_counts *by_domain =
			pft_agg_domain(agg, rcpt_addr(life, r), r->addr_len, NULL);
		struct pft_counts *by_relay =
			pft_agg_relay(agg, life_str(life, r->relay_off), r->relay_len);
		struct pft_counts *by_hour = pft_agg_hour(agg, when);
		if (by_domain == NULL || by_relay == NULL || by_hour == NULL)
			return PFT_ERR_NOMEM;
		by_domain->recipients[o] += d;
		by_relay->recipients[o] += d;
		by_hour->recipients[o] += d;
	}
	return PFT_OK;
}

enum pft_status pft_life_relink(struct pft_sink *sink, struct pft_life *life,
				enum pft_notification_kind kind, pft_stamp when)
{
	(void)when;
	const int changes = pft_life_linkable(life);
	if (changes)
		PFT_TRY(pft_life_fold(sink, life, -1));
	life->flags |= PFT_LIFE_LINK_AFTER;
	if (!(life->flags & KIND_MASK))
		life->flags |= ((uint32_t)kind << PFT_LIFE_KIND_SHIFT) & KIND_MASK;
	return changes ? pft_life_fold(sink, life, +1) : PFT_OK;
}
