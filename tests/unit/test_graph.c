/*
 * test_graph.c: unit tests for client/graph, the pictures of
 * objgraph.show_refs / show_backrefs.
 *
 * Graphs are Heapd__Graph messages built by hand, the way the daemon's
 * walk would send them; the tests read the dot text line by line (one
 * node or edge per line).  The rendering tests run Graphviz when `dot` is
 * on PATH, and a fake `dot` (a shell script in a temporary PATH) to make
 * it fail in the ways a real one can.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph.h"

#define RED "#d62728"

/* ---- building graphs ----------------------------------------------------- */

typedef struct tg {
    Heapd__Graph g;
    size_t capn, cape;
} tg;

static void tg_init(tg *t)
{
    memset(t, 0, sizeof *t);
    heapd__graph__init(&t->g);
}

static void *grow(void *arr, size_t n, size_t *cap)
{
    if (n < *cap)
        return arr;
    *cap = *cap ? *cap * 2 : 16;
    void *p = realloc(arr, *cap * sizeof(void *));
    ck_assert_ptr_nonnull(p);
    return p;
}

/* A node at depth 1 with refcount 1; tests change what they need. */
static Heapd__GraphNode *node(tg *t, uint64_t id, const char *type,
                              const char *repr, int generation)
{
    Heapd__GraphNode *n = malloc(sizeof *n);
    ck_assert_ptr_nonnull(n);
    heapd__graph_node__init(n);
    n->id = id;
    n->type = (char *)type;
    n->repr = (char *)repr;
    n->refcount = 1;
    n->generation = generation;
    n->size = 56;
    n->depth = 1;
    t->g.nodes = grow(t->g.nodes, t->g.n_nodes, &t->capn);
    t->g.nodes[t->g.n_nodes++] = n;
    return n;
}

static Heapd__GraphEdge *edge(tg *t, uint64_t from, uint64_t to,
                              const char *label)
{
    Heapd__GraphEdge *e = malloc(sizeof *e);
    ck_assert_ptr_nonnull(e);
    heapd__graph_edge__init(e);
    e->from = from;
    e->to = to;
    e->label = (char *)label;
    t->g.edges = grow(t->g.edges, t->g.n_edges, &t->cape);
    t->g.edges[t->g.n_edges++] = e;
    return e;
}

static void tg_free(tg *t)
{
    for (size_t i = 0; i < t->g.n_nodes; i++)
        free(t->g.nodes[i]);
    for (size_t i = 0; i < t->g.n_edges; i++)
        free(t->g.edges[i]);
    free(t->g.nodes);
    free(t->g.edges);
}

/* ---- reading the dot text ------------------------------------------------ */

static char *dot_of(const Heapd__Graph *g, const hg_options *o)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(hg_write_dot(g, o, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_uint_eq(strlen(text), len);
    return text;
}

/* A copy of the nth (from 0) line that starts with prefix, or NULL. */
static char *nth_line(const char *text, const char *prefix, int nth)
{
    size_t plen = strlen(prefix);
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= plen && memcmp(p, prefix, plen) == 0 && nth-- == 0) {
            char *line = malloc(len + 1);
            ck_assert_ptr_nonnull(line);
            memcpy(line, p, len);
            line[len] = '\0';
            return line;
        }
        p += len + (end != NULL);
    }
    return NULL;
}

/* Occurrences of needle.  Not strstr in a loop: under ASan each strstr
 * measures the whole rest of the text, which makes 100000 lines
 * quadratic. */
static size_t count(const char *text, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = text; *p; p++)
        if (*p == needle[0] && strncmp(p, needle, len) == 0) {
            n++;
            p += len - 1;
        }
    return n;
}

/* The line of node id, which must be there. */
static char *node_line(const char *text, uint64_t id)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "  o%" PRIu64 " [", id);
    char *line = nth_line(text, prefix, 0);
    ck_assert_msg(line != NULL, "no node %" PRIu64 " in:\n%s", id, text);
    return line;
}

/* The nth line of an edge from -> to, which must be there. */
static char *edge_line_n(const char *text, uint64_t from, uint64_t to, int nth)
{
    char prefix[96];
    snprintf(prefix, sizeof prefix, "  o%" PRIu64 " -> o%" PRIu64 " [", from,
             to);
    char *line = nth_line(text, prefix, nth);
    ck_assert_msg(line != NULL, "no edge %s in:\n%s", prefix, text);
    return line;
}

static char *edge_line(const char *text, uint64_t from, uint64_t to)
{
    return edge_line_n(text, from, to, 0);
}

/* Asserts that the node's or edge's line has (or lacks) a piece. */
static void node_has(const char *text, uint64_t id, const char *piece, int yes)
{
    char *line = node_line(text, id);
    ck_assert_msg((strstr(line, piece) != NULL) == yes, "%s %s: %s",
                  yes ? "missing" : "unexpected", piece, line);
    free(line);
}

static void edge_has(const char *text, uint64_t from, uint64_t to,
                     const char *piece, int yes)
{
    char *line = edge_line(text, from, to);
    ck_assert_msg((strstr(line, piece) != NULL) == yes, "%s %s: %s",
                  yes ? "missing" : "unexpected", piece, line);
    free(line);
}

#define NODE_RED "color=\"" RED "\""
#define EDGE_RED "color=\"" RED "\", fontcolor"

/* ---- cycles -------------------------------------------------------------- */

START_TEST(test_three_cycle_is_red)
{
    /* a = [b]; b = [c]; c = [a, d]: a, b, c are a cycle, d hangs off it. */
    tg t;
    tg_init(&t);
    node(&t, 16, "list", "[[[...]]]", 0)->depth = 0;
    node(&t, 32, "list", "[[[...]]]", 0);
    node(&t, 48, "list", "[[[...]], 1]", 0);
    node(&t, 64, "int", "1", -1);
    edge(&t, 16, 32, "[0]");
    edge(&t, 32, 48, "[0]");
    edge(&t, 48, 16, "[0]");
    edge(&t, 48, 64, "[1]");
    char *text = dot_of(&t.g, NULL);
    node_has(text, 16, NODE_RED, 1);
    node_has(text, 32, NODE_RED, 1);
    node_has(text, 48, NODE_RED, 1);
    node_has(text, 64, NODE_RED, 0);
    edge_has(text, 16, 32, EDGE_RED, 1);
    edge_has(text, 32, 48, EDGE_RED, 1);
    edge_has(text, 48, 16, EDGE_RED, 1);
    edge_has(text, 48, 64, EDGE_RED, 0);
    edge_has(text, 48, 64, "label=<[1]>", 1);
    ck_assert_ptr_nonnull(strstr(text, "red: in a reference cycle"));
    ck_assert_ptr_nonnull(strstr(text, "3 objects in 1 cycle"));
    free(text);
    tg_free(&t);
}
END_TEST

START_TEST(test_self_loop_is_red)
{
    /* l = []; l.append(l); l.append(0) */
    tg t;
    tg_init(&t);
    node(&t, 16, "list", "[[...], 0]", 0)->depth = 0;
    node(&t, 32, "int", "0", -1);
    edge(&t, 16, 16, "[0]");
    edge(&t, 16, 32, "[1]");
    char *text = dot_of(&t.g, NULL);
    node_has(text, 16, NODE_RED, 1);
    node_has(text, 32, NODE_RED, 0);
    edge_has(text, 16, 16, EDGE_RED, 1);
    edge_has(text, 16, 32, EDGE_RED, 0);
    ck_assert_ptr_nonnull(strstr(text, "1 object in 1 cycle"));
    free(text);
    tg_free(&t);
}
END_TEST

START_TEST(test_weak_edge_is_dashed_and_makes_no_cycle)
{
    /* 16 -> 32 strong, 32 -> 16 weak: no cycle.  48 <-> 64 strong is one,
     * with a second, weak, 48 -> 64 that is dashed and not red. */
    tg t;
    tg_init(&t);
    node(&t, 16, "C", "<C object>", 0)->depth = 0;
    node(&t, 32, "weakref.ReferenceType", "<weakref>", 0);
    node(&t, 48, "C", "<C object>", 1);
    node(&t, 64, "C", "<C object>", 1);
    edge(&t, 16, 32, "r");
    edge(&t, 32, 16, "")->weak = 1;
    edge(&t, 48, 64, "other");
    edge(&t, 64, 48, "other");
    edge(&t, 48, 64, "")->weak = 1;
    edge(&t, 16, 48, "peer");
    char *text = dot_of(&t.g, NULL);
    node_has(text, 16, NODE_RED, 0);
    node_has(text, 32, NODE_RED, 0);
    edge_has(text, 16, 32, "dashed", 0);
    edge_has(text, 32, 16, "style=dashed", 1);
    edge_has(text, 32, 16, EDGE_RED, 0);
    node_has(text, 48, NODE_RED, 1);
    node_has(text, 64, NODE_RED, 1);
    char *strong = edge_line_n(text, 48, 64, 0);
    char *weak = edge_line_n(text, 48, 64, 1);
    ck_assert_ptr_nonnull(strstr(strong, EDGE_RED));
    ck_assert_ptr_null(strstr(strong, "dashed"));
    ck_assert_ptr_nonnull(strstr(weak, "style=dashed"));
    ck_assert_ptr_null(strstr(weak, RED));
    free(strong);
    free(weak);
    edge_has(text, 16, 48, EDGE_RED, 0);
    ck_assert_ptr_nonnull(strstr(text, "dashed: a weak reference"));
    ck_assert_ptr_nonnull(strstr(text, "2 objects in 1 cycle"));
    free(text);
    tg_free(&t);
}
END_TEST

START_TEST(test_dag_has_no_red)
{
    /* A diamond, 16 -> 32, 48 -> 64, and a node that two edges reach. */
    tg t;
    tg_init(&t);
    node(&t, 16, "tuple", "((1,), (1,))", 0)->depth = 0;
    node(&t, 32, "tuple", "(1,)", 0);
    node(&t, 48, "tuple", "(1,)", 0);
    node(&t, 64, "int", "1", -1);
    edge(&t, 16, 32, "[0]");
    edge(&t, 16, 48, "[1]");
    edge(&t, 32, 64, "[0]");
    edge(&t, 48, 64, "[0]");
    char *text = dot_of(&t.g, NULL);
    ck_assert_ptr_null(strstr(text, RED));
    ck_assert_ptr_null(strstr(text, "dashed"));
    ck_assert_ptr_nonnull(
        strstr(text, "4 objects, 4 references; no reference cycles"));
    free(text);
    tg_free(&t);
}
END_TEST

/* ---- a long chain: the cycle search must not recurse --------------------- */

#define CHAIN     100000
#define SMALL_STK (512 * 1024) /* a recursive walk of CHAIN would need more */

typedef struct chain_job {
    const Heapd__Graph *g;
    char *text;
} chain_job;

static void *chain_dot(void *arg)
{
    chain_job *j = arg;
    j->text = dot_of(j->g, NULL);
    return NULL;
}

/* The dot text of g, made on a thread with a small stack. */
static char *dot_on_small_stack(const Heapd__Graph *g)
{
    pthread_attr_t attr;
    pthread_t th;
    chain_job j = {g, NULL};
    ck_assert_int_eq(pthread_attr_init(&attr), 0);
    ck_assert_int_eq(pthread_attr_setstacksize(&attr, SMALL_STK), 0);
    ck_assert_int_eq(pthread_create(&th, &attr, chain_dot, &j), 0);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    pthread_attr_destroy(&attr);
    ck_assert_ptr_nonnull(j.text);
    return j.text;
}

static void build_chain(tg *t, int closed)
{
    tg_init(t);
    for (uint64_t i = 1; i <= CHAIN; i++)
        node(t, i * 16, "list", "[[...]]", 0)->depth = (uint32_t)(i - 1);
    for (uint64_t i = 1; i < CHAIN; i++)
        edge(t, i * 16, (i + 1) * 16, "[0]");
    if (closed)
        edge(t, CHAIN * 16, 16, "[0]");
}

START_TEST(test_chain_of_100000_open)
{
    tg t;
    build_chain(&t, 0);
    char *text = dot_on_small_stack(&t.g);
    ck_assert_ptr_null(strstr(text, RED));
    ck_assert_uint_eq(count(text, " -> "), CHAIN - 1);
    ck_assert_ptr_nonnull(strstr(text, "100000 objects, 99999 references; no "
                                       "reference cycles"));
    free(text);
    tg_free(&t);
}
END_TEST

START_TEST(test_chain_of_100000_closed_is_one_cycle)
{
    tg t;
    build_chain(&t, 1);
    char *text = dot_on_small_stack(&t.g);
    ck_assert_uint_eq(count(text, ", " NODE_RED ", penwidth="), CHAIN);
    ck_assert_uint_eq(count(text, EDGE_RED), CHAIN);
    ck_assert_ptr_nonnull(strstr(text, "100000 objects in 1 cycle"));
    free(text);
    tg_free(&t);
}
END_TEST

/* ---- node marks ---------------------------------------------------------- */

START_TEST(test_generations_have_their_fill)
{
    tg t;
    tg_init(&t);
    node(&t, 16, "str", "'a'", -1)->depth = 0;
    node(&t, 32, "list", "[]", 0);
    node(&t, 48, "list", "[]", 1);
    node(&t, 64, "list", "[]", 2);
    node(&t, 80, "list", "[]", 3);
    node(&t, 96, "list", "[]", 7); /* not a generation: white, as given */
    char *text = dot_of(&t.g, NULL);
    node_has(text, 16, "untracked</FONT>", 1);
    node_has(text, 16, "fillcolor=\"#eeeeee\"", 1);
    node_has(text, 32, "gen 0</FONT>", 1);
    node_has(text, 32, "fillcolor=\"#cde8ff\"", 1);
    node_has(text, 48, "gen 1</FONT>", 1);
    node_has(text, 48, "fillcolor=\"#d3f2c9\"", 1);
    node_has(text, 64, "gen 2</FONT>", 1);
    node_has(text, 64, "fillcolor=\"#fff0b3\"", 1);
    node_has(text, 80, "frozen</FONT>", 1);
    node_has(text, 80, "fillcolor=\"#e3d7f7\"", 1);
    node_has(text, 96, "gen 7</FONT>", 1);
    node_has(text, 96, "fillcolor=\"#ffffff\"", 1);
    /* The palette is in the legend, whatever the graph has. */
    ck_assert_ptr_nonnull(strstr(text, "subgraph cluster_legend {"));
    ck_assert_ptr_nonnull(strstr(text, "<TD BGCOLOR=\"#e3d7f7\">frozen</TD>"));
    ck_assert_ptr_nonnull(
        strstr(text, "<TD BGCOLOR=\"#eeeeee\">untracked</TD>"));
    free(text);
    tg_free(&t);
}
END_TEST

START_TEST(test_finalizer_has_clipped_corners)
{
    tg t;
    tg_init(&t);
    node(&t, 16, "Resource", "<__main__.Resource object at 0x7f00>", 0)
        ->has_finalizer = 1;
    node(&t, 32, "dict", "{'fd': 3}", 0);
    edge(&t, 16, 32, "__dict__");
    char *text = dot_of(&t.g, NULL);
    node_has(text, 16, "style=\"filled,diagonals\"", 1);
    node_has(text, 16, "<BR/><I>__del__</I>>", 1);
    node_has(text, 32, "diagonals", 0);
    node_has(text, 32, "__del__", 0);
    ck_assert_ptr_nonnull(
        strstr(text, "clipped corners: its class defines __del__"));
    free(text);

    t.g.nodes[0]->has_finalizer = 0; /* no __del__: no legend row */
    text = dot_of(&t.g, NULL);
    ck_assert_ptr_null(strstr(text, "__del__"));
    free(text);
    tg_free(&t);
}
END_TEST

START_TEST(test_roots_by_depth_or_as_given)
{
    tg t;
    tg_init(&t);
    node(&t, 16, "list", "[[]]", 0)->depth = 0;
    node(&t, 32, "list", "[]", 0);
    edge(&t, 16, 32, "[0]");
    char *text = dot_of(&t.g, NULL);
    node_has(text, 16, "penwidth=3", 1);
    node_has(text, 32, "penwidth", 0);
    ck_assert_ptr_nonnull(strstr(text, "thick border: passed to show_refs"));
    free(text);

    uint64_t roots[] = {32, 999}; /* 999 is not in the graph */
    hg_options o = {.roots = roots, .nroots = 2, .backrefs = 1};
    text = dot_of(&t.g, &o);
    node_has(text, 16, "penwidth", 0);
    node_has(text, 32, "penwidth=3", 1);
    ck_assert_ptr_nonnull(
        strstr(text, "thick border: passed to show_backrefs"));
    free(text);
    tg_free(&t);
}
END_TEST

START_TEST(test_highlight_is_a_double_border)
{
    tg t;
    tg_init(&t);
    node(&t, 16, "list", "[[]]", 0)->depth = 0;
    node(&t, 32, "list", "[]", 0);
    edge(&t, 16, 32, "[0]");
    uint64_t hl[] = {32};
    hg_options o = {.highlight = hl, .nhighlight = 1};
    char *text = dot_of(&t.g, &o);
    node_has(text, 32, "peripheries=2", 1);
    node_has(text, 16, "peripheries", 0);
    ck_assert_ptr_nonnull(strstr(text, "double border: highlighted"));
    free(text);
    text = dot_of(&t.g, NULL);
    ck_assert_ptr_null(strstr(text, "peripheries"));
    ck_assert_ptr_null(strstr(text, "highlighted"));
    free(text);
    tg_free(&t);
}
END_TEST

START_TEST(test_refcounts_bold_and_immortal)
{
    tg t;
    tg_init(&t);
    node(&t, 16, "list", "['a']", 0)->refcount = 5;
    node(&t, 32, "str", "'a'", -1)->refcount = 4294967295u;
    edge(&t, 16, 32, "[0]");
    char *text = dot_of(&t.g, NULL);
    node_has(text, 16, "<FONT POINT-SIZE=\"8\">refcount 5, gen 0</FONT>", 1);
    node_has(text, 32, "<FONT POINT-SIZE=\"8\">immortal, untracked</FONT>", 1);
    free(text);
    hg_options o = {.refcounts = 1};
    text = dot_of(&t.g, &o);
    node_has(text, 16, "<B>refcount 5</B>, gen 0", 1);
    node_has(text, 32, "<B>immortal</B>, untracked", 1);
    free(text);
    tg_free(&t);
}
END_TEST

START_TEST(test_truncated_shows_more)
{
    tg t;
    tg_init(&t);
    node(&t, 16, "list", "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]", 0)->truncated = 7;
    node(&t, 32, "int", "0", -1);
    edge(&t, 16, 32, "[0]");
    char *text = dot_of(&t.g, NULL);
    char *more = nth_line(text, "  o16_more [", 0);
    ck_assert_ptr_nonnull(more);
    ck_assert_ptr_nonnull(strstr(more, "label=\"(+7 more)\""));
    free(more);
    char *e = nth_line(text, "  o16 -> o16_more [style=dotted", 0);
    ck_assert_ptr_nonnull(e);
    free(e);
    ck_assert_ptr_null(nth_line(text, "  o32_more", 0));
    ck_assert_ptr_nonnull(strstr(text, "more references, not followed"));
    free(text);

    /* From show_backrefs the referrers not followed point at the node. */
    hg_options o = {.backrefs = 1};
    text = dot_of(&t.g, &o);
    e = nth_line(text, "  o16_more -> o16 [style=dotted", 0);
    ck_assert_ptr_nonnull(e);
    free(e);
    free(text);
    tg_free(&t);
}
END_TEST

/* ---- labels and escaping ------------------------------------------------- */

START_TEST(test_edge_labels)
{
    tg t;
    tg_init(&t);
    node(&t, 16, "dict", "{'x': 'hello', 1: []}", -1);
    node(&t, 32, "str", "'hello'", -1);
    node(&t, 48, "list", "[]", 0);
    node(&t, 64, "function", "<function f at 0x7f0>", 0);
    edge(&t, 16, 32, "'x'");
    edge(&t, 16, 48, "1");
    edge(&t, 64, 16, "__globals__");
    edge(&t, 64, 48, "");
    edge(&t, 48, 32, NULL); /* a hand-made message may leave it NULL */
    edge(&t, 64, 32, "<a & \"b\">");
    char *text = dot_of(&t.g, NULL);
    edge_has(text, 16, 32, "[label=<'x'>]", 1);
    edge_has(text, 16, 48, "[label=<1>]", 1);
    edge_has(text, 64, 16, "[label=<__globals__>]", 1);
    char *bare = edge_line(text, 64, 48);
    ck_assert_str_eq(bare, "  o64 -> o48 [];");
    free(bare);
    bare = edge_line(text, 48, 32);
    ck_assert_str_eq(bare, "  o48 -> o32 [];");
    free(bare);
    edge_has(text, 64, 32, "[label=<&lt;a &amp; &quot;b&quot;&gt;>]", 1);
    free(text);
    tg_free(&t);
}
END_TEST

static char *label_of(const char *repr)
{
    tg t;
    tg_init(&t);
    node(&t, 16, "str", repr, -1);
    char *text = dot_of(&t.g, NULL);
    char *line = node_line(text, 16);
    free(text);
    tg_free(&t);
    const char *start = strstr(line, "</B><BR/>");
    ck_assert_ptr_nonnull(start);
    start += strlen("</B><BR/>");
    const char *end = strstr(start, "<BR/><FONT");
    ck_assert_ptr_nonnull(end);
    char *label = strndup(start, (size_t)(end - start));
    ck_assert_ptr_nonnull(label);
    free(line);
    return label;
}

#define ASSERT_LABEL(repr, want)                                               \
    do {                                                                       \
        char *got_ = label_of(repr);                                           \
        ck_assert_str_eq(got_, want);                                          \
        free(got_);                                                            \
    } while (0)

START_TEST(test_repr_escaping)
{
    /* HTML-like labels: entities for & < > ", a backslash is itself;
     * control characters are shown as Python shows them. */
    ASSERT_LABEL("'say \"hi\"'", "'say &quot;hi&quot;'");
    ASSERT_LABEL("'a\\\\b'", "'a\\\\b'");
    ASSERT_LABEL("a\\b", "a\\b");
    ASSERT_LABEL("line1\nline2", "line1\\nline2");
    ASSERT_LABEL("\t\r\a\x7f", "\\t\\r\\x07\\x7f");
    ASSERT_LABEL("<x & y>", "&lt;x &amp; y&gt;");
    ASSERT_LABEL("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d",
                 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d");
    /* Not UTF-8 (a stray byte, a cut sequence, an overlong '/', a
     * surrogate) and C1 controls: \xNN. */
    ASSERT_LABEL("a\xff"
                 "b",
                 "a\\xffb");
    ASSERT_LABEL("\xe2\x82", "\\xe2\\x82");
    ASSERT_LABEL("\xc0\xaf", "\\xc0\\xaf");
    ASSERT_LABEL("\xed\xa0\x80", "\\xed\\xa0\\x80");
    ASSERT_LABEL("\xc2\x85", "\\x85");
}
END_TEST

START_TEST(test_repr_at_most_40_characters)
{
    const char *a40 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    ck_assert_uint_eq(strlen(a40), 40);
    ASSERT_LABEL(a40, a40);
    char a41[64];
    snprintf(a41, sizeof a41, "%sb", a40);
    ASSERT_LABEL(a41, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
    /* Widths count as drawn: "\n" is two, an entity or an é one. */
    char s[128];
    snprintf(s, sizeof s, "%.38s\n", a40); /* 38 + 2 = 40: whole */
    ASSERT_LABEL(s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\n");
    snprintf(s, sizeof s, "%.39s\n", a40); /* 41: cut */
    ASSERT_LABEL(s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
    snprintf(s, sizeof s, "%.36s\n\nb", a40); /* 41: no half a \n */
    ASSERT_LABEL(s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
    char amp[64] = "";
    for (int i = 0; i < 40; i++)
        strcat(amp, "&");
    char *got = label_of(amp);
    ck_assert_uint_eq(count(got, "&amp;"), 40);
    free(got);
    char e40[128] = "";
    for (int i = 0; i < 40; i++)
        strcat(e40, "\xc3\xa9");
    ASSERT_LABEL(e40, e40);
}
END_TEST

START_TEST(test_type_and_title_escaped_and_cut)
{
    tg t;
    tg_init(&t);
    node(&t, 16, "A<B>_with_a_class_name_far_longer_than_forty", "<A>", 0);
    hg_options o = {.title = "show_refs([y]) \"& more\""};
    char *text = dot_of(&t.g, &o);
    node_has(text, 16, "<<B>A&lt;B&gt;_with_a_class_name_far_longer_tha...</B>",
             1);
    ck_assert_ptr_nonnull(
        strstr(text, "label=<<B>show_refs([y]) &quot;&amp; more&quot;</B>>"));
    free(text);
    text = dot_of(&t.g, NULL);
    ck_assert_ptr_null(strstr(text, "labelloc"));
    free(text);
    tg_free(&t);
}
END_TEST

/* ---- odd messages, determinism, I/O errors ------------------------------- */

START_TEST(test_repeated_nodes_and_dangling_edges_left_out)
{
    tg t;
    tg_init(&t);
    node(&t, 16, "list", "[1]", 0)->depth = 0;
    node(&t, 32, "int", "1", -1);
    node(&t, 16, "imposter", "x", 0);
    edge(&t, 16, 32, "[0]");
    edge(&t, 16, 99, "[1]"); /* 99 is not in the graph */
    edge(&t, 98, 16, "");
    char *text = dot_of(&t.g, NULL);
    ck_assert_uint_eq(count(text, "\n  o16 ["), 1);
    ck_assert_ptr_null(strstr(text, "imposter"));
    ck_assert_ptr_null(strstr(text, "o99"));
    ck_assert_ptr_null(strstr(text, "o98"));
    ck_assert_ptr_nonnull(strstr(text, "2 objects, 1 reference; "));
    free(text);
    tg_free(&t);
}
END_TEST

START_TEST(test_empty_graph)
{
    tg t;
    tg_init(&t);
    char *text = dot_of(&t.g, NULL);
    ck_assert_ptr_eq(strstr(text, "digraph objects {\n"), text);
    ck_assert_ptr_nonnull(strstr(text, "0 objects, 0 references"));
    ck_assert_str_eq(text + strlen(text) - 2, "}\n");
    free(text);
    t.g.capped = 1;
    text = dot_of(&t.g, NULL);
    ck_assert_ptr_nonnull(strstr(text, "stopped at its node limit"));
    free(text);
    tg_free(&t);
}
END_TEST

START_TEST(test_same_graph_same_text)
{
    /* A tangle: pseudo-random edges, some weak, among 500 nodes. */
    tg t;
    tg_init(&t);
    uint64_t x = 12345;
    for (uint64_t i = 0; i < 500; i++)
        node(&t, 16 * (i + 1), "list", "[...]", (int)(i % 5) - 1)->depth =
            (uint32_t)(i % 4);
    for (int i = 0; i < 2000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint64_t a = 16 * ((x >> 33) % 500 + 1), b = 16 * ((x >> 13) % 500 + 1);
        edge(&t, a, b, "[0]")->weak = (x >> 7) % 7 == 0;
    }
    char *one = dot_of(&t.g, NULL);
    char *two = dot_of(&t.g, NULL);
    ck_assert_str_eq(one, two);
    ck_assert_uint_eq(count(one, " -> "), 2000);
    free(one);
    free(two);
    tg_free(&t);
}
END_TEST

START_TEST(test_write_errors)
{
    tg t;
    tg_init(&t);
    node(&t, 16, "list", "[]", 0);
    errno = 0;
    ck_assert_int_eq(hg_write_dot(NULL, NULL, stdout), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(hg_write_dot(&t.g, NULL, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        errno = 0;
        ck_assert_int_eq(hg_write_dot(&t.g, NULL, full), -1);
        ck_assert_int_eq(errno, ENOSPC);
        fclose(full);
    }
    tg_free(&t);
}
END_TEST

/* ---- rendering ----------------------------------------------------------- */

/* A fresh empty directory; *path must be freed by rm_dir. */
static char *make_dir(void)
{
    char *dir = strdup("/tmp/test_graph.XXXXXX");
    ck_assert_ptr_nonnull(dir);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void rm_dir(char *dir, const char *const *names)
{
    for (; *names; names++) {
        char *p = path_in(dir, *names);
        unlink(p);
        free(p);
    }
    ck_assert_int_eq(rmdir(dir), 0);
    free(dir);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap + 1);
            ck_assert_ptr_nonnull(buf);
        }
        got = fread(buf + n, 1, 4096, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int dot_on_path(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *copy = strdup(path), *save = NULL;
    ck_assert_ptr_nonnull(copy);
    int found = 0;
    for (char *d = strtok_r(copy, ":", &save); d && !found;
         d = strtok_r(NULL, ":", &save)) {
        char *p = path_in(d, "dot");
        found = access(p, X_OK) == 0;
        free(p);
    }
    free(copy);
    return found;
}

static void cycle_graph(tg *t)
{
    tg_init(t);
    node(t, 16, "list", "[[[...]]]", 0)->depth = 0;
    node(t, 32, "list", "[[[...]]]", 0);
    node(t, 48, "Node", "<Node \"a\\b\"\n>", 2)->has_finalizer = 1;
    node(t, 64, "weakref", "<weakref at 0x40>", 0)->truncated = 3;
    edge(t, 16, 32, "[0]");
    edge(t, 32, 48, "[0]");
    edge(t, 48, 16, "next");
    edge(t, 64, 48, "")->weak = 1;
    edge(t, 16, 64, "[1]");
}

START_TEST(test_render_dot_text)
{
    char *dir = make_dir();
    tg t;
    cycle_graph(&t);
    char *want = dot_of(&t.g, NULL);
    static const char *const names[] = {"g.dot", "g.GV", NULL};
    for (const char *const *n = names; *n; n++) {
        char *file = path_in(dir, *n), err[256] = "x";
        ck_assert_int_eq(hg_render(&t.g, NULL, file, err, sizeof err), 0);
        ck_assert_str_eq(err, "");
        size_t len;
        char *got = slurp(file, &len);
        ck_assert_str_eq(got, want);
        free(got);
        free(file);
    }
    free(want);
    tg_free(&t);
    rm_dir(dir, names);
}
END_TEST

START_TEST(test_render_png_svg_pdf_with_graphviz)
{
    if (!dot_on_path()) {
        fprintf(stderr, "test_graph: no dot on PATH, not rendering\n");
        return;
    }
    char *dir = make_dir();
    tg t;
    cycle_graph(&t);
    char err[512];

    char *png = path_in(dir, "g.png");
    ck_assert_msg(hg_render(&t.g, NULL, png, err, sizeof err) == 0, "%s", err);
    size_t len;
    char *bytes = slurp(png, &len);
    ck_assert_uint_gt(len, 8);
    ck_assert_mem_eq(bytes, "\x89PNG\r\n\x1a\n", 8);
    free(bytes);
    free(png);

    /* The SVG has the escaped repr back as text (XML-escaped) and the
     * cycle in red: dot read our escaping as meant. */
    char *svg = path_in(dir, "g.svg");
    ck_assert_msg(hg_render(&t.g, NULL, svg, err, sizeof err) == 0, "%s", err);
    bytes = slurp(svg, &len);
    ck_assert_ptr_nonnull(strstr(bytes, "<svg"));
    ck_assert_ptr_nonnull(strstr(bytes, "&lt;Node &quot;a\\b&quot;\\n&gt;"));
    ck_assert_ptr_nonnull(strstr(bytes, "stroke=\"" RED "\""));
    ck_assert_ptr_nonnull(strstr(bytes, "(+3 more)"));
    ck_assert_ptr_nonnull(strstr(bytes, "stroke-dasharray"));
    free(bytes);
    free(svg);

    char *pdf = path_in(dir, "g.PDF");
    ck_assert_msg(hg_render(&t.g, NULL, pdf, err, sizeof err) == 0, "%s", err);
    bytes = slurp(pdf, &len);
    ck_assert_uint_gt(len, 5);
    ck_assert_mem_eq(bytes, "%PDF-", 5);
    free(bytes);
    free(pdf);

    tg_free(&t);
    static const char *const names[] = {"g.png", "g.svg", "g.PDF", NULL};
    rm_dir(dir, names);
}
END_TEST

/* Runs hg_render(.png) with PATH set to dir alone; returns its result. */
static int render_with_path(const char *dir, const Heapd__Graph *g,
                            const char *file, char *err, size_t errcap)
{
    char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    ck_assert_int_eq(setenv("PATH", dir, 1), 0);
    int rc = hg_render(g, NULL, file, err, errcap);
    if (old)
        setenv("PATH", old, 1);
    else
        unsetenv("PATH");
    free(old);
    return rc;
}

START_TEST(test_render_without_dot)
{
    char *dir = make_dir(); /* empty: no dot in it */
    tg t;
    cycle_graph(&t);
    char *png = path_in(dir, "g.png"), err[512] = "";
    ck_assert_int_eq(render_with_path(dir, &t.g, png, err, sizeof err), -1);
    ck_assert_str_eq(err, "graphviz's 'dot' is not installed: install "
                          "graphviz, or give a filename ending in .dot");
    ck_assert_int_eq(access(png, F_OK), -1);
    /* A short buffer gets a cut message, still NUL-terminated. */
    char small[8];
    ck_assert_int_eq(render_with_path(dir, &t.g, png, small, sizeof small), -1);
    ck_assert_str_eq(small, "graphvi");
    ck_assert_int_eq(render_with_path(dir, &t.g, png, NULL, 0), -1);
    free(png);
    tg_free(&t);
    static const char *const names[] = {NULL};
    rm_dir(dir, names);
}
END_TEST

static void fake_dot(const char *dir, const char *script)
{
    char *p = path_in(dir, "dot");
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/bin/sh\nPATH=/usr/bin:/bin\n%s\n", script);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(p, 0755), 0);
    free(p);
}

START_TEST(test_render_when_dot_fails)
{
    char *dir = make_dir();
    tg t;
    cycle_graph(&t);
    char *png = path_in(dir, "g.png"), err[512];

    /* Its arguments, then an error on stderr after reading the text. */
    fake_dot(dir, "cat > \"${0%/*}/input\"\n"
                  "echo \"$@\" > \"${0%/*}/args\"\n"
                  "echo '' >&2\n"
                  "echo 'Error: <stdin>: syntax error in line 3' >&2\n"
                  "echo 'more' >&2\nexit 1");
    ck_assert_int_eq(render_with_path(dir, &t.g, png, err, sizeof err), -1);
    ck_assert_str_eq(err, "graphviz's dot failed (exit status 1): Error: "
                          "<stdin>: syntax error in line 3");
    char *args_file = path_in(dir, "args"), *input_file = path_in(dir, "input");
    size_t len;
    char *args = slurp(args_file, &len);
    char want[600];
    snprintf(want, sizeof want, "-Tpng -o%s\n", png);
    ck_assert_str_eq(args, want);
    free(args);
    char *input = slurp(input_file, &len);
    char *text = dot_of(&t.g, NULL);
    ck_assert_str_eq(input, text); /* all of the text, on stdin */
    free(input);
    free(text);

    fake_dot(dir, "exit 2"); /* says nothing */
    ck_assert_int_eq(render_with_path(dir, &t.g, png, err, sizeof err), -1);
    ck_assert_str_eq(err, "graphviz's dot failed (exit status 2)");

    fake_dot(dir, "kill -9 $$");
    ck_assert_int_eq(render_with_path(dir, &t.g, png, err, sizeof err), -1);
    ck_assert_str_eq(err, "graphviz's dot was killed by signal 9");

    /* A dot that exits "successfully" without reading a big text. */
    tg big;
    build_chain(&big, 0);
    fake_dot(dir, "echo 'not reading' >&2\nexit 0");
    ck_assert_int_eq(render_with_path(dir, &big.g, png, err, sizeof err), -1);
    ck_assert_str_eq(err, "graphviz's dot stopped reading its input: not "
                          "reading");
    tg_free(&big);

    /* dot not executable: not "not installed", but why. */
    char *dotp = path_in(dir, "dot");
    ck_assert_int_eq(chmod(dotp, 0644), 0);
    free(dotp);
    ck_assert_int_eq(render_with_path(dir, &t.g, png, err, sizeof err), -1);
    ck_assert_str_eq(err, "cannot run graphviz's 'dot': Permission denied");

    free(args_file);
    free(input_file);
    free(png);
    tg_free(&t);
    static const char *const names[] = {"dot", "args", "input", "g.png", NULL};
    rm_dir(dir, names);
}
END_TEST

START_TEST(test_render_bad_names)
{
    tg t;
    cycle_graph(&t);
    char err[512];
    ck_assert_int_eq(hg_render(&t.g, NULL, "graph.jpg", err, sizeof err), -1);
    ck_assert_str_eq(err, "unknown file extension '.jpg': use .png, .svg, "
                          ".pdf or .dot");
    ck_assert_int_eq(hg_render(&t.g, NULL, "graph", err, sizeof err), -1);
    ck_assert_str_eq(err, "graph has no extension: give a filename ending in "
                          ".png, .svg, .pdf or .dot");
    ck_assert_int_eq(hg_render(&t.g, NULL, "out.d/graph", err, sizeof err), -1);
    ck_assert_str_eq(err, "out.d/graph has no extension: give a filename "
                          "ending in .png, .svg, .pdf or .dot");
    ck_assert_int_eq(hg_render(&t.g, NULL, "", err, sizeof err), -1);
    ck_assert_str_eq(err, "no filename to draw the graph into");
    ck_assert_int_eq(hg_render(NULL, NULL, "g.dot", err, sizeof err), -1);
    ck_assert_str_eq(err, "no graph to draw");
    ck_assert_int_eq(
        hg_render(&t.g, NULL, "/nonexistent-dir/g.dot", err, sizeof err), -1);
    ck_assert_str_eq(err, "cannot write /nonexistent-dir/g.dot: No such file "
                          "or directory");
    tg_free(&t);
}
END_TEST

/* ---- the talk's example -------------------------------------------------- */

/* x = "hello"; y = [x, [x], list(x), dict(x=x)]; objgraph.show_refs([y]),
 * with the ids, refcounts and sizes a 3.12 heap reports (the 'hello'
 * constant and the one-character strs are immortal; the dict holds only
 * strs, so the gc does not track it).  'l' is one object, twice in the
 * list; the dict's str key is not a referent. */
static void talk_graph(tg *t)
{
    const uint64_t Y = 139887084863920, HELLO = 139887084847248,
                   INNER = 139887084863776, CHARS = 139887084863824,
                   D = 139887084863872, H = 139887084847312,
                   E = 139887084847344, L = 139887084847376,
                   O = 139887084847408;
    tg_init(t);
    Heapd__GraphNode *n;
    n = node(t, Y, "list", "['hello', ['hello'], ['h', 'e', 'l', ...", 0);
    n->depth = 0;
    n->size = 88;
    n = node(t, HELLO, "str", "'hello'", -1);
    n->refcount = 4294967295u;
    n->size = 46;
    node(t, INNER, "list", "['hello']", 0)->size = 64;
    node(t, CHARS, "list", "['h', 'e', 'l', 'l', 'o']", 0)->size = 104;
    node(t, D, "dict", "{'x': 'hello'}", -1)->size = 184;
    const char *chars[] = {"'h'", "'e'", "'l'", "'o'"};
    uint64_t ids[] = {H, E, L, O};
    for (int i = 0; i < 4; i++) {
        n = node(t, ids[i], "str", chars[i], -1);
        n->refcount = 4294967295u;
        n->size = 42;
        n->depth = 2;
    }
    edge(t, Y, HELLO, "[0]");
    edge(t, Y, INNER, "[1]");
    edge(t, Y, CHARS, "[2]");
    edge(t, Y, D, "[3]");
    edge(t, INNER, HELLO, "[0]");
    edge(t, CHARS, H, "[0]");
    edge(t, CHARS, E, "[1]");
    edge(t, CHARS, L, "[2]");
    edge(t, CHARS, L, "[3]");
    edge(t, CHARS, O, "[4]");
    edge(t, D, HELLO, "'x'");
}

START_TEST(test_talk_example)
{
    tg t;
    talk_graph(&t);
    uint64_t roots[] = {t.g.nodes[0]->id};
    hg_options o = {.roots = roots,
                    .nroots = 1,
                    .title = "x = \"hello\"; y = [x, [x], list(x), dict(x=x)]"};
    char *text = dot_of(&t.g, &o);
    ck_assert_uint_eq(count(text, "\n  o"), 9 + 11); /* nodes + edges */
    uint64_t y = t.g.nodes[0]->id, chars = t.g.nodes[3]->id;
    uint64_t l = t.g.nodes[7]->id;
    node_has(text, y, "penwidth=3", 1);
    node_has(text, t.g.nodes[1]->id,
             "<BR/>'hello'<BR/><FONT POINT-SIZE=\"8\">immortal, untracked", 1);
    edge_has(text, chars, l, "label=<[2]>", 1);
    char *second = edge_line_n(text, chars, l, 1);
    ck_assert_ptr_nonnull(strstr(second, "label=<[3]>"));
    free(second);
    edge_has(text, t.g.nodes[4]->id, t.g.nodes[1]->id, "label=<'x'>", 1);
    ck_assert_ptr_nonnull(
        strstr(text, "9 objects, 11 references; no reference cycles"));
    ck_assert_ptr_null(strstr(text, RED));
    free(text);

    /* HG_SAMPLE_PNG=path also draws the picture there (as hg_render does:
     * .png, .svg, .pdf or .dot). */
    const char *keep = getenv("HG_SAMPLE_PNG");
    if (keep && dot_on_path()) {
        char err[512];
        ck_assert_msg(hg_render(&t.g, &o, keep, err, sizeof err) == 0, "%s",
                      err);
    }
    tg_free(&t);
}
END_TEST

static Suite *graph_suite(void)
{
    Suite *s = suite_create("graph");
    TCase *tc = tcase_create("dot");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_three_cycle_is_red);
    tcase_add_test(tc, test_self_loop_is_red);
    tcase_add_test(tc, test_weak_edge_is_dashed_and_makes_no_cycle);
    tcase_add_test(tc, test_dag_has_no_red);
    tcase_add_test(tc, test_chain_of_100000_open);
    tcase_add_test(tc, test_chain_of_100000_closed_is_one_cycle);
    tcase_add_test(tc, test_generations_have_their_fill);
    tcase_add_test(tc, test_finalizer_has_clipped_corners);
    tcase_add_test(tc, test_roots_by_depth_or_as_given);
    tcase_add_test(tc, test_highlight_is_a_double_border);
    tcase_add_test(tc, test_refcounts_bold_and_immortal);
    tcase_add_test(tc, test_truncated_shows_more);
    tcase_add_test(tc, test_edge_labels);
    tcase_add_test(tc, test_repr_escaping);
    tcase_add_test(tc, test_repr_at_most_40_characters);
    tcase_add_test(tc, test_type_and_title_escaped_and_cut);
    tcase_add_test(tc, test_repeated_nodes_and_dangling_edges_left_out);
    tcase_add_test(tc, test_empty_graph);
    tcase_add_test(tc, test_same_graph_same_text);
    tcase_add_test(tc, test_write_errors);
    tcase_add_test(tc, test_talk_example);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("render");
    tcase_set_timeout(tr, 120);
    tcase_add_test(tr, test_render_dot_text);
    tcase_add_test(tr, test_render_png_svg_pdf_with_graphviz);
    tcase_add_test(tr, test_render_without_dot);
    tcase_add_test(tr, test_render_when_dot_fails);
    tcase_add_test(tr, test_render_bad_names);
    suite_add_tcase(s, tr);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(graph_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
