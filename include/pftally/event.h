/* pftally — the flat event the parser makes of one log line.
 *
 * An event never owns memory: every struct pft_slice points into the line it was parsed from,
 * so it is valid only while that chunk is. Fields are filled by name (Postfix adds fields over
 * the years); a field that the line does not carry is an empty slice / zero. */
#ifndef PFTALLY_EVENT_H
#define PFTALLY_EVENT_H

#include <stddef.h>
#include <stdint.h>

struct pft_slice {
	const char *p;
	uint32_t n;
};

/* ---- time stamps -------------------------------------------------------------------------
 * A syslog time as written (wall clock of the logging host; an RFC 3339 offset is parsed and
 * kept but does not move the wall clock). BSD stamps carry no year: year_known == 0 and the
 * year is inferred later from the stream order (src/time/year.c). */
struct pft_civil {
	int16_t year;           /* 0 when !year_known */
	uint8_t month;          /* 1..12 */
	uint8_t day;            /* 1..31 */
	uint8_t hour, min, sec; /* 0..23, 0..59, 0..60 */
	uint8_t year_known;     /* 1 for RFC 3339 / RFC 5424 stamps */
	int16_t utc_offset_min; /* RFC 3339 offset in minutes (0 for Z or BSD) */
	uint32_t nsec;          /* fraction of a second, 0 if none */
};

/* ---- delivery status --------------------------------------------------------------------- */
enum pft_dstatus {
	PFT_DS_NONE = 0,
	PFT_DS_SENT,
	PFT_DS_DEFERRED,
	PFT_DS_BOUNCED,
	PFT_DS_SOFTBOUNCE,
	PFT_DS_DELIVERABLE,                 /* address-verification probe results */
	PFT_DS_UNDELIVERABLE,
	PFT_DS_UNDELIVERABLE_NOT_CACHED,    /* "undeliverable-but-not-cached" */
	PFT_DS_EXPIRED,                     /* qmgr message-level "status=expired" */
	PFT_DS_FORCE_EXPIRED,               /* qmgr "status=force-expired" (postsuper -e) */
	PFT_DS_OTHER,                       /* a status= word we do not know (kept, counted) */
	PFT_DS_COUNT
};

/* An RFC 3463 enhanced status code X.Y.Z packed as X*1000000 + Y*1000 + Z; 0 = none. */
typedef uint32_t pft_dsn;
#define PFT_DSN_MAKE(c, s, d) ((pft_dsn)((c) * 1000000u + (s) * 1000u + (d)))
#define PFT_DSN_CLASS(x) ((x) / 1000000u)
#define PFT_DSN_SUBJECT(x) (((x) / 1000u) % 1000u)
#define PFT_DSN_DETAIL(x) ((x) % 1000u)

/* ---- what a line is ------------------------------------------------------------------------ */
enum pft_event_kind {
	PFT_EV_MALFORMED = 0,   /* syslog header not understood: see reason */
	PFT_EV_OTHER_PROGRAM,   /* a well-formed line from a non-Postfix program */
	PFT_EV_POSTFIX_INFO,    /* a Postfix line understood but not counted (connect, warning, ...) */
	PFT_EV_UNRECOGNIZED,    /* a Postfix line whose record is not understood: see reason */
	PFT_EV_DELIVERY,        /* QID: to=<..>, ..., status=STATUS (REASON) — one attempt */
	PFT_EV_QUEUED,          /* qmgr QID: from=<..>, size=N, nrcpt=N (queue active) */
	PFT_EV_EXPIRED,         /* qmgr QID: from=<..>, status=expired|force-expired, returned ... */
	PFT_EV_REMOVED,         /* QID: removed (qmgr, postsuper) — ends the lifecycle */
	PFT_EV_MESSAGE_ID,      /* cleanup QID: message-id=<..> */
	PFT_EV_CLIENT,          /* smtpd QID: client=NAME[ADDR] */
	PFT_EV_PICKUP,          /* pickup QID: uid=N from=<..> */
	PFT_EV_NOTIFICATION,    /* bounce QID: sender non-delivery notification: NEWQID (and kin) */
	PFT_EV_REJECT,          /* NOQUEUE: reject: / QID: reject: / milter-reject / cleanup reject */
	PFT_EV_REPEAT_PREVIOUS, /* sysklogd "last message repeated N times": the previous line of
				 * the same host stands for `repeated` more occurrences */
	PFT_EV_KIND_COUNT
};

enum pft_notification_kind {
	PFT_NOTIFY_NONE = 0,
	PFT_NOTIFY_NON_DELIVERY,    /* sender non-delivery notification */
	PFT_NOTIFY_DELAY,           /* sender delay notification */
	PFT_NOTIFY_SUCCESS,         /* sender delivery status notification */
	PFT_NOTIFY_POSTMASTER,      /* postmaster non-delivery notification (and other postmaster) */
	PFT_NOTIFY_FAILED,          /* "sender notification failed" and kin: none was queued, so
				     * new_qid is empty */
	PFT_NOTIFY_COUNT
};

/* Why a line is MALFORMED or UNRECOGNIZED; the report counts lines per reason. */
enum pft_unrec_reason {
	PFT_UNREC_NONE = 0,
	PFT_UNREC_BAD_TIMESTAMP,        /* no BSD or RFC 3339 stamp at the start of the line */
	PFT_UNREC_BAD_HOST,             /* no host after the stamp */
	PFT_UNREC_BAD_PROGRAM,          /* no "program[pid]: " / "program: " tag */
	PFT_UNREC_BAD_PID,              /* "[...]" that is not a number */
	PFT_UNREC_EMPTY,                /* empty line (or only CR, or only NUL bytes) */
	PFT_UNREC_DELIVERY_NO_STATUS,   /* "QID: to=<" record without status= */
	PFT_UNREC_DELIVERY_BAD_FIELD,   /* delivery record with an unparsable to=/dsn= */
	PFT_UNREC_QMGR,                 /* qmgr QID line of unknown shape */
	PFT_UNREC_REJECT,               /* reject line of unknown shape */
	PFT_UNREC_UNKNOWN_RECORD,       /* "QID: something" not known for this daemon */
	PFT_UNREC_UNKNOWN_SERVICE,      /* postfix/<name> that is not a Postfix daemon */
	PFT_UNREC_OVERLONG,             /* line longer than PFT_PARSE_MAX_LINE (64 KiB): not parsed */
	PFT_UNREC_REASON_COUNT
};

/* The action word of a reject-like record ("QID: reject: ...", "NOQUEUE: milter-reject: ...").
 * Only REJECT, MILTER_REJECT, PROXY_REJECT and DISCARD make a PFT_EV_REJECT event; the others
 * are PFT_EV_POSTFIX_INFO lines that still carry stage, dsn, from and to, so that a report can
 * count them apart (reject_warning is what a reject *would* have been: warn_if_reject). */
enum pft_action {
	PFT_ACTION_NONE = 0,
	PFT_ACTION_REJECT,          /* reject: (smtpd restrictions, postscreen, cleanup checks) */
	PFT_ACTION_MILTER_REJECT,   /* milter-reject: */
	PFT_ACTION_PROXY_REJECT,    /* proxy-reject: (before-queue content filter) */
	PFT_ACTION_DISCARD,         /* discard: / milter-discard: (accepted, then dropped) */
	PFT_ACTION_REJECT_WARNING,  /* reject_warning: (INFO) */
	PFT_ACTION_HOLD,            /* hold: / milter-hold: (INFO: the message stays queued) */
	PFT_ACTION_OTHER,           /* filter:, redirect:, prepend:, replace:, warning: ... (INFO) */
	PFT_ACTION_COUNT
};

/* Reject stages as smtpd logs them. */
enum pft_reject_stage {
	PFT_STAGE_NONE = 0, PFT_STAGE_CONNECT, PFT_STAGE_HELO, PFT_STAGE_EHLO, PFT_STAGE_MAIL,
	PFT_STAGE_RCPT, PFT_STAGE_DATA, PFT_STAGE_BDAT, PFT_STAGE_END_OF_MESSAGE, PFT_STAGE_VRFY,
	PFT_STAGE_ETRN, PFT_STAGE_OTHER, PFT_STAGE_COUNT
};

struct pft_event {
	enum pft_event_kind kind;
	enum pft_unrec_reason reason;  /* for MALFORMED / UNRECOGNIZED */

	/* syslog header */
	struct pft_civil time;
	uint8_t has_time;              /* 0 only for MALFORMED lines without a stamp */
	struct pft_slice host;
	struct pft_slice program;      /* whole tag, e.g. "postfix/submission/smtpd" */
	struct pft_slice instance;     /* "postfix" (before the first '/'), empty if no '/' */
	struct pft_slice service;      /* "smtpd" (after the last '/'), or the program */
	uint32_t pid;                  /* 0 when absent */
	struct pft_slice text;         /* the message after "program[pid]: " */

	/* Postfix record */
	struct pft_slice qid;          /* queue id; empty for NOQUEUE and non-message lines */
	struct pft_slice to, orig_to;  /* without <> */
	struct pft_slice relay;        /* whole relay= value, e.g. "mx.example.com[192.0.2.1]:25" */
	struct pft_slice relay_host;   /* relay host name only: "mx.example.com", "none", "local" */
	struct pft_slice from;         /* from=<..> without <> (qmgr, pickup, rejects) */
	struct pft_slice reason_text;  /* text inside status=.. (...), or reject text */
	enum pft_dstatus status;
	pft_dsn dsn;
	uint64_t size;                 /* qmgr size= */
	uint32_t nrcpt;                /* qmgr nrcpt= */
	enum pft_notification_kind notify;
	struct pft_slice new_qid;      /* NOTIFICATION: the notification's QID. DELIVERY with
					* status=sent: the QID in "(... queued as QID)" or
					* "(forwarded as QID)" when it has Postfix QID syntax
					* (a hop; it may also be a remote server's ID) */
	enum pft_reject_stage reject_stage;
	uint8_t noqueue;               /* REJECT: 1 for "NOQUEUE:" */
	uint8_t ends_message;          /* REJECT by cleanup (reject/discard) or milter-reject at
					* END-OF-MESSAGE/DATA: the queue file is dropped, no
					* "removed" will follow */
	enum pft_action action;        /* REJECT and reject-like INFO lines: the action word */
	struct pft_slice client;       /* CLIENT: NAME[ADDR] of client=; REJECT: the client after
					* "from" ("name[addr]", postscreen "[addr]:port") */
	struct pft_slice orig_qid;     /* CLIENT: orig_queue_id= (content filter re-injection
					* with XFORWARD): the parent message's QID */
	uint16_t reply_code;           /* SMTP reply code of a reject ("554"), or the remote reply
					* quoted in a status reason ("host X said: 550 ..."); 0 if none */
	uint32_t repeated;             /* 0 for an ordinary line. rsyslog "message repeated N
					* times: [ REC ]": the event is REC and stands for N
					* occurrences. PFT_EV_REPEAT_PREVIOUS: N more occurrences of
					* the previous line */
};

#endif /* PFTALLY_EVENT_H */
