/* pftally — helpers shared inside src/agg/. */
#ifndef PFT_AGG_INTERNAL_H
#define PFT_AGG_INTERNAL_H

#include "agg/agg.h"

void pft_counts_add(struct pft_counts *dst, const struct pft_counts *src);

/*! pft_agg_counts() : the counts cell of key in map (created zeroed); NULL if out of memory. */
struct pft_counts *pft_agg_counts(struct pft_strmap *map, const void *key, size_t len);

/*! pft_agg_hour() : the counts cell of the hour of `when`. */
struct pft_counts *pft_agg_hour(struct pft_agg *agg, pft_stamp when);

/* The longest domain key: a longer domain is cut there (DNS names are at most 253 bytes). */
#define PFT_DOMAIN_KEY_MAX 256

/*! pft_domain_key() : lower-case domain of an address into buf ("(none)" without '@');
 *  @return its length. */
size_t pft_domain_key(const char *addr, size_t len, char *buf, size_t size);

/*! pft_agg_domain() : the counts cell in agg->domains of the domain of address addr (its
 *  pft_domain_key), and the key's length in *key_len if non-NULL; NULL if out of memory. */
struct pft_counts *pft_agg_domain(struct pft_agg *agg, const char *addr, size_t len,
				  size_t *key_len);

/*! pft_agg_relay() : the counts cell in agg->relays of relay host relay[0..len); NULL if out
 *  of memory. */
struct pft_counts *pft_agg_relay(struct pft_agg *agg, const char *relay, size_t len);

/*! pft_agg_shown_name() : name as report writers may show it (merge.c): every character
 *  they replace by U+FFFD is 0xFF. Names shown alike are one row of the result. Malloc'd. */
char *pft_agg_shown_name(const char *name, size_t len);

/*! pft_attempt_status() : the attempts[] slot of a delivery line's status: the statuses of
 *  the JSON, with qmgr-only and unknown words under PFT_DS_OTHER. */
static inline enum pft_dstatus pft_attempt_status(enum pft_dstatus status)
{
	switch (status) {
	case PFT_DS_SENT: case PFT_DS_DEFERRED: case PFT_DS_BOUNCED: case PFT_DS_SOFTBOUNCE:
	case PFT_DS_DELIVERABLE: case PFT_DS_UNDELIVERABLE: case PFT_DS_UNDELIVERABLE_NOT_CACHED:
		return status;
	default:
		return PFT_DS_OTHER;
	}
}

/*! pft_message_key() : writes "host\0instance\0qid" into buf; @return its length (0 if it
 *  does not fit). */
size_t pft_message_key(const struct pft_event *ev, const struct pft_slice *qid, char *buf,
		       size_t size);

/*! pft_hop_key() : writes "host\0qid" (a message of this host in any instance: the key that
 *  links a hand-off to its re-injected child) into buf; @return its length (0 if it does not
 *  fit). */
size_t pft_hop_key(const struct pft_event *ev, const struct pft_slice *qid, char *buf,
		   size_t size);

#endif
