#include <stdlib.h>
#include <string.h>

#include "agg/agg_series.h"
#include "pftally/result.h"

static void free_named(struct pft_named_counts *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static void free_reason_groups(struct pft_reason_group *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < v[i].n_rows; j++) {
			free(v[i].rows[j].key);
			free(v[i].rows[j].sample);
		}
		free(v[i].rows);
		free(v[i].name);
	}
	free(v);
}

void pft_result_free(struct pft_result *r)
{
	free_reason_groups(r->reasons_by_status, r->n_reasons_by_status);
	free_reason_groups(r->reasons_by_domain, r->n_reasons_by_domain);
	free_reason_groups(r->reasons_by_dsn, r->n_reasons_by_dsn);
	free(r->reject_codes);
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
	pft_result_free_series(r);
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
		[PFT_UNREC_OVERLONG] = "overlong",
	};
	return (unsigned)reason < PFT_UNREC_REASON_COUNT ? names[reason] : "unknown";
}

const char *pft_reason_status_name(enum pft_reason_status status)
{
	static const char *const names[PFT_RS_COUNT] = {
		[PFT_RS_DEFERRED] = "deferred",
		[PFT_RS_BOUNCED] = "bounced",
		[PFT_RS_SOFTBOUNCE] = "softbounce",
		[PFT_RS_EXPIRED] = "expired",
		[PFT_RS_REJECT] = "reject",
		[PFT_RS_MILTER_REJECT] = "milter_reject",
		[PFT_RS_PROXY_REJECT] = "proxy_reject",
		[PFT_RS_DISCARD] = "discard",
		[PFT_RS_HOLD] = "hold",
		[PFT_RS_REJECT_WARNING] = "reject_warning",
	};
	return (unsigned)status < PFT_RS_COUNT ? names[status] : "unknown";
}

const char *pft_action_name(enum pft_action action)
{
	static const char *const names[PFT_ACTION_COUNT] = {
		[PFT_ACTION_NONE] = "none",
		[PFT_ACTION_REJECT] = "reject",
		[PFT_ACTION_MILTER_REJECT] = "milter_reject",
		[PFT_ACTION_PROXY_REJECT] = "proxy_reject",
		[PFT_ACTION_DISCARD] = "discard",
		[PFT_ACTION_REJECT_WARNING] = "reject_warning",
		[PFT_ACTION_HOLD] = "hold",
		[PFT_ACTION_OTHER] = "other",
	};
	return (unsigned)action < PFT_ACTION_COUNT ? names[action] : "unknown";
}

const char *pft_stage_name(enum pft_reject_stage stage)
{
	static const char *const names[PFT_STAGE_COUNT] = {
		[PFT_STAGE_NONE] = "none",
		[PFT_STAGE_CONNECT] = "connect",
		[PFT_STAGE_HELO] = "helo",
		[PFT_STAGE_EHLO] = "ehlo",
		[PFT_STAGE_MAIL] = "mail",
		[PFT_STAGE_RCPT] = "rcpt",
		[PFT_STAGE_DATA] = "data",
		[PFT_STAGE_BDAT] = "bdat",
		[PFT_STAGE_END_OF_MESSAGE] = "end_of_message",
		[PFT_STAGE_VRFY] = "vrfy",
		[PFT_STAGE_ETRN] = "etrn",
		[PFT_STAGE_OTHER] = "other",
	};
	return (unsigned)stage < PFT_STAGE_COUNT ? names[stage] : "unknown";
}

const char *pft_policy_source_name(enum pft_policy_source source)
{
	static const char *const names[PFT_POLICY_SOURCE_COUNT] = {
		[PFT_POLICY_SMTPD] = "smtpd",
		[PFT_POLICY_POSTSCREEN] = "postscreen",
		[PFT_POLICY_CLEANUP] = "cleanup",
		[PFT_POLICY_OTHER] = "other",
	};
	return (unsigned)source < PFT_POLICY_SOURCE_COUNT ? names[source] : "unknown";
}
