/*
 * lexer.c: the tokenizer -- source text to tokens, following CPython 3.12's
 * Parser/tokenizer.c: an indentation stack that yields INDENT and DEDENT
 * (tabs to multiples of 8, and TabError when the two ways of counting tabs
 * disagree), implicit line joining inside brackets, backslash
 * continuation, numbers, strings and f-strings, and the same error
 * messages and positions.
 *
 * An f-string is returned as one STRING token whose parts (literal text and
 * replacement fields) are found here; the parser tokenizes each field's
 * expression again with a field tokenizer (py__lexer_init_field).
 *
 * Positions: a "cursor" error reports CPython's offset for the character
 * just before L->cur (its tokenizer counts characters up to tok->cur); a
 * "token" error reports the character at a given byte column.
 */
#include <stdio.h>
#include <string.h>

#include "lexer.h"

#define EOFC (-1)

static int peekc(const py__lexer *L, size_t k)
{
    return L->cur + k < L->end ? (unsigned char)L->cur[k] : EOFC;
}

static void newline_at(py__lexer *L, const char *after)
{
    L->lineno++;
    L->line_start = after;
}

static int col_of(const py__lexer *L, const char *p)
{
    return (int)(p - L->line_start);
}

/* ---- errors -------------------------------------------------------------- */

static int fail_at(py__lexer *L, bool exc, py_errkind kind, int lineno, int col,
                   int end_lineno, int end_col, const char *msg)
{
    py__error_at(&L->error, L->src, kind, lineno, col, end_lineno, end_col,
                 "%s", msg);
    L->error_exc = exc;
    L->done = true;
    L->last_type = T_ERROR;
    return T_ERROR;
}

/* CPython's syntaxerror(): the offset counts the characters before cursor. */
static int fail_cursor(py__lexer *L, const char *cursor, const char *msg)
{
    const char *p = cursor;
    int col = -1;
    if (p > L->line_start) {
        p--;
        while (p > L->line_start && ((unsigned char)*p & 0xC0) == 0x80)
            p--;
        col = col_of(L, p);
    }
    return fail_at(L, true, PY_ERR_SYNTAX, L->lineno, col, L->lineno, col, msg);
}

static int incomplete(py__lexer *L)
{
    L->done = true;
    L->last_type = T_INCOMPLETE;
    return T_INCOMPLETE;
}

/* Line and column CPython gives tokens at the end of input: the end of the
 * last line. */
static void eof_position(const py__lexer *L, int *lineno, int *col)
{
    if (!L->fexpr && L->cur >= L->end && L->end > L->src->buf &&
        L->end[-1] == '\n' && L->lineno > 1) {
        const char *ls = L->end - 1;
        while (ls > L->src->buf && ls[-1] != '\n')
            ls--;
        *lineno = L->lineno - 1;
        *col = (int)(L->end - 1 - ls);
    } else {
        *lineno = L->lineno;
        *col = col_of(L, L->cur);
    }
}

/* ---- characters ---------------------------------------------------------- */

static bool is_ascii_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_xdigit(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_ident_start(int c)
{
    return is_ascii_alpha(c) || c == '_' || c >= 128;
}

static bool is_ident_char(int c)
{
    return is_ident_start(c) || is_digit(c);
}

/* Decodes one UTF-8 sequence (the source is validated up front). */
static unsigned decode_utf8(const char *s, const char *end, int *len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80 || s + 1 >= end) {
        *len = 1;
        return u[0];
    }
    if ((u[0] & 0xE0) == 0xC0) {
        *len = 2;
        return ((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu);
    }
    if ((u[0] & 0xF0) == 0xE0 && s + 2 < end) {
        *len = 3;
        return ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
    }
    if (s + 3 < end) {
        *len = 4;
        return ((u[0] & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) |
               ((u[2] & 0x3Fu) << 6) | (u[3] & 0x3Fu);
    }
    *len = 1;
    return u[0];
}

typedef struct range {
    unsigned lo, hi;
} range;

static bool in_ranges(unsigned c, const range *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (c >= r[i].lo && c <= r[i].hi)
            return true;
    return false;
}

/* Letters of the common scripts, standing in for Unicode's XID_Start:
 * there is no Unicode database here, so rarer scripts are refused. */
static bool is_xid_start(unsigned c)
{
    static const range r[] = {
        {0xAA, 0xAA},       {0xB5, 0xB5},       {0xBA, 0xBA},
        {0xC0, 0xD6},       {0xD8, 0xF6},       {0xF8, 0x2C1},
        {0x2C6, 0x2D1},     {0x2E0, 0x2E4},     {0x370, 0x374},
        {0x376, 0x377},     {0x37B, 0x37D},     {0x37F, 0x37F},
        {0x386, 0x386},     {0x388, 0x3F5},     {0x3F7, 0x481},
        {0x48A, 0x52F},     {0x531, 0x556},     {0x560, 0x588},
        {0x5D0, 0x5EA},     {0x5EF, 0x5F2},     {0x620, 0x64A},
        {0x671, 0x6D3},     {0x904, 0x939},     {0x93D, 0x93D},
        {0x950, 0x950},     {0x958, 0x961},     {0xE01, 0xE30},
        {0x10A0, 0x10FF},   {0x1100, 0x11FF},   {0x1E00, 0x1FBC},
        {0x2071, 0x2071},   {0x207F, 0x207F},   {0x2102, 0x2102},
        {0x2107, 0x2107},   {0x210A, 0x2113},   {0x2115, 0x2115},
        {0x2119, 0x211D},   {0x2124, 0x2124},   {0x2126, 0x2126},
        {0x2128, 0x2128},   {0x212A, 0x212D},   {0x212F, 0x2139},
        {0x2C00, 0x2CE4},   {0x3041, 0x3096},   {0x309D, 0x309F},
        {0x30A1, 0x30FA},   {0x30FC, 0x30FF},   {0x3105, 0x312F},
        {0x3131, 0x318E},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
        {0xA000, 0xA48C},   {0xAC00, 0xD7A3},   {0xF900, 0xFA6D},
        {0xFF21, 0xFF3A},   {0xFF41, 0xFF5A},   {0xFF66, 0xFFDC},
        {0x1D400, 0x1D7CB}, {0x20000, 0x2FA1D},
    };
    return in_ranges(c, r, sizeof(r) / sizeof(r[0]));
}

static bool is_xid_continue(unsigned c)
{
    static const range r[] = {
        {0xB7, 0xB7},     {0x300, 0x36F},   {0x387, 0x387},   {0x483, 0x487},
        {0x591, 0x5BD},   {0x5BF, 0x5BF},   {0x5C1, 0x5C2},   {0x5C4, 0x5C5},
        {0x5C7, 0x5C7},   {0x610, 0x61A},   {0x64B, 0x669},   {0x670, 0x670},
        {0x6D6, 0x6DC},   {0x6DF, 0x6E8},   {0x6EA, 0x6F9},   {0x900, 0x903},
        {0x93A, 0x94F},   {0x951, 0x957},   {0x962, 0x963},   {0x966, 0x96F},
        {0xE31, 0xE3A},   {0xE47, 0xE4E},   {0xE50, 0xE59},   {0x1DC0, 0x1DFF},
        {0x200C, 0x200D}, {0x203F, 0x2040}, {0x2054, 0x2054}, {0x20D0, 0x20DC},
        {0x20E1, 0x20E1}, {0x20E5, 0x20F0}, {0x3099, 0x309A}, {0xFE00, 0xFE0F},
        {0xFE20, 0xFE2F}, {0xFE33, 0xFE34}, {0xFE4D, 0xFE4F}, {0xFF10, 0xFF19},
        {0xFF3F, 0xFF3F},
    };
    return is_xid_start(c) || in_ranges(c, r, sizeof(r) / sizeof(r[0]));
}

/* str.isprintable(), near enough: what error messages and repr show. */
bool py__is_printable(unsigned c)
{
    static const range r[] = {
        {0x00, 0x1F},       {0x7F, 0xA0},        {0xAD, 0xAD},
        {0x600, 0x605},     {0x61C, 0x61C},      {0x6DD, 0x6DD},
        {0x1680, 0x1680},   {0x180E, 0x180E},    {0x2000, 0x200F},
        {0x2028, 0x202F},   {0x205F, 0x206F},    {0x3000, 0x3000},
        {0xD800, 0xF8FF},   {0xFEFF, 0xFEFF},    {0xFFF9, 0xFFFB},
        {0xE0000, 0xE0FFF}, {0xF0000, 0x10FFFF},
    };
    return !in_ranges(c, r, sizeof(r) / sizeof(r[0]));
}

/* CPython's verify_identifier(): the first character that cannot be in an
 * identifier is an error, reported just after it. */
static int check_identifier(py__lexer *L, const char *s, const char *e)
{
    for (const char *p = s; p < e;) {
        int len;
        unsigned c = decode_utf8(p, e, &len);
        bool ok;
        if (c < 128)
            ok = p == s ? is_ident_start((int)c) : is_ident_char((int)c);
        else
            ok = p == s ? is_xid_start(c) : is_xid_continue(c);
        if (!ok) {
            char msg[96];
            if (py__is_printable(c))
                snprintf(msg, sizeof(msg), "invalid character '%.*s' (U+%04X)",
                         len, p, c);
            else
                snprintf(msg, sizeof(msg),
                         "invalid non-printable character U+%04X", c);
            return fail_cursor(L, p + len, msg);
        }
        p += len;
    }
    return 0;
}

/* ---- keywords and operators ---------------------------------------------- */

static const struct {
    const char *text;
    int type;
} keywords[] = {
    {"False", T_FALSE},
    {"None", T_NONE},
    {"True", T_TRUE},
    {"and", T_AND},
    {"as", T_AS},
    {"assert", T_ASSERT},
    {"async", T_ASYNC},
    {"await", T_AWAIT},
    {"break", T_BREAK},
    {"class", T_CLASS},
    {"continue", T_CONTINUE},
    {"def", T_DEF},
    {"del", T_DEL},
    {"elif", T_ELIF},
    {"else", T_ELSE},
    {"except", T_EXCEPT},
    {"finally", T_FINALLY},
    {"for", T_FOR},
    {"from", T_FROM},
    {"global", T_GLOBAL},
    {"if", T_IF},
    {"import", T_IMPORT},
    {"in", T_IN},
    {"is", T_IS},
    {"lambda", T_LAMBDA},
    {"nonlocal", T_NONLOCAL},
    {"not", T_NOT},
    {"or", T_OR},
    {"pass", T_PASS},
    {"raise", T_RAISE},
    {"return", T_RETURN},
    {"try", T_TRY},
    {"while", T_WHILE},
    {"with", T_WITH},
    {"yield", T_YIELD},
};

static int keyword_type(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        if (strlen(keywords[i].text) == n &&
            memcmp(keywords[i].text, s, n) == 0)
            return keywords[i].type;
    return T_NAME;
}

static const struct {
    const char *text;
    int type;
} operators[] = {
    /* longest first */
    {"**=", T_DOUBLESTAREQUAL},
    {"//=", T_DOUBLESLASHEQUAL},
    {">>=", T_RIGHTSHIFTEQUAL},
    {"<<=", T_LEFTSHIFTEQUAL},
    {"...", T_ELLIPSIS},
    {"!=", T_NOTEQUAL},
    {"<>", T_UNKNOWN},
    {"%=", T_PERCENTEQUAL},
    {"&=", T_AMPEREQUAL},
    {"**", T_DOUBLESTAR},
    {"*=", T_STAREQUAL},
    {"+=", T_PLUSEQUAL},
    {"-=", T_MINEQUAL},
    {"->", T_RARROW},
    {"//", T_DOUBLESLASH},
    {"/=", T_SLASHEQUAL},
    {":=", T_COLONEQUAL},
    {"<<", T_LEFTSHIFT},
    {"<=", T_LESSEQUAL},
    {"==", T_EQEQUAL},
    {">=", T_GREATEREQUAL},
    {">>", T_RIGHTSHIFT},
    {"@=", T_ATEQUAL},
    {"^=", T_CIRCUMFLEXEQUAL},
    {"|=", T_VBAREQUAL},
    {"!", T_EXCLAMATION},
    {"%", T_PERCENT},
    {"&", T_AMPER},
    {"(", T_LPAR},
    {")", T_RPAR},
    {"*", T_STAR},
    {"+", T_PLUS},
    {",", T_COMMA},
    {"-", T_MINUS},
    {".", T_DOT},
    {"/", T_SLASH},
    {":", T_COLON},
    {";", T_SEMI},
    {"<", T_LESS},
    {"=", T_EQUAL},
    {">", T_GREATER},
    {"@", T_AT},
    {"[", T_LSQB},
    {"]", T_RSQB},
    {"^", T_CIRCUMFLEX},
    {"{", T_LBRACE},
    {"|", T_VBAR},
    {"}", T_RBRACE},
    {"~", T_TILDE},
};

const char *py__token_text(int type)
{
    switch (type) {
    case T_ENDMARKER:
        return "end of input";
    case T_NAME:
        return "name";
    case T_NUMBER:
        return "number";
    case T_STRING:
        return "string";
    case T_NEWLINE:
        return "newline";
    case T_INDENT:
        return "indent";
    case T_DEDENT:
        return "dedent";
    }
    for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++)
        if (operators[i].type == type)
            return operators[i].text;
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        if (keywords[i].type == type)
            return keywords[i].text;
    return "?";
}

/* ---- setup --------------------------------------------------------------- */

void py__lexer_init(py__lexer *L, const py__src *src, py_ast *scratch,
                    bool prompt)
{
    memset(L, 0, sizeof(*L));
    L->src = src;
    L->scratch = scratch;
    L->cur = src->buf;
    L->end = src->buf + src->len;
    L->line_start = src->buf;
    L->lineno = 1;
    L->first_lineno = 1;
    L->atbol = true;
    L->prompt = prompt;
}

void py__lexer_init_field(py__lexer *L, const py__src *src, py_ast *scratch,
                          const char *start, const char *end, int lineno,
                          const char *line_start, int fdepth)
{
    memset(L, 0, sizeof(*L));
    L->src = src;
    L->scratch = scratch;
    L->cur = start;
    L->end = end;
    L->line_start = line_start;
    L->lineno = lineno;
    L->first_lineno = lineno;
    L->fexpr = true;
    L->fdepth = fdepth;
}

/* ---- numbers ------------------------------------------------------------- */

/* A number may be followed by a keyword (`1if x else y`), which CPython
 * only warns about, but not by other letters. */
static bool end_of_number_ok(const py__lexer *L)
{
    int c = peekc(L, 0);
    static const char *const kw[] = {"and", "else", "for", "if",
                                     "in",  "is",   "or",  "not"};
    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
        size_t n = strlen(kw[i]);
        if ((size_t)(L->end - L->cur) >= n && memcmp(L->cur, kw[i], n) == 0)
            return true;
    }
    return !(c >= 0 && c < 128 && is_ident_char(c));
}

static int bad_literal(py__lexer *L, const char *kind)
{
    char msg[64];
    snprintf(msg, sizeof(msg), "invalid %s literal", kind);
    return fail_cursor(L, L->cur, msg);
}

/* Digits with single underscores between them; L->cur is just past a
 * digit.  Returns 0, or T_ERROR. */
static int decimal_tail(py__lexer *L)
{
    for (;;) {
        while (is_digit(peekc(L, 0)))
            L->cur++;
        if (peekc(L, 0) != '_')
            return 0;
        L->cur++;
        if (!is_digit(peekc(L, 0)))
            return bad_literal(L, "decimal");
        L->cur++;
    }
}

static bool radix_digit(int c, int base)
{
    return base == 16 ? is_xdigit(c) : (c >= '0' && c < '0' + base);
}

static int bad_digit(py__lexer *L, int c, const char *kind)
{
    char msg[64];
    snprintf(msg, sizeof(msg), "invalid digit '%c' in %s literal", c, kind);
    L->cur++;
    return fail_cursor(L, L->cur, msg);
}

/* 0x / 0o / 0b literals; L->cur is on the letter. */
static int radix_number(py__lexer *L, int base, const char *kind)
{
    L->cur++;
    do {
        if (peekc(L, 0) == '_')
            L->cur++;
        int c = peekc(L, 0);
        if (!radix_digit(c, base)) {
            if (base != 16 && is_digit(c))
                return bad_digit(L, c, kind);
            return bad_literal(L, kind);
        }
        while (radix_digit(peekc(L, 0), base))
            L->cur++;
    } while (peekc(L, 0) == '_');
    if (base != 16 && is_digit(peekc(L, 0)))
        return bad_digit(L, peekc(L, 0), kind);
    if (!end_of_number_ok(L))
        return bad_literal(L, kind);
    return 0;
}

/* After the integer part: fraction, exponent, imaginary suffix.
 * L->cur is past the integer digits (or past "." when fraction). */
static int number_rest(py__lexer *L, bool fraction)
{
    if (!fraction && peekc(L, 0) == '.') {
        L->cur++;
        fraction = true;
    }
    if (fraction && is_digit(peekc(L, 0))) {
        L->cur++;
        if (decimal_tail(L) == T_ERROR)
            return T_ERROR;
    }
    int c = peekc(L, 0);
    if (c == 'e' || c == 'E') {
        const char *e = L->cur;
        L->cur++;
        c = peekc(L, 0);
        if (c == '+' || c == '-') {
            L->cur++;
            if (!is_digit(peekc(L, 0)))
                return bad_literal(L, "decimal");
        } else if (!is_digit(c)) {
            L->cur = e;
            if (!end_of_number_ok(L))
                return bad_literal(L, "decimal");
            return 0;
        }
        L->cur++;
        if (decimal_tail(L) == T_ERROR)
            return T_ERROR;
    }
    c = peekc(L, 0);
    if (c == 'j' || c == 'J') {
        L->cur++;
        if (!end_of_number_ok(L))
            return bad_literal(L, "imaginary");
    } else if (!end_of_number_ok(L)) {
        return bad_literal(L, "decimal");
    }
    return 0;
}

static int lex_number(py__lexer *L, const char *start)
{
    int c = peekc(L, 0);
    if (c == '.') { /* ".5" */
        L->cur++;
        return number_rest(L, true);
    }
    L->cur++;
    if (c != '0') {
        if (decimal_tail(L) == T_ERROR)
            return T_ERROR;
        return number_rest(L, false);
    }
    c = peekc(L, 0);
    if (c == 'x' || c == 'X')
        return radix_number(L, 16, "hexadecimal");
    if (c == 'o' || c == 'O')
        return radix_number(L, 8, "octal");
    if (c == 'b' || c == 'B')
        return radix_number(L, 2, "binary");
    /* "0", "00", "0_0", or a float such as "012.5" */
    bool nonzero = false;
    for (;;) {
        if (peekc(L, 0) == '_') {
            L->cur++;
            if (!is_digit(peekc(L, 0)))
                return bad_literal(L, "decimal");
        }
        if (peekc(L, 0) != '0')
            break;
        L->cur++;
    }
    const char *zeros_end = L->cur;
    if (is_digit(peekc(L, 0))) {
        nonzero = true;
        L->cur++;
        if (decimal_tail(L) == T_ERROR)
            return T_ERROR;
    }
    c = peekc(L, 0);
    if (c == '.' || c == 'e' || c == 'E' || c == 'j' || c == 'J')
        return number_rest(L, false);
    if (nonzero)
        return fail_at(L, true, PY_ERR_SYNTAX, L->lineno, col_of(L, start),
                       L->lineno, col_of(L, zeros_end),
                       "leading zeros in decimal integer literals are not "
                       "permitted; use an 0o prefix for octal integers");
    if (!end_of_number_ok(L))
        return bad_literal(L, "decimal");
    return 0;
}

/* ---- strings ------------------------------------------------------------- */

/* The f-string whose replacement field is being scanned, if any: a string
 * in the field that ends up unterminated with the same quote was really
 * the f-string's own end ("f-string: expecting '}'"). */
typedef struct encl {
    char quote;
    bool triple;
} encl;

typedef struct fscan {
    py__lexer *L;
    char quote;
    bool triple, raw;
    int fdepth;
} fscan;

static int lex_string(py__lexer *L, py__token *t, const char *start,
                      unsigned flags, const encl *in, int fdepth);

static int unterminated(py__lexer *L, const py__token *t, char quote,
                        bool triple, const encl *in, bool at_eof)
{
    if (L->prompt && at_eof)
        return incomplete(L);
    int detected = L->lineno;
    if (at_eof && L->cur > L->src->buf && L->cur[-1] == '\n' && !L->fexpr)
        detected--;
    if (in != NULL && in->quote == quote && in->triple == triple) {
        const char *q = t->body - (triple ? 3 : 1);
        int col = t->col + (int)(q - t->start);
        return fail_at(L, true, PY_ERR_SYNTAX, t->lineno, col, t->lineno, col,
                       "f-string: expecting '}'");
    }
    char msg[96];
    snprintf(msg, sizeof(msg),
             triple ? "unterminated triple-quoted %s literal (detected at "
                      "line %d)"
                    : "unterminated %s literal (detected at line %d)",
             (t->sflags & STR_F) ? "f-string" : "string", detected);
    return fail_at(L, true, PY_ERR_SYNTAX, t->lineno, t->col, t->lineno, t->col,
                   msg);
}

static bool is_closing_quote(const py__lexer *L, char quote, bool triple)
{
    if (peekc(L, 0) != quote)
        return false;
    return !triple || (peekc(L, 1) == quote && peekc(L, 2) == quote);
}

static py__fpart *new_part(fscan *fs, bool field, const char *start, int lineno,
                           const char *line_start)
{
    py__fpart *p = py__alloc(fs->L->scratch, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->field = field;
    p->start = start;
    p->lineno = lineno;
    p->line_start = line_start;
    return p;
}

typedef struct plist {
    py__fpart *head, **tail;
} plist;

/* Appends the literal [start, end) unless empty; -1 when out of memory.
 * halved: it ends in a doubled brace, which stands for one. */
static int add_literal(fscan *fs, plist *pl, const char *start, int lineno,
                       const char *line_start, const char *end, bool halved)
{
    if (end == start)
        return 0;
    py__fpart *p = new_part(fs, false, start, lineno, line_start);
    if (p == NULL)
        return -1;
    p->end = end;
    p->halved = halved;
    *pl->tail = p;
    pl->tail = &p->next;
    return 0;
}

static int nomem(py__lexer *L)
{
    py__error_nomem(&L->error, L->src);
    L->error_exc = true;
    L->done = true;
    L->last_type = T_ERROR;
    return T_ERROR;
}

/* A backslash in an f-string's literal text or format spec.  Returns
 * false at end of input. */
static bool skip_fstring_escape(fscan *fs)
{
    py__lexer *L = fs->L;
    int n = peekc(L, 1);
    if (n == EOFC) {
        L->cur++;
        return false;
    }
    if (n == '\n') {
        L->cur += 2;
        newline_at(L, L->cur);
    } else if (!fs->raw && n == 'N' && peekc(L, 2) == '{') {
        L->cur += 3;
        while (L->cur < L->end && *L->cur != '}' && *L->cur != '\n' &&
               *L->cur != fs->quote)
            L->cur++;
        if (peekc(L, 0) == '}')
            L->cur++;
    } else if (n == '{' || n == '}') {
        L->cur++; /* the brace keeps its meaning */
    } else {
        L->cur += 2;
    }
    return true;
}

static int scan_field(fscan *fs, py__fpart **out, int spec_depth);

/* The end of input inside a replacement field: CPython's tokenizer sees
 * an unclosed bracket (the field's '{' counts). */
static int never_closed(py__lexer *L, char open, int lineno, int col)
{
    char msg[48];
    snprintf(msg, sizeof(msg), "'%c' was never closed", open);
    L->eof_in_paren = true;
    return fail_at(L, false, PY_ERR_SYNTAX, lineno, col, lineno, -2, msg);
}

/* Is s[0..n) a string prefix (r, u, b, f, br, rb, fr, rf in any case)? */
static bool string_prefix(const char *s, size_t n, unsigned *flags)
{
    static const char *const ok[] = {"r",  "u",  "b",  "f",
                                     "br", "rb", "fr", "rf"};
    char low[3];
    if (n == 0 || n > 2)
        return false;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(s[i] | 0x20);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (strcmp(low, ok[i]) == 0) {
            *flags = (strchr(low, 'r') ? STR_RAW : 0) |
                     (strchr(low, 'b') ? STR_BYTES : 0) |
                     (strchr(low, 'f') ? STR_F : 0);
            return true;
        }
    }
    return false;
}

static int field_error(fscan *fs, const char *at, const char *msg)
{
    py__lexer *L = fs->L;
    return fail_at(L, true, PY_ERR_SYNTAX, L->lineno, col_of(L, at), L->lineno,
                   col_of(L, at) + 1, msg);
}

static bool blank(const char *s, const char *e)
{
    for (; s < e; s++)
        if (*s != ' ' && *s != '\t' && *s != '\f' && *s != '\n')
            return false;
    return true;
}

static int require_expression(fscan *fs, const py__fpart *p, const char *stop)
{
    if (!blank(p->start, stop))
        return 0;
    char msg[64];
    snprintf(msg, sizeof(msg),
             "f-string: valid expression required before '%c'", *stop);
    return field_error(fs, stop, msg);
}

/* The format spec after ':'; L->cur is on the ':'. */
static int scan_spec(fscan *fs, py__fpart *field, int spec_depth)
{
    py__lexer *L = fs->L;
    plist pl = {NULL, &pl.head};
    field->colon = L->cur;
    field->colon_lineno = L->lineno;
    field->colon_line = L->line_start;
    L->cur++;
    field->has_spec = true;
    const char *lit = L->cur;
    int lit_line = L->lineno;
    const char *lit_ls = L->line_start;
    for (;;) {
        if (L->cur >= L->end) {
            if (L->prompt)
                return incomplete(L);
            return never_closed(L, '{', field->open_lineno,
                                (int)(field->open - field->open_line));
        }
        int c = (unsigned char)*L->cur;
        if (is_closing_quote(L, fs->quote, fs->triple))
            return field_error(fs, L->cur,
                               "f-string: expecting '}', or format specs");
        if (c == '\n') {
            L->cur++;
            newline_at(L, L->cur);
            if (!fs->triple)
                return field_error(fs, L->cur,
                                   "f-string: expecting '}', or format specs");
        } else if (c == '{' || c == '}') {
            if (add_literal(fs, &pl, lit, lit_line, lit_ls, L->cur, false) < 0)
                return nomem(L);
            if (c == '}') {
                field->spec = pl.head;
                return 0;
            }
            py__fpart *sub;
            int r = scan_field(fs, &sub, spec_depth + 1);
            if (r != 0)
                return r;
            *pl.tail = sub;
            pl.tail = &sub->next;
            lit = L->cur;
            lit_line = L->lineno;
            lit_ls = L->line_start;
        } else if (c == '\\') {
            skip_fstring_escape(fs);
        } else {
            L->cur++;
        }
    }
}

/* After `!`: the conversion letter.  L->cur is on the '!'. */
static int scan_conversion(fscan *fs, py__fpart *p)
{
    py__lexer *L = fs->L;
    L->cur++;
    const char *s = L->cur;
    while (L->cur < L->end && is_ident_char((unsigned char)*L->cur))
        L->cur++;
    if (s == L->cur)
        return field_error(fs, s, "f-string: missing conversion character");
    if (L->cur - s != 1 || (*s != 's' && *s != 'r' && *s != 'a')) {
        char msg[128];
        snprintf(msg, sizeof(msg),
                 "f-string: invalid conversion character '%.*s': expected "
                 "'s', 'r', or 'a'",
                 (int)(L->cur - s > 20 ? 20 : L->cur - s), s);
        return fail_at(L, true, PY_ERR_SYNTAX, L->lineno, col_of(L, s),
                       L->lineno, col_of(L, L->cur), msg);
    }
    p->conv = *s;
    while (peekc(L, 0) == ' ' || peekc(L, 0) == '\t')
        L->cur++;
    if (is_closing_quote(L, fs->quote, fs->triple) || L->cur >= L->end)
        return fail_cursor(L, L->cur, "f-string: expecting '}'");
    if (peekc(L, 0) != ':' && peekc(L, 0) != '}')
        return field_error(fs, L->cur, "f-string: expecting ':' or '}'");
    return 0;
}

/* What follows the expression: `!c`, `:spec`, then '}'. */
static int scan_field_tail(fscan *fs, py__fpart *p, int spec_depth)
{
    py__lexer *L = fs->L;
    int r;
    if (peekc(L, 0) == '!' && (r = scan_conversion(fs, p)) != 0)
        return r;
    if (peekc(L, 0) == ':' && (r = scan_spec(fs, p, spec_depth)) != 0)
        return r;
    /* on the closing '}' */
    L->cur++;
    p->close = L->cur;
    return 0;
}

/* A replacement field; L->cur is on its '{'. */
static int scan_field(fscan *fs, py__fpart **out, int spec_depth)
{
    py__lexer *L = fs->L;
    if (spec_depth > 2)
        return fail_cursor(L, L->cur,
                           "f-string: expressions nested too deeply");
    py__fpart *p = new_part(fs, true, L->cur + 1, L->lineno, L->line_start);
    if (p == NULL)
        return nomem(L);
    p->open = L->cur;
    p->open_lineno = L->lineno;
    p->open_line = L->line_start;
    *out = p;
    L->cur++;
    /* Brackets in the expression: kind, line, column. */
    char stack[PY__MAXLEVEL];
    int stack_line[PY__MAXLEVEL], stack_col[PY__MAXLEVEL];
    int depth = 0;
    encl in = {fs->quote, fs->triple};
    for (;;) {
        if (L->cur >= L->end) {
            if (L->prompt)
                return incomplete(L);
            if (depth > 0)
                return never_closed(L, stack[depth - 1], stack_line[depth - 1],
                                    stack_col[depth - 1]);
            return never_closed(L, '{', p->open_lineno,
                                (int)(p->open - p->open_line));
        }
        int c = (unsigned char)*L->cur;
        if (c == '\n') {
            L->cur++;
            newline_at(L, L->cur);
        } else if (c == ' ' || c == '\t' || c == '\f') {
            L->cur++;
        } else if (c == '#') {
            if (!fs->triple && depth > 0)
                return never_closed(L, stack[depth - 1], stack_line[depth - 1],
                                    stack_col[depth - 1]);
            if (!fs->triple)
                return never_closed(L, '{', p->open_lineno,
                                    (int)(p->open - p->open_line));
            while (L->cur < L->end && *L->cur != '\n')
                L->cur++;
        } else if (c == '\\') {
            if (peekc(L, 1) == '\n') {
                L->cur += 2;
                newline_at(L, L->cur);
            } else {
                L->cur += peekc(L, 1) == EOFC ? 1 : 2;
                int col = col_of(L, L->cur);
                return fail_at(L, false, PY_ERR_SYNTAX, L->lineno, col - 1,
                               L->lineno, -2,
                               "unexpected character after line "
                               "continuation character");
            }
        } else if (c == '\'' || c == '"' || is_ident_start(c) || is_digit(c)) {
            const char *s = L->cur;
            unsigned flags = 0;
            if (c != '\'' && c != '"') {
                while (L->cur < L->end && is_ident_char((unsigned char)*L->cur))
                    L->cur++;
                if ((peekc(L, 0) != '\'' && peekc(L, 0) != '"') ||
                    !string_prefix(s, (size_t)(L->cur - s), &flags))
                    continue; /* a name; a quote after it is seen next */
            }
            py__token t;
            memset(&t, 0, sizeof(t));
            t.lineno = L->lineno;
            t.col = col_of(L, s);
            int r = lex_string(L, &t, s, flags, &in, fs->fdepth + 1);
            if (r != T_STRING)
                return r;
        } else if (c == '(' || c == '[' || c == '{') {
            if (depth >= PY__MAXLEVEL)
                return fail_cursor(L, L->cur + 1,
                                   "too many nested parentheses");
            stack[depth] = (char)c;
            stack_line[depth] = L->lineno;
            stack_col[depth++] = col_of(L, L->cur);
            L->cur++;
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth == 0) {
                if (c != '}') {
                    char msg[48];
                    snprintf(msg, sizeof(msg), "f-string: unmatched '%c'", c);
                    return fail_cursor(L, L->cur + 1, msg);
                }
                p->end = p->stop = L->cur;
                int r = require_expression(fs, p, L->cur);
                if (r == 0)
                    p->close = ++L->cur;
                return r;
            }
            char open = stack[depth - 1];
            if ((open == '(' && c != ')') || (open == '[' && c != ']') ||
                (open == '{' && c != '}')) {
                char msg[128];
                if (stack_line[depth - 1] != L->lineno)
                    snprintf(msg, sizeof(msg),
                             "closing parenthesis '%c' does not match opening "
                             "parenthesis '%c' on line %d",
                             c, open, stack_line[depth - 1]);
                else
                    snprintf(msg, sizeof(msg),
                             "closing parenthesis '%c' does not match opening "
                             "parenthesis '%c'",
                             c, open);
                return fail_cursor(L, L->cur + 1, msg);
            }
            depth--;
            L->cur++;
        } else if (depth == 0 && c == '!' && peekc(L, 1) != '=') {
            p->end = p->stop = L->cur;
            int r = require_expression(fs, p, L->cur);
            return r ? r : scan_field_tail(fs, p, spec_depth);
        } else if (depth == 0 && c == ':') {
            p->end = p->stop = L->cur;
            int r = require_expression(fs, p, L->cur);
            return r ? r : scan_field_tail(fs, p, spec_depth);
        } else if (depth == 0 && c == '=' && peekc(L, 1) != '=') {
            /* `{x=}`: the text up to here, '=' and the spaces after it
             * are printed before the value. */
            p->end = L->cur;
            int r = require_expression(fs, p, L->cur);
            if (r != 0)
                return r;
            L->cur++;
            while (peekc(L, 0) == ' ' || peekc(L, 0) == '\t')
                L->cur++;
            p->debug_end = L->cur;
            p->stop = L->cur;
            int n = peekc(L, 0);
            if (n != '!' && n != ':' && n != '}') {
                if (is_closing_quote(L, fs->quote, fs->triple))
                    return field_error(fs, L->cur, "f-string: expecting '}'");
                return field_error(fs, L->cur,
                                   "f-string: expecting '!', or ':', or '}'");
            }
            return scan_field_tail(fs, p, spec_depth);
        } else if (c == '=' || c == '!' || c == '<' || c == '>') {
            L->cur += peekc(L, 1) == '=' ? 2 : 1;
        } else {
            L->cur++;
        }
    }
}

/* The rest of an f-string after its opening quote(s); the parts found go
 * to pl, whether or not it fails. */
static int scan_fstring_body(py__lexer *L, py__token *t, fscan *fs,
                             const encl *in, plist *pl)
{
    const char *lit = L->cur;
    int lit_line = L->lineno;
    const char *lit_ls = L->line_start;
    for (;;) {
        if (L->cur >= L->end)
            return unterminated(L, t, fs->quote, fs->triple, in, true);
        int c = (unsigned char)*L->cur;
        if (is_closing_quote(L, fs->quote, fs->triple)) {
            if (add_literal(fs, pl, lit, lit_line, lit_ls, L->cur, false) < 0)
                return nomem(L);
            t->body_end = L->cur;
            L->cur += fs->triple ? 3 : 1;
            return T_STRING;
        }
        if (c == '\n') {
            if (!fs->triple)
                return unterminated(L, t, fs->quote, false, in, false);
            L->cur++;
            newline_at(L, L->cur);
        } else if (c == '\\') {
            skip_fstring_escape(fs);
        } else if (c == '{' || c == '}') {
            if (peekc(L, 1) == c) {
                /* "{{": the text takes one brace, the position both */
                if (add_literal(fs, pl, lit, lit_line, lit_ls, L->cur + 2,
                                true) < 0)
                    return nomem(L);
                L->cur += 2;
                lit = L->cur;
                lit_line = L->lineno;
                lit_ls = L->line_start;
                continue;
            }
            if (c == '}')
                return fail_cursor(L, L->cur + 1,
                                   "f-string: single '}' is not allowed");
            if (add_literal(fs, pl, lit, lit_line, lit_ls, L->cur, false) < 0)
                return nomem(L);
            py__fpart *f;
            int r = scan_field(fs, &f, 0);
            if (r != 0)
                return r;
            *pl->tail = f;
            pl->tail = &f->next;
            lit = L->cur;
            lit_line = L->lineno;
            lit_ls = L->line_start;
        } else {
            L->cur++;
        }
    }
}

static int scan_fstring(py__lexer *L, py__token *t, fscan *fs, const encl *in)
{
    plist pl = {NULL, &pl.head};
    int r = scan_fstring_body(L, t, fs, in, &pl);
    t->fparts = pl.head;
    if (r != T_ERROR || in != NULL || L->error.kind == PY_ERR_NOMEM)
        return r;
    /* An outermost f-string keeps what it has and carries the error. */
    py_error *e = py__alloc(L->scratch, sizeof(*e));
    if (e == NULL)
        return nomem(L);
    *e = L->error;
    t->ferror = e;
    return T_STRING;
}

/* A string literal; L->cur is on its first quote, start is where its
 * prefix began.  t->lineno and t->col are set by the caller. */
static int lex_string(py__lexer *L, py__token *t, const char *start,
                      unsigned flags, const encl *in, int fdepth)
{
    char quote = *L->cur;
    bool triple = peekc(L, 1) == quote && peekc(L, 2) == quote;
    if (triple)
        flags |= STR_TRIPLE;
    L->cur += triple ? 3 : 1;
    t->type = T_STRING;
    t->start = start;
    t->sflags = flags;
    t->body = L->cur;
    if (flags & STR_F) {
        if (fdepth + 1 >= PY__MAXFSTRING)
            return fail_cursor(L, L->cur, "too many nested f-strings");
        fscan fs = {L, quote, triple, (flags & STR_RAW) != 0, fdepth};
        return scan_fstring(L, t, &fs, in);
    }
    for (;;) {
        if (L->cur >= L->end)
            return unterminated(L, t, quote, triple, in, true);
        int c = (unsigned char)*L->cur;
        if (is_closing_quote(L, quote, triple)) {
            t->body_end = L->cur;
            L->cur += triple ? 3 : 1;
            return T_STRING;
        }
        if (c == '\n') {
            if (!triple)
                return unterminated(L, t, quote, false, in, false);
            L->cur++;
            newline_at(L, L->cur);
        } else if (c == '\\') {
            L->cur++;
            if (L->cur < L->end) {
                if (*L->cur == '\n')
                    newline_at(L, L->cur + 1);
                L->cur++;
            }
        } else {
            L->cur++;
        }
    }
}

/* ---- indentation --------------------------------------------------------- */

static int tab_error(py__lexer *L)
{
    return fail_at(L, false, PY_ERR_TAB, L->lineno, 0, L->lineno, -2,
                   "inconsistent use of tabs and spaces in indentation");
}

static int line_length(const py__lexer *L)
{
    const char *e = memchr(L->line_start, '\n',
                           (size_t)(L->src->buf + L->src->len - L->line_start));
    return (int)((e ? e : L->src->buf + L->src->len) - L->line_start);
}

/* Compares the new line's indentation with the stack; sets L->pendin. */
static int indentation(py__lexer *L, int col, int altcol)
{
    if (col == L->indstack[L->indent]) {
        if (altcol != L->altindstack[L->indent])
            return tab_error(L);
    } else if (col > L->indstack[L->indent]) {
        if (L->indent + 1 >= PY__MAXINDENT)
            return fail_at(L, false, PY_ERR_INDENTATION, L->lineno, 0,
                           L->lineno, -1, "too many levels of indentation");
        if (altcol <= L->altindstack[L->indent])
            return tab_error(L);
        L->pendin++;
        L->indent++;
        L->indstack[L->indent] = col;
        L->altindstack[L->indent] = altcol;
    } else {
        while (L->indent > 0 && col < L->indstack[L->indent]) {
            L->pendin--;
            L->indent--;
        }
        if (col != L->indstack[L->indent])
            return fail_at(L, false, PY_ERR_INDENTATION, L->lineno,
                           line_length(L), L->lineno, -1,
                           "unindent does not match any outer indentation "
                           "level");
        if (altcol != L->altindstack[L->indent])
            return tab_error(L);
    }
    return 0;
}

/* ---- the tokenizer proper ------------------------------------------------ */

static int finish(py__lexer *L, py__token *t, int type)
{
    t->type = type;
    t->end = L->cur;
    t->end_lineno = L->lineno;
    t->end_col = col_of(L, L->cur);
    /* After an f-string carrying an error, only the error comes. */
    L->last_type = t->ferror ? T_ERROR : type;
    return type;
}

static int at_eof(py__lexer *L, py__token *t, int type)
{
    eof_position(L, &t->lineno, &t->col);
    t->end_lineno = t->lineno;
    t->end_col = L->fexpr ? t->col : -1;
    t->start = t->end = L->cur;
    t->type = type;
    L->last_type = type;
    return type;
}

static int get(py__lexer *L, py__token *t)
{
    bool blankline;
nextline:
    blankline = false;
    if (L->atbol && !L->fexpr) {
        L->atbol = false;
        int col = 0, altcol = 0;
        for (;;) {
            int c = peekc(L, 0);
            if (c == ' ') {
                col++;
                altcol++;
            } else if (c == '\t') {
                col = (col / 8 + 1) * 8;
                altcol++;
            } else if (c == '\f') {
                col = altcol = 0;
            } else {
                break;
            }
            L->cur++;
        }
        int c = peekc(L, 0);
        if (c == EOFC && L->prompt)
            return incomplete(L);
        if (c == '#' || c == '\n') {
            if (L->prompt && col == 0 && c == '\n' &&
                L->lineno > L->first_lineno) {
                blankline = false; /* an empty line ends the statement */
            } else if (L->prompt && L->lineno == L->first_lineno) {
                blankline = false;
                col = altcol = 0;
            } else {
                blankline = true;
            }
        }
        if (!blankline && L->level == 0 && indentation(L, col, altcol) != 0)
            return T_ERROR;
    }

    t->start = L->cur;
    t->lineno = L->lineno;
    t->col = col_of(L, L->cur);
    if (L->pendin != 0) {
        int type = L->pendin < 0 ? T_DEDENT : T_INDENT;
        L->pendin += L->pendin < 0 ? 1 : -1;
        if (L->cur >= L->end && type == T_DEDENT)
            return at_eof(L, t, T_DEDENT);
        return finish(L, t, type);
    }

again:
    while (peekc(L, 0) == ' ' || peekc(L, 0) == '\t' || peekc(L, 0) == '\f')
        L->cur++;
    if (peekc(L, 0) == '#')
        while (L->cur < L->end && *L->cur != '\n')
            L->cur++;
    const char *start = L->cur;
    t->start = start;
    t->lineno = L->lineno;
    t->col = col_of(L, start);
    int c = peekc(L, 0);

    if (c == EOFC) {
        if (L->fexpr)
            return at_eof(L, t, T_ENDMARKER);
        if (L->prompt)
            return incomplete(L);
        if (L->level > 0) {
            char msg[48];
            int i = L->level - 1;
            snprintf(msg, sizeof(msg), "'%c' was never closed", L->paren[i]);
            L->eof_in_paren = true;
            return fail_at(L, false, PY_ERR_SYNTAX, L->paren_lineno[i],
                           L->paren_col[i], L->paren_lineno[i], -2, msg);
        }
        return at_eof(L, t, T_ENDMARKER);
    }

    if (is_ident_start(c)) {
        /* A string prefix (r, b, u, f, rb, br, fr, rf) before a quote. */
        bool saw_b = false, saw_r = false, saw_u = false, saw_f = false;
        for (;;) {
            int lc = c | 0x20;
            if (!(saw_b || saw_u || saw_f) && lc == 'b')
                saw_b = true;
            else if (!(saw_b || saw_u || saw_r || saw_f) && lc == 'u')
                saw_u = true;
            else if (!(saw_r || saw_u) && lc == 'r')
                saw_r = true;
            else if (!(saw_f || saw_b || saw_u) && lc == 'f')
                saw_f = true;
            else
                break;
            L->cur++;
            c = peekc(L, 0);
            if (c == '"' || c == '\'') {
                unsigned flags = (saw_b ? STR_BYTES : 0) |
                                 (saw_r ? STR_RAW : 0) | (saw_f ? STR_F : 0);
                int r = lex_string(L, t, start, flags, NULL, L->fdepth);
                return r == T_STRING ? finish(L, t, T_STRING) : r;
            }
        }
        bool nonascii = false;
        while (L->cur < L->end && is_ident_char((unsigned char)*L->cur)) {
            if ((unsigned char)*L->cur >= 128)
                nonascii = true;
            L->cur++;
        }
        if (nonascii && check_identifier(L, start, L->cur) != 0)
            return T_ERROR;
        return finish(L, t, keyword_type(start, (size_t)(L->cur - start)));
    }

    if (c == '\n') {
        L->cur++;
        L->atbol = true;
        int nl_line = L->lineno, nl_col = col_of(L, start);
        newline_at(L, L->cur);
        if (blankline || L->level > 0 || L->fexpr)
            goto nextline;
        L->cont_line = false;
        t->type = T_NEWLINE;
        t->end = L->cur;
        t->lineno = t->end_lineno = nl_line;
        t->col = nl_col;
        t->end_col = nl_col + 1;
        L->last_type = T_NEWLINE;
        return T_NEWLINE;
    }

    if (c == '.' && is_digit(peekc(L, 1))) {
        if (lex_number(L, start) == T_ERROR)
            return T_ERROR;
        return finish(L, t, T_NUMBER);
    }
    if (is_digit(c)) {
        if (lex_number(L, start) == T_ERROR)
            return T_ERROR;
        return finish(L, t, T_NUMBER);
    }
    if (c == '\'' || c == '"') {
        int r = lex_string(L, t, start, 0, NULL, L->fdepth);
        return r == T_STRING ? finish(L, t, T_STRING) : r;
    }

    if (c == '\\') {
        if (peekc(L, 1) != '\n') {
            L->cur += peekc(L, 1) == EOFC ? 1 : 2;
            return fail_at(L, false, PY_ERR_SYNTAX, L->lineno,
                           col_of(L, L->cur) - 1, L->lineno, -2,
                           "unexpected character after line continuation "
                           "character");
        }
        int bs_line = L->lineno, bs_col = col_of(L, L->cur);
        L->cur += 2;
        newline_at(L, L->cur);
        L->cont_line = true;
        if (L->cur >= L->end && !L->fexpr) {
            if (L->prompt)
                return incomplete(L);
            return fail_at(L, false, PY_ERR_SYNTAX, bs_line, bs_col + 1,
                           bs_line, -1, "unexpected EOF while parsing");
        }
        goto again;
    }

    /* Brackets keep a stack for the messages about unmatched ones. */
    if (c == '(' || c == '[' || c == '{') {
        if (L->level >= PY__MAXLEVEL)
            return fail_cursor(L, L->cur + 1, "too many nested parentheses");
        L->paren[L->level] = (char)c;
        L->paren_lineno[L->level] = L->lineno;
        L->paren_col[L->level] = col_of(L, L->cur);
        L->level++;
    } else if (c == ')' || c == ']' || c == '}') {
        if (L->level == 0) {
            char msg[48];
            snprintf(msg, sizeof(msg),
                     L->fexpr ? "f-string: unmatched '%c'" : "unmatched '%c'",
                     c);
            return fail_cursor(L, L->cur + 1, msg);
        }
        char open = L->paren[L->level - 1];
        if ((open == '(' && c != ')') || (open == '[' && c != ']') ||
            (open == '{' && c != '}')) {
            char msg[128];
            if (L->paren_lineno[L->level - 1] != L->lineno)
                snprintf(msg, sizeof(msg),
                         "closing parenthesis '%c' does not match opening "
                         "parenthesis '%c' on line %d",
                         c, open, L->paren_lineno[L->level - 1]);
            else
                snprintf(msg, sizeof(msg),
                         "closing parenthesis '%c' does not match opening "
                         "parenthesis '%c'",
                         c, open);
            return fail_cursor(L, L->cur + 1, msg);
        }
        L->level--;
    }

    for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++) {
        size_t n = strlen(operators[i].text);
        if ((size_t)(L->end - L->cur) >= n &&
            memcmp(L->cur, operators[i].text, n) == 0) {
            L->cur += n;
            return finish(L, t, operators[i].type);
        }
    }

    /* Anything else: CPython's one-character OP, which no rule accepts. */
    L->cur++;
    return finish(L, t, T_UNKNOWN);
}

int py__lexer_next(py__lexer *L, py__token *t)
{
    memset(t, 0, sizeof(*t));
    if (L->done) {
        if (L->last_type == T_ENDMARKER)
            return at_eof(L, t, T_ENDMARKER);
        return L->last_type;
    }
    int type = get(L, t);
    /* A replacement field is inside the f-string's braces. */
    t->level = L->level + (L->fexpr ? 1 : 0);
    if (type == T_ENDMARKER)
        L->done = true;
    return type;
}
