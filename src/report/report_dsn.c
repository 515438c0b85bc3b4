/* Names of enhanced mail system status codes: RFC 3463 and the codes registered since in the
 * IANA "SMTP Enhanced Status Codes" registry (RFC 5248: RFC 3886, 4468, 4954, 6531, 6710,
 * 7293, 7372, 7505, 8098, 8617, 8689). */
#include <stddef.h>

#include "report/report.h"

const char *pft_dsn_class_name(unsigned cls)
{
	switch (cls) {
	case 2: return "success";
	case 4: return "persistent transient failure";
	case 5: return "permanent failure";
	default: return NULL;
	}
}

static const char *const subject_names[] = {
	"other or undefined status",
	"addressing status",
	"mailbox status",
	"mail system status",
	"network and routing status",
	"mail delivery protocol status",
	"message content or media status",
	"security or policy status",
};

const char *pft_dsn_subject_name(unsigned subject)
{
	return subject < sizeof subject_names / sizeof subject_names[0] ? subject_names[subject]
									 : NULL;
}

/* Details by subject; index = detail. NULL entries are unassigned (X.6.10 is deprecated). */
static const char *const details_0[] = {"other undefined status"};
static const char *const details_1[] = {
	"other address status",
	"bad destination mailbox address",
	"bad destination system address",
	"bad destination mailbox address syntax",
	"destination mailbox address ambiguous",
	"destination address valid",
	"destination mailbox has moved, no forwarding address",
	"bad sender's mailbox address syntax",
	"bad sender's system address",
	"message relayed to non-compliant mailer",
	"recipient address has null MX",
};
static const char *const details_2[] = {
	"other or undefined mailbox status",
	"mailbox disabled, not accepting messages",
	"mailbox full",
	"message length exceeds administrative limit",
	"mailing list expansion problem",
};
static const char *const details_3[] = {
	"other or undefined mail system status",
	"mail system full",
	"system not accepting network messages",
	"system not capable of selected features",
	"message too big for system",
	"system incorrectly configured",
	"requested priority was changed",
};
static const char *const details_4[] = {
	"other or undefined network or routing status",
	"no answer from host",
	"bad connection",
	"directory server failure",
	"unable to route",
	"mail system congestion",
	"routing loop detected",
	"delivery time expired",
};
static const char *const details_5[] = {
	"other or undefined protocol status",
	"invalid command",
	"syntax error",
	"too many recipients",
	"invalid command arguments",
	"wrong protocol version",
	"authentication exchange line is too long",
};
static const char *const details_6[] = {
	"other or undefined media error",
	"media not supported",
	"conversion required and prohibited",
	"conversion required but not supported",
	"conversion with loss performed",
	"conversion failed",
	"message content not available",
	"non-ASCII addresses not permitted for that sender/recipient",
	"UTF-8 string reply is required, but not permitted by the SMTP client",
	"UTF-8 header message cannot be transferred to one or more recipients",
};
static const char *const details_7[] = {
	"other or undefined security status",
	"delivery not authorized, message refused",
	"mailing list expansion prohibited",
	"security conversion required but not possible",
	"security features not supported",
	"cryptographic failure",
	"cryptographic algorithm not supported",
	"message integrity failure",
	"authentication credentials invalid",
	"authentication mechanism is too weak",
	"encryption needed",
	"encryption required for requested authentication mechanism",
	"a password transition is needed",
	"user account disabled",
	"trust relationship required",
	"priority level is too low",
	"message is too big for the specified priority",
	"mailbox owner has changed",
	"domain owner has changed",
	"RRVS test cannot be completed",
	"no passing DKIM signature found",
	"no acceptable DKIM signature found",
	"no valid author-matched DKIM signature found",
	"SPF validation failed",
	"SPF validation error",
	"reverse DNS validation failed",
	"multiple authentication checks failed",
	"sender address has null MX",
	"mail flood detected",
	"ARC validation failure",
	"REQUIRETLS support required",
};

#define DETAILS(v) {v, sizeof v / sizeof v[0]}
static const struct {
	const char *const *names;
	size_t n;
} details[] = {
	DETAILS(details_0), DETAILS(details_1), DETAILS(details_2), DETAILS(details_3),
	DETAILS(details_4), DETAILS(details_5), DETAILS(details_6), DETAILS(details_7),
};

const char *pft_dsn_detail_name(unsigned subject, unsigned detail)
{
	if (subject >= sizeof details / sizeof details[0] || detail >= details[subject].n)
		return NULL;
	return details[subject].names[detail];
}
