/*
 * graph.c: the dot text of a walk's graph.
 *
 * First the facts the message does not carry directly are worked out
 * once (hg__model: which index each id is, the roots, the highlighted
 * objects, the cycles), then the text is written in one pass, nodes and
 * edges in the message's order, so the same graph always gives the same
 * text.  All labels are Graphviz HTML-like labels: one escaping rule
 * (put_text) serves reprs, types, edge labels and the title, and the
 * refcount can be set in bold.  What the marks mean: docs/graph.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hg_internal.h"

#define RED         "#d62728"
#define INK         "#555555"   /* borders and edges that are not marked */
#define MUTED       "#888888"   /* what the walk did not follow */
#define IMMORTAL_RC 4294967295u /* _Py_IMMORTAL_REFCNT, 3.12 and later */

/* Fill by generation: untracked, 0, 1, 2, frozen (gc.freeze). */
static const char *const gen_fill[5] = {"#eeeeee", "#cde8ff", "#d3f2c9",
                                        "#fff0b3", "#e3d7f7"};
static const char *const gen_name[5] = {"untracked", "gen 0", "gen 1", "gen 2",
                                        "frozen"};
static const char *const gen_legend[5] = {
    "untracked", "generation 0", "generation 1", "generation 2", "frozen"};
#define OTHER_FILL "#ffffff" /* a generation outside -1..3 */
#define TITLE_MAX  120       /* characters of the title drawn */

/* ---- the model ----------------------------------------------------------- */

typedef struct id_slot {
    uint64_t id;
    size_t node;
} id_slot;

static int cmp_slot(const void *a, const void *b)
{
    const id_slot *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

/* The index of the first node with this id, or HG__NONE. */
static size_t find_node(const id_slot *ids, size_t n, uint64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ids[lo].id == id ? ids[lo].node : HG__NONE;
}

/* Sorted (id, index) pairs, one per id: the first node that has it.
 * Later nodes with the same id get HG__REPEAT. */
static id_slot *index_ids(hg__model *m, const Heapd__Graph *g, size_t *nids)
{
    id_slot *ids = malloc((m->nnodes ? m->nnodes : 1) * sizeof *ids);
    if (!ids)
        return NULL;
    for (size_t i = 0; i < m->nnodes; i++)
        ids[i] = (id_slot){g->nodes[i]->id, i};
    qsort(ids, m->nnodes, sizeof *ids, cmp_slot);
    size_t kept = 0;
    for (size_t i = 0; i < m->nnodes; i++) {
        if (kept > 0 && ids[kept - 1].id == ids[i].id)
            m->node[ids[i].node] |= HG__REPEAT;
        else
            ids[kept++] = ids[i];
    }
    *nids = kept;
    return ids;
}

static void mark_ids(hg__model *m, const id_slot *ids, size_t nids,
                     const uint64_t *want, size_t nwant, unsigned char flag)
{
    for (size_t i = 0; i < nwant; i++) {
        size_t v = find_node(ids, nids, want[i]);
        if (v != HG__NONE)
            m->node[v] |= flag;
    }
}

static void model_free(hg__model *m)
{
    free(m->node);
    free(m->edge);
    free(m->from);
    free(m->to);
}

static int model_build(hg__model *m, const Heapd__Graph *g, const hg_options *o)
{
    memset(m, 0, sizeof *m);
    m->nnodes = g->n_nodes;
    m->nedges = g->n_edges;
    size_t nn = m->nnodes ? m->nnodes : 1, ne = m->nedges ? m->nedges : 1;
    m->node = calloc(nn, 1);
    m->edge = calloc(ne, 1);
    m->from = malloc(ne * sizeof *m->from);
    m->to = malloc(ne * sizeof *m->to);
    size_t nids = 0;
    id_slot *ids = NULL;
    if (!m->node || !m->edge || !m->from || !m->to ||
        !(ids = index_ids(m, g, &nids)))
        goto nomem;

    if (o->nroots > 0 && o->roots) {
        mark_ids(m, ids, nids, o->roots, o->nroots, HG__ROOT);
    } else {
        for (size_t i = 0; i < m->nnodes; i++)
            if (g->nodes[i]->depth == 0 && !(m->node[i] & HG__REPEAT))
                m->node[i] |= HG__ROOT;
    }
    if (o->highlight)
        mark_ids(m, ids, nids, o->highlight, o->nhighlight, HG__HIGHLIGHT);

    for (size_t e = 0; e < m->nedges; e++) {
        m->from[e] = find_node(ids, nids, g->edges[e]->from);
        m->to[e] = find_node(ids, nids, g->edges[e]->to);
        if (m->from[e] != HG__NONE && m->to[e] != HG__NONE)
            m->drawn_edges++;
    }
    free(ids);
    if (hg__find_cycles(m, g) < 0)
        goto nomem;
    return 0;

nomem:
    free(ids);
    model_free(m);
    errno = ENOMEM;
    return -1;
}

/* ---- text ---------------------------------------------------------------- */

/* One character as drawn: its HTML-label text and how many characters it
 * shows as.  Control characters and bytes that are not UTF-8 are shown
 * the way Python's repr shows them (\n, \x07), never raw. */
typedef struct glyph {
    char text[8];
    size_t width;
} glyph;

/* The length of the valid UTF-8 sequence at s (1 to 4) with its code
 * point in *cp, or 0. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    unsigned c = s[0];
    size_t n;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        *cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        *cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        *cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
        *cp = *cp << 6 | (s[i] & 0x3f);
    }
    if ((n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000) ||
        (*cp >= 0xd800 && *cp <= 0xdfff) || *cp > 0x10ffff)
        return 0; /* overlong, a surrogate, or beyond Unicode */
    return n;
}

/* The glyph at s (not at its NUL); returns the bytes it takes. */
static size_t next_glyph(const char *s, glyph *gl)
{
    const unsigned char *u = (const unsigned char *)s;
    static const char *const named[] = {
        ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",
        ['\n'] = "\\n",  ['\t'] = "\\t", ['\r'] = "\\r"};
    if (*u < sizeof named / sizeof named[0] && named[*u]) {
        strcpy(gl->text, named[*u]);
        gl->width = named[*u][0] == '\\' ? 2 : 1;
        return 1;
    }
    uint32_t cp;
    size_t n = utf8_decode(u, &cp);
    int bad = n == 0; /* not UTF-8: shown as the byte */
    if (bad) {
        cp = *u;
        n = 1;
    }
    if (bad || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
        snprintf(gl->text, sizeof gl->text, "\\x%02x", (unsigned)cp);
        gl->width = 4;
        return n;
    }
    memcpy(gl->text, s, n);
    gl->text[n] = '\0';
    gl->width = 1;
    return n;
}

/* Writes s (NULL: "") escaped for an HTML-like label, at most max
 * characters wide; a longer text is cut to end in "...". */
static void put_text(FILE *f, const char *s, size_t max)
{
    glyph gl;
    size_t width = 0, i = 0;
    if (!s)
        return;
    while (s[i] && width <= max) {
        i += next_glyph(s + i, &gl);
        width += gl.width;
    }
    int cut = width > max;
    size_t room = cut ? max - 3 : max;
    width = 0;
    i = 0;
    while (s[i]) {
        size_t n = next_glyph(s + i, &gl);
        if (width + gl.width > room)
            break;
        fputs(gl.text, f);
        width += gl.width;
        i += n;
    }
    if (cut)
        fputs("...", f);
}

static int gen_slot(int32_t generation)
{
    return generation >= -1 && generation <= 3 ? generation + 1 : -1;
}

/* ---- nodes --------------------------------------------------------------- */

static void put_node_label(FILE *f, const Heapd__GraphNode *n, int bold_rc)
{
    fputs("<<B>", f);
    put_text(f, n->type, HG_TEXT_MAX);
    fputs("</B>", f);
    if (n->repr && n->repr[0]) {
        fputs("<BR/>", f);
        put_text(f, n->repr, HG_TEXT_MAX);
    }
    fprintf(f, "<BR/><FONT POINT-SIZE=\"8\">%s", bold_rc ? "<B>" : "");
    if (n->refcount == IMMORTAL_RC)
        fputs("immortal", f);
    else
        fprintf(f, "refcount %" PRIu64, n->refcount);
    fputs(bold_rc ? "</B>, " : ", ", f);
    int slot = gen_slot(n->generation);
    if (slot >= 0)
        fputs(gen_name[slot], f);
    else
        fprintf(f, "gen %" PRId32, n->generation);
    fputs("</FONT>", f);
    if (n->has_finalizer)
        fputs("<BR/><I>__del__</I>", f);
    fputs(">", f);
}

static void put_node(FILE *f, const hg__model *m, const Heapd__GraphNode *n,
                     size_t i, const hg_options *o)
{
    unsigned flags = m->node[i];
    int slot = gen_slot(n->generation);
    fprintf(f, "  o%" PRIu64 " [label=", n->id);
    put_node_label(f, n, o->refcounts);
    fprintf(f, ", fillcolor=\"%s\"", slot >= 0 ? gen_fill[slot] : OTHER_FILL);
    if (n->has_finalizer)
        fputs(", style=\"filled,diagonals\"", f); /* clipped corners */
    if (flags & HG__CYCLE)
        fputs(", color=\"" RED "\"", f);
    if (flags & HG__ROOT)
        fputs(", penwidth=3", f);
    else if (flags & HG__CYCLE)
        fputs(", penwidth=2", f);
    if (flags & HG__HIGHLIGHT)
        fputs(", peripheries=2", f);
    fprintf(f,
            ", tooltip=\"id %" PRIu64 ", %" PRIu64 " bytes, depth %" PRIu32
            "\"];\n",
            n->id, n->size, n->depth);
}

/* objgraph's "too many": the references the walk did not follow. */
static void put_more(FILE *f, const Heapd__GraphNode *n, const hg_options *o)
{
    fprintf(f,
            "  o%" PRIu64 "_more [label=\"(+%" PRIu32 " more)\", "
            "style=\"rounded,dashed\", color=\"" MUTED "\", "
            "fontcolor=\"" MUTED "\"];\n",
            n->id, n->truncated);
    if (o->backrefs)
        fprintf(f, "  o%" PRIu64 "_more -> o%" PRIu64, n->id, n->id);
    else
        fprintf(f, "  o%" PRIu64 " -> o%" PRIu64 "_more", n->id, n->id);
    fputs(" [style=dotted, color=\"" MUTED "\"];\n", f);
}

static void put_edge(FILE *f, const hg__model *m, const Heapd__GraphEdge *e,
                     size_t i)
{
    fprintf(f, "  o%" PRIu64 " -> o%" PRIu64 " [", e->from, e->to);
    const char *sep = "";
    if (e->label && e->label[0]) {
        fputs("label=<", f);
        put_text(f, e->label, HG_TEXT_MAX);
        fputs(">", f);
        sep = ", ";
    }
    if (e->weak) {
        fprintf(f, "%sstyle=dashed", sep);
        sep = ", ";
    }
    if (m->edge[i] & HG__E_CYCLE)
        fprintf(f, "%scolor=\"" RED "\", fontcolor=\"" RED "\", penwidth=2",
                sep);
    fputs("];\n", f);
}

/* ---- the legend ---------------------------------------------------------- */

/* What the graph shows, for the legend: only the marks that appear. */
typedef struct seen {
    size_t objects, roots, highlighted, finalizers, weak, more;
} seen;

static seen count_marks(const hg__model *m, const Heapd__Graph *g)
{
    seen s = {0};
    for (size_t i = 0; i < m->nnodes; i++) {
        if (m->node[i] & HG__REPEAT)
            continue;
        s.objects++;
        s.roots += (m->node[i] & HG__ROOT) != 0;
        s.highlighted += (m->node[i] & HG__HIGHLIGHT) != 0;
        s.finalizers += g->nodes[i]->has_finalizer;
        s.more += g->nodes[i]->truncated > 0;
    }
    for (size_t e = 0; e < m->nedges; e++)
        s.weak +=
            m->from[e] != HG__NONE && m->to[e] != HG__NONE && g->edges[e]->weak;
    return s;
}

/* One row of the legend: a sample cell (attributes, content), then what it
 * means. */
static void legend_row(FILE *f, const char *attrs, const char *sample,
                       const char *text)
{
    fprintf(f, "<TR><TD%s>%s</TD><TD ALIGN=\"LEFT\">%s</TD></TR>\n", attrs,
            sample, text);
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void put_legend(FILE *f, const hg__model *m, const Heapd__Graph *g,
                       const hg_options *o)
{
    seen s = count_marks(m, g);
    const char *show = o->backrefs ? "show_backrefs" : "show_refs";
    fputs("  subgraph cluster_legend {\n"
          "    label=<<B>legend</B>>; style=rounded; color=\"#bbbbbb\";\n"
          "    legend [shape=plaintext, style=\"\", margin=0, label=<"
          "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"2\" "
          "CELLPADDING=\"2\">\n",
          f);
    fputs("<TR><TD COLSPAN=\"2\"><TABLE BORDER=\"0\" CELLBORDER=\"1\" "
          "CELLSPACING=\"3\" CELLPADDING=\"3\" COLOR=\"" INK "\"><TR>",
          f);
    for (int i = 0; i < 5; i++)
        fprintf(f, "<TD BGCOLOR=\"%s\">%s</TD>", gen_fill[i], gen_legend[i]);
    fputs("</TR></TABLE></TD></TR>\n", f);

    if (s.roots) {
        char text[64];
        snprintf(text, sizeof text, "thick border: passed to %s", show);
        legend_row(f, " BORDER=\"3\" COLOR=\"" INK "\"", "obj", text);
    }
    if (s.highlighted)
        legend_row(f, "",
                   "<TABLE BORDER=\"1\" CELLBORDER=\"1\" CELLSPACING=\"1\" "
                   "COLOR=\"" INK "\"><TR><TD>obj</TD></TR></TABLE>",
                   "double border: highlighted");
    if (s.finalizers)
        legend_row(f, "", "<I>__del__</I>",
                   "clipped corners: its class defines __del__");
    if (m->cycles)
        legend_row(f, " BORDER=\"2\" COLOR=\"" RED "\"",
                   "<FONT COLOR=\"" RED "\">&#8594;</FONT>",
                   "red: in a reference cycle");
    if (s.weak)
        legend_row(f, "", "- - &#8594;", "dashed: a weak reference");
    if (s.more)
        legend_row(f, " BORDER=\"1\" STYLE=\"dashed\" COLOR=\"" MUTED "\"",
                   "<FONT COLOR=\"" MUTED "\">(+N)</FONT>",
                   "more references, not followed");

    fprintf(f, "<TR><TD COLSPAN=\"2\"><FONT POINT-SIZE=\"9\">%zu %s, %zu %s; ",
            s.objects, plural(s.objects, "object", "objects"), m->drawn_edges,
            plural(m->drawn_edges, "reference", "references"));
    if (m->cycles)
        fprintf(f, "%zu %s in %zu %s", m->cycle_nodes,
                plural(m->cycle_nodes, "object", "objects"), m->cycles,
                plural(m->cycles, "cycle", "cycles"));
    else
        fputs("no reference cycles", f);
    if (g->capped)
        fputs("<BR/>the walk stopped at its node limit: there is more", f);
    fputs("</FONT></TD></TR>\n</TABLE>>];\n  }\n", f);
}

/* ---- the whole text ------------------------------------------------------ */

static void put_graph(FILE *f, const hg__model *m, const Heapd__Graph *g,
                      const hg_options *o)
{
    fputs("digraph objects {\n"
          "  graph [fontname=\"Helvetica\", fontsize=12, nodesep=0.25, "
          "ranksep=0.45",
          f);
    if (o->title && o->title[0]) {
        fputs(", labelloc=t, label=<<B>", f);
        put_text(f, o->title, TITLE_MAX);
        fputs("</B>>", f);
    }
    fputs(
        "];\n"
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
        "fontsize=10, color=\"" INK "\", margin=\"0.10,0.04\"];\n"
        "  edge [fontname=\"Helvetica\", fontsize=9, color=\"" INK "\", "
        "fontcolor=\"#333333\", arrowsize=0.7];\n",
        f);
    for (size_t i = 0; i < m->nnodes; i++) {
        if (m->node[i] & HG__REPEAT)
            continue;
        put_node(f, m, g->nodes[i], i, o);
        if (g->nodes[i]->truncated > 0)
            put_more(f, g->nodes[i], o);
    }
    for (size_t e = 0; e < m->nedges; e++)
        if (m->from[e] != HG__NONE && m->to[e] != HG__NONE)
            put_edge(f, m, g->edges[e], e);
    put_legend(f, m, g, o); /* last: dot then draws it on the right */
    fputs("}\n", f);
}

int hg_write_dot(const Heapd__Graph *g, const hg_options *o, FILE *f)
{
    static const hg_options none = {0};
    if (!g || !f || (g->n_nodes && !g->nodes) || (g->n_edges && !g->edges)) {
        errno = EINVAL;
        return -1;
    }
    hg__model m;
    if (model_build(&m, g, o ? o : &none) < 0)
        return -1;
    errno = 0;
    put_graph(f, &m, g, o ? o : &none);
    model_free(&m);
    if (fflush(f) != 0 || ferror(f)) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}
