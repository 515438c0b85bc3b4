#include <stdlib.h>
#include <string.h>

#include "pftally/result.h"

static void free_named(struct pft_named_counts *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

void pft_result_free(struct pft_result *r)
{
	free(r->dsn);
	free_named(r->domains, r->n_domains);
	free_named(r->relays, r->n_relays);
	free_named(r->days, r->n_days);
	free_named(r->hours, r->n_hours);
	for (size_t i = 0; i < r->n_programs; i++)
		free(r->programs[i].name);
	free(r->programs);
	for (int k = 0; k < PFT_UNREC_REASON_COUNT; k++)
		for (int i = 0; i < r->n_samples[k]; i++)
			free(r->samples[k][i].text);
	for (size_t i = 0; i < r->n_files; i++)
		free(r->files[i].path);
	free(r->files);
	free(r->errors);
	memset(r, 0, sizeof *r);
}

const char *pft_outcome_name(enum pft_outcome outcome)
{
	static const char *const names[PFT_OUT_COUNT] = {
		[PFT_OUT_SENT] = "sent",           [PFT_OUT_BOUNCED] = "bounced",
		[PFT_OUT_EXPIRED] = "expired",     [PFT_OUT_DISCARDED] = "discarded",
		[PFT_OUT_PENDING] = "pending",     [PFT_OUT_DROPPED] = "dropped",
		[PFT_OUT_ABANDONED] = "abandoned",
	};
	return (unsigned)outcome < PFT_OUT_COUNT ? names[outcome] : "unknown";
}

const char *pft_unrec_reason_name(enum pft_unrec_reason reason)
{
	static const char *const names[PFT_UNREC_REASON_COUNT] = {
		[PFT_UNREC_NONE] = "none",
		[PFT_UNREC_BAD_TIMESTAMP] = "bad_timestamp",
		[PFT_UNREC_BAD_HOST] = "bad_host",
		[PFT_UNREC_BAD_PROGRAM] = "bad_program",
		[PFT_UNREC_BAD_PID] = "bad_pid",
		[PFT_UNREC_EMPTY] = "empty",
		[PFT_UNREC_DELIVERY_NO_STATUS] = "delivery_no_status",
		[PFT_UNREC_DELIVERY_BAD_FIELD] = "delivery_bad_field",
		[PFT_UNREC_QMGR] = "qmgr_unknown",
		[PFT_UNREC_REJECT] = "reject_unknown",
		[PFT_UNREC_UNKNOWN_RECORD] = "unknown_record",
		[PFT_UNREC_UNKNOWN_SERVICE] = "unknown_service",
	};
	return (unsigned)reason < PFT_UNREC_REASON_COUNT ? names[reason] : "unknown";
}
