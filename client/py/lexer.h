/*
 * lexer.h: internal to client/py -- the tokenizer's interface to the
 * parser.  Token kinds, the token record, and the f-string parts the
 * tokenizer finds while it measures an f-string literal.
 */
#ifndef PY_LEXER_H
#define PY_LEXER_H

#include <stdbool.h>

#include "ast.h"

enum {
    T_ENDMARKER,
    T_NAME,
    T_NUMBER,
    T_STRING,
    T_NEWLINE,
    T_INDENT,
    T_DEDENT,
    /* operators and delimiters */
    T_LPAR,
    T_RPAR,
    T_LSQB,
    T_RSQB,
    T_LBRACE,
    T_RBRACE,
    T_COLON,
    T_COMMA,
    T_SEMI,
    T_DOT,
    T_ELLIPSIS,
    T_AT,
    T_RARROW,
    T_COLONEQUAL,
    T_EXCLAMATION,
    T_EQUAL,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_DOUBLESLASH,
    T_PERCENT,
    T_DOUBLESTAR,
    T_VBAR,
    T_AMPER,
    T_CIRCUMFLEX,
    T_TILDE,
    T_LEFTSHIFT,
    T_RIGHTSHIFT,
    T_LESS,
    T_GREATER,
    T_EQEQUAL,
    T_NOTEQUAL,
    T_LESSEQUAL,
    T_GREATEREQUAL,
    /* augmented assignment, in py_binop order (see T_AUG_FIRST) */
    T_PLUSEQUAL,
    T_MINEQUAL,
    T_STAREQUAL,
    T_ATEQUAL,
    T_SLASHEQUAL,
    T_PERCENTEQUAL,
    T_DOUBLESTAREQUAL,
    T_LEFTSHIFTEQUAL,
    T_RIGHTSHIFTEQUAL,
    T_VBAREQUAL,
    T_CIRCUMFLEXEQUAL,
    T_AMPEREQUAL,
    T_DOUBLESLASHEQUAL,
    /* keywords */
    T_FALSE,
    T_NONE,
    T_TRUE,
    T_AND,
    T_AS,
    T_ASSERT,
    T_ASYNC,
    T_AWAIT,
    T_BREAK,
    T_CLASS,
    T_CONTINUE,
    T_DEF,
    T_DEL,
    T_ELIF,
    T_ELSE,
    T_EXCEPT,
    T_FINALLY,
    T_FOR,
    T_FROM,
    T_GLOBAL,
    T_IF,
    T_IMPORT,
    T_IN,
    T_IS,
    T_LAMBDA,
    T_NONLOCAL,
    T_NOT,
    T_OR,
    T_PASS,
    T_RAISE,
    T_RETURN,
    T_TRY,
    T_WHILE,
    T_WITH,
    T_YIELD,
    T_UNKNOWN, /* what no rule accepts: '$', '?', '<>' */
    /* not tokens: what the tokenizer returns instead of one */
    T_ERROR,      /* L->error says what */
    T_INCOMPLETE, /* prompt mode: the input so far needs another line */
};
#define T_AUG_FIRST T_PLUSEQUAL
#define T_AUG_LAST  T_DOUBLESLASHEQUAL

/* String literal flags. */
#define STR_RAW    1u
#define STR_BYTES  2u
#define STR_F      4u
#define STR_TRIPLE 8u

/* A piece of an f-string: literal text (escapes not yet decoded; "{{"
 * already halved) or a replacement field.  Pointers are into the
 * normalized source. */
typedef struct py__fpart {
    struct py__fpart *next;
    bool field;
    const char *start, *end; /* literal text, or the field's expression */
    bool halved;             /* literal ending in "{{" or "}}": drop one */
    int lineno;              /* line of start */
    const char *line_start;  /* start of that line */
    /* fields only */
    const char *open; /* the '{' */
    int open_lineno;
    const char *open_line;
    const char *debug_end; /* `{x = }`: end of the "x = " text, or NULL */
    char conv;             /* 0, 's', 'r', 'a' */
    bool has_spec;
    struct py__fpart *spec; /* the format spec's parts */
    const char *colon;      /* the ':' before the spec */
    int colon_lineno;
    const char *colon_line;
    const char *stop;  /* the '!', ':' or '}' after the expression */
    const char *close; /* just after the field's closing '}' */
} py__fpart;

typedef struct py__token {
    int type;
    const char *start, *end; /* text (empty for INDENT, DEDENT, ENDMARKER) */
    int lineno, col, end_lineno, end_col; /* end_col -1: at end of input */
    int level;                            /* bracket depth before this token */
    /* strings */
    unsigned sflags;
    const char *body, *body_end; /* between the quotes */
    py__fpart *fparts;           /* f-strings */
    /* An f-string the tokenizer could not finish: its parts up to the
     * error, and the error, which the parser raises once it has parsed
     * those parts (CPython meets them in that order too). */
    const py_error *ferror;
} py__token;

#define PY__MAXINDENT  100
#define PY__MAXLEVEL   200
#define PY__MAXFSTRING 150

typedef struct py__lexer {
    const py__src *src;
    py_ast *scratch; /* f-string parts go here */
    const char *cur, *end;
    const char *line_start;
    int lineno;
    int level;
    char paren[PY__MAXLEVEL];
    int paren_lineno[PY__MAXLEVEL];
    int paren_col[PY__MAXLEVEL];
    int indent;
    int indstack[PY__MAXINDENT + 1];
    int altindstack[PY__MAXINDENT + 1];
    int pendin; /* > 0: INDENTs to emit, < 0: DEDENTs */
    bool atbol;
    bool cont_line;
    bool prompt; /* interactive prompt rules (py_input_status) */
    bool fexpr;  /* an f-string replacement field: no lines, no end */
    int fdepth;  /* f-strings around this text */
    int first_lineno;
    bool done; /* returned ENDMARKER or an error */
    int last_type;
    /* The error behind T_ERROR, and whether CPython raises it as an
     * exception from the tokenizer (which later replaces a parser error,
     * see pegen_errors.c) rather than as a tokenizer state code. */
    py_error error;
    bool error_exc;
    bool eof_in_paren; /* the error is "'(' was never closed" */
} py__lexer;

/* A tokenizer over src.  prompt: py_input_status's rules (an empty line
 * ends a compound statement; end of input means "more lines needed"). */
void py__lexer_init(py__lexer *L, const py__src *src, py_ast *scratch,
                    bool prompt);

/* A tokenizer over one f-string replacement field [start, end), which
 * begins at column start - line_start of line lineno. */
void py__lexer_init_field(py__lexer *L, const py__src *src, py_ast *scratch,
                          const char *start, const char *end, int lineno,
                          const char *line_start, int fdepth);

/* Reads the next token into *t and returns its type (T_ERROR or
 * T_INCOMPLETE instead of a token). */
int py__lexer_next(py__lexer *L, py__token *t);

/* str.isprintable() for one code point (an approximation: no Unicode
 * database here). */
bool py__is_printable(unsigned c);

/* Keyword or operator text for messages ("if", ")"). */
const char *py__token_text(int type);

/* ---- what a literal token means (literal.c) ------------------------------ */

/* Decodes a string literal's body [s, e): escape sequences unless raw.
 * *out gets an arena copy, NUL-terminated, *outlen its length.  Returns 0;
 * -1 for a bad escape (msg says what, as CPython does); -2 when a bytes
 * literal holds a non-ASCII character; -3 when out of memory. */
int py__decode_string(py_ast *a, const char *s, const char *e, bool raw,
                      bool bytes, char **out, size_t *outlen, char *msg,
                      size_t msgcap);

/* An int literal's text [s, e): *text gets it without underscores (arena),
 * *value its value when it fits in 64 bits (else *big), *digits the
 * number of digits.  Returns 0, or -1 when out of memory. */
int py__parse_int(py_ast *a, const char *s, const char *e, const char **text,
                  uint64_t *value, bool *big, size_t *digits);

/* A float literal's text [s, e) (underscores allowed, a trailing j or J
 * ignored), whatever the C locale's decimal point. */
double py__parse_float(const char *s, const char *e);

#endif
