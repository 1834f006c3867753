/*
 * test_python.c: heapctl's evaluator against a real heapd -- `heapctl run`
 * and `heapctl repl` with a non-terminal stdin, over the daemon's Unix
 * socket.  Each expected output below is what CPython 3.12.1 prints for
 * the same program (checked by hand with `python3 FILE` and `python3 -i <
 * FILE`); the full comparison with CPython is tests/conformance.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

static it_daemon D;

static void setup(void)
{
    it_daemon_start_unix(&D, NULL);
}

static void teardown(void)
{
    it_daemon_stop(&D);
}

/* Runs heapctl with args ("FILE" standing for a file holding src), src
 * on its stdin; returns its exit status and its stdout in out. */
static int heapctl(const char *const *args, const char *src, char *out,
                   size_t cap)
{
    char path[128];
    it_path(&D, "prog.py", path, sizeof path);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(src, f);
    fclose(f);
    const char *argv[16];
    int n = 0;
    for (int k = 0; args[k] && n < 15; k++)
        argv[n++] = strcmp(args[k], "FILE") ? args[k] : path;
    argv[n] = NULL;
    return it_heapctl(&D, argv, path, out, cap);
}

static void run_expect(const char *src, const char *want, int want_status)
{
    static char out[1 << 16];
    const char *args[] = {"run", "FILE", NULL};
    int st = heapctl(args, src, out, sizeof out);
    ck_assert_str_eq(out, want);
    ck_assert_int_eq(st, want_status);
}

START_TEST(refcounts_and_identity_in_a_file)
{
    /* in a file, equal constants are one object held by the code and the
     * parse tree: getrefcount(x) is 4 and x is y */
    run_expect("import sys\n"
               "x = 300\n"
               "y = 300\n"
               "print(sys.getrefcount(x), x is y)\n"
               "l = [x, x]\n"
               "print(sys.getrefcount(x))\n"
               "def f(a):\n"
               "    return sys.getrefcount(a)\n"
               "print(f(x))\n",
               "5 True\n7\n8\n", 0);
}
END_TEST

START_TEST(finalizers_run_in_order)
{
    run_expect("class A:\n"
               "    def __init__(self, n):\n"
               "        self.n = n\n"
               "        self.other = None\n"
               "    def __del__(self):\n"
               "        print('del', self.n)\n"
               "a = A('a'); b = A('b'); c = A('c')\n"
               "a.other = b\n"
               "b.other = c\n"
               "del b, c\n"
               "del a\n"
               "print('after')\n",
               "del a\ndel b\ndel c\nafter\n", 0);
}
END_TEST

START_TEST(ref_cycle_collected)
{
    run_expect("import gc\n"
               "def ref_cycle():\n"
               "    list = [1, 2, 3, 4]\n"
               "    list.append(list)\n"
               "    return list\n"
               "for i in range(8):\n"
               "    ref_cycle()\n"
               "n = gc.collect()\n"
               "print('collected', n, gc.garbage)\n"
               "print(gc.collect())\n",
               "collected 8 []\n0\n", 0);
}
END_TEST

START_TEST(exceptions_caught_and_uncaught)
{
    run_expect("d = {'a': 1}\n"
               "try:\n"
               "    d['zz']\n"
               "except KeyError as e:\n"
               "    print('caught', e)\n"
               "l = []\n"
               "try:\n"
               "    l.pop()\n"
               "except IndexError:\n"
               "    print('empty')\n"
               "print('before')\n"
               "undefined_name\n"
               "print('not reached')\n",
               "caught 'zz'\nempty\nbefore\n", 1);
}
END_TEST

START_TEST(a_long_loop_is_pipelined)
{
    /* 200,000 iterations of five heap operations each */
    run_expect("head = []\n"
               "for i in range(200000):\n"
               "    head = [head]\n"
               "n = 0\n"
               "x = head\n"
               "while n < 3:\n"
               "    x = x[0]\n"
               "    n += 1\n"
               "print(len(x), i)\n",
               "1 199999\n", 0);
}
END_TEST

START_TEST(interactive_statements_are_units)
{
    static char out[4096];
    const char *args[] = {"repl", NULL};
    int st = heapctl(args,
                     "import sys\n"
                     "x = 300\n"
                     "sys.getrefcount(x)\n"
                     "y = 300\n"
                     "x is y\n"
                     "a = 300; b = 300\n"
                     "a is b\n"
                     "x\n"
                     "sys.getrefcount(x)\n"
                     "nope\n"
                     "print('goes on')\n",
                     out, sizeof out);
    ck_assert_str_eq(out, "2\nFalse\nTrue\n300\n3\ngoes on\n");
    ck_assert_int_eq(st, 0);
}
END_TEST

START_TEST(workshop_commands_and_objgraph)
{
    static char out[1 << 16];
    char png[160];
    it_path(&D, "y.png", png, sizeof png);
    char src[512];
    snprintf(src, sizeof src,
             "import objgraph\n"
             "x = 'hello'\n"
             "y = [x, [x], list(x), dict(x=x)]\n"
             "objgraph.show_refs([y], filename='%s')\n"
             "objgraph.count('dict')\n"
             "%%gc\n"
             "%%heap\n",
             png);
    const char *args[] = {"repl", NULL};
    int st = heapctl(args, src, out, sizeof out);
    ck_assert_int_eq(st, 0);
    char want[256];
    snprintf(want, sizeof want, "Image generated as %s\n1\n", png);
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "got: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "threshold  700 10 10\n"));
    ck_assert_ptr_nonnull(
        strstr(out, "type            objects        bytes\n"));
    /* a real PNG of the talk's slide 31 graph */
    FILE *f = fopen(png, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char sig[8];
    ck_assert_uint_eq(fread(sig, 1, 8, f), 8);
    fclose(f);
    ck_assert_int_eq(memcmp(sig, "\x89PNG\r\n\x1a\n", 8), 0);
}
END_TEST

START_TEST(heapd_is_started_when_none_answers)
{
    /* no --server: the default address is $XDG_RUNTIME_DIR/heapd.sock,
     * where nothing listens; heapctl starts a heapd there */
    char dir[64];
    it_tmpdir(dir, sizeof dir);
    int pout[2];
    ck_assert_int_eq(pipe(pout), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setenv("XDG_RUNTIME_DIR", dir, 1);
        unsetenv("HEAPD_ADDR");
        dup2(pout[1], 1);
        close(pout[1]);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        close(pout[0]);
        execl(HEAPCTL_BIN, "heapctl", "-c", "print('spawned', 6 * 7)",
              (char *)NULL);
        _exit(127);
    }
    close(pout[1]);
    char out[256];
    ssize_t n = 0, got;
    while ((got = read(pout[0], out + n, sizeof out - 1 - (size_t)n)) > 0)
        n += got;
    out[n] = '\0';
    close(pout[0]);
    int status;
    waitpid(pid, &status, 0);
    char sock[128], cmd[256];
    snprintf(sock, sizeof sock, "%s/heapd.sock", dir);
    bool there = access(sock, F_OK) == 0;
    snprintf(cmd, sizeof cmd, "pkill -f 'heapd --liste[n] unix:%s'", sock);
    if (system(cmd) != 0)
        ck_abort_msg("the spawned heapd was not running");
    ck_assert_str_eq(out, "spawned 42\n");
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert(there);
}
END_TEST

START_TEST(objgraph_backref_chain_and_counts)
{
    run_expect("import objgraph\n"
               "class Holder:\n"
               "    pass\n"
               "h = Holder()\n"
               "target = [1, 2]\n"
               "h.items = {'key': target}\n"
               "chain = objgraph.find_backref_chain(target, lambda o: "
               "isinstance(o, Holder))\n"
               "print([type(o).__name__ for o in chain], chain[0] is h)\n"
               "print(objgraph.find_backref_chain(target, lambda o: False) == "
               "[target])\n"
               "before = objgraph.count('Holder')\n"
               "more = [Holder() for i in range(3)]\n"
               "print(objgraph.count('Holder') - before, "
               "len(objgraph.by_type('Holder')))\n",
               "['Holder', 'dict', 'list'] True\nTrue\n3 4\n", 0);
}
END_TEST

START_TEST(generator_arguments_and_builtins)
{
    run_expect("print(sum(x * x for x in range(5)), max(len(w) for w in ['a', "
               "'abc']))\n"
               "print(any(x > 3 for x in [1, 5]), all([1, 0]), sorted(c for c "
               "in 'bca'))\n"
               "print('-'.join(str(i) for i in range(3)), [c for c in 'ab'])\n",
               "30 3\nTrue False ['a', 'b', 'c']\n0-1-2 ['a', 'b']\n", 0);
}
END_TEST

START_TEST(show_refs_filter_and_highlight)
{
    char dot[160], src[700];
    it_path(&D, "hf.dot", dot, sizeof dot);
    snprintf(src, sizeof src,
             "import objgraph\n"
             "a = [1]\n"
             "b = [a, 'keep']\n"
             "c = {'b': b}\n"
             "objgraph.show_refs([c], filename='%s', highlight=lambda o: "
             "isinstance(o, list),\n"
             "                   filter=lambda o: not isinstance(o, str))\n",
             dot);
    char want[256];
    snprintf(want, sizeof want, "Graph written to %s (4 nodes)\n", dot);
    run_expect(src, want, 0);
    FILE *f = fopen(dot, "r");
    ck_assert_ptr_nonnull(f);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* the two lists are highlighted; the str the filter refused is gone */
    int doubled = 0;
    for (const char *p = text; (p = strstr(p, "peripheries=2")); p++)
        doubled++;
    ck_assert_int_eq(doubled, 2);
    ck_assert_ptr_null(strstr(text, "<B>str</B>"));
    ck_assert_ptr_nonnull(strstr(text, "<B>int</B>"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("python");
    TCase *tc = tcase_create("heapctl");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, refcounts_and_identity_in_a_file);
    tcase_add_test(tc, finalizers_run_in_order);
    tcase_add_test(tc, ref_cycle_collected);
    tcase_add_test(tc, exceptions_caught_and_uncaught);
    tcase_add_test(tc, a_long_loop_is_pipelined);
    tcase_add_test(tc, interactive_statements_are_units);
    tcase_add_test(tc, workshop_commands_and_objgraph);
    tcase_add_test(tc, heapd_is_started_when_none_answers);
    tcase_add_test(tc, objgraph_backref_chain_and_counts);
    tcase_add_test(tc, generator_arguments_and_builtins);
    tcase_add_test(tc, show_refs_filter_and_highlight);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
