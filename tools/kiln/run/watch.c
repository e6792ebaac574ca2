/* watch.c - the serial watch (see watch.h): serial output is cut into
 * lines (CR and NUL dropped, at most LINE_MAX_BYTES a line), each matched
 * against the --expect patterns in order, the --reply patterns (also while
 * the line is still coming: a prompt has no newline) and --pass-on; the
 * [PASS]/[FAIL] markers are counted and the last lines kept. */
#include <stdlib.h>
#include <string.h>

#include "tools/kiln/run/guest.h"
#include "tools/kiln/run/watch.h"
#include "tools/kiln/util/die.h"

#define LINE_MAX_BYTES 4096
#define MAX_MARKERS 100000

/* --- watching serial output -------------------------------------------------------------- */

static bool compile(regex_t *re, const char *pattern, const char *what, kiln_err *e) {
    int rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        char buf[256];
        regerror(rc, re, buf, sizeof buf);
        return err_set(e, "%s \"%s\": bad regular expression: %s", what, pattern, buf);
    }
    return true;
}

bool watch_init(struct serial_watch *w, struct run_config *c, kiln_err *e) {
    memset(w, 0, sizeof *w);
    const struct rc_list *ex = rc_clist(c, K_EXPECT), *rp = rc_clist(c, K_REPLY);
    w->expect = xcalloc(ex->n, sizeof *w->expect);
    w->expect_src = xcalloc(ex->n, sizeof *w->expect_src);
    for (size_t i = 0; i < ex->n; i++, w->nexpect++) {
        if (!compile(&w->expect[i], ex->items[i].str, "--expect", e)) return false;
        w->expect_src[i] = ex->items[i].str;
    }
    w->reply = xcalloc(rp->n, sizeof *w->reply);
    for (size_t i = 0; i < rp->n; i++) {
        char *pat, *text;
        size_t len;
        kiln_err why;
        if (!rc_reply_split(&c->a, rp->items[i].str, &pat, &text, &len, &why))
            return err_set(e, "--reply %s: %s", rp->items[i].str, why.msg);
        if (!compile(&w->reply[i].re, pat, "--reply", e)) return false;
        w->reply[i].pattern = pat;
        w->reply[i].text = text;
        w->reply[i].len = len;
        w->nreply++;
    }
    const struct rc_value *po = &c->v[K_PASS_ON];
    if (po->set && *po->str) {
        if (!compile(&w->pass_on, po->str, "--pass-on", e)) return false;
        w->has_pass_on = true;
    }
    w->cap = 256;
    w->line = xmalloc(w->cap);
    w->line[0] = 0;
    return true;
}

void watch_queue_input(struct serial_watch *w, const char *s, size_t n) {
    if (w->ninput + n > w->capinput) {
        w->capinput = (w->ninput + n) * 2;
        char *b = xmalloc(w->capinput);
        if (w->ninput) memcpy(b, w->input, w->ninput);
        free(w->input);
        w->input = b;
    }
    memcpy(w->input + w->ninput, s, n);
    w->ninput += n;
}

static void check_replies(struct serial_watch *w) {
    for (size_t i = 0; i < w->nreply; i++) {
        struct watch_reply *r = &w->reply[i];
        if (!r->fired && regexec(&r->re, w->line, 0, NULL, 0) == 0) {
            r->fired = true;
            watch_queue_input(w, r->text, r->len);
        }
    }
}

static void line_done(struct serial_watch *w) {
    w->line[w->len] = 0;
    check_replies(w);
    if (!w->no_boot) w->no_boot = fw_serial_no_boot(w->line);
    const char *l = w->line + strspn(w->line, " \t");
    bool pass = !strncmp(l, "[PASS]", 6), fail = !strncmp(l, "[FAIL]", 6);
    if (pass || fail) {
        if (pass) w->npass++;
        else w->nfail++;
        if (w->nmarkers < MAX_MARKERS) {
            if ((w->nmarkers & (w->nmarkers - 1)) == 0) { /* grow at powers of two */
                char **m = xmalloc((w->nmarkers ? w->nmarkers * 2 : 1) * sizeof *m);
                if (w->nmarkers) memcpy(m, w->markers, w->nmarkers * sizeof *m);
                free(w->markers);
                w->markers = m;
            }
            w->markers[w->nmarkers++] = xstrdup(l);
        }
    }
    if (w->next_expect < w->nexpect && regexec(&w->expect[w->next_expect], w->line, 0, NULL, 0) == 0)
        w->next_expect++;
    if (w->has_pass_on && !w->pass_on_hit && regexec(&w->pass_on, w->line, 0, NULL, 0) == 0) w->pass_on_hit = true;
    size_t slot = w->ntail % TAIL_LINES;
    free(w->tail[slot]);
    w->tail[slot] = xstrdup(w->line);
    w->ntail++;
    w->len = 0;
    w->line[0] = 0;
}

void watch_feed(struct serial_watch *w, const char *buf, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char ch = buf[i];
        if (ch == '\n') {
            line_done(w);
            continue;
        }
        if (ch == '\r' || ch == 0) continue;
        if (w->len == LINE_MAX_BYTES) line_done(w);
        if (w->len + 2 > w->cap) {
            w->cap *= 2;
            char *l = xmalloc(w->cap);
            memcpy(l, w->line, w->len);
            free(w->line);
            w->line = l;
        }
        w->line[w->len++] = ch;
    }
    w->line[w->len] = 0;
    if (w->len) check_replies(w);
}

void watch_eof(struct serial_watch *w) {
    if (w->len) line_done(w);
}

void watch_tail(const struct serial_watch *w, void (*fn)(void *ctx, const char *line), void *ctx) {
    size_t want = TAIL_LINES - (w->len ? 1 : 0);
    size_t have = w->ntail < TAIL_LINES ? w->ntail : TAIL_LINES;
    size_t n = have < want ? have : want;
    for (size_t i = w->ntail - n; i < w->ntail; i++) fn(ctx, w->tail[i % TAIL_LINES]);
    if (w->len) fn(ctx, w->line);
}

void watch_free(struct serial_watch *w) {
    for (size_t i = 0; i < w->nexpect; i++) regfree(&w->expect[i]);
    for (size_t i = 0; i < w->nreply; i++) regfree(&w->reply[i].re);
    if (w->has_pass_on) regfree(&w->pass_on);
    for (size_t i = 0; i < TAIL_LINES; i++) free(w->tail[i]);
    for (size_t i = 0; i < w->nmarkers; i++) free(w->markers[i]);
    free(w->markers);
    free(w->expect);
    free(w->expect_src);
    free(w->reply);
    free(w->line);
    free(w->input);
    memset(w, 0, sizeof *w);
}

