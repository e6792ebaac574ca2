/* test.c - `kiln test`: boot kernels and images in test mode, several at
 * once, from the command line and from plan files; one line per boot, the
 * serial log of each in a file, a total, and JUnit XML if asked. */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/kiln/config/pattern.h"
#include "tools/kiln/run/imgcache.h"
#include "tools/kiln/run/oneboot.h"
#include "tools/kiln/run/run.h"
#include "tools/kiln/util/die.h"
#include "tools/kiln/util/files.h"
#include "tools/kiln/util/shellwords.h"

extern char **environ;

struct test_opts {
    struct arena *a;
    long jobs; /* 0: the number of CPUs */
    const char **plans;
    size_t nplans;
    const char *log_dir, *junit, *filter;
    bool list;
};

/* One boot to make: where it was described and its own options. */
struct planned {
    const char *name;
    const char *origin;  /* "runner.plan:7" or "command line" */
    char **argv;         /* as written: TARGET and options */
    int argc;
    struct rc_cli args;  /* parsed */
};

static int take_value(const char *opt, int argc, char **argv, int i, const char **val, kiln_err *e) {
    size_t n = strlen(opt);
    if (!strncmp(argv[i], opt, n) && argv[i][n] == '=') {
        *val = argv[i] + n + 1;
        return 1;
    }
    if (i + 1 >= argc) return err_set(e, "%s needs a value", opt), -1;
    *val = argv[i + 1];
    return 2;
}

static bool is_opt(const char *arg, const char *opt) {
    size_t n = strlen(opt);
    return !strncmp(arg, opt, n) && (arg[n] == 0 || arg[n] == '=');
}

/* kiln test's own options; the rest are kiln run's (rc_parse_cli). */
static int test_option(void *ctx, int argc, char **argv, int i, kiln_err *e) {
    struct test_opts *t = ctx;
    const char *arg = argv[i], *v;
    int used;
    if (!strcmp(arg, "--list")) {
        t->list = true;
        return 1;
    }
    if (!strncmp(arg, "-j", 2) || is_opt(arg, "--jobs")) {
        if (!strncmp(arg, "-j", 2) && arg[2]) v = arg + 2, used = 1;
        else if ((used = take_value(!strncmp(arg, "-j", 2) ? "-j" : "--jobs", argc, argv, i, &v, e)) < 0) return -1;
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || *end || n < 1 || n > 256) return err_set(e, "-j %s: must be 1..256", v), -1;
        t->jobs = n;
        return used;
    }
    if (is_opt(arg, "--plan")) {
        if ((used = take_value("--plan", argc, argv, i, &v, e)) < 0) return -1;
        const char **p = arena_alloc(t->a, (t->nplans + 1) * sizeof *p);
        if (t->nplans) memcpy(p, t->plans, t->nplans * sizeof *p);
        p[t->nplans++] = v;
        t->plans = p;
        return used;
    }
    if (is_opt(arg, "--log-dir")) return take_value("--log-dir", argc, argv, i, &t->log_dir, e);
    if (is_opt(arg, "--junit")) return take_value("--junit", argc, argv, i, &t->junit, e);
    if (is_opt(arg, "--filter")) return take_value("--filter", argc, argv, i, &t->filter, e);
    return 0;
}

static void usage_test(void) {
    puts("usage: kiln test KERNEL-OR-IMAGE... [options] [-- QEMU arguments...]\n"
         "       kiln test --plan FILE [--plan FILE...] [options]\n"
         "Boot each target in test mode (kiln run --test), several at once, and report one line per boot:\n"
         "  [PASS] NAME (1.9 s)\n"
         "  [FAIL] NAME: expected exit 33, QEMU exited 0 (2.1 s)   followed by the last serial lines\n"
         "then 'N passed, N failed'. The kernel's own [PASS]/[FAIL] lines count one each; a boot that\n"
         "fails adds one failure unless a [FAIL] line accounts for it; a passing boot without markers\n"
         "counts as one pass. The exit status is 0 only when nothing failed.\n"
         "\n"
         "  --plan FILE       boots from a plan file (repeatable): one boot a line, 'NAME TARGET [options]',\n"
         "                    shell-like quoting, # comments; a line's options apply after the command line's\n"
         "  -j, --jobs N      boots at once (default: the number of CPUs); with -j 1 serial output is live\n"
         "  --log-dir DIR     each boot's serial output in DIR/NAME.log (default: test-logs in the cache\n"
         "                    directory: $KILN_CACHE, $XDG_CACHE_HOME/kiln or ~/.cache/kiln)\n"
         "  --junit FILE      a JUnit XML report: one testcase per boot\n"
         "  --filter REGEX    only the boots whose name matches\n"
         "  --list            print the boots and their options; run nothing\n"
         "  --dry-run         print each boot's settings and QEMU command line; run nothing\n"
         "Every option of kiln run applies to all boots (see kiln run --help), for example --firmware,\n"
         "--machine, --disk, --memory, --cpus, --accel, --timeout (default 60 s), --expect, --reply,\n"
         "--pass-on, --expect-fail[=REGEX] (the boot must fail, its reason matching REGEX), --profile,\n"
         "--project, --fb, --serial, --loader-log; --serial-log FILE is a second copy of one boot's serial\n"
         "output (no two boots may share it);\n"
         "--gdb and --monitor need -j 1.\n"
         "\n"
         "examples:\n"
         "  kiln test build/tests/kernels/*.elf --timeout 30\n"
         "  kiln test --plan tests/boot/boot.plan --plan tests/boot/runner.plan -j 4 --junit report.xml\n"
         "  kiln test --plan tests/boot/runner.plan --filter '^rt-expect' -j 1\n"
         "  kiln test build/kernel.elf --firmware uefi --machine pc --disk usb\n"
         "\n"
         "A plan file:\n"
         "  # NAME         TARGET                      options\n"
         "  rt-pass        build/tests/kernels/rt.elf  --cmdline pass\n"
         "  rt-timeout     build/tests/kernels/rt.elf  --cmdline spin --timeout 5 --expect-fail='timed out'\n"
         "  rt-login       build/tests/kernels/rt.elf  --cmdline prompt --reply 'login: $=root\\n'");
}

static bool name_taken(const struct planned *p, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(p[i].name, name)) return true;
    return false;
}

/* Every boot, from the plans then the command line. */
static struct planned *collect(struct test_opts *t, const struct rc_cli *cli, size_t *count) {
    struct arena *a = t->a;
    size_t n = 0, cap = 0;
    struct planned *p = NULL;
    kiln_err e;
    for (size_t f = 0; f < t->nplans; f++) {
        size_t len;
        char *text = (char *)read_file(t->plans[f], &len, 1 << 20);
        struct rc_plan_line *lines;
        size_t nlines;
        if (!rc_plan_parse(a, text, len, t->plans[f], &lines, &nlines, &e)) die("%s", e.msg);
        free(text);
        for (size_t i = 0; i < nlines; i++) {
            if (name_taken(p, n, lines[i].name))
                die("%s:%d: boot name '%s' is used twice", t->plans[f], lines[i].line, lines[i].name);
            p = arena_grow(a, p, n, &cap, sizeof *p);
            struct planned *b = &p[n++];
            memset(b, 0, sizeof *b);
            b->name = lines[i].name;
            b->origin = arena_printf(a, "%s:%d", t->plans[f], lines[i].line);
            b->argv = lines[i].argv;
            b->argc = lines[i].argc;
            struct rc_source base = {RC_PLAN, t->plans[f], lines[i].line, NULL, NULL};
            if (!rc_parse_cli(a, RC_TEST, b->argc, b->argv, &base, &b->args, NULL, NULL, &e)) die("%s", e.msg);
            if (b->args.ntargets != 1)
                die("%s: expected one TARGET after the name, found %zu", b->origin, b->args.ntargets);
        }
    }
    for (size_t i = 0; i < cli->ntargets; i++) {
        p = arena_grow(a, p, n, &cap, sizeof *p);
        struct planned *b = &p[n];
        memset(b, 0, sizeof *b);
        const char *name = path_stem(a, cli->targets[i]);
        for (int k = 2; name_taken(p, n, name); k++) name = arena_printf(a, "%s-%d", path_stem(a, cli->targets[i]), k);
        b->name = name;
        b->origin = "command line";
        b->argv = arena_alloc(a, 2 * sizeof *b->argv);
        b->argv[0] = arena_strdup(a, cli->targets[i]);
        b->argc = 1;
        b->args.base = (struct rc_source){RC_CLI, NULL, 0, NULL, NULL};
        b->args.targets = (const char **)b->argv;
        b->args.ntargets = 1;
        n++;
    }
    *count = n;
    return p;
}

/* --- the report ------------------------------------------------------------------------------ */

/* XML text: escaped, invalid UTF-8 and control characters replaced. */
static void xml_text(FILE *f, const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        bool ok = len > 0 && !(len == 2 && c < 0xc2) && !(c > 0xf4);
        for (size_t i = 1; ok && i < len; i++) ok = (p[i] & 0xc0) == 0x80;
        if (!ok) {
            fputs("\xef\xbf\xbd", f); /* U+FFFD */
            p++;
            continue;
        }
        if (len > 1) {
            fwrite(p, 1, len, f);
            p += len;
            continue;
        }
        if (c == '&') fputs("&amp;", f);
        else if (c == '<') fputs("&lt;", f);
        else if (c == '>') fputs("&gt;", f);
        else if (c == '"') fputs("&quot;", f);
        else if (c == '\'') fputs("&apos;", f);
        else if (c < 0x20 && c != '\n' && c != '\t') fputs("\xef\xbf\xbd", f);
        else fputc((int)c, f);
        p++;
    }
}

struct xml_tail {
    FILE *f;
};

static void xml_tail_line(void *ctx, const char *line) {
    struct xml_tail *x = ctx;
    xml_text(x->f, line);
    fputc('\n', x->f);
}

static void write_junit(const char *path, struct boot *boots, size_t n, unsigned failures, double total) {
    struct out_file out;
    out_open(&out, path);
    FILE *f = tmpfile();
    if (!f) die("tmpfile: %s", strerror(errno));
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites tests=\"%zu\" failures=\"%u\" time=\"%.3f\">\n", n, failures, total);
    fprintf(f, "  <testsuite name=\"kiln\" tests=\"%zu\" failures=\"%u\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
            n, failures, total);
    for (size_t i = 0; i < n; i++) {
        struct boot *b = &boots[i];
        fprintf(f, "    <testcase classname=\"kiln.boot\" name=\"");
        xml_text(f, b->name);
        fprintf(f, "\" time=\"%.3f\">\n", b->seconds);
        if (!b->verdict.passed) {
            fprintf(f, "      <failure message=\"");
            xml_text(f, b->verdict.reason);
            fprintf(f, "\" type=\"boot\">");
            struct xml_tail x = {f};
            if (b->started) watch_tail(&b->watch, xml_tail_line, &x);
            fprintf(f, "</failure>\n");
        }
        fprintf(f, "      <system-out>");
        if (b->verdict.passed && b->verdict.reason[0]) {
            xml_text(f, b->verdict.reason);
            fputc('\n', f);
        }
        for (size_t m = 0; b->started && m < b->watch.nmarkers; m++) {
            xml_text(f, b->watch.markers[m]);
            fputc('\n', f);
        }
        fprintf(f, "</system-out>\n");
        fprintf(f, "    </testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    if (ferror(f)) die("%s: write failed", path);
    long size = ftell(f);
    rewind(f);
    char *buf = xmalloc((size_t)size + 1);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) die("%s: write failed", path);
    fclose(f);
    out_write_at(&out, buf, (size_t)size, 0);
    free(buf);
    out_commit(&out);
}

/* --- the terminal --------------------------------------------------------------------- */

/* On a terminal: [PASS] green, [FAIL] red, and a status line under the
 * results (running, passed, failed, elapsed) rewritten as boots end; plain
 * lines otherwise, and with NO_COLOR or TERM=dumb. */
static bool term_fancy;
static bool status_shown;

static void status_clear(void) {
    if (status_shown) fputs("\r\033[K", stdout);
    status_shown = false;
}

static void status_show(size_t running, size_t left, unsigned pass, unsigned fail, double elapsed) {
    static char last[128];
    char now[128];
    if (!term_fancy) return;
    snprintf(now, sizeof now, "%zu %zu %u %u %.0f", running, left, pass, fail, elapsed);
    if (status_shown && !strcmp(now, last)) return; /* rewritten only when it changes */
    memcpy(last, now, sizeof last);
    printf("\r\033[K\033[2m%zu running, %zu waiting, \033[0m\033[32m%u passed\033[0m\033[2m, \033[0m%s%u failed"
           "\033[0m\033[2m, %.0f s\033[0m",
           running, left, pass, fail ? "\033[31m" : "", fail, elapsed);
    fflush(stdout);
    status_shown = true;
}

/* Prints one boot's line; returns its passes and failures. */
static void report(struct boot *b, const char *log_path, unsigned *pass, unsigned *fail) {
    const struct verdict *v = &b->verdict;
    const struct serial_watch *w = &b->watch;
    status_clear();
    const char *ok = term_fancy ? "\033[32m[PASS]\033[0m" : "[PASS]", *bad = term_fancy ? "\033[31m[FAIL]\033[0m" : "[FAIL]";
    if (v->passed && v->reason[0]) printf("%s %s (%.1f s, %s)\n", ok, b->name, b->seconds, v->reason);
    else if (v->passed) printf("%s %s (%.1f s)\n", ok, b->name, b->seconds);
    else printf("%s %s: %s (%.1f s)\n", bad, b->name, v->reason, b->seconds);
    if (!v->passed) {
        boot_print_tail(b, stdout, "    ");
        if (log_path) printf("    log: %s\n", log_path);
        if (b->shot.taken) printf("    screenshot: %s (%ux%u)\n", b->shot.png, b->shot.width, b->shot.height);
    } else if (b->shot.taken) {
        unlink(b->shot.png);
    }
    fflush(stdout);
    unsigned np = b->started ? w->npass : 0, nf = b->started ? w->nfail : 0;
    if (b->cfg.v[K_EXPECT_FAIL].num) { /* the boot's markers are part of the expected failure */
        *pass += v->passed;
        *fail += !v->passed;
        return;
    }
    *pass += np + (v->passed && np == 0);
    *fail += nf + (!v->passed && nf == 0);
}

/* --- the serial output's files ------------------------------------------------------------- */

/* The log a boot's settings ask for (serial_log = ..., --serial-log), besides its file in
 * --log-dir: opened before anything runs. Two boots cannot share one: they
 * would overwrite each other. */
static int *open_extra_logs(struct arena *a, struct boot *boots, size_t n) {
    int *fds = arena_alloc(a, n * sizeof *fds);
    for (size_t i = 0; i < n; i++) {
        struct run_config *c = &boots[i].cfg;
        fds[i] = -1;
        if (!c->v[K_SERIAL_LOG].set) continue;
        for (size_t j = 0; j < i; j++)
            if (boots[j].cfg.v[K_SERIAL_LOG].set && !strcmp(boots[j].cfg.v[K_SERIAL_LOG].str, c->v[K_SERIAL_LOG].str))
                die("%s %s is the log of boots %s and %s: they would overwrite each other; set it for one boot, "
                    "or use --log-dir (every boot's log is there anyway)",
                    rc_named(c, K_SERIAL_LOG), c->v[K_SERIAL_LOG].str, boots[j].name, boots[i].name);
        fds[i] = log_open(c->v[K_SERIAL_LOG].str, arena_printf(a, "%s %s", rc_named(c, K_SERIAL_LOG), c->v[K_SERIAL_LOG].str));
    }
    return fds;
}

/* Closes a boot's log files; says what could not be written. Returns the
 * number of files that failed. */
static unsigned log_errors(struct boot *b, int log_fd, const char *log_path, int extra_fd) {
    unsigned bad = 0;
    int err = b->sess.log[0].err;
    if (close(log_fd) != 0 && !err) err = errno;
    if (err) fprintf(stderr, "kiln: error: %s: write failed: %s\n", log_path, strerror(err)), bad++;
    if (extra_fd >= 0 && b->sess.log[1].err) {
        fprintf(stderr, "kiln: error: %s %s: write failed: %s\n", rc_named(&b->cfg, K_SERIAL_LOG), b->cfg.v[K_SERIAL_LOG].str,
                strerror(b->sess.log[1].err));
        bad++;
    }
    return bad;
}

/* --- kiln test ------------------------------------------------------------------------------- */

/* The boots to make: the plans' and the command line's, else the
 * project's kernel (kiln.toml: kernel = ...); those --filter keeps. */
static struct planned *boots_to_make(struct test_opts *t, const struct rc_cli *cli, const struct rc_cli *global,
                                     const struct rc_ctx *ctx, size_t *count) {
    struct arena *a = t->a;
    size_t n;
    struct planned *plan = collect(t, cli, &n);
    if (n == 0) {
        struct run_config c;
        kiln_err e;
        rc_init(&c);
        if (!rc_resolve(&c, global, NULL, ctx, &e)) die("%s", e.msg);
        plan = arena_alloc(a, sizeof *plan);
        plan->name = path_stem(a, c.v[K_KERNEL].str);
        plan->origin = "kiln.toml";
        plan->argv = arena_alloc(a, 2 * sizeof *plan->argv);
        plan->argv[0] = arena_strdup(a, c.v[K_KERNEL].str);
        plan->argc = 1;
        plan->args.base = (struct rc_source){RC_CLI, NULL, 0, NULL, NULL};
        n = 1;
        rc_free(&c);
    }
    if (t->filter) {
        regex_t re;
        kiln_err why;
        if (!pattern_check(t->filter, &why)) die("--filter %s: bad regular expression: %s", t->filter, why.msg);
        if (regcomp(&re, t->filter, REG_EXTENDED | REG_NOSUB)) die("--filter %s: bad regular expression", t->filter);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (regexec(&re, plan[i].name, 0, NULL, 0) == 0) plan[k++] = plan[i];
        regfree(&re);
        if (k == 0) die("--filter %s: no boot matches", t->filter);
        n = k;
    }
    *count = n;
    return plan;
}

/* Prepared boots, run jobs at a time, and what came of them. */
struct test_run {
    struct arena *a;
    struct boot *boots;
    const struct planned *plan;
    size_t n;
    long jobs;
    bool live;            /* one at a time: serial output on the terminal */
    const char *log_dir;
    int *extra_logs;      /* each boot's --log, or -1 */
    size_t next;          /* boots started */
    unsigned pass, fail, write_errors;
    bool interrupted;
};

/* Starts boots while there is room, until all ran or a signal came. */
static void start_boots(struct test_run *r, struct session **active, size_t *active_i, size_t *running,
                        int *log_fds, const char **log_paths) {
    kiln_err e;
    while (*running < (size_t)r->jobs && r->next < r->n && !r->interrupted) {
        size_t i = r->next++;
        struct boot *b = &r->boots[i];
        log_paths[i] = arena_printf(r->a, "%s/%s.log", r->log_dir, b->name);
        /* the screen of a boot kiln has to stop, kept when it failed */
        b->shot_png = arena_printf(r->a, "%s/%s.png", r->log_dir, b->name);
        unlink(b->shot_png);
        log_fds[i] = log_open(log_paths[i], log_paths[i]);
        if (r->live) printf("=== %s: %s\n", b->name, r->plan[i].origin), fflush(stdout);
        int logs[SESSION_LOGS] = {log_fds[i], r->extra_logs[i]};
        if (!boot_start(b, r->live, false, logs, &e)) {
            close(log_fds[i]);
            b->verdict = (struct verdict){.passed = false, .boot_failed = true, .exit_code = 1};
            snprintf(b->verdict.reason, sizeof b->verdict.reason, "%.700s", e.msg);
            report(b, log_paths[i], &r->pass, &r->fail);
            continue;
        }
        active[*running] = &b->sess;
        active_i[(*running)++] = i;
    }
}

/* Runs every boot, r->jobs at a time, reporting each as it ends. */
static void run_boots(struct test_run *r) {
    struct session **active = arena_alloc(r->a, (size_t)r->jobs * sizeof *active);
    size_t *active_i = arena_alloc(r->a, (size_t)r->jobs * sizeof *active_i);
    int *log_fds = arena_alloc(r->a, r->n * sizeof *log_fds);
    const char **log_paths = arena_alloc(r->a, r->n * sizeof *log_paths);
    size_t running = 0;
    kiln_err e;
    const char *term = getenv("TERM"), *no_color = getenv("NO_COLOR");
    term_fancy = !r->live && isatty(1) && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
    double start = now_s();
    while ((r->next < r->n && !r->interrupted) || running) {
        start_boots(r, active, active_i, &running, log_fds, log_paths);
        if (!running) break;
        status_show(running, r->n - r->next, r->pass, r->fail, now_s() - start);
        sessions_poll(active, running, 200);
        if (qemu_signalled && !r->interrupted) {
            r->interrupted = true;
            for (size_t k = 0; k < running; k++) {
                active[k]->interrupted = true;
                session_stop(active[k]);
            }
        }
        for (size_t k = 0; k < running;) {
            if (!session_done(active[k])) {
                k++;
                continue;
            }
            size_t i = active_i[k];
            struct boot *b = &r->boots[i];
            int rr = boot_retry(b, &e); /* KVM failed under --accel auto: again with TCG */
            if (rr > 0) {
                k++;
                continue;
            }
            if (rr < 0) warnx("%s: %s", b->name, e.msg);
            boot_finish(b);
            if (rr < 0) {
                b->verdict = (struct verdict){.passed = false, .boot_failed = true, .exit_code = 1};
                snprintf(b->verdict.reason, sizeof b->verdict.reason, "%.700s", e.msg);
            }
            r->write_errors += log_errors(b, log_fds[i], log_paths[i], r->extra_logs[i]);
            if (r->live && b->watch.len) putchar('\n'); /* after an unfinished serial line */
            report(b, log_paths[i], &r->pass, &r->fail);
            active[k] = active[--running];
            active_i[k] = active_i[running];
        }
    }
}

int cmd_test(int argc, char **argv) {
    struct arena a = {0};
    struct test_opts t = {.a = &a};
    struct rc_cli cli = {0};
    if (!boot_command_line(&a, RC_TEST, argc, argv, test_option, &t, usage_test, &cli)) {
        arena_free(&a);
        return 0;
    }
    kiln_err e;
    struct rc_cli global = cli; /* its targets become boots */
    global.ntargets = 0;
    const struct rc_ctx ctx = {(const char *const *)environ, NULL, RC_TEST};
    size_t n;
    struct planned *plan = boots_to_make(&t, &cli, &global, &ctx, &n);
    if (t.list) {
        for (size_t i = 0; i < n; i++) printf("%-20s %s\n", plan[i].name, shell_join(&a, plan[i].argv));
        arena_free(&a);
        return 0;
    }
    if (t.junit && !cli.dry_run) report_target_check(t.junit, arena_printf(&a, "--junit %s", t.junit));

    /* Settings and images for every boot first (the images are built one
     * after the other, each once), then the QEMUs. */
    struct boot *boots = arena_alloc(&a, n * sizeof *boots);
    const char *debug = NULL; /* a boot that needs the terminal: gdb or monitor, and where from */
    for (size_t i = 0; i < n; i++) {
        struct boot *b = &boots[i];
        b->name = plan[i].name;
        rc_init(&b->cfg);
        if (!rc_resolve(&b->cfg, &global, &plan[i].args, &ctx, &e)) die("%s", e.msg);
        boot_prepare(b, cli.dry_run);
        if (!debug && (b->cfg.v[K_GDB].num || b->cfg.v[K_MONITOR].num))
            debug = arena_printf(&a, "%s in boot %s", rc_named(&b->cfg, b->cfg.v[K_GDB].num ? K_GDB : K_MONITOR),
                                 b->name);
        if (cli.dry_run) {
            printf("%s## %s (%s)\n", i ? "\n" : "", b->name, plan[i].origin);
            boot_print_dry_run(stdout, b);
        }
    }
    if (cli.dry_run) {
        for (size_t i = 0; i < n; i++) boot_free(&boots[i]);
        arena_free(&a);
        return 0;
    }
    struct test_run r = {.a = &a, .boots = boots, .plan = plan, .n = n};
    r.jobs = t.jobs ? t.jobs : sysconf(_SC_NPROCESSORS_ONLN);
    if (r.jobs < 1) r.jobs = 1;
    if ((size_t)r.jobs > n) r.jobs = (long)n;
    if (debug && r.jobs > 1) die("gdb and monitor need one boot at a time (%s): add -j 1", debug);
    r.live = r.jobs == 1;
    r.extra_logs = open_extra_logs(&a, boots, n);
    /* The default is the same wherever kiln runs: a project's own tree is
     * not kiln's to write in unasked. */
    r.log_dir = t.log_dir ? t.log_dir : arena_printf(&a, "%s/test-logs", cache_dir(&a));
    mkdir_p(r.log_dir);

    qemu_install_signals();
    double t0 = now_s();
    run_boots(&r);
    if (r.interrupted) {
        fprintf(stderr, "kiln: interrupted\n");
        r.fail += (unsigned)(n - r.next); /* never started */
    }
    status_clear();
    printf("%u passed, %u failed\n", r.pass, r.fail);
    fflush(stdout);
    if (t.junit) write_junit(t.junit, boots, r.next, r.fail, now_s() - t0);
    for (size_t i = 0; i < n; i++) {
        if (r.extra_logs[i] >= 0 && close(r.extra_logs[i]) != 0) {
            fprintf(stderr, "kiln: error: %s %s: write failed: %s\n", rc_named(&boots[i].cfg, K_SERIAL_LOG),
                    boots[i].cfg.v[K_SERIAL_LOG].str, strerror(errno));
            r.write_errors++;
        }
        boot_free(&boots[i]);
    }
    arena_free(&a);
    if (r.interrupted) return 130;
    return r.fail || r.write_errors ? 1 : 0;
}
