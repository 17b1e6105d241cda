/*
 * json.c — see json.h. Order of checks in jr_parse:
 *   1. empty?  2. valid UTF-8, no NUL?  3. strip comments (same length)
 *   4. strict syntax scan (our own, so the message says what is wrong)
 *   5. cJSON_ParseWithLengthOpts builds the tree
 *   6. a second scan walks text and tree together: positions, duplicate keys
 */
#include "json.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jr_init(struct jr *jr, const char *file)
{
	memset(jr, 0, sizeof *jr);
	jr->file = file ? file : "<input>";
	jr->max_errors = 50;
}

void jr_free(struct jr *jr)
{
	free(jr->text);
	free(jr->pos);
	free(jr->err);
	jr->text = NULL;
	jr->pos = NULL;
	jr->err = NULL;
}

static void err_append(struct jr *jr, const char *s)
{
	size_t n = strlen(s);
	if (jr->errlen + n + 1 > jr->errcap) {
		size_t nc = (jr->errcap ? jr->errcap * 2 : 1024) + n;
		char *p = realloc(jr->err, nc);
		if (!p)
			return;
		jr->err = p;
		jr->errcap = nc;
	}
	memcpy(jr->err + jr->errlen, s, n + 1);
	jr->errlen += n;
}

static void verr(struct jr *jr, int line, int col, const char *path, const char *fmt, va_list ap)
{
	jr->nerr++;
	if (jr->nerr > jr->max_errors) {
		if (jr->nerr == jr->max_errors + 1)
			err_append(jr, "(too many errors; stopping)\n");
		return;
	}
	char msg[600], line_buf[900];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (path && *path)
		snprintf(line_buf, sizeof line_buf, "%s:%d:%d: error: %s: %s\n", jr->file, line, col, path,
		         msg);
	else
		snprintf(line_buf, sizeof line_buf, "%s:%d:%d: error: %s\n", jr->file, line, col, msg);
	err_append(jr, line_buf);
}

void jr_error_at(struct jr *jr, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr(jr, line, col, NULL, fmt, ap);
	va_end(ap);
}

static const struct jr_pos *pos_find(const struct jr *jr, const cJSON *n)
{
	size_t lo = 0, hi = jr->npos;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if ((uintptr_t)jr->pos[mid].node < (uintptr_t)n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < jr->npos && jr->pos[lo].node == n ? &jr->pos[lo] : NULL;
}

int jr_line(const struct jr *jr, const cJSON *n, int *col)
{
	const struct jr_pos *p = n ? pos_find(jr, n) : NULL;
	if (col)
		*col = p ? p->col : 1;
	return p ? p->line : 1;
}

void jr_error(struct jr *jr, const cJSON *at, const char *path, const char *fmt, ...)
{
	int col, line = jr_line(jr, at, &col);
	va_list ap;
	va_start(ap, fmt);
	verr(jr, line, col, path, fmt, ap);
	va_end(ap);
}

void jr_error_key(struct jr *jr, const cJSON *member, const char *path, const char *fmt, ...)
{
	const struct jr_pos *p = member ? pos_find(jr, member) : NULL;
	int line = p ? (p->kline ? p->kline : p->line) : 1, col = p ? (p->kline ? p->kcol : p->col) : 1;
	va_list ap;
	va_start(ap, fmt);
	verr(jr, line, col, path, fmt, ap);
	va_end(ap);
}

/* ---- step 2: UTF-8 ---- */

static size_t utf8_bad(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0 && c >= 0xC2)
			n = 1;
		else if ((c & 0xF0) == 0xE0)
			n = 2;
		else if ((c & 0xF8) == 0xF0 && c <= 0xF4)
			n = 3;
		else
			return i;
		for (size_t k = 1; k <= n; k++)
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
				return i;
		if (n == 2 && c == 0xE0 && s[i + 1] < 0xA0)
			return i;
		if (n == 2 && c == 0xED && s[i + 1] >= 0xA0)
			return i;
		if (n == 3 && c == 0xF0 && s[i + 1] < 0x90)
			return i;
		if (n == 3 && c == 0xF4 && s[i + 1] >= 0x90)
			return i;
		i += n + 1;
	}
	return len;
}

static void line_col(const char *t, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off; i++) {
		if (t[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)t[i] & 0xC0) != 0x80)
			c++;
	}
	*line = l;
	*col = c;
}

/* ---- step 3: comments ---- */

static int strip_comments(struct jr *jr)
{
	char *t = jr->text;
	size_t n = jr->len;
	int in_str = 0;
	for (size_t i = 0; i < n; i++) {
		if (in_str) {
			if (t[i] == '\\')
				i++;
			else if (t[i] == '"')
				in_str = 0;
			continue;
		}
		if (t[i] == '"') {
			in_str = 1;
		} else if (t[i] == '/' && i + 1 < n && t[i + 1] == '/') {
			while (i < n && t[i] != '\n')
				t[i++] = ' ';
		} else if (t[i] == '/' && i + 1 < n && t[i + 1] == '*') {
			size_t start = i;
			t[i++] = ' ';
			t[i++] = ' ';
			while (i < n && !(t[i] == '*' && i + 1 < n && t[i + 1] == '/')) {
				if (t[i] != '\n')
					t[i] = ' ';
				i++;
			}
			if (i >= n) {
				int l, c;
				line_col(t, start, &l, &c);
				jr_error_at(jr, l, c, "unterminated /* comment */");
				return -1;
			}
			t[i++] = ' ';
			t[i] = ' ';
		}
	}
	return 0;
}

/* ---- step 4: strict syntax scan ---- */

struct scan {
	struct jr *jr;
	const char *t;
	size_t n, i;
	int failed;
};

static void scan_fail(struct scan *s, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void scan_fail(struct scan *s, size_t at, const char *fmt, ...)
{
	if (s->failed)
		return;
	s->failed = 1;
	int l, c;
	line_col(s->t, at, &l, &c);
	va_list ap;
	va_start(ap, fmt);
	verr(s->jr, l, c, NULL, fmt, ap);
	va_end(ap);
}

static void ws(struct scan *s)
{
	while (s->i < s->n &&
	       (s->t[s->i] == ' ' || s->t[s->i] == '\t' || s->t[s->i] == '\n' || s->t[s->i] == '\r'))
		s->i++;
}

static void describe_char(const struct scan *s, size_t at, char *buf, size_t cap)
{
	if (at >= s->n)
		snprintf(buf, cap, "end of file");
	else if ((unsigned char)s->t[at] >= 0x80 || isprint((unsigned char)s->t[at]))
		snprintf(buf, cap, "'%.*s'", ((unsigned char)s->t[at] >= 0x80) ? 3 : 1, s->t + at);
	else
		snprintf(buf, cap, "byte 0x%02x", (unsigned char)s->t[at]);
}

static void scan_value(struct scan *s, int depth);

static void scan_string(struct scan *s)
{
	size_t start = s->i++;
	while (s->i < s->n) {
		unsigned char c = (unsigned char)s->t[s->i];
		if (c == '"') {
			s->i++;
			return;
		}
		if (c == '\n') {
			scan_fail(s, start, "unterminated string (strings cannot span lines)");
			return;
		}
		if (c < 0x20) {
			scan_fail(s, s->i, "control character in a string (write it as \\u%04x)", c);
			return;
		}
		if (c == '\\') {
			s->i++;
			if (s->i >= s->n)
				break;
			char e = s->t[s->i];
			if (e == 'u') {
				for (int k = 1; k <= 4; k++)
					if (s->i + k >= s->n || !isxdigit((unsigned char)s->t[s->i + k])) {
						scan_fail(s, s->i - 1,
						          "bad \\u escape: expected 4 hex digits");
						return;
					}
				s->i += 4;
			} else if (!strchr("\"\\/bfnrt", e)) {
				scan_fail(s, s->i - 1, "bad escape '\\%c' in a string", e);
				return;
			}
		}
		s->i++;
	}
	scan_fail(s, start, "unterminated string");
}

static void scan_number(struct scan *s)
{
	size_t start = s->i;
	if (s->t[s->i] == '-')
		s->i++;
	if (s->i < s->n && s->t[s->i] == '0' && s->i + 1 < s->n && isdigit((unsigned char)s->t[s->i + 1])) {
		scan_fail(s, start,
		          "numbers cannot have leading zeros (write hex addresses as strings: \"0x…\")");
		return;
	}
	if (s->i >= s->n || !isdigit((unsigned char)s->t[s->i])) {
		scan_fail(s, start, "invalid number");
		return;
	}
	while (s->i < s->n && isdigit((unsigned char)s->t[s->i]))
		s->i++;
	if (s->i < s->n && (s->t[s->i] == 'x' || s->t[s->i] == 'X')) {
		scan_fail(s, start, "hex numbers must be strings in JSON: write \"0x…\"");
		return;
	}
	if (s->i < s->n && s->t[s->i] == '.') {
		s->i++;
		if (s->i >= s->n || !isdigit((unsigned char)s->t[s->i])) {
			scan_fail(s, start, "invalid number");
			return;
		}
		while (s->i < s->n && isdigit((unsigned char)s->t[s->i]))
			s->i++;
	}
	if (s->i < s->n && (s->t[s->i] == 'e' || s->t[s->i] == 'E')) {
		s->i++;
		if (s->i < s->n && (s->t[s->i] == '+' || s->t[s->i] == '-'))
			s->i++;
		if (s->i >= s->n || !isdigit((unsigned char)s->t[s->i])) {
			scan_fail(s, start, "invalid number");
			return;
		}
		while (s->i < s->n && isdigit((unsigned char)s->t[s->i]))
			s->i++;
	}
}

static void scan_container(struct scan *s, int depth, char close)
{
	size_t open = s->i++;
	ws(s);
	if (s->i < s->n && s->t[s->i] == close) {
		s->i++;
		return;
	}
	for (;;) {
		ws(s);
		if (close == '}') {
			if (s->i >= s->n) {
				scan_fail(s, open, "unclosed '{' (file ends before its '}')");
				return;
			}
			if (s->t[s->i] != '"') {
				char d[32];
				describe_char(s, s->i, d, sizeof d);
				if (s->t[s->i] == '}')
					scan_fail(s, s->i, "trailing comma before '}'");
				else if (s->t[s->i] == '\'')
					scan_fail(s, s->i, "keys need double quotes, not single quotes");
				else
					scan_fail(s, s->i, "expected a key in double quotes, got %s", d);
				return;
			}
			scan_string(s);
			if (s->failed)
				return;
			ws(s);
			if (s->i >= s->n || s->t[s->i] != ':') {
				char d[32];
				describe_char(s, s->i, d, sizeof d);
				scan_fail(s, s->i, "expected ':' after the key, got %s", d);
				return;
			}
			s->i++;
		} else if (s->i < s->n && s->t[s->i] == ']') {
			scan_fail(s, s->i, "trailing comma before ']'");
			return;
		}
		scan_value(s, depth + 1);
		if (s->failed)
			return;
		ws(s);
		if (s->i >= s->n) {
			scan_fail(s, open, "unclosed '%c' (file ends before its '%c')",
			          close == '}' ? '{' : '[', close);
			return;
		}
		if (s->t[s->i] == ',') {
			s->i++;
			continue;
		}
		if (s->t[s->i] == close) {
			s->i++;
			return;
		}
		char d[32];
		describe_char(s, s->i, d, sizeof d);
		scan_fail(s, s->i, "expected ',' or '%c', got %s (missing comma?)", close, d);
		return;
	}
}

static void scan_value(struct scan *s, int depth)
{
	ws(s);
	if (depth > JR_MAX_DEPTH) {
		scan_fail(s, s->i, "nesting deeper than %d levels", JR_MAX_DEPTH);
		return;
	}
	if (s->i >= s->n) {
		scan_fail(s, s->i, "unexpected end of file: expected a value (truncated file?)");
		return;
	}
	char c = s->t[s->i];
	if (c == '{')
		scan_container(s, depth, '}');
	else if (c == '[')
		scan_container(s, depth, ']');
	else if (c == '"')
		scan_string(s);
	else if (c == '-' || isdigit((unsigned char)c))
		scan_number(s);
	else if (!strncmp(s->t + s->i, "true", 4) && s->i + 4 <= s->n)
		s->i += 4;
	else if (!strncmp(s->t + s->i, "false", 5) && s->i + 5 <= s->n)
		s->i += 5;
	else if (!strncmp(s->t + s->i, "null", 4) && s->i + 4 <= s->n)
		s->i += 4;
	else if (c == '\'')
		scan_fail(s, s->i, "strings need double quotes, not single quotes");
	else {
		char d[32];
		describe_char(s, s->i, d, sizeof d);
		scan_fail(s, s->i, "expected a value, got %s", d);
	}
}

/* ---- step 6: positions and duplicate keys ---- */

struct walk {
	struct jr *jr;
	const char *t;
	size_t n, i;
	int line, col;
};

static void adv(struct walk *w)
{
	if (w->t[w->i] == '\n') {
		w->line++;
		w->col = 1;
	} else if (((unsigned char)w->t[w->i] & 0xC0) != 0x80)
		w->col++;
	w->i++;
}

static void wws(struct walk *w)
{
	while (w->i < w->n && strchr(" \t\r\n", w->t[w->i]) && w->t[w->i])
		adv(w);
}

static void wskip_string(struct walk *w)
{
	adv(w);
	while (w->i < w->n && w->t[w->i] != '"') {
		if (w->t[w->i] == '\\')
			adv(w);
		adv(w);
	}
	adv(w);
}

static void add_pos(struct jr *jr, const cJSON *node, int line, int col, int kline, int kcol)
{
	if (jr->npos == jr->cappos) {
		size_t nc = jr->cappos ? jr->cappos * 2 : 256;
		struct jr_pos *p = realloc(jr->pos, nc * sizeof *p);
		if (!p)
			return;
		jr->pos = p;
		jr->cappos = nc;
	}
	jr->pos[jr->npos++] = (struct jr_pos){node, line, col, kline, kcol};
}

static int cmp_str_ptr(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	int c = strcmp(x->string, y->string);
	if (c)
		return c;
	return (uintptr_t)x < (uintptr_t)y ? -1 : 1;
}

static void walk_value(struct walk *w, const cJSON *node, int kline, int kcol)
{
	wws(w);
	add_pos(w->jr, node, w->line, w->col, kline, kcol);
	char c = w->t[w->i];
	if (c == '{' || c == '[') {
		adv(w);
		for (const cJSON *ch = node->child; ch; ch = ch->next) {
			wws(w);
			int kl = 0, kc = 0;
			if (c == '{') {
				kl = w->line;
				kc = w->col;
				wskip_string(w);
				wws(w);
				adv(w); /* ':' */
			}
			walk_value(w, ch, kl, kc);
			wws(w);
			if (w->i < w->n && w->t[w->i] == ',')
				adv(w);
		}
		wws(w);
		adv(w); /* closing */
		if (c == '{') {
			/* duplicate keys: sort pointers by name */
			size_t cnt = 0;
			for (const cJSON *ch = node->child; ch; ch = ch->next)
				cnt++;
			if (cnt > 1) {
				const cJSON **v = malloc(cnt * sizeof *v);
				if (v) {
					size_t k = 0;
					for (const cJSON *ch = node->child; ch; ch = ch->next)
						v[k++] = ch;
					qsort(v, cnt, sizeof *v, cmp_str_ptr);
					/* stop once errors are no longer shown: the position
					 * search below is linear (hostile: 10^5 duplicates) */
					for (k = 1; k < cnt && w->jr->nerr <= w->jr->max_errors; k++)
						if (!strcmp(v[k]->string, v[k - 1]->string)) {
							const cJSON *dup = v[k];
							/* which of v[k-1], v[k] comes later in the list? */
							for (const cJSON *ch = node->child; ch; ch = ch->next)
								if (ch == v[k - 1] || ch == v[k]) {
									dup = (ch == v[k - 1]) ? v[k]
									                       : v[k - 1];
									break;
								}
							/* position of dup's key: search pos list (linear:
							 * rare) */
							int dl = 1, dc = 1;
							for (size_t p = 0; p < w->jr->npos; p++)
								if (w->jr->pos[p].node == dup) {
									dl = w->jr->pos[p].kline;
									dc = w->jr->pos[p].kcol;
								}
							jr_error_at(
							    w->jr, dl, dc,
							    "duplicate key \"%s\" (each key may appear once)",
							    dup->string);
						}
					free(v);
				}
			}
		}
	} else if (c == '"') {
		wskip_string(w);
	} else {
		while (w->i < w->n && !strchr(" \t\r\n,]}", w->t[w->i]))
			adv(w);
	}
}

static int cmp_pos(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct jr_pos *)a)->node,
	          y = (uintptr_t)((const struct jr_pos *)b)->node;
	return x < y ? -1 : x > y;
}

cJSON *jr_parse(struct jr *jr, const char *buf, size_t len)
{
	size_t i = 0;
	while (i < len && strchr(" \t\r\n", buf[i]) && buf[i])
		i++;
	if (i == len) {
		jr_error_at(jr, 1, 1, "empty file: expected a JSON object {\"format\": \"iommulab/1\", …}");
		return NULL;
	}
	size_t bad = utf8_bad((const unsigned char *)buf, len);
	if (bad < len) {
		int l, c;
		line_col(buf, bad, &l, &c);
		if (buf[bad] == 0)
			jr_error_at(jr, l, c, "NUL byte in the file: a scenario is UTF-8 text");
		else
			jr_error_at(jr, l, c, "invalid UTF-8 (byte 0x%02x): save the file as UTF-8",
			            (unsigned char)buf[bad]);
		return NULL;
	}
	jr->text = malloc(len + 1);
	if (!jr->text) {
		jr_error_at(jr, 1, 1, "out of memory reading the file");
		return NULL;
	}
	memcpy(jr->text, buf, len);
	jr->text[len] = 0;
	jr->len = len;
	/* a UTF-8 BOM counts as white space */
	if (len >= 3 && !memcmp(jr->text, "\xEF\xBB\xBF", 3))
		memset(jr->text, ' ', 3);
	if (strip_comments(jr))
		return NULL;
	struct scan s = {jr, jr->text, len, 0, 0};
	scan_value(&s, 0);
	if (!s.failed) {
		ws(&s);
		if (s.i < s.n) {
			char d[32];
			describe_char(&s, s.i, d, sizeof d);
			scan_fail(&s, s.i, "unexpected %s after the end of the document", d);
		}
	}
	if (s.failed)
		return NULL;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(jr->text, len + 1, &end, 0);
	if (!root) {
		int l = 1, c = 1;
		if (end && end >= jr->text)
			line_col(jr->text, (size_t)(end - jr->text), &l, &c);
		jr_error_at(jr, l, c, "invalid JSON");
		return NULL;
	}
	struct walk w = {jr, jr->text, len, 0, 1, 1};
	int before = jr->nerr;
	walk_value(&w, root, 0, 0);
	qsort(jr->pos, jr->npos, sizeof *jr->pos, cmp_pos);
	if (jr->nerr > before) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* ---- paths and getters ---- */

void jr_path_key(char *out, size_t cap, const char *parent, const char *key)
{
	if (parent && *parent)
		snprintf(out, cap, "%s.%s", parent, key);
	else
		snprintf(out, cap, "%s", key);
}

void jr_path_idx(char *out, size_t cap, const char *parent, int idx)
{
	snprintf(out, cap, "%s[%d]", parent ? parent : "", idx);
}

void jr_brief(const cJSON *n, char *buf, size_t cap)
{
	if (!n) {
		snprintf(buf, cap, "nothing");
		return;
	}
	if (cJSON_IsObject(n)) {
		snprintf(buf, cap, "an object");
		return;
	}
	if (cJSON_IsArray(n)) {
		snprintf(buf, cap, "an array");
		return;
	}
	char *p = cJSON_PrintUnformatted(n);
	if (!p) {
		snprintf(buf, cap, "?");
		return;
	}
	/* keep it short and printable */
	size_t L = strlen(p);
	if (L > 40)
		snprintf(buf, cap, "%.37s…", p);
	else
		snprintf(buf, cap, "%s", p);
	for (char *q = buf; *q; q++)
		if ((unsigned char)*q < 0x20)
			*q = '?';
	cJSON_free(p);
}

static const char *type_name(const cJSON *n)
{
	if (cJSON_IsObject(n))
		return "an object";
	if (cJSON_IsArray(n))
		return "an array";
	if (cJSON_IsString(n))
		return "a string";
	if (cJSON_IsNumber(n))
		return "a number";
	if (cJSON_IsBool(n))
		return "a boolean";
	return "null";
}

int jr_expect_object(struct jr *jr, const cJSON *n, const char *path)
{
	if (cJSON_IsObject(n))
		return 0;
	jr_error(jr, n, path, "expected an object, got %s", type_name(n));
	return -1;
}

const cJSON *jr_member(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 99;
	int d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int c = d[i - 1][j - 1] +
			        (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

int jr_check_keys(struct jr *jr, const cJSON *obj, const char *path, const char *const *allowed)
{
	int bad = 0;
	for (const cJSON *ch = obj->child; ch; ch = ch->next) {
		int ok = 0;
		for (int i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], ch->string))
				ok = 1;
		if (ok)
			continue;
		bad = 1;
		if (jr->nerr > jr->max_errors)
			continue; /* no longer shown: skip the "did you mean" search */
		const char *best = NULL;
		int bd = 99;
		for (int i = 0; allowed[i]; i++) {
			int d = edit_distance(allowed[i], ch->string);
			if (d < bd) {
				bd = d;
				best = allowed[i];
			}
		}
		char kp[256], shown[64];
		jr_path_key(kp, sizeof kp, path, "");
		snprintf(shown, sizeof shown, "%.40s", ch->string);
		for (char *q = shown; *q; q++)
			if ((unsigned char)*q < 0x20)
				*q = '?';
		if (best && bd <= 1 + (int)strlen(ch->string) / 3)
			jr_error_key(jr, ch, path, "unknown key \"%s\" (did you mean \"%s\"?)", shown, best);
		else {
			char list[400] = "";
			for (int i = 0; allowed[i]; i++) {
				if (strlen(list) + strlen(allowed[i]) + 4 > sizeof list)
					break;
				strcat(list, i ? ", " : "");
				strcat(list, allowed[i]);
			}
			jr_error_key(jr, ch, path, "unknown key \"%s\"; expected one of: %s", shown, list);
		}
	}
	return bad ? -1 : 0;
}

const cJSON *jr_require(struct jr *jr, const cJSON *obj, const char *path, const char *key)
{
	const cJSON *v = jr_member(obj, key);
	if (!v)
		jr_error(jr, obj, path, "missing key \"%s\"", key);
	return v;
}

int parse_u64_str(const char *s, uint64_t *out)
{
	const char *p = s;
	while (*p == ' ')
		p++;
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return -1;
	uint64_t v = 0;
	for (; *p && *p != ' '; p++) {
		int d;
		if (*p == '_')
			continue;
		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -2; /* overflow */
		v = v * (uint64_t)base + (uint64_t)d;
	}
	while (*p == ' ')
		p++;
	if (*p)
		return -1;
	*out = v;
	return 0;
}

int parse_size_str(const char *s, uint64_t *out)
{
	char num[64];
	size_t i = 0;
	while (s[i] && (isxdigit((unsigned char)s[i]) || s[i] == 'x' || s[i] == 'X' || s[i] == '_') &&
	       i < 63) {
		/* stop before a unit letter that is also a hex digit ("B" never appears before K/M/G/T) */
		if (!(s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '_')
			break;
		num[i] = s[i];
		i++;
	}
	num[i] = 0;
	uint64_t v;
	int rc = parse_u64_str(num, &v);
	if (rc)
		return rc;
	const char *u = s + i;
	while (*u == ' ')
		u++;
	uint64_t mul = 1;
	if (!*u || !strcmp(u, "B"))
		mul = 1;
	else if (!strcmp(u, "KiB") || !strcmp(u, "K"))
		mul = 1ull << 10;
	else if (!strcmp(u, "MiB") || !strcmp(u, "M"))
		mul = 1ull << 20;
	else if (!strcmp(u, "GiB") || !strcmp(u, "G"))
		mul = 1ull << 30;
	else if (!strcmp(u, "TiB") || !strcmp(u, "T"))
		mul = 1ull << 40;
	else
		return -1;
	if (v && mul > UINT64_MAX / v)
		return -2;
	*out = v * mul;
	return 0;
}

int jr_u64(struct jr *jr, const cJSON *n, const char *path, uint64_t max, uint64_t *out)
{
	char b[64];
	if (cJSON_IsNumber(n)) {
		double d = n->valuedouble;
		if (d < 0) {
			jr_brief(n, b, sizeof b);
			jr_error(jr, n, path, "expected a non-negative integer, got %s", b);
			return -1;
		}
		/* range first: converting an out-of-range double to an integer is undefined */
		if (!(d < 9007199254740992.0)) { /* 2^53 + 1 already rounds to 2^53 */
			jr_brief(n, b, sizeof b);
			jr_error(jr, n, path,
			         "integer %s is too large to be exact in JSON; write it as a \"0x…\" string",
			         b);
			return -1;
		}
		if (d != (double)(uint64_t)d) {
			jr_brief(n, b, sizeof b);
			jr_error(jr, n, path, "expected an integer (large values as \"0x…\" strings), got %s",
			         b);
			return -1;
		}
		*out = (uint64_t)d;
	} else if (cJSON_IsString(n)) {
		int rc = parse_u64_str(n->valuestring, out);
		if (rc) {
			jr_brief(n, b, sizeof b);
			jr_error(jr, n, path,
			         rc == -2 ? "expected a value below 2^64, got %s"
			                  : "expected an integer or a \"0x…\" hex string, got %s",
			         b);
			return -1;
		}
	} else {
		jr_error(jr, n, path, "expected an integer or a \"0x…\" string, got %s", type_name(n));
		return -1;
	}
	if (*out > max) {
		jr_brief(n, b, sizeof b);
		jr_error(jr, n, path, "expected at most 0x%llx, got %s", (unsigned long long)max, b);
		return -1;
	}
	return 0;
}

int jr_size(struct jr *jr, const cJSON *n, const char *path, uint64_t max, uint64_t *out)
{
	char b[64];
	if (cJSON_IsString(n)) {
		int rc = parse_size_str(n->valuestring, out);
		if (rc) {
			jr_brief(n, b, sizeof b);
			jr_error(jr, n, path,
			         rc == -2
			             ? "size %s does not fit in 64 bits"
			             : "expected a size such as 4096, \"4KiB\", \"2MiB\", \"1GiB\", got %s",
			         b);
			return -1;
		}
	} else if (cJSON_IsNumber(n)) {
		if (jr_u64(jr, n, path, UINT64_MAX, out))
			return -1;
	} else {
		jr_error(jr, n, path, "expected a size such as \"4KiB\", got %s", type_name(n));
		return -1;
	}
	if (*out > max) {
		jr_brief(n, b, sizeof b);
		jr_error(jr, n, path, "size %s is too large (at most 0x%llx bytes)", b,
		         (unsigned long long)max);
		return -1;
	}
	return 0;
}

int jr_str(struct jr *jr, const cJSON *n, const char *path, const char **out)
{
	if (!cJSON_IsString(n)) {
		jr_error(jr, n, path, "expected a string, got %s", type_name(n));
		return -1;
	}
	*out = n->valuestring;
	return 0;
}

int jr_bool(struct jr *jr, const cJSON *n, const char *path, int *out)
{
	if (!cJSON_IsBool(n)) {
		jr_error(jr, n, path, "expected true or false, got %s", type_name(n));
		return -1;
	}
	*out = cJSON_IsTrue(n);
	return 0;
}

int jr_enum(struct jr *jr, const cJSON *n, const char *path, const char *const *names, int *out)
{
	char list[300] = "", b[64];
	if (cJSON_IsString(n))
		for (int i = 0; names[i]; i++)
			if (!strcmp(names[i], n->valuestring)) {
				*out = i;
				return 0;
			}
	for (int i = 0; names[i]; i++) {
		if (strlen(list) + strlen(names[i]) + 6 > sizeof list)
			break;
		strcat(list, i ? ", \"" : "\"");
		strcat(list, names[i]);
		strcat(list, "\"");
	}
	jr_brief(n, b, sizeof b);
	jr_error(jr, n, path, "expected one of %s, got %s", list, b);
	return -1;
}

int jr_text(struct jr *jr, const cJSON *n, const char *path, const char **en, const char **zh)
{
	*en = *zh = NULL;
	if (cJSON_IsString(n)) {
		*en = n->valuestring;
		return 0;
	}
	if (!cJSON_IsObject(n)) {
		jr_error(jr, n, path, "expected {\"en\": \"…\", \"zh\": \"…\"} or a string, got %s",
		         type_name(n));
		return -1;
	}
	static const char *const keys[] = {"en", "zh", NULL};
	int rc = jr_check_keys(jr, n, path, keys);
	char p[256];
	const cJSON *e = jr_member(n, "en"), *z = jr_member(n, "zh");
	if (e) {
		jr_path_key(p, sizeof p, path, "en");
		rc |= jr_str(jr, e, p, en);
	}
	if (z) {
		jr_path_key(p, sizeof p, path, "zh");
		rc |= jr_str(jr, z, p, zh);
	}
	return rc ? -1 : 0;
}

int jr_name(struct jr *jr, const cJSON *n, const char *path, const char **out)
{
	if (jr_str(jr, n, path, out))
		return -1;
	size_t L = strlen(*out);
	int ok = L >= 1 && L <= 31;
	for (size_t i = 0; ok && i < L; i++) {
		char c = (*out)[i];
		ok = isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
	}
	if (!ok) {
		char b[64];
		jr_brief(n, b, sizeof b);
		jr_error(jr, n, path, "expected a name of 1–31 characters from [A-Za-z0-9_.-], got %s", b);
		return -1;
	}
	return 0;
}
