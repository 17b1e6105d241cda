/*
 * action.c — helpers every action's parse function uses: typed members of
 * the step object with FILE:LINE:COL errors, `$name` references to values
 * bound by earlier steps, hex byte strings.
 */
#include "action.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

static const cJSON *member(struct parse_ctx *pc, const char *key, int required, char *path, size_t cap)
{
	jr_path_key(path, cap, pc->path, key);
	const cJSON *v = jr_member(pc->step, key);
	if (!v && required)
		jr_error(pc->jr, pc->step, pc->path, "missing key \"%s\" (needed by \"%s\")", key,
		         cJSON_GetStringValue(jr_member(pc->step, "do"))
		             ? cJSON_GetStringValue(jr_member(pc->step, "do"))
		             : "?");
	return v;
}

/* "\"a\", \"b\", …" for an error message, at most ~150 characters */
static void quote_list(char *out, size_t cap, const char *const *names, int n)
{
	size_t len = 0;
	out[0] = 0;
	for (int i = 0; i < n && len < 150; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s\"%s\"", i ? ", " : "", names[i]);
}

/* a name from the step that must be one of names[]; *idx = its index, -1 when absent */
static int pc_name_of(struct parse_ctx *pc, const char *key, int required, const char *const *names, int n,
                      const char *what, int *idx)
{
	char path[256];
	const cJSON *v = member(pc, key, required, path, sizeof path);
	*idx = -1;
	if (!v)
		return required ? -1 : 0;
	const char *name;
	if (jr_str(pc->jr, v, path, &name))
		return -1;
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], name)) {
			*idx = i;
			return 0;
		}
	char list[200];
	quote_list(list, sizeof list, names, n);
	jr_error(pc->jr, v, path, "no %s named \"%.40s\"%s%s", what, name,
	         n ? "; expected one of " : " (the machine has none)", list);
	return -1;
}

int pc_vm(struct parse_ctx *pc, const char *key, int required, int *vm)
{
	/* "host" names the host; then the VMs in order */
	const char *names[MAX_VMS + 1] = {"host"};
	for (int i = 0; i < pc->md->nvms; i++)
		names[i + 1] = pc->md->vms[i].name;
	int idx;
	int rc = pc_name_of(pc, key, required, names, pc->md->nvms + 1, "VM", &idx);
	*vm = idx > 0 ? idx - 1 : -1;
	return rc;
}

int pc_device(struct parse_ctx *pc, const char *key, int required, int *dev)
{
	const char *names[MAX_DEVICES];
	for (int i = 0; i < pc->md->ndevs; i++)
		names[i] = pc->md->devs[i].name;
	return pc_name_of(pc, key, required, names, pc->md->ndevs, "device", dev);
}

static int find_var(const struct scenario *sc, const char *name)
{
	for (int i = 0; i < sc->nvars; i++)
		if (!strcmp(sc->vars[i], name))
			return i;
	return -1;
}

int pc_addr(struct parse_ctx *pc, const char *key, int required, struct addr_arg *a)
{
	char path[256];
	const cJSON *v = member(pc, key, required, path, sizeof path);
	a->v = 0;
	a->var = -1;
	if (!v)
		return required ? -1 : 0;
	return pc_addr_node(pc, v, path, a);
}

int pc_addr_node(struct parse_ctx *pc, const cJSON *v, const char *path, struct addr_arg *a)
{
	a->v = 0;
	a->var = -1;
	if (cJSON_IsString(v) && v->valuestring[0] == '$') {
		char name[NAME_LEN];
		const char *s = v->valuestring + 1;
		size_t n = 0;
		while (s[n] && (isalnum((unsigned char)s[n]) || s[n] == '_') && n < NAME_LEN - 1)
			n++;
		memcpy(name, s, n);
		name[n] = 0;
		int id = find_var(pc->sc, name);
		if (id < 0) {
			jr_error(pc->jr, v, path,
			         "\"$%s\" is not bound by an earlier step (bind it with \"as\": \"%s\")",
			         name, name);
			return -1;
		}
		a->var = id;
		s += n;
		while (*s == ' ')
			s++;
		if (*s == '+') {
			s++;
			while (*s == ' ')
				s++;
			if (parse_u64_str(s, &a->v)) {
				jr_error(pc->jr, v, path,
				         "expected \"$name\" or \"$name+0x…\", got \"%.40s\"",
				         v->valuestring);
				return -1;
			}
		} else if (*s) {
			jr_error(pc->jr, v, path, "expected \"$name\" or \"$name+0x…\", got \"%.40s\"",
			         v->valuestring);
			return -1;
		}
		return 0;
	}
	return jr_u64(pc->jr, v, path, UINT64_MAX, &a->v);
}

int pc_u64(struct parse_ctx *pc, const char *key, int required, uint64_t max, uint64_t dflt, uint64_t *out)
{
	char path[256];
	const cJSON *v = member(pc, key, required, path, sizeof path);
	*out = dflt;
	if (!v)
		return required ? -1 : 0;
	return jr_u64(pc->jr, v, path, max, out);
}

int pc_size(struct parse_ctx *pc, const char *key, int required, uint64_t max, uint64_t dflt, uint64_t *out)
{
	char path[256];
	const cJSON *v = member(pc, key, required, path, sizeof path);
	*out = dflt;
	if (!v)
		return required ? -1 : 0;
	return jr_size(pc->jr, v, path, max, out);
}

int pc_enum(struct parse_ctx *pc, const char *key, int required, const char *const *names, int dflt, int *out)
{
	char path[256];
	const cJSON *v = member(pc, key, required, path, sizeof path);
	*out = dflt;
	if (!v)
		return required ? -1 : 0;
	return jr_enum(pc->jr, v, path, names, out);
}

int pc_bool(struct parse_ctx *pc, const char *key, int dflt, int *out)
{
	char path[256];
	const cJSON *v = member(pc, key, 0, path, sizeof path);
	*out = dflt;
	if (!v)
		return 0;
	return jr_bool(pc->jr, v, path, out);
}

int pc_str(struct parse_ctx *pc, const char *key, int required, const char **out)
{
	char path[256];
	const cJSON *v = member(pc, key, required, path, sizeof path);
	*out = NULL;
	if (!v)
		return required ? -1 : 0;
	return jr_str(pc->jr, v, path, out);
}

int pc_bind(struct parse_ctx *pc, const char *key, int required, int *var)
{
	char path[256];
	const cJSON *v = member(pc, key, required, path, sizeof path);
	*var = -1;
	if (!v)
		return required ? -1 : 0;
	const char *name;
	if (jr_name(pc->jr, v, path, &name))
		return -1;
	if (strchr(name, '.') || strchr(name, '-')) {
		jr_error(pc->jr, v, path, "a bound name uses [A-Za-z0-9_] only, got \"%s\"", name);
		return -1;
	}
	int id = find_var(pc->sc, name);
	if (id < 0) {
		if (pc->sc->nvars >= MAX_VARS) {
			jr_error(pc->jr, v, path, "too many bound names (at most %d)", MAX_VARS);
			return -1;
		}
		id = pc->sc->nvars++;
		snprintf(pc->sc->vars[id], NAME_LEN, "%s", name);
	}
	*var = id;
	return 0;
}

int pc_bytes(struct parse_ctx *pc, const char *key, int required, const uint8_t **bytes, size_t *len)
{
	char path[256];
	const cJSON *v = member(pc, key, required, path, sizeof path);
	*bytes = NULL;
	*len = 0;
	if (!v)
		return required ? -1 : 0;
	const char *s;
	if (jr_str(pc->jr, v, path, &s))
		return -1;
	size_t n = strlen(s);
	uint8_t *out = scenario_alloc(pc->sc, n / 2 + 1);
	size_t k = 0;
	int half = -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ' ' || c == ':' || c == '_')
			continue;
		if (i == 0 && c == '0' && n > 1 && (s[1] == 'x' || s[1] == 'X')) {
			i++;
			continue;
		}
		if (!isxdigit((unsigned char)c)) {
			jr_error(pc->jr, v, path,
			         "expected hex bytes such as \"de ad be ef\", got '%c' at offset %zu", c, i);
			return -1;
		}
		int d = isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
		if (half < 0)
			half = d;
		else {
			out[k++] = (uint8_t)(half << 4 | d);
			half = -1;
		}
	}
	if (half >= 0) {
		jr_error(pc->jr, v, path, "odd number of hex digits");
		return -1;
	}
	*bytes = out;
	*len = k;
	return 0;
}

int addr_resolve(const struct machine *m, const struct addr_arg *a, struct step_result *r, uint64_t *out)
{
	if (a->var < 0) {
		*out = a->v;
		return 0;
	}
	if (a->var >= m->nvars || !m->vars[a->var].set) {
		snprintf(r->error, sizeof r->error,
		         "$%s has no value: the step that binds it did not succeed",
		         a->var < m->nvars ? m->vars[a->var].name : "?");
		return -1;
	}
	*out = m->vars[a->var].v + a->v;
	return 0;
}
