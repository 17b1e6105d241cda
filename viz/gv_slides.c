/*
 * gv_slides.c — a slide deck: one SVG per step plus index.html.
 *
 *   DIR/step-01.svg … step-NN.svg   the step's diagram (flow by default;
 *                                   a step the diagram does not apply to
 *                                   gets its flow diagram instead)
 *   DIR/index.html                  every SVG inlined, the step's narration
 *                                   (the scenario's `say`, then the events
 *                                   in words), ← → / PageUp PageDown /
 *                                   Home End / click to flip
 *
 * index.html needs nothing but a browser: no network, no script library,
 * the SVGs are inside it (the .svg files are there for slide software).
 * The opening slide is step 1; the URL fragment (#3) remembers the slide.
 *
 * Not modelled: speaker notes, animations inside a slide.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "gv.h"

/* Narration lines of events [lo, hi): runs of walk.ref are summarised. */
static void narrate_events(const struct machine *m, uint64_t lo, uint64_t hi, enum lang lang, struct gv_sb *b)
{
	const struct trace *t = &m->trace;
	char line[512];
	int shown = 0;
	const int max_lines = 14;
	for (uint64_t i = lo; i < hi && i < t->n; i++) {
		const struct ev *e = &t->ev[i];
		if (e->kind == EV_STEP || e->kind == EV_NOTE)
			continue; /* the step's own narration is shown above the list */
		if (e->kind == EV_WALK_REF) {
			uint64_t j = i;
			int guest = 0, ept = 0, other = 0;
			while (j < hi && j < t->n && t->ev[j].kind == EV_WALK_REF) {
				if (t->ev[j].walker == WALKER_EPT)
					ept++;
				else if (t->ev[j].walker == WALKER_GUEST)
					guest++;
				else
					other++;
				j++;
			}
			int n = (int)(j - i);
			int io = other && !guest && !ept && t->ev[i].walker >= WALKER_IOMMU_ROOT;
			if (shown < max_lines && io) {
				if (lang == LANG_ZH)
					sb_printf(
					    b, "<li>IOMMU 读取 %d 个表项（根表/上下文表/二级页表）</li>", n);
				else
					sb_printf(
					    b,
					    "<li>IOMMU reads %d entries (root / context / second level)</li>",
					    n);
			} else if (shown < max_lines) {
				if (lang == LANG_ZH) {
					snprintf(line, sizeof line, "页表遍历：读取 %d 个表项", n);
					sb_printf(b, "<li>%s", line);
					if (ept)
						sb_printf(b, "（客户机 %d 个，EPT %d 个）", guest, ept);
				} else {
					snprintf(line, sizeof line, "Page walk: %d entries read", n);
					sb_printf(b, "<li>%s", line);
					if (ept)
						sb_printf(b, " (%d guest, %d EPT)", guest, ept);
				}
				(void)other;
				sb_puts(b, "</li>");
			}
			shown++;
			i = j - 1;
			continue;
		}
		ev_narrate(m, t, e, lang, line, sizeof line);
		if (!line[0])
			continue;
		if (shown < max_lines) {
			sb_puts(b, "<li>");
			sb_esc(b, line);
			sb_puts(b, "</li>");
		}
		shown++;
	}
	if (shown > max_lines) {
		if (lang == LANG_ZH)
			sb_printf(b, "<li class=\"more\">……另有 %d 个事件</li>", shown - max_lines);
		else
			sb_printf(b, "<li class=\"more\">… and %d more events</li>", shown - max_lines);
	}
}

static const char *svg_body(const char *svg)
{
	const char *p = strstr(svg, "<svg");
	return p ? p : svg;
}

static const char css[] =
    "*{box-sizing:border-box}\n"
    "html,body{margin:0;height:100%}\n"
    "body{font-family:\"WenQuanYi Micro Hei\",\"Noto Sans CJK SC\",\"Microsoft YaHei\",\"PingFang "
    "SC\",sans-serif;"
    "background:#F7F5F0;color:#22262E;display:flex;flex-direction:column}\n"
    "header{display:flex;justify-content:space-between;align-items:baseline;padding:10px 20px;"
    "border-bottom:1px solid #D9D6CE;background:#FFFFFF}\n"
    "header h1{font-size:20px;margin:0}\n"
    "#count{color:#6B7280;font-size:16px}\n"
    "main{flex:1;min-height:0;position:relative;background:#FFFFFF}\n"
    ".slide{display:none;position:absolute;inset:0;padding:8px}\n"
    ".slide.on{display:block}\n"
    ".slide svg{width:100%;height:100%}\n"
    ".say{display:none}\n"
    "footer{background:#F7F5F0;border-top:1px solid #D9D6CE;padding:10px "
    "20px;max-height:34vh;overflow:auto}\n"
    "#say p{font-size:20px;margin:0 0 6px 0}\n"
    "#say ol{margin:0;padding-left:1.4em;font-size:14px;color:#22262E;columns:2;column-gap:2em}\n"
    "#say li.more{color:#6B7280;list-style:none}\n"
    "#hint{color:#6B7280;font-size:12px;margin-top:4px}\n";

static const char js[] =
    "(function(){\n"
    "var s=document.querySelectorAll('.slide'),i=0;\n"
    "var say=document.getElementById('say'),count=document.getElementById('count');\n"
    "function show(k){\n"
    " if(k<0)k=0; if(k>s.length-1)k=s.length-1;\n"
    " s[i].classList.remove('on'); i=k; s[i].classList.add('on');\n"
    " say.innerHTML=s[i].querySelector('.say').innerHTML;\n"
    " count.textContent=s[i].getAttribute('data-label')+'  ('+(i+1)+' / '+s.length+')';\n"
    " document.body.setAttribute('data-slide',String(i+1));\n"
    " if(history.replaceState)history.replaceState(null,'','#'+(i+1));\n"
    "}\n"
    "document.addEventListener('keydown',function(e){\n"
    " if(e.key==='ArrowRight'||e.key==='PageDown'||e.key===' "
    "'||e.key==='ArrowDown'){show(i+1);e.preventDefault();}\n"
    " else if(e.key==='ArrowLeft'||e.key==='PageUp'||e.key==='ArrowUp'){show(i-1);e.preventDefault();}\n"
    " else if(e.key==='Home')show(0); else if(e.key==='End')show(s.length-1);\n"
    "});\n"
    "document.querySelector('main').addEventListener('click',function(e){\n"
    " show(e.clientX<window.innerWidth/3?i-1:i+1);});\n"
    "var h=parseInt((location.hash||'').slice(1),10);\n"
    "show(h>0?h-1:0);\n"
    "})();\n";

int gv_slides(struct engine *e, enum gv_diagram d, enum lang lang, gv_put_fn put, void *ctx, char *err,
              size_t cap)
{
	const struct scenario *sc = e->sc;
	if (sc->nsteps == 0) {
		snprintf(err, cap, "the scenario has no steps: no slides to make");
		return -1;
	}
	struct gv_sb html, slide;
	sb_init(&html);
	sb_init(&slide);
	int rc = 0;

	struct gv_view v0 = {&e->m, sc, 0, 0, 0, 0, lang};
	const char *title = gv_scenario_title(&v0);
	sb_printf(&html, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
	          lang == LANG_ZH ? "zh-CN" : "en");
	sb_puts(&html, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	sb_esc(&html, *title ? title : "iommulab");
	sb_printf(&html, "</title>\n<style>\n%s</style>\n</head>\n<body data-slide=\"1\">\n<header><h1>",
	          css);
	sb_esc(&html, *title ? title : "iommulab");
	sb_puts(&html, "</h1><span id=\"count\"></span></header>\n<main>\n");

	for (int k = 1; k <= sc->nsteps; k++) {
		engine_goto(e, k);
		if (e->next < k) {
			snprintf(err, cap, "the run stopped before step %d: %s", k,
			         e->m.stop_reason[0] ? e->m.stop_reason : "see `iommulab run`");
			rc = -1;
			break;
		}
		struct gv_view v = {&e->m, sc, e->mark[k - 1], e->m.trace.n, k, k, lang};
		char why[256];
		Agraph_t *g = gv_build(&v, d, why, sizeof why);
		if (!g && d != GV_FLOW)
			g = gv_build(&v, GV_FLOW, why, sizeof why);
		if (!g) {
			snprintf(err, cap, "step %d: %s", k, why);
			rc = -1;
			break;
		}
		char *svg;
		size_t len;
		if (gv_render(g, GV_SVG, &svg, &len, err, cap)) {
			gv_free_graph(g);
			rc = -1;
			break;
		}
		gv_free_graph(g);
		char name[32];
		snprintf(name, sizeof name, "step-%02d.svg", k);
		if (put(ctx, name, svg, len)) {
			free(svg);
			snprintf(err, cap, "out of memory");
			rc = -1;
			break;
		}
		/* the slide: SVG inline + hidden narration */
		const char *act = gv_step_action(&v, k);
		sb_clear(&slide);
		if (lang == LANG_ZH)
			sb_printf(&slide, "第 %d 步", k);
		else
			sb_printf(&slide, "Step %d", k);
		if (*act)
			sb_printf(&slide, " · %s", act);
		sb_printf(&html, "<section class=\"slide%s\" id=\"s%d\" data-label=\"", k == 1 ? " on" : "",
		          k);
		sb_esc(&html, sb_str(&slide));
		sb_puts(&html, "\">\n");
		{
			/* the rendered SVG is not NUL-terminated */
			char *copy = malloc(len + 1);
			if (!copy) {
				free(svg);
				snprintf(err, cap, "out of memory");
				rc = -1;
				break;
			}
			memcpy(copy, svg, len);
			copy[len] = 0;
			sb_puts(&html, svg_body(copy));
			free(copy);
		}
		free(svg);
		sb_puts(&html, "\n<div class=\"say\">");
		const char *say = gv_step_say(&v, k);
		if (say) {
			sb_puts(&html, "<p>");
			sb_esc(&html, say);
			sb_puts(&html, "</p>");
		}
		sb_puts(&html, "<ol>");
		narrate_events(&e->m, e->mark[k - 1], e->m.trace.n, lang, &html);
		sb_puts(&html, "</ol></div>\n</section>\n");
	}
	if (rc == 0) {
		sb_puts(&html, "</main>\n<footer><div id=\"say\"></div><div id=\"hint\">");
		sb_esc(&html, lang == LANG_ZH
		                  ? "← → 翻页 · Home/End 首页/末页 · 点击右侧下一页"
		                  : "← → to flip · Home/End · click the right side for the next slide");
		sb_printf(&html, "</div></footer>\n<script>\n%s</script>\n</body>\n</html>\n", js);
		if (put(ctx, "index.html", sb_str(&html), html.n)) {
			snprintf(err, cap, "out of memory");
			rc = -1;
		}
	}
	sb_free(&html);
	sb_free(&slide);
	return rc;
}
