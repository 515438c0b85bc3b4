/* A strict JSON reader and a JSON Schema validator for the subset of draft 2020-12 that
 * src/report/pftally-1.schema.json uses: type, const, enum, required, properties,
 * additionalProperties, propertyNames, items, maxItems, minimum, pattern (POSIX ERE),
 * $ref to "#/$defs/NAME"; annotations ($schema, $id, title, description, $defs) are ignored.
 * Any other keyword is an error, so the schema cannot drift outside what is checked.
 *
 * Header-only (static functions) because each test file is its own executable. */
#ifndef PFT_REPORT_JSON_CHECK_H
#define PFT_REPORT_JSON_CHECK_H

#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum jtype { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

struct jvalue {
	enum jtype type;
	int boolean;
	int is_integer; /* a number without fraction or exponent */
	double number;
	char *string;         /* decoded, NUL-terminated (J_STRING) */
	size_t n;             /* items / members */
	struct jvalue *items; /* array items, object member values */
	char **keys;          /* object member names */
};

struct jparser {
	const char *p, *end;
	char error[256];
};

__attribute__((unused)) static void jfree(struct jvalue *v)
{
	free(v->string);
	for (size_t i = 0; i < v->n; i++) {
		jfree(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	memset(v, 0, sizeof *v);
}

static int jfail(struct jparser *jp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int jfail(struct jparser *jp, const char *fmt, ...)
{
	if (jp->error[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(jp->error, sizeof jp->error, fmt, ap);
		va_end(ap);
	}
	return 0;
}

static void jskip(struct jparser *jp)
{
	while (jp->p < jp->end &&
	       (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static void jput_utf8(char **buf, size_t *len, uint32_t cp)
{
	char *b = *buf + *len;
	if (cp < 0x80) {
		b[0] = (char)cp;
		*len += 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		*len += 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		*len += 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		*len += 4;
	}
}

static int jhex4(struct jparser *jp, uint32_t *out)
{
	if (jp->end - jp->p < 4)
		return jfail(jp, "short \\u escape");
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = *jp->p++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return jfail(jp, "bad \\u escape");
	}
	*out = v;
	return 1;
}

/* A JSON string: raw control characters are errors, escapes are decoded. */
static int jstring(struct jparser *jp, char **out)
{
	if (jp->p >= jp->end || *jp->p != '"')
		return jfail(jp, "string expected");
	jp->p++;
	size_t cap = 16, len = 0;
	char *buf = malloc(cap);
	while (jp->p < jp->end && *jp->p != '"') {
		if (len + 8 > cap)
			buf = realloc(buf, cap *= 2);
		unsigned char c = (unsigned char)*jp->p++;
		if (c < 0x20) {
			free(buf);
			return jfail(jp, "raw control character 0x%02x in a string", c);
		}
		if (c != '\\') {
			buf[len++] = (char)c;
			continue;
		}
		if (jp->p >= jp->end)
			break;
		char e = *jp->p++;
		uint32_t cp;
		switch (e) {
		case '"': buf[len++] = '"'; break;
		case '\\': buf[len++] = '\\'; break;
		case '/': buf[len++] = '/'; break;
		case 'b': buf[len++] = '\b'; break;
		case 'f': buf[len++] = '\f'; break;
		case 'n': buf[len++] = '\n'; break;
		case 'r': buf[len++] = '\r'; break;
		case 't': buf[len++] = '\t'; break;
		case 'u':
			if (!jhex4(jp, &cp)) {
				free(buf);
				return 0;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				uint32_t lo;
				if (jp->end - jp->p < 6 || jp->p[0] != '\\' || jp->p[1] != 'u') {
					free(buf);
					return jfail(jp, "lone high surrogate");
				}
				jp->p += 2;
				if (!jhex4(jp, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
					free(buf);
					return jfail(jp, "bad surrogate pair");
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				free(buf);
				return jfail(jp, "lone low surrogate");
			}
			jput_utf8(&buf, &len, cp);
			break;
		default: free(buf); return jfail(jp, "bad escape \\%c", e);
		}
	}
	if (jp->p >= jp->end) {
		free(buf);
		return jfail(jp, "unterminated string");
	}
	jp->p++;
	buf[len] = '\0';
	*out = buf;
	return 1;
}

static int jvalue_parse(struct jparser *jp, struct jvalue *v, int depth);

static int jnumber(struct jparser *jp, struct jvalue *v)
{
	const char *s = jp->p;
	if (jp->p < jp->end && *jp->p == '-')
		jp->p++;
	if (jp->p >= jp->end || *jp->p < '0' || *jp->p > '9')
		return jfail(jp, "bad number");
	if (*jp->p == '0' && jp->p + 1 < jp->end && jp->p[1] >= '0' && jp->p[1] <= '9')
		return jfail(jp, "leading zero");
	v->is_integer = 1;
	while (jp->p < jp->end && ((*jp->p >= '0' && *jp->p <= '9') || strchr(".eE+-", *jp->p))) {
		if (strchr(".eE", *jp->p))
			v->is_integer = 0;
		jp->p++;
	}
	char tmp[64];
	size_t n = (size_t)(jp->p - s);
	if (n >= sizeof tmp)
		return jfail(jp, "number too long");
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	char *end;
	v->type = J_NUMBER;
	v->number = strtod(tmp, &end);
	if (*end != '\0')
		return jfail(jp, "bad number '%s'", tmp);
	return 1;
}

static int jvalue_parse(struct jparser *jp, struct jvalue *v, int depth)
{
	memset(v, 0, sizeof *v);
	if (depth > 64)
		return jfail(jp, "too deep");
	jskip(jp);
	if (jp->p >= jp->end)
		return jfail(jp, "value expected");
	char c = *jp->p;
	if (c == '{' || c == '[') {
		int object = c == '{';
		v->type = object ? J_OBJECT : J_ARRAY;
		jp->p++;
		jskip(jp);
		size_t cap = 0;
		if (jp->p < jp->end && *jp->p == (object ? '}' : ']')) {
			jp->p++;
			return 1;
		}
		for (;;) {
			if (v->n == cap) {
				cap = cap ? cap * 2 : 8;
				v->items = realloc(v->items, cap * sizeof *v->items);
				if (object)
					v->keys = realloc(v->keys, cap * sizeof *v->keys);
			}
			if (object) {
				jskip(jp);
				char *key;
				if (!jstring(jp, &key))
					return 0;
				for (size_t i = 0; i < v->n; i++)
					if (strcmp(v->keys[i], key) == 0) {
						jfail(jp, "duplicate key \"%s\"", key);
						free(key);
						return 0;
					}
				v->keys[v->n] = key;
				jskip(jp);
				if (jp->p >= jp->end || *jp->p != ':') {
					v->items[v->n++] = (struct jvalue){0};
					return jfail(jp, "':' expected");
				}
				jp->p++;
			}
			int ok = jvalue_parse(jp, &v->items[v->n], depth + 1);
			v->n++;
			if (!ok)
				return 0;
			jskip(jp);
			if (jp->p < jp->end && *jp->p == ',') {
				jp->p++;
				continue;
			}
			if (jp->p < jp->end && *jp->p == (object ? '}' : ']')) {
				jp->p++;
				return 1;
			}
			return jfail(jp, "',' or '%c' expected", object ? '}' : ']');
		}
	}
	if (c == '"') {
		v->type = J_STRING;
		return jstring(jp, &v->string);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return jnumber(jp, v);
	static const struct {
		const char *word;
		enum jtype type;
		int boolean;
	} words[] = {{"true", J_BOOL, 1}, {"false", J_BOOL, 0}, {"null", J_NULL, 0}};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(words[i].word);
		if ((size_t)(jp->end - jp->p) >= n && memcmp(jp->p, words[i].word, n) == 0) {
			jp->p += n;
			v->type = words[i].type;
			v->boolean = words[i].boolean;
			return 1;
		}
	}
	return jfail(jp, "unexpected '%c'", c);
}

/* Valid UTF-8 (RFC 8259 §8.1: JSON text exchanged between systems is UTF-8). */
static int jutf8_valid(const unsigned char *p, size_t n, size_t *bad_at)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t len = c < 0x80                 ? 1
		             : c >= 0xC2 && c <= 0xDF ? 2
		             : c >= 0xE0 && c <= 0xEF ? 3
		             : c >= 0xF0 && c <= 0xF4 ? 4
		                                      : 0;
		if (len == 0 || i + len > n)
			goto bad;
		uint32_t cp = len == 1   ? c
		              : len == 2 ? c & 0x1Fu
		              : len == 3 ? c & 0x0Fu
		                         : c & 0x07u;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				goto bad;
			cp = cp << 6 | (p[i + k] & 0x3Fu);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			goto bad;
		i += len;
		continue;
	bad:
		*bad_at = i;
		return 0;
	}
	return 1;
}

/*! jparse() : parses a whole document (UTF-8, one value, nothing after it). @return 1 on
 *  success; else 0 with a message in error. */
__attribute__((unused)) static int jparse(const char *text, size_t n, struct jvalue *out,
                                          char *error, size_t error_size)
{
	size_t bad_at;
	if (!jutf8_valid((const unsigned char *)text, n, &bad_at)) {
		snprintf(error, error_size, "invalid UTF-8 at byte %zu", bad_at);
		return 0;
	}
	struct jparser jp = {text, text + n, ""};
	int ok = jvalue_parse(&jp, out, 0);
	if (ok) {
		jskip(&jp);
		if (jp.p != jp.end)
			ok = jfail(&jp, "text after the value");
	}
	if (!ok) {
		snprintf(error, error_size, "%s at byte %zu", jp.error, (size_t)(jp.p - text));
		jfree(out);
	}
	return ok;
}

__attribute__((unused)) static const struct jvalue *jget(const struct jvalue *obj, const char *key)
{
	if (obj->type != J_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}

/* ---- validation -------------------------------------------------------------------------- */

struct jcheck {
	const struct jvalue *root; /* the schema document, for $ref */
	int errors;
	char first[1024]; /* the first few errors */
};

static void jerror(struct jcheck *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void jerror(struct jcheck *c, const char *path, const char *fmt, ...)
{
	c->errors++;
	size_t used = strlen(c->first);
	if (c->errors > 5 || used + 8 >= sizeof c->first)
		return;
	used += (size_t)snprintf(c->first + used, sizeof c->first - used,
	                         "%s%s: ", used ? "; " : "", path[0] ? path : "(root)");
	if (used >= sizeof c->first)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->first + used, sizeof c->first - used, fmt, ap);
	va_end(ap);
}

static const char *jtype_name(const struct jvalue *v)
{
	switch (v->type) {
	case J_NULL: return "null";
	case J_BOOL: return "boolean";
	case J_NUMBER: return v->is_integer ? "integer" : "number";
	case J_STRING: return "string";
	case J_ARRAY: return "array";
	default: return "object";
	}
}

static int jtype_is(const struct jvalue *v, const char *type)
{
	if (strcmp(type, "number") == 0)
		return v->type == J_NUMBER;
	if (strcmp(type, "integer") == 0)
		return v->type == J_NUMBER && v->is_integer;
	return strcmp(jtype_name(v), type) == 0;
}

static int jequal(const struct jvalue *a, const struct jvalue *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case J_NULL: return 1;
	case J_BOOL: return a->boolean == b->boolean;
	case J_NUMBER: return a->number == b->number;
	case J_STRING: return strcmp(a->string, b->string) == 0;
	default: return 0; /* not needed for this schema */
	}
}

static void jvalidate(struct jcheck *c, const struct jvalue *schema, const struct jvalue *v,
                      const char *path);

static void jvalidate_key(struct jcheck *c, const struct jvalue *schema, const char *key,
                          const char *path)
{
	struct jvalue name = {.type = J_STRING, .string = (char *)key};
	char sub[1024];
	snprintf(sub, sizeof sub, "%s/(name %s)", path, key);
	jvalidate(c, schema, &name, sub);
}

static void jvalidate(struct jcheck *c, const struct jvalue *schema, const struct jvalue *v,
                      const char *path)
{
	if (schema->type == J_BOOL) {
		if (!schema->boolean)
			jerror(c, path, "not allowed here");
		return;
	}
	if (schema->type != J_OBJECT) {
		jerror(c, path, "schema is not an object");
		return;
	}
	for (size_t k = 0; k < schema->n; k++) {
		const char *kw = schema->keys[k];
		const struct jvalue *arg = &schema->items[k];
		if (strcmp(kw, "$schema") == 0 || strcmp(kw, "$id") == 0 ||
		    strcmp(kw, "title") == 0 || strcmp(kw, "description") == 0 ||
		    strcmp(kw, "$defs") == 0) {
			continue;
		} else if (strcmp(kw, "$ref") == 0) {
			const char *prefix = "#/$defs/";
			const struct jvalue *defs = jget(c->root, "$defs");
			const struct jvalue *target = NULL;
			if (arg->type == J_STRING && strncmp(arg->string, prefix, 8) == 0 && defs)
				target = jget(defs, arg->string + 8);
			if (target == NULL)
				jerror(c, path, "unresolvable $ref");
			else
				jvalidate(c, target, v, path);
		} else if (strcmp(kw, "type") == 0) {
			int ok = 0;
			if (arg->type == J_STRING)
				ok = jtype_is(v, arg->string);
			for (size_t i = 0; arg->type == J_ARRAY && i < arg->n; i++)
				ok |= jtype_is(v, arg->items[i].string);
			if (!ok)
				jerror(c, path, "wrong type %s", jtype_name(v));
		} else if (strcmp(kw, "const") == 0) {
			if (!jequal(arg, v))
				jerror(c, path, "not the constant");
		} else if (strcmp(kw, "enum") == 0) {
			int ok = 0;
			for (size_t i = 0; i < arg->n; i++)
				ok |= jequal(&arg->items[i], v);
			if (!ok)
				jerror(c, path, "not one of the enum values%s%s",
				       v->type == J_STRING ? ": " : "",
				       v->type == J_STRING ? v->string : "");
		} else if (strcmp(kw, "required") == 0) {
			for (size_t i = 0; v->type == J_OBJECT && i < arg->n; i++)
				if (jget(v, arg->items[i].string) == NULL)
					jerror(c, path, "missing key \"%s\"", arg->items[i].string);
		} else if (strcmp(kw, "properties") == 0) {
			for (size_t i = 0; v->type == J_OBJECT && i < v->n; i++) {
				const struct jvalue *sub = jget(arg, v->keys[i]);
				if (sub) {
					char p[1024];
					snprintf(p, sizeof p, "%s/%s", path, v->keys[i]);
					jvalidate(c, sub, &v->items[i], p);
				}
			}
		} else if (strcmp(kw, "additionalProperties") == 0) {
			const struct jvalue *props = jget(schema, "properties");
			for (size_t i = 0; v->type == J_OBJECT && i < v->n; i++) {
				if (props && jget(props, v->keys[i]))
					continue;
				char p[1024];
				snprintf(p, sizeof p, "%s/%s", path, v->keys[i]);
				if (arg->type == J_BOOL && !arg->boolean)
					jerror(c, p, "key not in the schema");
				else
					jvalidate(c, arg, &v->items[i], p);
			}
		} else if (strcmp(kw, "propertyNames") == 0) {
			for (size_t i = 0; v->type == J_OBJECT && i < v->n; i++)
				jvalidate_key(c, arg, v->keys[i], path);
		} else if (strcmp(kw, "items") == 0) {
			for (size_t i = 0; v->type == J_ARRAY && i < v->n; i++) {
				char p[1024];
				snprintf(p, sizeof p, "%s/%zu", path, i);
				jvalidate(c, arg, &v->items[i], p);
			}
		} else if (strcmp(kw, "maxItems") == 0) {
			if (v->type == J_ARRAY && (double)v->n > arg->number)
				jerror(c, path, "more than %g items", arg->number);
		} else if (strcmp(kw, "minimum") == 0) {
			if (v->type == J_NUMBER && v->number < arg->number)
				jerror(c, path, "below the minimum %g", arg->number);
		} else if (strcmp(kw, "pattern") == 0) {
			if (v->type != J_STRING)
				continue;
			regex_t re;
			if (regcomp(&re, arg->string, REG_EXTENDED | REG_NOSUB) != 0) {
				jerror(c, path, "pattern %s is not a POSIX ERE", arg->string);
				continue;
			}
			if (regexec(&re, v->string, 0, NULL, 0) != 0)
				jerror(c, path, "\"%s\" does not match %s", v->string, arg->string);
			regfree(&re);
		} else {
			jerror(c, path, "schema keyword \"%s\" is not supported by this validator",
			       kw);
		}
	}
}

/*! jschema_validate() : validates doc against schema (a parsed schema document). @return the
 *  number of errors; the first ones are described in msg. */
__attribute__((unused)) static int
jschema_validate(const struct jvalue *schema, const struct jvalue *doc, char *msg, size_t size)
{
	struct jcheck c = {.root = schema};
	jvalidate(&c, schema, doc, "");
	snprintf(msg, size, "%s", c.first);
	return c.errors;
}

#endif
