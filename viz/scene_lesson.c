/*
 * scene_lesson.c — a lesson's questions in the viewer: "predict what
 * happens next" (issue 7), the answer revealed on demand, and the end card
 * with "Try this" and the references.
 *
 * Positions. Between two steps that carry a question there is one extra
 * stop, the gate: the class is asked before the step runs, so the step's
 * own text (which usually gives the answer away), its token and any fault
 * banner stay hidden there. After the last event comes the end card.
 *
 *   ... last event of step k-1 | GATE (ask=1, cur=mark[k]) | first event of step k ...
 *   ... last event of the run  | END  (outro=1, cur=n-1)
 *
 * The narration area at a gate, 1024x640 and up:
 *
 *   +----------------------------------------------------------------+
 *   | (PREDICT) The device reads the same GPA. Which tables does ... |
 *   | (ANSWER)  Neither the guest's tables nor EPT: the IOMMU ...    |  <- after A / a click
 *   |           or: "Think, discuss, then press A to see the answer" |
 *   +----------------------------------------------------------------+
 *
 * Revealed answers are a bit set in the view (bit q = question q), so they
 * survive moving back and forth. Autoplay holds at a gate whose answer is
 * hidden (scene_nav_hold); the viewer stops there until A, → or Space.
 *
 * Not modelled: several questions at one anchor (the first one is asked);
 * a question anchored before a step without events (it has no position).
 */
#include <stdio.h>
#include <string.h>

#include "scene_int.h"

#define NONE ((struct rgba){0, 0, 0, 0})

static uint64_t nev(const struct scene_src *src)
{
	return src->t ? src->t->n : 0;
}

int scene_gate_at(const struct scene_src *src, uint64_t i)
{
	const struct scenario *sc = src->sc;
	if (!sc || !src->mark || i >= nev(src))
		return -1;
	for (int q = 0; q < sc->nquestions; q++) {
		int k = sc->questions[q].after_step;
		if (k >= 0 && k < src->nsteps && src->mark[k] == i && src->mark[k + 1] > i)
			return q;
	}
	return -1;
}

static int end_question(const struct scene_src *src)
{
	const struct scenario *sc = src->sc;
	for (int q = 0; sc && q < sc->nquestions; q++)
		if (sc->questions[q].after_step < 0)
			return q;
	return -1;
}

int scene_question_at(const struct scene_src *src, const struct scene_view *v)
{
	if (v->outro)
		return end_question(src);
	if (v->ask)
		return scene_gate_at(src, v->cur);
	return -1;
}

int scene_has_outro(const struct scene_src *src)
{
	const struct scenario *sc = src->sc;
	return sc && (sc->try_en || sc->try_zh || sc->refs || end_question(src) >= 0);
}

int scene_nav_next(const struct scene_src *src, struct scene_view *v)
{
	uint64_t n = nev(src);
	if (v->outro || n == 0)
		return 0;
	if (v->ask) {
		v->ask = 0; /* the step begins */
		return 1;
	}
	if (v->cur + 1 < n) {
		v->cur++;
		v->ask = scene_gate_at(src, v->cur) >= 0;
		return 1;
	}
	if (scene_has_outro(src)) {
		v->outro = 1;
		return 1;
	}
	return 0;
}

int scene_nav_prev(const struct scene_src *src, struct scene_view *v)
{
	if (v->outro) {
		v->outro = 0;
		return 1;
	}
	if (v->ask) {
		if (v->cur == 0)
			return 0;
		v->ask = 0;
		v->cur--;
		return 1;
	}
	if (scene_gate_at(src, v->cur) >= 0) {
		v->ask = 1;
		return 1;
	}
	if (v->cur > 0) {
		v->cur--;
		return 1;
	}
	return 0;
}

int scene_nav_hold(const struct scene_src *src, const struct scene_view *v)
{
	int q = scene_question_at(src, v);
	return q >= 0 && q < 32 && !(v->revealed & (1u << q));
}

int scene_toggle_answer(const struct scene_src *src, struct scene_view *v)
{
	int q = scene_question_at(src, v);
	if (q < 0 || q >= 32)
		return -1;
	v->revealed ^= 1u << q;
	return q;
}

/* ---------------------------------------------------------------- drawing */

int sc_card_active(const struct scene_src *src, const struct scene_view *v)
{
	return scene_question_at(src, v) >= 0 || (v->outro && scene_has_outro(src));
}

static const char *pick(const struct scene_view *v, const char *en, const char *zh)
{
	if (v->lang == LANG_ZH)
		return zh ? zh : en;
	return en ? en : zh;
}

/* The card's texts: a badge and a line for the question (or the end), a
 * badge and a line for the answer (or the hint). */
struct card {
	char b1[48], b2[48];
	const char *t1, *t2;
	int revealed;
	int q;
};

static void card_texts(const struct scene_src *src, const struct scene_view *v, struct card *c)
{
	memset(c, 0, sizeof(*c));
	c->q = scene_question_at(src, v);
	if (c->q >= 0) {
		const struct question *Q = &src->sc->questions[c->q];
		c->revealed = c->q < 32 && (v->revealed & (1u << c->q));
		snprintf(c->b1, sizeof(c->b1), "%s", sc_L(v, "PREDICT", "预测"));
		c->t1 = pick(v, Q->q_en, Q->q_zh);
		if (c->revealed) {
			snprintf(c->b2, sizeof(c->b2), "%s", sc_L(v, "ANSWER", "答案"));
			c->t2 = pick(v, Q->a_en, Q->a_zh);
		} else {
			c->t2 =
			    sc_L(v,
			         "Think it over and discuss — then press A (or click this card) to see the "
			         "answer; "
			         "→ runs the step.",
			         "先想一想、讨论一下，再按 A（或点击这张卡片）查看答案；按 → 执行这一步。");
		}
	} else {
		snprintf(c->b1, sizeof(c->b1), "%s", sc_L(v, "END", "结束"));
		c->t1 = sc_L(v,
		             "End of the lesson. Try it yourself: edit the lesson file (the viewer reloads "
		             "it on save).",
		             "本课结束。动手试试：修改课程文件（保存后查看器会自动重新加载）。");
		c->t2 = NULL;
	}
}

static float badge_width(struct scene *s, const struct card *c)
{
	float a = (float)sc_tw(s, SF_BOLD, s->px_body, c->b1, -1);
	float b = c->b2[0] ? (float)sc_tw(s, SF_BOLD, s->px_body, c->b2, -1) : 0;
	return (a > b ? a : b) + 18 * s->s;
}

/* Text sizes of the card: the question at title size when it takes at
 * most 2 lines (else body + 1), the answer as large as fits in hmax (the
 * back row must read it), from body + 3 down to body. */
struct card_fit {
	int px1, face1, n1, px2, n2;
	float h1, h2, h;
};

static void card_fit(struct scene *s, const struct card *c, float tw, float hmax, struct card_fit *f)
{
	float sc = s->s, pad = 14 * sc, bh = s->px_body * 1.6f;
	int n = sc_wrap(s, 0, 0, tw, SF_BOLD, s->px_title, NONE, c->t1, 8, 0);
	f->px1 = n <= 2 ? s->px_title : s->px_body + 1;
	f->face1 = n <= 2 ? SF_BOLD : SF_SANS;
	f->n1 = n <= 2 ? n : sc_wrap(s, 0, 0, tw, SF_SANS, f->px1, NONE, c->t1, 8, 0);
	if (f->n1 < 1)
		f->n1 = 1;
	f->h1 = f->px1 * 1.35f * (float)f->n1;
	if (f->h1 < bh)
		f->h1 = bh;
	f->px2 = s->px_body;
	f->n2 = 0;
	f->h2 = 0;
	if (c->t2) {
		const int sizes[] = {s->px_body + 3, s->px_body + 1, s->px_body};
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			f->px2 = c->revealed ? sizes[k] : s->px_body;
			f->n2 = sc_wrap(s, 0, 0, tw, SF_SANS, f->px2, NONE, c->t2, 12, 0);
			if (f->n2 < 1)
				f->n2 = 1;
			f->h2 = 8 * sc + f->px2 * 1.35f * (float)f->n2;
			if (f->h2 < bh + 8 * sc)
				f->h2 = bh + 8 * sc;
			if (!c->revealed || 2 * pad + f->h1 + f->h2 <= hmax)
				break;
		}
	}
	f->h = 2 * pad + f->h1 + f->h2;
}

/* The narration panel may take up to 40% of the window for a card (scene.c). */
#define CARD_HMAX(v) ((float)((v)->h > 64 ? (v)->h : 64) * 0.4f)

float sc_card_height(struct scene *s, const struct scene_src *src, const struct scene_view *v, float w)
{
	struct card c;
	card_texts(src, v, &c);
	float sc = s->s, pad = 14 * sc;
	float tw = w - 2 * pad - badge_width(s, &c) - 10 * sc;
	struct card_fit f;
	card_fit(s, &c, tw, CARD_HMAX(v), &f);
	return f.h;
}

void sc_card(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
             float w, float h)
{
	struct card c;
	card_texts(src, v, &c);
	float sc = s->s, pad = 14 * sc;
	s->question = c.q;
	s->answer_shown = c.q >= 0 && c.revealed;
	struct rgb edge = c.q >= 0 ? THEME_ACTIVE : THEME_KERNEL;
	sc_elem(s, SE_PANEL, 1, x, y, w, h, -1);
	if (c.q >= 0)
		sc_elem(s, SE_QUESTION, c.q, x, y, w, h, -1);
	sc_rect(s, x, y, w, h, sc_mix(edge, THEME_PANEL, 0.86f), sc_rgba(edge, 255), 8 * sc, 3.0f * sc);
	float bw = badge_width(s, &c), bh = s->px_body * 1.6f;
	float tx = x + pad + bw + 10 * sc, tw = x + w - pad - tx;
	float bottom = y + h - pad * 0.5f;
	struct card_fit f;
	card_fit(s, &c, tw, h, &f);
	/* the question */
	sc_rect(s, x + pad, y + pad, bw, bh,
	        c.q >= 0 ? sc_rgba(THEME_ACTIVE, 255) : sc_rgba(THEME_KERNEL, 255), NONE, bh / 2, 0);
	sc_text(s, x + pad, y + pad + (bh - s->px_body * 1.3f) / 2, bw, SF_BOLD, s->px_body, SA_CENTER,
	        c.q >= 0 ? sc_rgba(THEME_INK, 255) : sc_rgba(THEME_PANEL, 255), c.b1);
	int n1 = f.n1, max1 = (int)((bottom - (y + pad)) / (f.px1 * 1.35f));
	if (max1 < 1)
		max1 = 1;
	if (n1 > max1) {
		n1 = max1;
		s->card_cut = 1;
	}
	float ty = y + pad + (n1 <= 1 ? (bh - f.px1 * 1.35f) / 2 : 0);
	sc_wrap(s, tx, ty, tw, f.face1, f.px1, sc_rgba(THEME_INK, 255), c.t1, n1, 1);
	float h1 = f.px1 * 1.35f * (float)n1;
	if (h1 < bh)
		h1 = bh;
	if (!c.t2)
		return;
	/* the answer, or how to get it */
	float ay = y + pad + h1 + 8 * sc;
	int max2 = (int)((bottom - ay) / (f.px2 * 1.35f));
	if (f.n2 > max2)
		s->card_cut = 1;
	if (max2 < 1)
		return;
	if (c.revealed) {
		sc_rect(s, x + pad, ay, bw, bh, sc_rgba(THEME_HIT, 255), NONE, bh / 2, 0);
		sc_text(s, x + pad, ay + (bh - s->px_body * 1.3f) / 2, bw, SF_BOLD, s->px_body, SA_CENTER,
		        sc_rgba(THEME_PANEL, 255), c.b2);
	}
	float a2 = ay + (f.n2 <= 1 ? (bh - f.px2 * 1.35f) / 2 : 0);
	sc_wrap(s, tx, a2, tw, SF_SANS, f.px2,
	        c.revealed ? sc_rgba(THEME_INK, 255) : sc_rgba(THEME_MUTED, 255), c.t2, max2, 1);
}

/* The end card over the main area: "Try this" and the references, in the
 * largest text size that fits. */
void sc_end_card(struct scene *s, const struct scene_src *src, const struct scene_view *v)
{
	const struct scenario *sc_ = src->sc;
	if (!v->outro || !sc_)
		return;
	const char *tr = pick(v, sc_->try_en, sc_->try_zh);
	const char *refs = sc_->refs;
	if (!tr && !refs)
		return;
	s->end_card = 1;
	float sc = s->s, pad = 18 * sc;
	float x = s->main_x + s->main_w * 0.03f, w = s->main_w * 0.94f;
	float y = s->main_y + 6 * sc, hmax = s->main_h - 12 * sc;
	float tw = w - 2 * pad;
	const int sizes[] = {s->px_title, s->px_body + 3, s->px_body + 1, s->px_body, s->px_small};
	int pb = s->px_small, pr = s->px_small, nt = 0, nr = 0;
	float head = s->px_title * 1.5f, hh = 0;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		pb = sizes[k];
		pr = pb - 2 > s->px_small ? pb - 2 : s->px_small;
		nt = tr ? sc_wrap(s, 0, 0, tw, SF_SANS, pb, NONE, tr, 40, 0) : 0;
		nr = refs ? sc_wrap(s, 0, 0, tw, SF_SANS, pr, NONE, refs, 40, 0) : 0;
		hh = 2 * pad + (tr ? head + pb * 1.35f * (float)nt + 10 * sc : 0) +
		     (refs ? head + pr * 1.35f * (float)nr : 0);
		if (hh <= hmax)
			break;
	}
	float h = hh < hmax ? hh : hmax;
	sc_rect(s, x + 4 * sc, y + 5 * sc, w, h, (struct rgba){0, 0, 0, 50}, NONE, 10 * sc, 0);
	sc_rect(s, x, y, w, h, sc_rgba(THEME_PANEL, 255), sc_rgba(THEME_KERNEL, 255), 10 * sc, 3.0f * sc);
	float cy = y + pad, bottom = y + h - pad * 0.6f;
	if (tr) {
		sc_text(s, x + pad, cy, tw, SF_BOLD, s->px_title, SA_LEFT, sc_rgba(THEME_KERNEL, 255),
		        sc_L(v, "Try this", "动手试试"));
		cy += head;
		int maxl = (int)((bottom - cy) / (pb * 1.35f));
		if (maxl < nt)
			s->card_cut = 1;
		if (maxl > nt)
			maxl = nt;
		if (maxl >= 1)
			cy += pb * 1.35f *
			      (float)sc_wrap(s, x + pad, cy, tw, SF_SANS, pb, sc_rgba(THEME_INK, 255), tr,
			                     maxl, 1);
		cy += 10 * sc;
	}
	if (refs && cy + head + pr * 1.35f > bottom + 1)
		s->card_cut = 1;
	if (refs && cy + head + pr * 1.35f <= bottom + 1) {
		sc_text(s, x + pad, cy, tw, SF_BOLD, s->px_title, SA_LEFT, sc_rgba(THEME_KERNEL, 255),
		        sc_L(v, "References", "参考资料"));
		cy += head;
		int maxl = (int)((bottom - cy) / (pr * 1.35f));
		if (maxl < nr)
			s->card_cut = 1;
		if (maxl >= 1)
			sc_wrap(s, x + pad, cy, tw, SF_SANS, pr, sc_rgba(THEME_MUTED, 255), refs, maxl, 1);
	}
}
