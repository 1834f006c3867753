/*
 * test_labs.c: the workshop labs (the Markdown files of labs/) checked by
 * `heapctl lab check` against a real heapd on a temporary socket -- every
 * pycon transcript must print what it shows -- and the checker itself: a
 * wrong expected line fails and is named by block and line, doctest's
 * elisions pass, a compound statement must end with a blank line.  That
 * the transcripts are also what CPython 3.12 prints is checked by
 * tests/conformance/labs_cpython.py.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#ifndef LABS_DIR
#error "LABS_DIR must name the labs directory"
#endif

static it_daemon D;
static char out[1 << 16];

static void setup(void)
{
    it_daemon_start_unix(&D, NULL);
}

static void teardown(void)
{
    it_daemon_stop(&D);
}

/* Writes text to a file in the daemon's directory; its path in path. */
static void write_lab(const char *name, const char *text, char *path,
                      size_t cap)
{
    it_path(&D, name, path, cap);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* `heapctl lab check` of one file; its exit status, its stdout in out. */
static int check_one(const char *path)
{
    const char *args[] = {"lab", "check", path, NULL};
    return it_heapctl(&D, args, NULL, out, sizeof out);
}

static int occurrences(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)) != NULL; p++)
        n++;
    return n;
}

/* The numbers of the summary line, which must end the output. */
static void summary(int *blocks, int *passed)
{
    const char *last = strstr(out, "lab check: ");
    ck_assert_msg(last != NULL, "no summary in: %s", out);
    const char *p;
    while ((p = strstr(last + 1, "lab check: ")) != NULL)
        last = p;
    ck_assert_int_eq(
        sscanf(last, "lab check: %d blocks, %d passed", blocks, passed), 2);
    ck_assert_msg(strchr(last, '\n') == out + strlen(out) - 1,
                  "output goes on after the summary: %s", last);
}

START_TEST(the_labs_pass)
{
    glob_t g;
    ck_assert_int_eq(glob(LABS_DIR "/*.md", 0, NULL, &g), 0);
    ck_assert_uint_ge(g.gl_pathc, 5); /* one lab per part of the talk */
    const char *args[64] = {"lab", "check"};
    int n = 2;
    for (size_t k = 0; k < g.gl_pathc && n < 63; k++)
        args[n++] = g.gl_pathv[k];
    args[n] = NULL;
    int st = it_heapctl(&D, args, NULL, out, sizeof out);
    ck_assert_msg(st == 0, "lab check exited %d:\n%s", st, out);
    int blocks, passed;
    summary(&blocks, &passed);
    ck_assert_int_gt(blocks, 0);
    ck_assert_int_eq(passed, blocks);
    globfree(&g);
}
END_TEST

START_TEST(a_wrong_line_is_named)
{
    char path[128];
    write_lab("wrong.md",
              "# A lab with a mistake\n"
              "\n"
              "```pycon\n"
              ">>> x = [1, 2]\n"
              ">>> len(x)\n"
              "2\n"
              "```\n"
              "\n"
              "Text between the blocks.\n"
              "\n"
              "```pycon\n"
              ">>> x = 300\n"
              ">>> x + 1\n"
              "302\n"
              ">>> print('a')\n"
              "a\n"
              "```\n",
              path, sizeof path);
    int st = check_one(path);
    ck_assert_int_eq(st, 1);
    char want[256];
    snprintf(want, sizeof want,
             "%s: block 2 line 3: expected '302', got '301'\n", path);
    ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
    int blocks, passed;
    summary(&blocks, &passed);
    ck_assert_int_eq(blocks, 2);
    ck_assert_int_eq(passed, 1);
    /* one difference, and the block before it is not blamed */
    ck_assert_int_eq(occurrences(out, "expected"), 1);
    ck_assert_ptr_null(strstr(out, "block 1"));
}
END_TEST

START_TEST(missing_and_extra_output)
{
    char path[128];
    write_lab("short.md",
              "```pycon\n"
              ">>> print('one')\n"
              "one\n"
              "two\n"
              ">>> print('a'); print('b')\n"
              "a\n"
              "```\n",
              path, sizeof path);
    ck_assert_int_eq(check_one(path), 1);
    ck_assert_msg(strstr(out, "block 1 line 3: expected 'two', got no more "
                              "output\n") != NULL,
                  "%s", out);
    ck_assert_msg(strstr(out, "block 1 line 6: expected no more output, got "
                              "'b'\n") != NULL,
                  "%s", out);
}
END_TEST

START_TEST(elisions_and_compound_statements_pass)
{
    char path[128];
    write_lab("ok.md",
              "```pycon\n"
              ">>> class C:\n"
              "...     pass\n"
              "...\n"
              ">>> C()\n"
              "...\n"
              ">>> def f():\n"
              "...     return 1 / 0\n"
              "\n"
              ">>> f()\n"
              "Traceback (most recent call last):\n"
              "  ...\n"
              "ZeroDivisionError: division by zero\n"
              ">>> nope\n"
              "Traceback (most recent call last):\n"
              "  File \"<stdin>\", line 1, in <module>\n"
              "NameError: name 'nope' is not defined\n"
              ">>> for i in range(2):\n"
              "...     print(i)\n"
              "... \n"
              "0\n"
              "1\n"
              ">>> 1 +\n"
              "  File \"<stdin>\", line 1\n"
              "    1 +\n"
              "       ^\n"
              "SyntaxError: invalid syntax\n"
              "```\n"
              "\n"
              "```python\n"
              "this is not checked\n"
              "```\n",
              path, sizeof path);
    int st = check_one(path);
    ck_assert_msg(st == 0, "exit %d:\n%s", st, out);
    ck_assert_str_eq(out, "lab check: 1 blocks, 1 passed\n");
}
END_TEST

START_TEST(a_compound_statement_needs_its_blank_line)
{
    char path[128];
    write_lab("open.md",
              "```pycon\n"
              ">>> def f():\n"
              "...     return 1\n"
              ">>> f()\n"
              "1\n"
              "```\n",
              path, sizeof path);
    ck_assert_int_eq(check_one(path), 1);
    ck_assert_msg(strstr(out, "block 1 line 3: the statement above is not "
                              "complete") != NULL,
                  "%s", out);
}
END_TEST

START_TEST(json_report)
{
    char path[128];
    write_lab("json.md",
              "```pycon\n"
              ">>> 1 + 1\n"
              "3\n"
              "```\n",
              path, sizeof path);
    const char *args[] = {"--json", "lab", "check", path, NULL};
    ck_assert_int_eq(it_heapctl(&D, args, NULL, out, sizeof out), 1);
    ck_assert_msg(strstr(out, "\"differences\":[{\"line\":2,\"file_line\":3,"
                              "\"expected\":\"3\",\"got\":\"2\","
                              "\"message\":null}]") != NULL,
                  "%s", out);
    ck_assert_msg(strstr(out, "\"blocks\":1,\"passed\":0}\n") != NULL, "%s",
                  out);
}
END_TEST

START_TEST(usage_errors)
{
    const char *none[] = {"lab", "check", NULL};
    ck_assert_int_eq(it_heapctl(&D, none, NULL, out, sizeof out), 2);
    const char *other[] = {"lab", "run", "x.md", NULL};
    ck_assert_int_eq(it_heapctl(&D, other, NULL, out, sizeof out), 2);
    const char *missing[] = {"lab", "check", "/nonexistent/lab.md", NULL};
    ck_assert_int_eq(it_heapctl(&D, missing, NULL, out, sizeof out), 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("labs");
    TCase *tc = tcase_create("lab check");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_labs_pass);
    tcase_add_test(tc, a_wrong_line_is_named);
    tcase_add_test(tc, missing_and_extra_output);
    tcase_add_test(tc, elisions_and_compound_statements_pass);
    tcase_add_test(tc, a_compound_statement_needs_its_blank_line);
    tcase_add_test(tc, json_report);
    tcase_add_test(tc, usage_errors);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
