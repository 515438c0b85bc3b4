/* The JSON report against its JSON Schema (src/report/pftally-1.schema.json): every golden
 * input, a result built in memory with every kind of record, and the third-party hostile log
 * when it is present. The validator is checked too: documents with a missing key, an extra
 * key, a fraction, a negative count or a bad DSN key must fail. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pft_test.h"
#include "report_json_check.h"

#define PFTALLY     PFT_BINARY_DIR "/pftally"
#define SCHEMA_PATH PFT_SOURCE_DIR "/src/report/pftally-1.schema.json"

static struct jvalue schema;

static void load_schema(void)
{
	size_t n;
	char *text = pft_test_read_file(SCHEMA_PATH, &n);
	cr_assert_not_null(text, "cannot read %s", SCHEMA_PATH);
	char err[256];
	cr_assert(jparse(text, n, &schema, err, sizeof err), "%s: %s", SCHEMA_PATH, err);
	free(text);
}

static void free_schema(void)
{
	jfree(&schema);
}

/* @return the number of schema errors of a JSON text (a parse error counts as one). */
static int validate_text(const char *json, char *msg, size_t size)
{
	struct jvalue doc;
	if (!jparse(json, strlen(json), &doc, msg, size))
		return 1;
	int errors = jschema_validate(&schema, &doc, msg, size);
	jfree(&doc);
	return errors;
}

static void expect_valid(const char *what, const char *json)
{
	char msg[1024];
	int errors = validate_text(json, msg, sizeof msg);
	cr_expect_eq(errors, 0, "%s: %d schema errors: %s", what, errors, msg);
}

TestSuite(schema, .init = load_schema, .fini = free_schema);

/* Walks every sub-schema: each keyword must be one the validator checks (or an annotation). */
static int unsupported_keywords(const struct jvalue *s, char *msg, size_t size)
{
	static const char *const known[] = {
		"$schema",       "$id",      "title",      "description",
		"$defs",         "$ref",     "type",       "const",
		"enum",          "required", "properties", "additionalProperties",
		"propertyNames", "items",    "maxItems",   "minimum",
		"pattern",       NULL,
	};
	if (s->type != J_OBJECT)
		return 0;
	int bad = 0;
	for (size_t i = 0; i < s->n; i++) {
		int ok = 0;
		for (int k = 0; known[k]; k++)
			ok |= strcmp(s->keys[i], known[k]) == 0;
		if (!ok) {
			snprintf(msg, size, "%s", s->keys[i]);
			bad++;
		}
		const char *key = s->keys[i];
		const struct jvalue *v = &s->items[i];
		if (strcmp(key, "properties") == 0 || strcmp(key, "$defs") == 0) {
			for (size_t j = 0; j < v->n; j++)
				bad += unsupported_keywords(&v->items[j], msg, size);
		} else if (strcmp(key, "additionalProperties") == 0 ||
		           strcmp(key, "propertyNames") == 0 || strcmp(key, "items") == 0) {
			bad += unsupported_keywords(v, msg, size);
		}
	}
	return bad;
}

Test(schema, schema_file_uses_only_checked_keywords)
{
	char msg[256] = "";
	cr_expect_eq(unsupported_keywords(&schema, msg, sizeof msg), 0,
	             "the schema uses keywords the test's validator does not check, e.g. %s", msg);
	const struct jvalue *props = jget(&schema, "properties");
	cr_assert_not_null(props);
	const struct jvalue *version = jget(jget(props, "schema"), "const");
	cr_assert_not_null(version);
	cr_expect_str_eq(version->string, "pftally-1");
	const struct jvalue *extra = jget(&schema, "additionalProperties");
	cr_expect(extra && extra->type == J_BOOL && !extra->boolean);
}

Test(schema, golden_inputs_validate, .timeout = 120)
{
	static const char *const cases[] = {"basic", "empty", "hostile", "policy", "weeks"};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char cmd[8192];
		snprintf(cmd, sizeof cmd,
		         "'%s' --year 2025 --format json '%s/tests/golden/%s/mail.log'", PFTALLY,
		         PFT_SOURCE_DIR, cases[i]);
		char *json = NULL;
		cr_assert_eq(pft_test_run(cmd, &json), 0, "%s", cmd);
		expect_valid(cases[i], json);
		free(json);
	}
}

/* Every record kind the JSON has a key for: deliveries of each status, discard, expiry,
 * notifications, rejects, reuse of a queue id, unknown records, malformed lines. */
static const char rich_log[] =
	"Mar  3 10:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.9]: 554 5.7.1 "
	"<a@b.example>: Relay access denied; from=<s@x.example> to=<a@b.example> proto=ESMTP "
	"helo=<x>\n"
	"Mar  3 10:00:01 mx postfix/qmgr[2]: AAAA11111: from=<s@example.org>, size=10, nrcpt=4 "
	"(queue active)\n"
	"Mar  3 10:00:02 mx postfix/smtp[3]: AAAA11111: to=<u1@one.example>, "
	"relay=mx.one.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 "
	"ok)\n"
	"Mar  3 10:00:02 mx postfix/smtp[3]: AAAA11111: to=<u2@two.example>, "
	"relay=mx.two.example[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred "
	"(452 full)\n"
	"Mar  3 10:00:02 mx postfix/discard[4]: AAAA11111: to=<u3@three.example>, relay=none, "
	"delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (discarded)\n"
	"Mar  3 10:00:03 mx postfix/smtp[3]: AAAA11111: to=<u4@four.example>, "
	"relay=mx.four.example[192.0.2.4]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, "
	"status=SOFTBOUNCE (host said: 550 no)\n"
	"Mar  3 11:00:02 mx postfix/smtp[3]: AAAA11111: to=<u2@two.example>, "
	"relay=mx.two.example[192.0.2.2]:25, delay=3601, delays=3600/0/0/1, dsn=5.2.2, "
	"status=bounced (552 full)\n"
	"Mar  3 11:00:02 mx postfix/cleanup[5]: BBBB22222: message-id=<x@mx>\n"
	"Mar  3 11:00:02 mx postfix/bounce[6]: AAAA11111: sender non-delivery notification: "
	"BBBB22222\n"
	"Mar  3 11:00:03 mx postfix/qmgr[2]: AAAA11111: from=<s@example.org>, status=expired, "
	"returned to sender\n"
	"Mar  3 11:00:03 mx postfix/qmgr[2]: AAAA11111: removed\n"
	"Mar  3 11:00:04 mx postfix/qmgr[2]: AAAA11111: from=<t@example.org>, size=10, nrcpt=1 "
	"(queue active)\n"
	"Mar  3 11:00:05 mx postfix/smtp[3]: AAAA11111: to=<v@one.example>, "
	"relay=mx.one.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 "
	"ok)\n"
	"Mar  3 11:00:05 mx postfix/qmgr[2]: AAAA11111: removed\n"
	"Mar  3 11:00:06 mx postfix/qmgr[2]: CCCC33333: removed\n"
	"Mar  3 11:00:07 mx postfix/verify[7]: DDDD44444: to=<p@one.example>, relay=none, "
	"delay=1, delays=0/0/0/1, dsn=5.1.1, status=undeliverable (no)\n"
	"Mar  3 11:00:08 mx postfix/qmgr[2]: EEEE55555: something new\n"
	"Mar  3 11:00:09 mx sshd[9]: hello\n"
	"garbage line\n";

Test(schema, rich_result_validates)
{
	char *json = pft_test_tally_text(rich_log, 1 << 20, 2025, NULL);
	cr_assert_not_null(json);
	expect_valid("rich log", json);
	free(json);
}

Test(schema, third_party_hostile_log_validates)
{
	const char *ext = pft_test_corpus_ext();
	if (ext == NULL)
		cr_skip_test("no third-party corpus folder");
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "'%s' --year 2025 --format json '%s/malformed-and-mixed.log'",
	         PFTALLY, ext);
	char *json = NULL;
	cr_assert_eq(pft_test_run(cmd, &json), 0, "%s", cmd);
	expect_valid("malformed-and-mixed.log", json);
	free(json);
}

/* Replaces the first occurrence of from by to in a malloc'd copy of s. */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	cr_assert_not_null(at, "'%s' not in the document", from);
	size_t head = (size_t)(at - s), n = strlen(s) - strlen(from) + strlen(to);
	char *out = malloc(n + 1);
	memcpy(out, s, head);
	strcpy(out + head, to);
	strcat(out, at + strlen(from));
	return out;
}

Test(schema, validator_rejects_broken_documents)
{
	char *json = pft_test_tally_text(rich_log, 1 << 20, 2025, NULL);
	cr_assert_not_null(json);
	static const struct {
		const char *from, *to, *why;
	} breaks[] = {
		{"\"schema\": \"pftally-1\"", "\"schema\": \"pftally-2\"", "other schema name"},
		{"\"deferred_ever\": ", "\"deferred_sometimes\": ", "renamed key"},
		{"\"attempts\": {\"total\": ", "\"attempts\": {\"extra\": 1, \"total\": ", "extra key"},
		{"\"probes\": 1", "\"probes\": 1.5", "fraction"},
		{"\"probes\": 1", "\"probes\": -1", "negative count"},
		{"\"2.0.0\": ", "\"2.0.x\": ", "bad DSN key"},
		{"\"time_range\": {", "\"time_range\": [], \"x\": {", "array for an object"},
		{"\"2025-03-03T10\": ", "\"2025-03-03 10\": ", "bad hour key"},
		{"\"format\": \"plain\"", "\"format\": \"xz\"", "unknown format"},
		{"\"by_code\": {\"554 5.7.1\": ", "\"by_code\": {\"554 5.7\": ", "bad reply code key"},
		{"\"by_stage\": {\"rcpt\": ", "\"by_stage\": {\"RCPT\": ", "unknown stage"},
		{"\"by_source\": {\"smtpd\": ", "\"by_source\": {\"sshd\": ", "unknown daemon"},
		{"\"hold\": 0, \"reject_warning\": 0, \"other\": 0}",
		 "\"hold\": 0, \"other\": 0}", "an action missing"},
		{"\"deferred\": {\"total\": ", "\"delayed\": {\"total\": ", "unknown reason status"},
		{"\", \"count\": 1, \"sample\": ", "\", \"count\": 1, \"example\": ",
		 "reason row without its sample"},
		{"{\"status\": \"deferred\", \"key\": ", "{\"status\": \"reject\", \"key\": ",
		 "reject status in by_domain"},
		{"\"keys\": 1, \"other\": 0, \"top\": [", "\"keys\": 1, \"top\": [",
		 "reason group without other"},
	};
	for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
		char *bad = replace(json, breaks[i].from, breaks[i].to);
		char msg[1024];
		cr_expect_gt(validate_text(bad, msg, sizeof msg), 0, "%s was accepted",
		             breaks[i].why);
		free(bad);
	}
	free(json);
}

Test(schema, reader_rejects_invalid_json)
{
	static const char *const bad[] = {
		"{\"a\": 1,}",       "{\"a\": 01}",          "{\"a\": \"x\ny\"}",    "{\"a\": 1} x",
		"{\"a\": \"\xff\"}", "{\"a\": 1, \"a\": 2}", "{\"a\": \"\\ud800\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct jvalue v;
		char msg[256];
		cr_expect(!jparse(bad[i], strlen(bad[i]), &v, msg, sizeof msg), "accepted: %s",
		          bad[i]);
	}
}
