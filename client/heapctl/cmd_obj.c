/*
 * cmd_obj.c: building and reading object graphs from a shell script:
 * new, bind, del, link, unlink, obj info, referrers, referents.  Every
 * command pushes its operands on the heap's value stack, runs one
 * operation, and leaves the stack as it found it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "heapctl.h"

#define MAX_ARGS 1024

const char HELP_NEW[] =
    "usage: heapctl new TYPE [VALUE | ITEM...] [--bind NAME]\n"
    "\n"
    "  new none | new bool true|false | new int N | new float X\n"
    "  new str TEXT | new bytes TEXT\n"
    "  new list|tuple|set|frozenset [ITEM...]\n"
    "  new dict [KEY VALUE]...\n"
    "  new class NAME                  (bound to NAME unless --bind)\n"
    "  new instance --class C          (class C created if missing)\n"
    "  new weakref OBJ [--callback OBJ]\n"
    "\n"
    "Creates one object and binds it to the global NAME (--bind).  Without\n"
    "--bind nothing holds it, so it is freed when the command ends.  Prints\n"
    "its id.  ITEM and VALUE: a global NAME, an object ID, None, True,\n"
    "False, int:N, float:X, str:TEXT, bytes:TEXT.  KEY: an integer or a\n"
    "word (a str), a literal as above, or @NAME / @ID for an object.\n"
    "JSON: {\"id\":..,\"type\":..,\"bound\":NAME|null}.\n"
    "\n"
    "  heapctl new list --bind a\n"
    "  heapctl new int 300 --bind x\n"
    "  heapctl new instance --class C --bind obj\n"
    "  heapctl new dict name str:Bob next None --bind d\n";

const char HELP_BIND[] =
    "usage: heapctl bind NAME OBJ\n"
    "\n"
    "NAME = OBJ in the heap's globals.  OBJ: a global NAME, an object ID,\n"
    "None, True, False, int:N, float:X, str:TEXT, bytes:TEXT.\n"
    "JSON: {\"name\":..,\"id\":..}.\n";

const char HELP_DEL[] = "usage: heapctl del NAME...\n"
                        "\n"
                        "del NAME for each NAME, in order (NameError if one "
                        "is not bound).\n"
                        "JSON: {\"deleted\":[NAME,...]}.\n";

const char HELP_LINK[] =
    "usage: heapctl link OBJ KEY VALUE          OBJ[KEY] = VALUE\n"
    "       heapctl link OBJ --attr NAME VALUE  OBJ.NAME = VALUE\n"
    "       heapctl link OBJ --append VALUE...  OBJ.append(VALUE) each\n"
    "       heapctl link OBJ --insert I VALUE   OBJ.insert(I, VALUE)\n"
    "       heapctl link OBJ --extend VALUE     OBJ.extend(VALUE)\n"
    "       heapctl link OBJ --add VALUE...     OBJ.add(VALUE) each\n"
    "\n"
    "Stores a reference.  OBJ: a global NAME or an object ID.  VALUE: the\n"
    "same, or None, True, False, int:N, float:X, str:TEXT, bytes:TEXT.\n"
    "KEY: an integer (a list index or an int key), a word (a str key), a\n"
    "literal as for VALUE, or @NAME / @ID for an object.\n"
    "JSON: {\"target\":ID}.\n"
    "\n"
    "  heapctl link a --append b      # a.append(b)\n"
    "  heapctl link d name a          # d['name'] = a\n"
    "  heapctl link obj --attr next obj   # a cycle\n";

const char HELP_UNLINK[] =
    "usage: heapctl unlink OBJ KEY              del OBJ[KEY]\n"
    "       heapctl unlink OBJ --attr NAME      del OBJ.NAME\n"
    "       heapctl unlink OBJ --discard VALUE...  OBJ.discard(VALUE) each\n"
    "       heapctl unlink OBJ --clear          OBJ.clear()\n"
    "\n"
    "Removes a reference; arguments as for 'heapctl link'.\n"
    "JSON: {\"target\":ID}.\n";

const char HELP_OBJ[] =
    "usage: heapctl obj info OBJ [--items] [--str]\n"
    "\n"
    "Reads one object (a global NAME or an object ID) without changing\n"
    "anything: id, type, refcount (the references the heap holds, i.e.\n"
    "sys.getrefcount() - 1), size (sys.getsizeof), generation (-1\n"
    "untracked, 3 permanent), len, weakrefs, repr.  --items lists the ids\n"
    "of a container's items (dict: key, value, key, value...); --str adds\n"
    "str().  JSON: every field of ObjectInfo.\n";

const char HELP_REFERRERS[] =
    "usage: heapctl referrers OBJ...\n"
    "\n"
    "gc.get_referrers(OBJ...): one line per referrer, ID TYPE REPR.\n"
    "JSON: {\"objects\":[{\"id\":..,\"type\":..,\"refcount\":..,"
    "\"repr\":..}]}.\n";

const char HELP_REFERENTS[] =
    "usage: heapctl referents OBJ...\n"
    "\n"
    "gc.get_referents(OBJ...): one line per referent, ID TYPE REPR.\n"
    "JSON: {\"objects\":[{\"id\":..,\"type\":..,\"refcount\":..,"
    "\"repr\":..}]}.\n";

static int is_name(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' ||
              (unsigned char)*p >= 0x80))
            return 0;
    return strcmp(s, "None") && strcmp(s, "True") && strcmp(s, "False");
}

/* Parses args[0..n) as object arguments (or, at odd positions when
 * pairs, keys). */
static int parse_objargs(ctl *x, const char **args, int n, objarg *out,
                         int pairs)
{
    for (int k = 0; k < n; k++) {
        int rc = pairs && k % 2 == 0 ? keyarg_parse(x, args[k], &out[k])
                                     : objarg_parse(x, args[k], &out[k]);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Binds the top of the stack to name, or drops it. */
static int bind_or_pop(ctl *x, const char *name)
{
    if (name)
        return ctl_op(x, HEAPD__OP_CODE__STORE_GLOBAL, 0, name, 0, NULL);
    return ctl_op(x, HEAPD__OP_CODE__POP, 0, NULL, 0, NULL);
}

/* Pushes class `name` (a global), creating and binding an empty class of
 * that name if the name is not bound. */
static int push_class(ctl *x, const objarg *cls, int *created)
{
    hc_op_result r;
    *created = 0;
    if (cls->kind != ARG_NAME)
        return objarg_push(x, cls, &r);
    x->pushed = 1;
    if (hc_op(x->c, HEAPD__OP_CODE__LOAD_GLOBAL, 0, cls->s, 0, &r) == 0) {
        x->last_stack = r.stack;
        return 0;
    }
    const hc_error *e = hc_last_error(x->c);
    if (e->code != HEAPD__ERROR_CODE__PYTHON_ERROR ||
        strcmp(e->py_type, "NameError") != 0)
        return ctl_fail(x);
    int rc;
    if ((rc = ctl_op(x, HEAPD__OP_CODE__BUILD_DICT, 0, NULL, 0, NULL)) ||
        (rc = ctl_op(x, HEAPD__OP_CODE__BUILD_CLASS, 0, cls->s, 0, NULL)) ||
        (rc = ctl_op(x, HEAPD__OP_CODE__DUP, 0, NULL, 0, NULL)) ||
        (rc = ctl_op(x, HEAPD__OP_CODE__STORE_GLOBAL, 0, cls->s, 0, NULL)))
        return rc;
    *created = 1;
    return 0;
}

static int build_code(const char *type)
{
    static const struct {
        const char *name;
        int code;
    } builders[] = {
        {"list", HEAPD__OP_CODE__BUILD_LIST},
        {"tuple", HEAPD__OP_CODE__BUILD_TUPLE},
        {"set", HEAPD__OP_CODE__BUILD_SET},
        {"frozenset", HEAPD__OP_CODE__BUILD_FROZENSET},
        {"dict", HEAPD__OP_CODE__BUILD_DICT},
    };
    for (size_t k = 0; k < sizeof builders / sizeof builders[0]; k++)
        if (strcmp(builders[k].name, type) == 0)
            return builders[k].code;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "1"))
        *out = 1;
    else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "0"))
        *out = 0;
    else
        return -1;
    return 0;
}

int cmd_new(ctl *x, int argc, char **argv)
{
    const char *pos[MAX_ARGS + 1], *bind = NULL, *cls_text = NULL,
                                   *cb_text = NULL;
    const optspec opts[] = {{"--bind", 1, &bind, 0, 0, 0, 0},
                            {"--class", 1, &cls_text, 0, 0, 0, 0},
                            {"--callback", 1, &cb_text, 0, 0, 0, 0},
                            {0}};
    int npos, rc = parse_opts(x, argc, argv, opts, pos, MAX_ARGS + 1, &npos,
                              HELP_NEW);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    if (npos == 0)
        return ctl_usage(x, "which type? none, bool, int, float, str, bytes, "
                            "list, tuple, set, frozenset, dict, class, "
                            "instance, weakref");
    const char *type = pos[0];
    const char **args = pos + 1;
    int nargs = npos - 1;
    if (bind && !is_name(bind))
        return ctl_usage(x, "--bind: '%s' is not a name", bind);
    if (cls_text && strcmp(type, "instance") != 0)
        return ctl_usage(x, "--class goes with 'new instance'");
    if (cb_text && strcmp(type, "weakref") != 0)
        return ctl_usage(x, "--callback goes with 'new weakref'");

    /* Check everything before touching the heap. */
    objarg lit, items[MAX_ARGS], cls, cb;
    memset(&lit, 0, sizeof lit);
    lit.kind = ARG_NAME; /* not a literal: set below when it is one */
    int build = build_code(type);
    int want = -1; /* number of arguments, -1 any */
    if (!strcmp(type, "none") || !strcmp(type, "instance"))
        want = 0;
    else if (!build)
        want = 1;
    if (want >= 0 && nargs != want)
        return ctl_usage(x, "'new %s' takes %s", type,
                         want ? "one argument" : "no arguments");
    if (!strcmp(type, "none")) {
        lit.kind = ARG_NONE;
    } else if (!strcmp(type, "bool")) {
        lit.kind = ARG_BOOL;
        int b;
        if (parse_bool(args[0], &b) < 0)
            return ctl_usage(x, "'%s' is not true or false", args[0]);
        lit.i = b;
    } else if (!strcmp(type, "int")) {
        lit.kind = ARG_INT;
        if (parse_i64(args[0], &lit.i) < 0)
            return ctl_usage(x, "'%s' is not a 64-bit integer", args[0]);
    } else if (!strcmp(type, "float")) {
        char *end;
        lit.kind = ARG_FLOAT;
        lit.f = strtod(args[0], &end);
        if (!*args[0] || *end)
            return ctl_usage(x, "'%s' is not a float", args[0]);
    } else if (!strcmp(type, "str") || !strcmp(type, "bytes")) {
        lit.kind = type[0] == 's' ? ARG_STR : ARG_BYTES;
        lit.s = args[0];
        if (lit.kind == ARG_STR && !valid_utf8(lit.s))
            return ctl_usage(x, "the text is not valid UTF-8");
    } else if (build) {
        if (build == HEAPD__OP_CODE__BUILD_DICT && nargs % 2)
            return ctl_usage(x, "'new dict' takes KEY VALUE pairs");
        if (parse_objargs(x, args, nargs, items,
                          build == HEAPD__OP_CODE__BUILD_DICT) < 0)
            return EXIT_USAGE;
    } else if (!strcmp(type, "class")) {
        if (!is_name(args[0]))
            return ctl_usage(x, "'%s' is not a class name", args[0]);
        if (!bind)
            bind = args[0];
    } else if (!strcmp(type, "instance")) {
        if (!cls_text)
            return ctl_usage(x, "'new instance' needs --class NAME");
        if (objarg_parse(x, cls_text, &cls) < 0)
            return EXIT_USAGE;
    } else if (!strcmp(type, "weakref")) {
        if (objarg_parse(x, args[0], &items[0]) < 0)
            return EXIT_USAGE;
        if (cb_text && objarg_parse(x, cb_text, &cb) < 0)
            return EXIT_USAGE;
    } else {
        return ctl_usage(x, "unknown type '%s'", type);
    }

    if ((rc = ctl_start(x, NEED_HEAP)) != 0)
        return rc;
    hc_op_result r;
    int created = 0;
    if (lit.kind != ARG_NAME) {
        rc = objarg_push(x, &lit, &r);
    } else if (build) {
        for (int k = 0; k < nargs && !rc; k++)
            rc = objarg_push(x, &items[k], NULL);
        if (!rc)
            rc = ctl_op(x, build,
                        build == HEAPD__OP_CODE__BUILD_DICT ? nargs / 2 : nargs,
                        NULL, 0, &r);
    } else if (!strcmp(type, "class")) {
        if (!(rc = ctl_op(x, HEAPD__OP_CODE__BUILD_DICT, 0, NULL, 0, NULL)))
            rc = ctl_op(x, HEAPD__OP_CODE__BUILD_CLASS, 0, args[0], 0, &r);
    } else if (!strcmp(type, "instance")) {
        if (!(rc = push_class(x, &cls, &created)))
            rc = ctl_op(x, HEAPD__OP_CODE__NEW_INSTANCE, 0, NULL, 0, &r);
    } else { /* weakref */
        if (!(rc = objarg_push(x, &items[0], NULL)))
            rc = cb_text
                     ? objarg_push(x, &cb, NULL)
                     : ctl_op(x, HEAPD__OP_CODE__PUSH_NONE, 0, NULL, 0, NULL);
        if (!rc)
            rc = ctl_op(x, HEAPD__OP_CODE__NEW_WEAKREF, 0, NULL, 0, &r);
    }
    if (rc || (rc = bind_or_pop(x, bind)) != 0)
        return rc;
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_kuint(j, "id", r.top);
        json_kstr(j, "type", r.top_type);
        json_key(j, "bound");
        if (bind)
            json_str(j, bind);
        else
            json_null(j);
        if (created)
            json_kbool(j, "class_created", 1);
        ctl_json_end(x);
    } else {
        printf("%" PRIu64 "\n", r.top);
        ctl_report_dues(x);
    }
    return EXIT_OK;
}

int cmd_bind(ctl *x, int argc, char **argv)
{
    const char *pos[2];
    int npos, rc = parse_opts(x, argc, argv, NULL, pos, 2, &npos, HELP_BIND);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    if (npos != 2)
        return ctl_usage(x, "give NAME and OBJ");
    if (!is_name(pos[0]))
        return ctl_usage(x, "'%s' is not a name", pos[0]);
    objarg a;
    if (objarg_parse(x, pos[1], &a) < 0)
        return EXIT_USAGE;
    if ((rc = ctl_start(x, NEED_HEAP)) != 0)
        return rc;
    hc_op_result r;
    if ((rc = objarg_push(x, &a, &r)) != 0 ||
        (rc = ctl_op(x, HEAPD__OP_CODE__STORE_GLOBAL, 0, pos[0], 0, NULL)))
        return rc;
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_kstr(j, "name", pos[0]);
        json_kuint(j, "id", r.top);
        ctl_json_end(x);
    } else {
        ctl_report_dues(x);
    }
    return EXIT_OK;
}

int cmd_del(ctl *x, int argc, char **argv)
{
    const char *pos[MAX_ARGS];
    int npos,
        rc = parse_opts(x, argc, argv, NULL, pos, MAX_ARGS, &npos, HELP_DEL);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    if (npos == 0)
        return ctl_usage(x, "give at least one NAME");
    for (int k = 0; k < npos; k++)
        if (!is_name(pos[k]))
            return ctl_usage(x, "'%s' is not a name", pos[k]);
    if ((rc = ctl_start(x, NEED_HEAP)) != 0)
        return rc;
    for (int k = 0; k < npos; k++)
        if ((rc = ctl_op(x, HEAPD__OP_CODE__DELETE_GLOBAL, 0, pos[k], 0, NULL)))
            return rc;
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_key(j, "deleted");
        json_arr_begin(j);
        for (int k = 0; k < npos; k++)
            json_str(j, pos[k]);
        json_arr_end(j);
        ctl_json_end(x);
    } else {
        ctl_report_dues(x);
    }
    return EXIT_OK;
}

/* link and unlink: the form chosen by the options, and its arguments. */
typedef struct edit {
    const char *attr, *insert;
    int append, add, extend, discard, clear;
    const char *pos[MAX_ARGS + 2];
    int npos;
    objarg target, key, values[MAX_ARGS];
    int nvalues;
    int64_t index;
} edit;

static int finish_edit(ctl *x, uint64_t target)
{
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_kuint(j, "target", target);
        ctl_json_end(x);
    } else {
        ctl_report_dues(x);
    }
    return EXIT_OK;
}

/* Pushes the target, then the key (if any) and value, then runs code;
 * *target gets the target's id. */
static int edit_op(ctl *x, const edit *e, const objarg *key,
                   const objarg *value, int code, int64_t i, const char *s,
                   uint64_t *target)
{
    hc_op_result r;
    int rc = objarg_push(x, &e->target, &r);
    if (rc)
        return rc;
    *target = r.top;
    if (key && (rc = objarg_push(x, key, NULL)))
        return rc;
    if (value && (rc = objarg_push(x, value, NULL)))
        return rc;
    return ctl_op(x, code, i, s, 0, NULL);
}

int cmd_link(ctl *x, int argc, char **argv)
{
    static edit e;
    memset(&e, 0, sizeof e);
    const optspec opts[] = {{"--attr", 1, &e.attr, 0, 0, 0, 0},
                            {"--insert", 1, &e.insert, 0, 0, 0, 0},
                            {"--append", 0, 0, &e.append, 0, 0, 0},
                            {"--add", 0, 0, &e.add, 0, 0, 0},
                            {"--extend", 0, 0, &e.extend, 0, 0, 0},
                            {0}};
    int rc = parse_opts(x, argc, argv, opts, e.pos, MAX_ARGS + 2, &e.npos,
                        HELP_LINK);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    int modes = !!e.attr + !!e.insert + e.append + e.add + e.extend;
    if (modes > 1)
        return ctl_usage(x, "give one of --attr, --insert, --append, --add, "
                            "--extend");
    if (e.npos < 1)
        return ctl_usage(x, "give the object to link from");
    if (objarg_parse(x, e.pos[0], &e.target) < 0)
        return EXIT_USAGE;
    const char **rest = e.pos + 1;
    int nrest = e.npos - 1;
    if (modes == 0) {
        if (nrest != 2)
            return ctl_usage(x, "give OBJ KEY VALUE (or see --help)");
        if (keyarg_parse(x, rest[0], &e.key) < 0 ||
            objarg_parse(x, rest[1], &e.values[0]) < 0)
            return EXIT_USAGE;
        e.nvalues = 1;
    } else {
        if ((e.append || e.add) ? nrest < 1 : nrest != 1)
            return ctl_usage(x, "give %s VALUE after OBJ",
                             (e.append || e.add) ? "at least one" : "one");
        if (e.attr && !is_name(e.attr))
            return ctl_usage(x, "--attr: '%s' is not a name", e.attr);
        if (e.insert && parse_i64(e.insert, &e.index) < 0)
            return ctl_usage(x, "--insert: '%s' is not an index", e.insert);
        if (parse_objargs(x, rest, nrest, e.values, 0) < 0)
            return EXIT_USAGE;
        e.nvalues = nrest;
    }
    if ((rc = ctl_start(x, NEED_HEAP)) != 0)
        return rc;
    uint64_t target = 0;
    if (modes == 0)
        rc = edit_op(x, &e, &e.key, &e.values[0], HEAPD__OP_CODE__SETITEM, 0,
                     NULL, &target);
    else if (e.attr)
        rc = edit_op(x, &e, NULL, &e.values[0], HEAPD__OP_CODE__SETATTR, 0,
                     e.attr, &target);
    else if (e.insert)
        rc = edit_op(x, &e, NULL, &e.values[0], HEAPD__OP_CODE__LIST_INSERT,
                     e.index, NULL, &target);
    else if (e.extend)
        rc = edit_op(x, &e, NULL, &e.values[0], HEAPD__OP_CODE__LIST_EXTEND, 0,
                     NULL, &target);
    else
        for (int k = 0; k < e.nvalues && !rc; k++)
            rc = edit_op(x, &e, NULL, &e.values[k],
                         e.append ? HEAPD__OP_CODE__LIST_APPEND
                                  : HEAPD__OP_CODE__SET_ADD,
                         0, NULL, &target);
    return rc ? rc : finish_edit(x, target);
}

int cmd_unlink(ctl *x, int argc, char **argv)
{
    static edit e;
    memset(&e, 0, sizeof e);
    const optspec opts[] = {{"--attr", 1, &e.attr, 0, 0, 0, 0},
                            {"--discard", 0, 0, &e.discard, 0, 0, 0},
                            {"--clear", 0, 0, &e.clear, 0, 0, 0},
                            {0}};
    int rc = parse_opts(x, argc, argv, opts, e.pos, MAX_ARGS + 2, &e.npos,
                        HELP_UNLINK);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    int modes = !!e.attr + e.discard + e.clear;
    if (modes > 1)
        return ctl_usage(x, "give one of --attr, --discard, --clear");
    if (e.npos < 1)
        return ctl_usage(x, "give the object to unlink from");
    if (objarg_parse(x, e.pos[0], &e.target) < 0)
        return EXIT_USAGE;
    const char **rest = e.pos + 1;
    int nrest = e.npos - 1;
    if (modes == 0) {
        if (nrest != 1)
            return ctl_usage(x, "give OBJ KEY (or see --help)");
        if (keyarg_parse(x, rest[0], &e.key) < 0)
            return EXIT_USAGE;
    } else if (e.discard) {
        if (nrest < 1)
            return ctl_usage(x, "give at least one VALUE after OBJ");
        if (parse_objargs(x, rest, nrest, e.values, 0) < 0)
            return EXIT_USAGE;
        e.nvalues = nrest;
    } else {
        if (nrest != 0)
            return ctl_usage(x, "unexpected argument '%s'", rest[0]);
        if (e.attr && !is_name(e.attr))
            return ctl_usage(x, "--attr: '%s' is not a name", e.attr);
    }
    if ((rc = ctl_start(x, NEED_HEAP)) != 0)
        return rc;
    uint64_t target = 0;
    if (modes == 0)
        rc = edit_op(x, &e, &e.key, NULL, HEAPD__OP_CODE__DELITEM, 0, NULL,
                     &target);
    else if (e.attr)
        rc = edit_op(x, &e, NULL, NULL, HEAPD__OP_CODE__DELATTR, 0, e.attr,
                     &target);
    else if (e.clear)
        rc =
            edit_op(x, &e, NULL, NULL, HEAPD__OP_CODE__CLEAR, 0, NULL, &target);
    else
        for (int k = 0; k < e.nvalues && !rc; k++)
            rc = edit_op(x, &e, NULL, &e.values[k], HEAPD__OP_CODE__SET_DISCARD,
                         0, NULL, &target);
    return rc ? rc : finish_edit(x, target);
}

/* ---- reading ----------------------------------------------------------- */

static const char *generation_text(int g)
{
    static char buf[16];
    if (g == -1)
        return "-1 (untracked)";
    if (g == 3)
        return "3 (permanent)";
    snprintf(buf, sizeof buf, "%d", g);
    return buf;
}

static void print_object_info(ctl *x, const Heapd__ObjectInfo *o, int items,
                              int str)
{
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_kuint(j, "id", o->id);
        json_kstr(j, "type", o->type);
        if (*o->name)
            json_kstr(j, "name", o->name);
        json_kuint(j, "refcount", o->refcount);
        json_kuint(j, "size", o->size);
        json_kint(j, "generation", o->generation);
        json_kbool(j, "tracked", o->tracked);
        json_kbool(j, "finalized", o->finalized);
        json_kbool(j, "has_finalizer", o->has_finalizer);
        json_kuint(j, "weakrefs", o->weakrefs);
        json_kint(j, "len", o->len);
        json_kbool(j, "truth", o->truth);
        if (!strcmp(o->type, "int") || !strcmp(o->type, "bool"))
            json_kint(j, "int_value", o->int_value);
        if (!strcmp(o->type, "float")) {
            json_key(j, "float_value");
            json_double(j, o->float_value);
        }
        json_kstr(j, "repr", o->repr);
        if (str)
            json_kstr(j, "str", o->str);
        if (items) {
            json_key(j, "items");
            json_arr_begin(j);
            for (size_t k = 0; k < o->n_items; k++)
                json_uint(j, o->items[k]);
            json_arr_end(j);
        }
        ctl_json_end(x);
        return;
    }
    printf("%-14s %" PRIu64 "\n", "id", o->id);
    printf("%-14s %s\n", "type", o->type);
    if (*o->name)
        printf("%-14s %s\n", "name", o->name);
    printf("%-14s %" PRIu64 "\n", "refcount", o->refcount);
    printf("%-14s %" PRIu64 "\n", "size", o->size);
    printf("%-14s %s\n", "generation", generation_text(o->generation));
    if (o->has_finalizer || o->finalized)
        printf("%-14s %s%s\n", "__del__", o->has_finalizer ? "yes" : "no",
               o->finalized ? " (finalized)" : "");
    if (o->weakrefs)
        printf("%-14s %u\n", "weakrefs", o->weakrefs);
    if (o->len >= 0)
        printf("%-14s %" PRId64 "\n", "len", o->len);
    printf("%-14s %s\n", "repr", o->repr);
    if (str)
        printf("%-14s %s\n", "str", o->str);
    if (items) {
        printf("%-14s", "items");
        for (size_t k = 0; k < o->n_items; k++)
            printf(" %" PRIu64, o->items[k]);
        printf("\n");
    }
}

int cmd_obj(ctl *x, int argc, char **argv)
{
    if (argc == 0)
        return ctl_usage(x, "give a subcommand: info");
    if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        fputs(HELP_OBJ, stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[0], "info") != 0)
        return ctl_usage(x, "unknown obj subcommand '%s'", argv[0]);
    const char *pos[1];
    int items = 0, str = 0;
    const optspec opts[] = {{"--items", 0, 0, &items, 0, 0, 0},
                            {"--str", 0, 0, &str, 0, 0, 0},
                            {0}};
    int npos,
        rc = parse_opts(x, argc - 1, argv + 1, opts, pos, 1, &npos, HELP_OBJ);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    if (npos != 1)
        return ctl_usage(x, "give one OBJ: a global NAME or an object ID");
    objarg a;
    if (objarg_parse(x, pos[0], &a) < 0)
        return EXIT_USAGE;
    if (a.kind != ARG_NAME && a.kind != ARG_ID)
        return ctl_usage(x, "'%s': give a global NAME or an object ID", pos[0]);
    if ((rc = ctl_start(x, NEED_HEAP)) != 0)
        return rc;
    unsigned what = HC_INSPECT_REPR | (items ? HC_INSPECT_ITEMS : 0) |
                    (str ? HC_INSPECT_STR : 0);
    Heapd__ObjectInfo *o;
    rc = a.kind == ARG_NAME ? hc_inspect_name(x->c, a.s, what, &o)
                            : hc_inspect_id(x->c, a.id, what, &o);
    if (rc < 0)
        return ctl_fail(x);
    print_object_info(x, o, items, str);
    hc_free(o);
    return EXIT_OK;
}

#define LIST_REPR_LIMIT 200

/* Prints the items of the list on top of the stack, one object each, and
 * pops the list.  The items are read with pipelined Inspects while the
 * list keeps them alive; printing waits until the list is popped, so that
 * the output can report calls that popping made due. */
int show_list_on_top(ctl *x, const char *key)
{
    Heapd__ObjectInfo *list;
    if (hc_inspect_depth(x->c, 0, HC_INSPECT_ITEMS, &list) < 0)
        return ctl_fail(x);
    size_t n = list->n_items;
    Heapd__Response **resps = calloc(n ? n : 1, sizeof *resps);
    if (!resps) {
        hc_free(list);
        return ctl_error(x, "out of memory");
    }
    Heapd__Target t = HEAPD__TARGET__INIT;
    Heapd__Inspect in = HEAPD__INSPECT__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    t.of_case = HEAPD__TARGET__OF_ID;
    in.target = &t;
    in.repr = 1;
    in.repr_limit = LIST_REPR_LIMIT;
    req.body_case = HEAPD__REQUEST__BODY_INSPECT;
    req.inspect = &in;
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        t.id = list->items[k];
        req.id = 0;
        if (hc_send(x->c, &req) < 0)
            rc = ctl_fail(x);
    }
    for (size_t k = 0; k < n && !rc; k++) {
        int r = hc_recv(x->c, &resps[k], hc_get_timeout(x->c));
        if (r < 0 && r != HC_E_SERVER)
            rc = ctl_fail(x);
    }
    if (!rc)
        rc = ctl_op(x, HEAPD__OP_CODE__POP, 0, NULL, 0, NULL);

    json *j = NULL;
    if (!rc && x->json) {
        j = ctl_json_begin(x);
        json_key(j, key);
        json_arr_begin(j);
    }
    for (size_t k = 0; k < n && !rc; k++) {
        const Heapd__Response *resp = resps[k];
        const Heapd__ObjectInfo *o =
            resp && !resp->error &&
                    resp->result_case == HEAPD__RESPONSE__RESULT_OBJECT
                ? resp->object
                : NULL;
        uint64_t id = list->items[k];
        const char *type = o ? o->type : "?";
        const char *repr = o                     ? o->repr
                           : resp && resp->error ? resp->error->message
                                                 : "?";
        if (j) {
            json_obj_begin(j);
            json_kuint(j, "id", id);
            json_kstr(j, "type", type);
            if (o)
                json_kuint(j, "refcount", o->refcount);
            json_kstr(j, "repr", repr);
            json_obj_end(j);
        } else {
            int cut = strlen(repr) > 100;
            printf("%-16" PRIu64 " %-12s %.*s%s\n", id, type, cut ? 97 : 100,
                   repr, cut ? "..." : "");
        }
    }
    if (j) {
        json_arr_end(j);
        ctl_json_end(x);
    } else if (!rc) {
        ctl_report_dues(x);
    }
    for (size_t k = 0; k < n; k++)
        hc_free(resps[k]);
    free(resps);
    hc_free(list);
    return rc;
}

static int referrers_or_referents(ctl *x, int argc, char **argv, int code,
                                  const char *help)
{
    const char *pos[MAX_ARGS];
    objarg objs[MAX_ARGS];
    int npos, rc = parse_opts(x, argc, argv, NULL, pos, MAX_ARGS, &npos, help);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    if (npos == 0)
        return ctl_usage(x, "give at least one OBJ");
    if (parse_objargs(x, pos, npos, objs, 0) < 0)
        return EXIT_USAGE;
    if ((rc = ctl_start(x, NEED_HEAP)) != 0)
        return rc;
    for (int k = 0; k < npos; k++)
        if ((rc = objarg_push(x, &objs[k], NULL)))
            return rc;
    if ((rc = ctl_op(x, code, npos, NULL, 0, NULL)))
        return rc;
    return show_list_on_top(x, "objects");
}

int cmd_referrers(ctl *x, int argc, char **argv)
{
    return referrers_or_referents(
        x, argc, argv, HEAPD__OP_CODE__GC_GET_REFERRERS, HELP_REFERRERS);
}

int cmd_referents(ctl *x, int argc, char **argv)
{
    return referrers_or_referents(
        x, argc, argv, HEAPD__OP_CODE__GC_GET_REFERENTS, HELP_REFERENTS);
}
