/*
 * py.h: the whole public surface of heapctl's Python front end -- the
 * tokenizer and parser for the Python subset the workshop labs run
 * (DESIGN.md section 5), and the tree they produce.
 *
 * Source text goes in, a tree of py_node comes out.  The tree's kinds,
 * fields and positions are those of CPython 3.12's `ast` module, so
 * `python3 -c 'import ast; print(ast.dump(ast.parse(SRC)))'` shows what a
 * construct parses to (client/py/astdump.py prints it in py_ast_dump's
 * format).  Errors carry CPython's exception type, message and position.
 *
 * Ownership: a py_ast owns every node and every string of its tree (one
 * arena); py_ast_free releases them all at once, and until then every
 * pointer into the tree stays valid.  The tree is read-only for callers.
 * The front end depends on nothing else in heapd: the compiler in heapctl
 * walks the tree and turns it into heap operations.
 *
 * Not supported, and a SyntaxError: async/await, match, except*, the type
 * statement and type parameters, \N{...} escapes, source encodings other
 * than UTF-8.  Non-ASCII identifiers are accepted for the common scripts
 * only and are not NFKC-normalized.  Of what CPython finds after parsing,
 * this checks 'return'/'yield' outside function, 'break'/'continue'
 * outside loop, duplicate arguments, repeated keywords, module-level
 * nonlocal, misplaced starred expressions and __debug__; the symtable's
 * other errors ("no binding for nonlocal 'x' found", "name 'x' is assigned
 * to before global declaration") are the compiler's.
 *
 * Everything public is prefixed py_ / PY_; internal names in client/py/
 * use py__.
 */
#ifndef PY_PY_H
#define PY_PY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- limits -----------------------------------------------------------------
 * No tree is deeper than PY_MAX_DEPTH nodes (root to leaf), so a recursive
 * walker needs at most that many frames.  Deeper input fails with
 * RecursionError, as CPython's compiler does (at a larger depth).  Brackets
 * nest at most 200 deep ("too many nested parentheses") and blocks at most
 * 100 deep ("too many levels of indentation"), CPython's limits. */
#define PY_MAX_DEPTH 1000

/* ---- errors -------------------------------------------------------------- */

typedef enum py_errkind {
    PY_ERR_NONE = 0,
    PY_ERR_SYNTAX,      /* SyntaxError */
    PY_ERR_INDENTATION, /* IndentationError (a SyntaxError subclass) */
    PY_ERR_TAB,         /* TabError (an IndentationError subclass) */
    PY_ERR_RECURSION,   /* RecursionError: input nested past the limits */
    PY_ERR_NOMEM,       /* MemoryError */
} py_errkind;

/* What failed and where, as CPython's SyntaxError attributes.  Strings are
 * truncated to fit; the struct owns no memory. */
typedef struct py_error {
    py_errkind kind;
    const char *type; /* "SyntaxError", "IndentationError", ... (static) */
    char msg[320];
    char filename[256];
    int lineno;     /* 1-based; 0 when unknown */
    int offset;     /* 1-based column in characters (SyntaxError.offset) */
    int end_lineno; /* as CPython reports them; 0 or -1 when unknown */
    int end_offset;
    char text[512]; /* the offending source line, without its newline */
    /* Found after parsing, where CPython's symtable and compiler find it
     * ('return' outside function...).  CPython then prints no source line
     * for "<stdin>" and "<string>" input (it would for a file). */
    bool late;
} py_error;

/* Writes err the way CPython's REPL prints an uncaught SyntaxError
 * (`  File "<stdin>", line 1`, the line, the carets, `SyntaxError: msg`;
 * no line for a late error; just `RecursionError: msg` for the others),
 * each line ending in '\n'.  Like snprintf: returns the length it needed
 * and truncates to cap (NUL-terminated when cap > 0). */
size_t py_error_format(const py_error *err, char *buf, size_t cap);

/* ---- the tree ------------------------------------------------------------ */

typedef struct py_node py_node;

/* A list of nodes.  Items are non-NULL except where a field says so. */
typedef struct py_seq {
    py_node **items;
    size_t n;
} py_seq;

/* A list of identifiers (global, nonlocal). */
typedef struct py_names {
    const char **items;
    size_t n;
} py_names;

typedef enum py_kind {
    /* modules */
    PY_MODULE = 1,  /* py_parse_file */
    PY_INTERACTIVE, /* py_parse_interactive */
    PY_EXPRESSION,  /* py_parse_expression */
    /* statements */
    PY_FUNCTIONDEF,
    PY_CLASSDEF,
    PY_RETURN,
    PY_DELETE,
    PY_ASSIGN,
    PY_AUGASSIGN,
    PY_ANNASSIGN,
    PY_FOR,
    PY_WHILE,
    PY_IF,
    PY_WITH,
    PY_RAISE,
    PY_TRY,
    PY_ASSERT,
    PY_IMPORT,
    PY_IMPORTFROM,
    PY_GLOBAL,
    PY_NONLOCAL,
    PY_EXPR,
    PY_PASS,
    PY_BREAK,
    PY_CONTINUE,
    /* expressions */
    PY_BOOLOP,
    PY_NAMEDEXPR,
    PY_BINOP,
    PY_UNARYOP,
    PY_LAMBDA,
    PY_IFEXP,
    PY_DICT,
    PY_SET,
    PY_LISTCOMP,
    PY_SETCOMP,
    PY_DICTCOMP,
    PY_GENERATOREXP,
    PY_YIELD,
    PY_YIELDFROM,
    PY_COMPARE,
    PY_CALL,
    PY_FORMATTEDVALUE,
    PY_JOINEDSTR,
    PY_CONSTANT,
    PY_ATTRIBUTE,
    PY_SUBSCRIPT,
    PY_STARRED,
    PY_NAME,
    PY_LIST,
    PY_TUPLE,
    PY_SLICE,
    /* parts of the above */
    PY_EXCEPTHANDLER,
    PY_ARGUMENTS,
    PY_ARG,
    PY_KEYWORD,
    PY_ALIAS,
    PY_WITHITEM,
    PY_COMPREHENSION,
} py_kind;

typedef enum py_ctx { PY_LOAD, PY_STORE, PY_DEL } py_ctx;
typedef enum py_boolop { PY_AND, PY_OR } py_boolop;
typedef enum py_binop {
    PY_ADD,
    PY_SUB,
    PY_MULT,
    PY_MATMULT,
    PY_DIV,
    PY_MOD,
    PY_POW,
    PY_LSHIFT,
    PY_RSHIFT,
    PY_BITOR,
    PY_BITXOR,
    PY_BITAND,
    PY_FLOORDIV,
} py_binop;
typedef enum py_unaryop { PY_INVERT, PY_NOT, PY_UADD, PY_USUB } py_unaryop;
typedef enum py_cmpop {
    PY_EQ,
    PY_NOTEQ,
    PY_LT,
    PY_LTE,
    PY_GT,
    PY_GTE,
    PY_IS,
    PY_ISNOT,
    PY_IN,
    PY_NOTIN,
} py_cmpop;

typedef enum py_const_kind {
    PY_CONST_NONE,
    PY_CONST_TRUE,
    PY_CONST_FALSE,
    PY_CONST_ELLIPSIS,
    PY_CONST_INT,
    PY_CONST_FLOAT,
    PY_CONST_IMAG, /* 2j: a complex with real part 0 */
    PY_CONST_STR,
    PY_CONST_BYTES,
} py_const_kind;

/* A body of statements, a sequence of expressions: py_seq.  Fields marked
 * "or NULL" are optional; every other pointer is non-NULL. */
struct py_node {
    py_kind kind;
    /* Where the node is, as in CPython's ast: lines 1-based, columns
     * 0-based UTF-8 byte offsets, end exclusive. */
    int lineno, col, end_lineno, end_col;
    union {
        struct {
            py_seq body;
        } mod; /* MODULE, INTERACTIVE */
        struct {
            py_node *body;
        } expression; /* EXPRESSION */

        struct {
            const char *name;
            py_node *args; /* ARGUMENTS */
            py_seq body;
            py_seq decorators; /* expressions, outermost first */
            py_node *returns;  /* `-> X`, or NULL */
        } functiondef;
        struct {
            const char *name;
            py_seq bases;    /* expressions (maybe STARRED) */
            py_seq keywords; /* KEYWORD */
            py_seq body;
            py_seq decorators;
        } classdef;
        struct {
            py_node *value;
        } ret; /* RETURN: value or NULL */
        struct {
            py_seq targets;
        } del; /* DELETE: ctx PY_DEL */
        struct {
            py_seq targets; /* `a = b = v`: [a, b], ctx PY_STORE */
            py_node *value;
        } assign;
        struct {
            py_node *target;
            py_binop op;
            py_node *value;
        } augassign;
        struct {
            py_node *target, *annotation;
            py_node *value; /* or NULL */
            bool simple;    /* target is a bare name, not in parens */
        } annassign;
        struct {
            py_node *target, *iter;
            py_seq body, orelse;
        } for_;
        struct {
            py_node *test;
            py_seq body, orelse;
        } while_;
        struct {
            py_node *test;
            py_seq body;
            py_seq orelse; /* `elif`: one IF node here */
        } if_;
        struct {
            py_seq items;
            py_seq body;
        } with; /* items: WITHITEM */
        struct {
            py_node *exc, *cause;
        } raise; /* both may be NULL */
        struct {
            py_seq body;
            py_seq handlers; /* EXCEPTHANDLER */
            py_seq orelse, finalbody;
        } try_;
        struct {
            py_node *test, *msg;
        } assert_; /* msg or NULL */
        struct {
            py_seq names;
        } import; /* ALIAS */
        struct {
            const char *module; /* "a.b", or NULL for `from . import x` */
            py_seq names;       /* ALIAS; `*` is an alias named "*" */
            int level;          /* leading dots */
        } importfrom;
        struct {
            py_names names;
        } global; /* GLOBAL, NONLOCAL */
        struct {
            py_node *value;
            /* py_parse_interactive only: print the value's repr, as the
             * REPL does for expression statements outside def and class. */
            bool echo;
        } expr;
        /* PASS, BREAK, CONTINUE have no fields. */

        struct {
            py_boolop op;
            py_seq values;
        } boolop; /* 2 or more */
        struct {
            py_node *target, *value;
        } namedexpr; /* target: NAME */
        struct {
            py_node *left;
            py_binop op;
            py_node *right;
        } binop;
        struct {
            py_unaryop op;
            py_node *operand;
        } unaryop;
        struct {
            py_node *args;
            py_node *body;
        } lambda; /* ARGUMENTS */
        struct {
            py_node *test, *body, *orelse;
        } ifexp;
        struct {
            py_seq keys; /* NULL item: `**values[i]` */
            py_seq values;
        } dict;
        struct {
            py_seq elts;
        } set;
        struct {
            py_node *elt;
            py_seq generators; /* COMPREHENSION */
        } comp;                /* LISTCOMP, SETCOMP, GENERATOREXP */
        struct {
            py_node *key, *value;
            py_seq generators;
        } dictcomp;
        struct {
            py_node *value;
        } yield; /* YIELD (value or NULL), YIELDFROM */
        struct {
            py_node *left;
            const py_cmpop *ops; /* comparators.n of them */
            py_seq comparators;
        } compare;
        struct {
            py_node *func;
            py_seq args;     /* expressions, STARRED for *x */
            py_seq keywords; /* KEYWORD */
        } call;
        struct {
            py_node *value;
            int conversion;       /* -1, or 's', 'r', 'a' */
            py_node *format_spec; /* JOINEDSTR, or NULL */
        } formattedvalue;
        struct {
            py_seq values;
        } joinedstr; /* CONSTANT str, FORMATTEDVALUE */
        struct {
            py_const_kind kind;
            /* STR: UTF-8, NUL-terminated, may hold NULs (a lone surrogate
             * from "\udc80" is its 3-byte CESU form).  BYTES: the bytes.
             * INT: the literal as written without underscores ("0x1F",
             * "300"). */
            const char *s;
            size_t len;
            uint64_t ival; /* INT, when !big */
            bool big;      /* INT: does not fit in 64 bits */
            double fval;   /* FLOAT; IMAG: the imaginary part */
        } constant;
        struct {
            py_node *value;
            const char *attr;
            py_ctx ctx;
        } attribute;
        struct {
            py_node *value, *slice;
            py_ctx ctx;
        } subscript;
        struct {
            py_node *value;
            py_ctx ctx;
        } starred;
        struct {
            const char *id;
            py_ctx ctx;
        } name;
        struct {
            py_seq elts;
            py_ctx ctx;
        } list; /* LIST and TUPLE */
        struct {
            py_node *lower, *upper, *step;
        } slice; /* each or NULL */

        struct {
            py_node *type;    /* or NULL for a bare `except:` */
            const char *name; /* `as NAME`, or NULL */
            py_seq body;
        } excepthandler;
        struct {
            py_seq posonlyargs, args; /* ARG */
            py_node *vararg;          /* ARG or NULL */
            py_seq kwonlyargs;        /* ARG */
            py_seq kw_defaults;       /* one per kwonlyarg, NULL: none */
            py_node *kwarg;           /* ARG or NULL */
            py_seq defaults;          /* for the last of posonlyargs+args */
        } arguments;
        struct {
            const char *arg;
            py_node *annotation; /* or NULL */
        } arg;
        struct {
            const char *arg; /* NULL for `**value` */
            py_node *value;
        } keyword;
        struct {
            const char *name;
            const char *asname; /* or NULL */
        } alias;
        struct {
            py_node *context_expr;
            py_node *optional_vars; /* `as` target, or NULL */
        } withitem;
        struct {
            py_node *target, *iter;
            py_seq ifs;
        } comprehension;
    } u;
};

/* ---- parsing ----------------------------------------------------------------
 * Each parser takes n bytes of UTF-8 source (NULs are rejected, "\r\n" and
 * "\r" read as "\n") and a filename for messages (NULL: "<string>").  On
 * success it returns 0 and *out owns the tree; on failure it returns -1,
 * fills *err and sets *out to NULL.  err may be NULL. */

typedef struct py_ast py_ast;

/* A file or `-c` code, as compile(src, filename, "exec"): root MODULE. */
int py_parse_file(const char *src, size_t n, const char *filename, py_ast **out,
                  py_error *err);

/* One REPL statement, as compile(src, filename, "single"): root
 * INTERACTIVE, expression statements marked echo. */
int py_parse_interactive(const char *src, size_t n, const char *filename,
                         py_ast **out, py_error *err);

/* One expression, as compile(src, filename, "eval"): root EXPRESSION. */
int py_parse_expression(const char *src, size_t n, const char *filename,
                        py_ast **out, py_error *err);

py_node *py_ast_root(const py_ast *ast);
void py_ast_free(py_ast *ast); /* NULL is fine */

/* ---- the REPL ---------------------------------------------------------------
 * py_input_status says what CPython's interactive prompt would do with the
 * lines typed so far (src: every line since the `>>>` prompt, each ending
 * in '\n'):
 *   PY_INPUT_EMPTY       nothing to run (blank or comment-only first line);
 *                        prompt `>>>` again.
 *   PY_INPUT_INCOMPLETE  prompt `...` for another line: a compound
 *                        statement not yet ended by an empty line, an open
 *                        bracket, a triple-quoted string, a trailing `\`.
 *   PY_INPUT_COMPLETE    run it: py_parse_interactive(src) succeeds.
 *   PY_INPUT_ERROR       report *err (if err is given) and drop the lines.
 * At end of input the REPL runs what it has with py_parse_interactive. */
typedef enum py_input {
    PY_INPUT_EMPTY,
    PY_INPUT_INCOMPLETE,
    PY_INPUT_COMPLETE,
    PY_INPUT_ERROR,
} py_input;

py_input py_input_status(const char *src, size_t n, const char *filename,
                         py_error *err);

/* ---- names and the debug dump -------------------------------------------- */

const char *py_kind_name(py_kind kind);       /* "Assign" */
const char *py_binop_name(py_binop op);       /* "Add" */
const char *py_binop_symbol(py_binop op);     /* "+" */
const char *py_unaryop_name(py_unaryop op);   /* "USub" */
const char *py_unaryop_symbol(py_unaryop op); /* "-", "not" */
const char *py_cmpop_name(py_cmpop op);       /* "Lt" */
const char *py_cmpop_symbol(py_cmpop op);     /* "<", "not in" */

/* Positions in the dump: `(Name@3:4 x)` is line 3, column 4; with
 * PY_DUMP_ENDS too, `(Name@3:4-3:5 x)`. */
#define PY_DUMP_POSITIONS 1u
#define PY_DUMP_ENDS      2u

/* A stable s-expression of the tree under node, for tests and debugging,
 * e.g. `(Module (Assign [(Name x Store)] (Constant 300)))`; the format is
 * described in dump.c.  Returns a malloc'd string the caller frees, or
 * NULL when out of memory. */
char *py_ast_dump(const py_node *node, unsigned flags);

#endif
