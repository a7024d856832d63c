/* The engine's C kernels (transforms/engine): each gives exactly what its Python counterpart
 * gives (tests/test_engine.py compares them on generated and real texts):
 *
 *   word_starts(lower)                  -> triggers.word_starts / ascii_word_starts
 *   candidates(by_prefix, by_letter, source, lookup, nested)
 *                                       -> triggers.python_candidates
 *   matches_from(pattern, text, starts) -> list(triggers.python_matches_from(...))
 *   split_sentences(text, abbreviations)
 *                                       -> sentences.python_split_sentences(text)
 *   offset_mismatches(text_offsets, text_data, index, starts, ends, matched_offsets,
 *                     matched_data)     -> offsets.python_offset_mismatches
 *
 * Built by setup.py as an optional extension; the engine imports it only while this file's
 * SHA-256 is the one it was built from (SOURCE_SHA256), and runs the Python otherwise.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef WORDSCAN_SOURCE_SHA256
#define WORDSCAN_SOURCE_SHA256 ""
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY_LEN 3
#define PAD 0x1FFFFFu /* no code point: pads a key that runs past the end of the text */

/* \w of Python's re on str: a letter, digit or number (str.isalnum) or "_". */
static unsigned char ascii_word[128];
static inline int is_word(Py_UCS4 ch) {
    return ch < 128 ? ascii_word[ch] : Py_UNICODE_ISALNUM(ch);
}

/* ---- word_starts ------------------------------------------------------------------- */

typedef struct {
    uint64_t code; /* the KEY_LEN code points from a word start, 21 bits each */
    PyObject *list;
} Slot;

typedef struct {
    Slot *slots;
    size_t mask; /* capacity - 1, capacity a power of two */
    size_t used;
} Table;

static inline size_t slot_hash(uint64_t code) {
    code ^= code >> 33;
    code *= 0xff51afd7ed558ccdULL;
    code ^= code >> 33;
    return (size_t)code;
}

static int table_grow(Table *t) {
    size_t capacity = (t->mask + 1) * 2;
    Slot *slots = calloc(capacity, sizeof(Slot));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i <= t->mask; i++) {
        if (t->slots[i].list == NULL) continue;
        size_t j = slot_hash(t->slots[i].code) & (capacity - 1);
        while (slots[j].list != NULL) j = (j + 1) & (capacity - 1);
        slots[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = slots;
    t->mask = capacity - 1;
    return 0;
}

static PyObject *word_starts(PyObject *module, PyObject *lower) {
    if (!PyUnicode_Check(lower)) {
        PyErr_SetString(PyExc_TypeError, "word_starts() takes a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(lower);
    int kind = PyUnicode_KIND(lower);
    const void *data = PyUnicode_DATA(lower);
    PyObject *result = PyDict_New();
    if (result == NULL) return NULL;
    Table t = {calloc(256, sizeof(Slot)), 255, 0};
    if (t.slots == NULL) {
        Py_DECREF(result);
        return PyErr_NoMemory();
    }
    int previous_word = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int word = is_word(PyUnicode_READ(kind, data, i));
        if (!word || previous_word) {
            previous_word = word;
            continue;
        }
        previous_word = 1;
        uint64_t code = 0;
        for (Py_ssize_t k = 0; k < KEY_LEN; k++) {
            uint64_t ch = i + k < n ? PyUnicode_READ(kind, data, i + k) : PAD;
            code = (code << 21) | ch;
        }
        size_t j = slot_hash(code) & t.mask;
        while (t.slots[j].list != NULL && t.slots[j].code != code) j = (j + 1) & t.mask;
        PyObject *list = t.slots[j].list;
        if (list == NULL) {
            PyObject *key = PyUnicode_Substring(lower, i, i + KEY_LEN < n ? i + KEY_LEN : n);
            list = key == NULL ? NULL : PyList_New(0);
            if (list == NULL || PyDict_SetItem(result, key, list) < 0) {
                Py_XDECREF(key);
                Py_XDECREF(list);
                goto error;
            }
            Py_DECREF(key);
            Py_DECREF(list); /* the dict holds it */
            t.slots[j].code = code;
            t.slots[j].list = list;
            if (++t.used * 2 > t.mask && table_grow(&t) < 0) goto error;
        }
        PyObject *start = PyLong_FromSsize_t(i);
        if (start == NULL || PyList_Append(list, start) < 0) {
            Py_XDECREF(start);
            goto error;
        }
        Py_DECREF(start);
    }
    free(t.slots);
    return result;
error:
    free(t.slots);
    Py_DECREF(result);
    return NULL;
}

/* ---- candidates -------------------------------------------------------------------- */

typedef struct {
    Py_ssize_t value;
    PyObject *obj; /* borrowed: the int in a by_prefix list */
} Pos;

typedef struct {
    Pos *items;
    Py_ssize_t len, cap;
} PosList;

static int pos_push(PosList *p, PyObject *obj) {
    Py_ssize_t value = PyLong_AsSsize_t(obj);
    if (value == -1 && PyErr_Occurred()) return -1;
    if (p->len == p->cap) {
        Py_ssize_t cap = p->cap ? p->cap * 2 : 64;
        Pos *items = realloc(p->items, (size_t)cap * sizeof(Pos));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        p->items = items;
        p->cap = cap;
    }
    p->items[p->len].value = value;
    p->items[p->len].obj = obj;
    p->len++;
    return 0;
}

static int pos_cmp(const void *a, const void *b) {
    Py_ssize_t x = ((const Pos *)a)->value, y = ((const Pos *)b)->value;
    return (x > y) - (x < y);
}

/* by_letter[first character] = the by_prefix keys starting with it, filled on first use. */
static int fill_by_letter(PyObject *by_prefix, PyObject *by_letter) {
    PyObject *prefix, *value;
    Py_ssize_t i = 0;
    while (PyDict_Next(by_prefix, &i, &prefix, &value)) {
        PyObject *letter = PyUnicode_Substring(prefix, 0, 1);
        if (letter == NULL) return -1;
        PyObject *list = PyDict_GetItemWithError(by_letter, letter); /* borrowed */
        if (list == NULL) {
            if (PyErr_Occurred() || (list = PyList_New(0)) == NULL) {
                Py_DECREF(letter);
                return -1;
            }
            int failed = PyDict_SetItem(by_letter, letter, list);
            Py_DECREF(list);
            if (failed < 0) {
                Py_DECREF(letter);
                return -1;
            }
        }
        Py_DECREF(letter);
        if (PyList_Append(list, prefix) < 0) return -1;
    }
    return 0;
}

/* Whether source has key at start, each NUL of the key (triggers.GAP) standing for one or
 * more white-space characters, each \x01 (triggers.HYPHEN_GAP) for one or more white-space
 * characters or hyphens, all there are: triggers.key_at. */
static int key_at(PyObject *source, PyObject *key, Py_ssize_t start) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(source), m = PyUnicode_GET_LENGTH(key);
    int skind = PyUnicode_KIND(source), kkind = PyUnicode_KIND(key);
    const void *sdata = PyUnicode_DATA(source), *kdata = PyUnicode_DATA(key);
    Py_ssize_t pos = start;
    if (pos < 0 || pos > n) return 0;
    for (Py_ssize_t i = 0; i < m; i++) {
        Py_UCS4 c = PyUnicode_READ(kkind, kdata, i);
        if (c == 0 || c == 1) {
            Py_ssize_t space = pos;
            while (space < n) {
                Py_UCS4 ch = PyUnicode_READ(skind, sdata, space);
                if (!Py_UNICODE_ISSPACE(ch) && !(c == 1 && ch == '-')) break;
                space++;
            }
            if (space == pos) return 0;
            pos = space;
        } else {
            if (pos >= n || PyUnicode_READ(skind, sdata, pos) != c) return 0;
            pos++;
        }
    }
    return 1;
}

/* Add the starts in positions (a list of int) whose text begins with one of keys. */
static int add_starts(PosList *found, PyObject *positions, PyObject *source, PyObject *keys) {
    if (!PyList_Check(positions)) {
        PyErr_SetString(PyExc_TypeError, "by_prefix values must be lists");
        return -1;
    }
    Py_ssize_t nkeys = PyTuple_GET_SIZE(keys);
    Py_ssize_t npos = PyList_GET_SIZE(positions);
    for (Py_ssize_t i = 0; i < npos; i++) {
        PyObject *obj = PyList_GET_ITEM(positions, i);
        if (nkeys == 0) {
            if (pos_push(found, obj) < 0) return -1;
            continue;
        }
        Py_ssize_t start = PyLong_AsSsize_t(obj);
        if (start == -1 && PyErr_Occurred()) return -1;
        for (Py_ssize_t k = 0; k < nkeys; k++) {
            PyObject *key = PyTuple_GET_ITEM(keys, k);
            if (!PyUnicode_Check(key)) {
                PyErr_SetString(PyExc_TypeError, "keys must be str");
                return -1;
            }
            if (key_at(source, key, start)) {
                if (pos_push(found, obj) < 0) return -1;
                break;
            }
        }
    }
    return 0;
}

static PyObject *candidates(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "candidates(by_prefix, by_letter, source, lookup, nested)");
        return NULL;
    }
    PyObject *by_prefix = args[0], *by_letter = args[1], *source = args[2], *lookup = args[3];
    int nested = PyObject_IsTrue(args[4]);
    if (nested < 0) return NULL;
    if (!PyDict_Check(by_prefix) || !PyDict_Check(by_letter) || !PyUnicode_Check(source) ||
        !PyTuple_Check(lookup)) {
        PyErr_SetString(PyExc_TypeError,
                        "candidates() takes a dict, a dict, a str and a tuple of pairs");
        return NULL;
    }
    PosList found = {NULL, 0, 0};
    Py_ssize_t nlookup = PyTuple_GET_SIZE(lookup);
    for (Py_ssize_t i = 0; i < nlookup; i++) {
        PyObject *pair = PyTuple_GET_ITEM(lookup, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            !PyUnicode_Check(PyTuple_GET_ITEM(pair, 0)) ||
            !PyTuple_Check(PyTuple_GET_ITEM(pair, 1))) {
            PyErr_SetString(PyExc_TypeError, "lookup items must be (str, tuple of str)");
            goto error;
        }
        PyObject *index_key = PyTuple_GET_ITEM(pair, 0), *keys = PyTuple_GET_ITEM(pair, 1);
        Py_ssize_t key_len = PyUnicode_GET_LENGTH(index_key);
        if (key_len == KEY_LEN) {
            PyObject *positions = PyDict_GetItemWithError(by_prefix, index_key);
            if (positions == NULL) {
                if (PyErr_Occurred()) goto error;
                continue;
            }
            if (add_starts(&found, positions, source, keys) < 0) goto error;
            continue;
        }
        if (key_len == 0) continue; /* never made: a key starts with a letter or digit */
        if (PyDict_GET_SIZE(by_letter) == 0 && fill_by_letter(by_prefix, by_letter) < 0)
            goto error;
        PyObject *letter = PyUnicode_Substring(index_key, 0, 1);
        if (letter == NULL) goto error;
        PyObject *prefixes = PyDict_GetItemWithError(by_letter, letter);
        Py_DECREF(letter);
        if (prefixes == NULL) {
            if (PyErr_Occurred()) goto error;
            continue;
        }
        for (Py_ssize_t p = 0; p < PyList_GET_SIZE(prefixes); p++) {
            PyObject *prefix = PyList_GET_ITEM(prefixes, p);
            Py_ssize_t hit = PyUnicode_Tailmatch(prefix, index_key, 0, PY_SSIZE_T_MAX, -1);
            if (hit < 0) goto error;
            if (!hit) continue;
            PyObject *positions = PyDict_GetItemWithError(by_prefix, prefix);
            if (positions == NULL) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_KeyError, "by_letter names a prefix by_prefix lacks");
                goto error;
            }
            if (add_starts(&found, positions, source, keys) < 0) goto error;
        }
    }
    if (found.len > 1) qsort(found.items, (size_t)found.len, sizeof(Pos), pos_cmp);
    Py_ssize_t kept = found.len;
    if (nested && found.len > 1) { /* a start listed under two index keys: once */
        kept = 1;
        for (Py_ssize_t i = 1; i < found.len; i++)
            if (found.items[i].value != found.items[kept - 1].value)
                found.items[kept++] = found.items[i];
    }
    PyObject *out = PyList_New(kept);
    if (out == NULL) goto error;
    for (Py_ssize_t i = 0; i < kept; i++) {
        Py_INCREF(found.items[i].obj);
        PyList_SET_ITEM(out, i, found.items[i].obj);
    }
    free(found.items);
    return out;
error:
    free(found.items);
    return NULL;
}

/* ---- matches_from ------------------------------------------------------------------ */

static PyObject *str_match, *str_span;

/* The end of match m (m.span()), and whether it is empty. */
static int match_span(PyObject *m, Py_ssize_t *start, Py_ssize_t *end) {
    PyObject *span = PyObject_CallMethodNoArgs(m, str_span);
    if (span == NULL) return -1;
    *start = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 0));
    *end = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 1));
    Py_DECREF(span);
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *matches_from(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "matches_from(pattern, text, starts: list[int])");
        return NULL;
    }
    PyObject *text = args[1], *starts = args[2];
    PyObject *match = PyObject_GetAttr(args[0], str_match);
    if (match == NULL) return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        Py_DECREF(match);
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(starts), i = 0;
    while (i < n) {
        PyObject *call_args[2] = {text, PyList_GET_ITEM(starts, i)};
        PyObject *m = PyObject_Vectorcall(match, call_args, 2, NULL);
        if (m == NULL) goto error;
        if (m == Py_None) {
            Py_DECREF(m);
            i++;
            continue;
        }
        Py_ssize_t start, end;
        if (match_span(m, &start, &end) < 0) {
            Py_DECREF(m);
            goto error;
        }
        if (end == start) {
            Py_DECREF(m);
            i++;
            continue;
        }
        int failed = PyList_Append(out, m);
        Py_DECREF(m);
        if (failed < 0) goto error;
        /* bisect_left(starts, end, i + 1): the first start at or after the match's end */
        Py_ssize_t lo = i + 1, hi = n;
        while (lo < hi) {
            Py_ssize_t mid = lo + (hi - lo) / 2;
            Py_ssize_t value = PyLong_AsSsize_t(PyList_GET_ITEM(starts, mid));
            if (value == -1 && PyErr_Occurred()) goto error;
            if (value < end)
                lo = mid + 1;
            else
                hi = mid;
        }
        i = lo;
    }
    Py_DECREF(match);
    return out;
error:
    Py_DECREF(match);
    Py_DECREF(out);
    return NULL;
}

/* ---- split_sentences --------------------------------------------------------------- */

static PyObject *str_lower;

static inline int is_end_mark(Py_UCS4 ch) { return ch == '.' || ch == '!' || ch == '?'; }
static inline int is_closer(Py_UCS4 ch) {
    return ch == '"' || ch == '\'' || ch == ')' || ch == ']';
}

typedef struct {
    PyObject *text;
    int kind;
    const void *data;
    PyObject *abbreviations;
    PyObject *spans;
} Splitter;

#define CH(s, i) PyUnicode_READ((s)->kind, (s)->data, (i))

/* sentences._is_abbreviation: the token of word characters and periods ending at the
 * period text[dot] (at most 40 characters back), periods stripped from its end, is an
 * abbreviation (lower-cased) or one capital letter A-Z. */
static int is_abbreviation(Splitter *s, Py_ssize_t dot) {
    Py_ssize_t start = dot, lo = dot - 40 > 0 ? dot - 40 : 0;
    while (start > lo) {
        Py_UCS4 c = CH(s, start - 1);
        if (c != '.' && c != '_' && !Py_UNICODE_ISALNUM(c)) break;
        start--;
    }
    Py_ssize_t end = dot;
    while (end > start && CH(s, end - 1) == '.') end--;
    if (end - start == 1) {
        Py_UCS4 c = CH(s, start);
        if (c >= 'A' && c <= 'Z') return 1;
    }
    PyObject *token = PyUnicode_Substring(s->text, start, end);
    if (token == NULL) return -1;
    PyObject *lower = PyObject_CallMethodNoArgs(token, str_lower);
    Py_DECREF(token);
    if (lower == NULL) return -1;
    int found = PySequence_Contains(s->abbreviations, lower);
    Py_DECREF(lower);
    return found;
}

/* sentences._emit: the span with white space stripped, if anything is left. */
static int emit(Splitter *s, Py_ssize_t start, Py_ssize_t end) {
    while (start < end && Py_UNICODE_ISSPACE(CH(s, start))) start++;
    while (end > start && Py_UNICODE_ISSPACE(CH(s, end - 1))) end--;
    if (end <= start) return 0;
    PyObject *span = Py_BuildValue("(nn)", start, end);
    if (span == NULL) return -1;
    int failed = PyList_Append(s->spans, span);
    Py_DECREF(span);
    return failed;
}

/* sentences._split_line on text[lo:hi]. A candidate boundary is _CANDIDATE's match,
 * [.!?]+["')\]]*(?=\s|$): since the two classes are disjoint, a match starts at the first
 * mark of a run and takes the whole run and the closers after it, or no match starts in
 * that run. */
static int split_line(Splitter *s, Py_ssize_t lo, Py_ssize_t hi) {
    Py_ssize_t start = lo, p = lo;
    while (p < hi) {
        if (!is_end_mark(CH(s, p))) {
            p++;
            continue;
        }
        Py_ssize_t marks = p;
        while (marks < hi && is_end_mark(CH(s, marks))) marks++;
        Py_ssize_t end = marks;
        while (end < hi && is_closer(CH(s, end))) end++;
        if (end < hi && !Py_UNICODE_ISSPACE(CH(s, end))) {
            p = marks; /* no match in this run of marks */
            continue;
        }
        Py_ssize_t from = p;
        p = end; /* the next match is looked for after this one */
        if (marks - from == 1 && CH(s, from) == '.') {
            int abbreviation = is_abbreviation(s, from);
            if (abbreviation < 0) return -1;
            if (abbreviation) continue; /* "U.S.", "Gen.", "Dec." */
        }
        Py_ssize_t next = end; /* _NEXT_CHAR: the first non-space character before hi */
        while (next < hi && Py_UNICODE_ISSPACE(CH(s, next))) next++;
        if (next < hi && Py_UNICODE_ISLOWER(CH(s, next))) continue;
        if (emit(s, start, end) < 0) return -1;
        start = end;
    }
    return emit(s, start, hi);
}

static PyObject *split_sentences(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "split_sentences(text: str, abbreviations)");
        return NULL;
    }
    Splitter s = {args[0], PyUnicode_KIND(args[0]), PyUnicode_DATA(args[0]), args[1], NULL};
    if ((s.spans = PyList_New(0)) == NULL) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(args[0]), i = 0;
    while (i < n) { /* each line, [^\n]+ */
        if (CH(&s, i) == '\n') {
            i++;
            continue;
        }
        Py_ssize_t lo = i;
        while (i < n && CH(&s, i) != '\n') i++;
        if (split_line(&s, lo, i) < 0) {
            Py_DECREF(s.spans);
            return NULL;
        }
    }
    return s.spans;
}

/* ---- offset_mismatches ------------------------------------------------------------- */

/* A contiguous buffer of int64 (format "q" or "l" of 8 bytes) or of bytes (itemsize 1). */
static int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (view->itemsize != itemsize || view->ndim > 1 ||
        (itemsize == 8 && view->format != NULL && strcmp(view->format, "q") != 0 &&
         strcmp(view->format, "l") != 0)) {
        PyErr_Format(PyExc_TypeError, "offset_mismatches: %s must be a contiguous buffer of %s",
                     what, itemsize == 8 ? "int64" : "bytes");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* The rows i whose code-point span starts[i]:ends[i] of text index[i] is not the UTF-8 text
 * matched[i], or lies outside that text; index[i] < 0 names no text. Texts and matched texts
 * are Arrow's layout: offsets (n + 1 int64) into one UTF-8 data buffer. A text of non-ASCII
 * characters gets a table of its code points' byte offsets, kept while the rows stay on it. */
static PyObject *offset_mismatches(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError,
                        "offset_mismatches(text_offsets, text_data, index, starts, ends, "
                        "matched_offsets, matched_data)");
        return NULL;
    }
    static const char *what[7] = {"text_offsets", "text_data", "index", "starts",
                                  "ends", "matched_offsets", "matched_data"};
    Py_buffer views[7];
    int got = 0;
    PyObject *out = NULL;
    int64_t *table = NULL;
    for (; got < 7; got++) {
        Py_ssize_t itemsize = (got == 1 || got == 6) ? 1 : 8;
        if (get_buffer(args[got], &views[got], itemsize, what[got]) < 0) goto done;
    }
    const int64_t *toff = views[0].buf, *index = views[2].buf, *starts = views[3].buf,
                  *ends = views[4].buf, *moff = views[5].buf;
    const unsigned char *tdata = views[1].buf, *mdata = views[6].buf;
    Py_ssize_t n_texts = views[0].len / 8 - 1, rows = views[2].len / 8;
    if (n_texts < 0 || views[3].len / 8 != rows || views[4].len / 8 != rows ||
        views[5].len / 8 != rows + 1) {
        PyErr_SetString(PyExc_ValueError, "offset_mismatches: buffers of different lengths");
        goto done;
    }
    for (Py_ssize_t t = 0; t <= n_texts; t++) {
        if (toff[t] < 0 || toff[t] > views[1].len || (t && toff[t] < toff[t - 1])) {
            PyErr_SetString(PyExc_ValueError, "offset_mismatches: text offsets out of order");
            goto done;
        }
    }
    for (Py_ssize_t r = 0; r <= rows; r++) {
        if (moff[r] < 0 || moff[r] > views[6].len || (r && moff[r] < moff[r - 1])) {
            PyErr_SetString(PyExc_ValueError, "offset_mismatches: matched offsets out of order");
            goto done;
        }
    }
    out = PyList_New(0);
    if (out == NULL) goto done;
    int64_t current = -1, length = 0; /* the text the table describes; its code points */
    int ascii = 1;
    size_t capacity = 0;
    for (Py_ssize_t r = 0; r < rows; r++) {
        int64_t a = index[r], s = starts[r], e = ends[r];
        int bad = a < 0 || a >= n_texts;
        if (!bad && a != current) {
            const unsigned char *text = tdata + toff[a];
            int64_t bytes = toff[a + 1] - toff[a];
            ascii = 1;
            for (int64_t b = 0; b < bytes && ascii; b++) ascii = text[b] < 0x80;
            length = bytes;
            if (!ascii) {
                if ((size_t)bytes + 1 > capacity) {
                    int64_t *grown = realloc(table, ((size_t)bytes + 1) * sizeof(int64_t));
                    if (grown == NULL) {
                        PyErr_NoMemory();
                        Py_CLEAR(out);
                        goto done;
                    }
                    table = grown;
                    capacity = (size_t)bytes + 1;
                }
                length = 0;
                for (int64_t b = 0; b < bytes; b++)
                    if ((text[b] & 0xC0) != 0x80) table[length++] = b;
                table[length] = bytes;
            }
            current = a;
        }
        if (!bad) bad = s < 0 || s > e || e > length;
        if (!bad) {
            int64_t bs = ascii ? s : table[s], be = ascii ? e : table[e];
            int64_t m_len = moff[r + 1] - moff[r];
            bad = be - bs != m_len || memcmp(tdata + toff[a] + bs, mdata + moff[r], (size_t)m_len);
        }
        if (bad) {
            PyObject *i = PyLong_FromSsize_t(r);
            if (i == NULL || PyList_Append(out, i) < 0) {
                Py_XDECREF(i);
                Py_CLEAR(out);
                goto done;
            }
            Py_DECREF(i);
        }
    }
done:
    free(table);
    while (got > 0) PyBuffer_Release(&views[--got]);
    return out;
}

/* ---- module ------------------------------------------------------------------------ */

static PyMethodDef methods[] = {
    {"word_starts", (PyCFunction)word_starts, METH_O,
     "Start of every \\w+ word of a folded text, by its first 3 characters."},
    {"candidates", (PyCFunction)(void (*)(void))candidates, METH_FASTCALL,
     "Sorted word starts whose text begins with one of the trigger keys."},
    {"matches_from", (PyCFunction)(void (*)(void))matches_from, METH_FASTCALL,
     "pattern.finditer(text)'s non-empty matches, tried only at the sorted starts."},
    {"split_sentences", (PyCFunction)(void (*)(void))split_sentences, METH_FASTCALL,
     "(start, end) spans of the sentences of a text; lines also end sentences."},
    {"offset_mismatches", (PyCFunction)(void (*)(void))offset_mismatches, METH_FASTCALL,
     "Rows whose code-point span of their text is not their matched text (Arrow buffers)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_wordscan", "Word index, trigger matching, sentence splitting and offset checks in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__wordscan(void) {
    str_match = PyUnicode_InternFromString("match");
    str_span = PyUnicode_InternFromString("span");
    str_lower = PyUnicode_InternFromString("lower");
    if (str_match == NULL || str_span == NULL || str_lower == NULL) return NULL;
    for (Py_UCS4 ch = 0; ch < 128; ch++) ascii_word[ch] = ch == '_' || Py_UNICODE_ISALNUM(ch);
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) return NULL;
    /* The SHA-256 of this file when it was built (setup.py): the engine uses the module only
       while the file still has it, so an edit is never run as a stale build. */
    if (PyModule_AddStringConstant(module, "SOURCE_SHA256", WORDSCAN_SOURCE_SHA256) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
