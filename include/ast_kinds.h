/*
 * ast_kinds.h — every AST node kind, defined once (X-macro).
 *
 * X(NAME, "printable name") — the comment says which fields the kind uses.  Fields of
 * rb_node: str, str2, num, a, b, c, d, opts (a list of N_OPT), next (sibling in a list).
 * nloc is where the name in str is written (declarations, members, step ids, goto targets,
 * http methods, map keys, named arguments, prompt keys).
 */

/* ---- files and declarations ---- */
X(FILE,       "file")        /* a: list of top-level declarations */
X(HEADER,     "header")      /* str: title; a: list of N_HFIELD */
X(HFIELD,     "header field")/* str: field name; a: value; num: 1 when written "name within value" */
X(USE,        "use")         /* str: module name or path; str2: alias (NULL: the name); num: 1 for a path */
X(PARAM,      "param")       /* str: name; str2: type name or NULL; a: default or NULL; b: help or NULL */
X(SECRET,     "secret")      /* str: name; a: value */
X(LET,        "let")         /* str: name; a: value (global or local) */
X(FN,         "fn")          /* str: name; a: list of N_IDENT parameters; b: body N_BLOCK */
X(ESCALATION, "escalation")  /* str: name or NULL; a: list of N_RUNG and N_REPEAT */
X(RUNG,       "at")          /* a: offset; b: unless-condition or NULL; c: when-condition or NULL; d: body N_BLOCK */
X(REPEAT,     "repeat")      /* a: period ("repeat every D") */
X(EVERY,      "every")       /* a: interval; b: until-condition or NULL; c: for-duration or NULL; d: body */
X(PHASE,      "phase")       /* str: title; opts: within; a: list of steps, escalations, every */
X(STEP,       "step")        /* str: id; str2: title; opts: within/timeout/retries; a: body; b: rollback; c: on failure */
X(TEST,       "test")        /* str: name (NULL: interpolated); a: body N_BLOCK; b: the name expression */
X(PART,       "part")        /* str: name; a: list of N_IDENT parameters; b: the N_PHASE, N_STEP, N_ESCALATION or N_EVERY (a module's) */
X(INCLUDE,    "use of a part") /* str2: module alias; str: part name; a: arguments; b: N_IDENT prefix or NULL; c: N_IDENT alias; num: N_PHASE/N_STEP/N_ESCALATION/N_EVERY */
X(OPT,        "option")      /* str: option name; a: value or NULL (readonly) */
/* ---- statements ---- */
X(BLOCK,      "block")       /* a: list of statements */
X(ASSIGN,     "assignment")  /* a: target (IDENT, MEMBER or INDEX); b: value */
X(IF,         "if")          /* a: condition; b: then N_BLOCK; c: else (N_IF for elif, N_BLOCK) or NULL */
X(WHILE,      "while")       /* a: condition; b: body */
X(FOR,        "for")         /* str: variable; str2: second variable or NULL (c: its N_IDENT); a: iterable; b: body */
X(BREAK,      "break")
X(CONTINUE,   "continue")
X(RETURN,     "return")      /* a: value or NULL */
X(GOTO,       "goto")        /* str: target step id */
X(NOTE,       "note")        /* a: text */
X(WARN,       "warn")        /* a: text */
X(CONFIRM,    "confirm")     /* a: question; str: key or NULL (statement form: a gate) */
X(CHOOSE,     "choose")      /* a: question; str: key or NULL; b: list of N_ARM */
X(ARM,        "option arm")  /* a: label expression; b: body N_BLOCK */
X(APPROVE,    "approve")     /* a: question; str: key or NULL; opts: role/timeout/allow_self */
X(CHECKLIST,  "checklist")   /* a: title; str: key or NULL; b: list of item expressions */
X(WAIT,       "wait")        /* a: duration; b: reason or NULL */
X(WAITUNTIL,  "wait until")  /* a: condition; opts: every/timeout */
X(RUN,        "run")         /* a: path; b: with-map or NULL */
X(ABORT,      "abort")       /* a: reason or NULL */
X(FAIL,       "fail")        /* a: reason or NULL */
X(EXPRSTMT,   "expression statement") /* a: expression */
/* ---- expressions ---- */
X(NIL,        "nil")
X(BOOL,       "boolean")     /* num: 0 or 1 */
X(NUM,        "number")      /* num */
X(DUR,        "duration")    /* num: seconds; str: the literal as written */
X(SEV,        "severity")    /* num: level (1 = P1) */
X(STR,        "string")      /* str: text (no interpolation) */
X(INTERP,     "interpolated string") /* a: list of parts: N_STR literals and expressions */
X(LIST,       "list")        /* a: list of elements */
X(MAP,        "map")         /* a: list of N_PAIR */
X(PAIR,       "map entry")   /* str: key; a: value */
X(IDENT,      "name")        /* str: the name */
X(UNARY,      "unary operator")  /* num: operator token (OP_*); a: operand */
X(BINARY,     "binary operator") /* num: operator (OP_*); a, b: operands */
X(MEMBER,     "member")      /* a: object; str: member name */
X(INDEX,      "index")       /* a: object; b: index */
X(CALL,       "call")        /* a: callee; b: list of arguments (expressions and N_NAMEDARG) */
X(NAMEDARG,   "named argument") /* str: name; a: value */
X(SH,         "sh")          /* a: command; opts: timeout/readonly/env/cwd/on; num: 1 in statement position */
X(HTTP,       "http")        /* str: method; a: url; opts: headers/json/body/timeout/retries; num: 1 in statement position */
