/* session.c - QEMU processes (see session.h). */
#include "tools/kiln/run/session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/kiln/run/qemu.h"
#include "tools/kiln/util/cleanup.h"
#include "tools/kiln/util/die.h"

#define ERR_KEEP 8192
#define RESET_LOG_KEEP (256 * 1024) /* a few dozen CPU dumps: more is a guest that resets in a loop */

double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- processes --------------------------------------------------------------------------- */

volatile int qemu_signalled;

static void on_signal(int sig) { qemu_signalled = sig; }

void qemu_install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    cleanup_install();
}

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

bool session_start(struct session *s, kiln_err *e) {
    s->pid = -1;
    s->out_fd = s->in_fd = s->err_fd = s->listen_fd = -1;
    s->reset_fd = s->fw_fd = -1;
    /* QEMU truncates these files when it opens them; kiln reads them from
     * the start as they grow. */
    if (s->reset_log && (s->reset_fd = open(s->reset_log, O_RDONLY | O_CLOEXEC)) < 0)
        return err_set(e, "%s: %s", s->reset_log, strerror(errno));
    if (s->fw_log && (s->fw_fd = open(s->fw_log, O_RDONLY | O_CLOEXEC)) < 0)
        return err_set(e, "%s: %s", s->fw_log, strerror(errno));
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, ex[2];
    if (s->monitor) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(s->serial_socket) >= sizeof sa.sun_path)
            return err_set(e, "%s: socket path too long", s->serial_socket);
        strcpy(sa.sun_path, s->serial_socket);
        s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
            listen(s->listen_fd, 1) != 0)
            return err_set(e, "%s: cannot listen: %s", s->serial_socket, strerror(errno));
        cleanup_add(s->serial_socket);
        nonblock(s->listen_fd);
    } else if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
        return err_set(e, "pipe: %s", strerror(errno));
    }
    /* QEMU's stderr comes through kiln with the monitor too: kiln watches
     * it for a KVM that fails. */
    if (pipe2(err, O_CLOEXEC)) return err_set(e, "pipe: %s", strerror(errno));
    if (pipe2(ex, O_CLOEXEC)) return err_set(e, "pipe: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) return err_set(e, "fork: %s", strerror(errno));
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        if (dup2(err[1], 2) < 0 || (!s->monitor && (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0))) _exit(127);
        execv(s->argv[0], s->argv);
        int n = errno;
        if (write(ex[1], &n, sizeof n) < 0) _exit(127);
        _exit(127);
    }
    close(ex[1]);
    int child_errno = 0;
    ssize_t r;
    do r = read(ex[0], &child_errno, sizeof child_errno);
    while (r < 0 && errno == EINTR);
    close(ex[0]);
    close(err[1]);
    s->err_fd = err[0];
    nonblock(s->err_fd);
    if (!s->monitor) {
        close(in[0]), close(out[1]);
        s->in_fd = in[1], s->out_fd = out[0];
        nonblock(s->in_fd), nonblock(s->out_fd);
    }
    if (r > 0) {
        waitpid(pid, NULL, 0);
        close_fd(&s->in_fd), close_fd(&s->out_fd), close_fd(&s->err_fd), close_fd(&s->listen_fd);
        return err_set(e, "cannot run %s: %s", s->argv[0], strerror(child_errno));
    }
    s->pid = pid;
    cleanup_add_pid(pid);
    s->running = true;
    s->start = now_s();
    return true;
}

/* The screen, once, while QEMU still runs. */
static void take_screenshot(struct session *s) {
    if (!s->shot || s->shot_tried || s->exited) return;
    s->shot_tried = true;
    screenshot_take(s->shot);
}

void session_stop(struct session *s) {
    if (s->stopping || !s->running || s->exited) return;
    take_screenshot(s);
    kill(s->pid, SIGTERM);
    s->stopping = true;
    s->stop_at = now_s() + 3; /* then SIGKILL */
}

/* Writes everything (waiting while a pipe or FIFO is full); returns 0 or
 * the error. */
static int write_all(int fd, const char *buf, size_t n) {
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 100);
            continue;
        }
        if (w < 0) return errno;
        if (w == 0) return EIO;
        buf += w, n -= (size_t)w;
    }
    return 0;
}

static void flush_input(struct session *s) {
    struct serial_watch *w = s->watch;
    if (!w->ninput) return;
    if (s->in_fd < 0) {
        w->ninput = 0;
        return;
    }
    ssize_t n = write(s->in_fd, w->input, w->ninput);
    if (n > 0) {
        memmove(w->input, w->input + n, w->ninput - (size_t)n);
        w->ninput -= (size_t)n;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        w->ninput = 0; /* QEMU is gone */
    }
}

static void on_output(struct session *s) {
    char buf[4096];
    ssize_t n = read(s->out_fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        close_fd(&s->out_fd);
        if (s->monitor) s->in_fd = -1; /* the same socket */
        watch_eof(s->watch);
        return;
    }
    if (s->live) { /* firmware consoles clear the screen: not the user's terminal */
        char shown[sizeof buf + TERM_FILTER_HOLD];
        write_all(1, shown, term_filter(&s->term, buf, (size_t)n, shown));
    }
    for (size_t i = 0; i < SESSION_LOGS; i++)
        if (s->log[i].fd >= 0 && !s->log[i].err) s->log[i].err = write_all(s->log[i].fd, buf, (size_t)n);
    watch_feed(s->watch, buf, (size_t)n);
    if (s->shot_on_expect && s->watch->nexpect && s->watch->next_expect == s->watch->nexpect) take_screenshot(s);
    flush_input(s);
    if (s->watch->pass_on_hit) session_stop(s);
    if (s->watch->no_boot && !s->no_boot) {
        s->no_boot = s->watch->no_boot;
        session_stop(s);
    }
}

/* The guest's resets and the firmware's debug port, from the files QEMU
 * writes them to. */
static void read_guest_files(struct session *s) {
    char buf[4096];
    if (s->reset_fd >= 0 && !s->reset_cause) {
        if (!s->reset_text) s->reset_text = xmalloc(RESET_LOG_KEEP);
        bool grew = false;
        ssize_t n;
        while (s->nreset < RESET_LOG_KEEP &&
               (n = read(s->reset_fd, s->reset_text + s->nreset, RESET_LOG_KEEP - s->nreset)) > 0)
            s->nreset += (size_t)n, grew = true;
        if (grew && reset_scan(s->reset_text, s->nreset, &s->reset_cause, s->reset_state, sizeof s->reset_state))
            session_stop(s);
    }
    if (s->fw_fd >= 0 && !s->no_boot) {
        ssize_t n;
        char *b = buf;
        memcpy(b, s->fw_tail, s->nfw_tail);
        while ((n = read(s->fw_fd, b + s->nfw_tail, sizeof buf - s->nfw_tail)) > 0) {
            size_t len = s->nfw_tail + (size_t)n;
            if ((s->no_boot = fw_debug_no_boot(b, len)) != NULL) {
                session_stop(s);
                break;
            }
            s->nfw_tail = len < sizeof s->fw_tail ? len : sizeof s->fw_tail;
            memmove(s->fw_tail, b + len - s->nfw_tail, s->nfw_tail);
            memcpy(b, s->fw_tail, s->nfw_tail);
        }
    }
}

/* QEMU's stderr on ours. With KVM on trial, a line at a time, and nothing
 * from QEMU's report of a KVM failure on: kiln says it in one line and
 * runs the boot again with TCG. */
static void show_stderr(struct session *s, const char *buf, size_t n) {
    if (!s->kvm_trial) {
        write_all(2, buf, n);
        return;
    }
    for (size_t i = 0; i < n && !s->err_muted; i++) {
        if (!s->errline) s->errline = xmalloc(ERR_KEEP);
        s->errline[s->nerrline++] = buf[i];
        if (buf[i] != '\n' && s->nerrline < ERR_KEEP) continue;
        char why[256];
        s->err_muted = kvm_failure(s->errline, s->nerrline, why, sizeof why);
        if (!s->err_muted) write_all(2, s->errline, s->nerrline);
        s->nerrline = 0;
    }
}

static void on_stderr(struct session *s) {
    char buf[4096];
    ssize_t n = read(s->err_fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        close_fd(&s->err_fd);
        if (s->live && s->nerrline && !s->err_muted) write_all(2, s->errline, s->nerrline); /* a last partial line */
        s->nerrline = 0;
        return;
    }
    _Static_assert(sizeof buf <= ERR_KEEP, "one read fits in the kept stderr");
    if (!s->err) s->err = xmalloc(ERR_KEEP);
    if (s->nerr + (size_t)n > ERR_KEEP) { /* keep the newest bytes */
        size_t drop = s->nerr + (size_t)n - ERR_KEEP;
        memmove(s->err, s->err + drop, s->nerr - drop);
        s->nerr -= drop;
    }
    memcpy(s->err + s->nerr, buf, (size_t)n);
    s->nerr += (size_t)n;
    if (!s->kvm_failed) s->kvm_failed = kvm_failure(s->err, s->nerr, s->kvm_why, sizeof s->kvm_why);
    /* Once kiln stops QEMU, its "terminating on signal 15" is no news. */
    if (s->live && !s->stopping) show_stderr(s, buf, (size_t)n);
    /* A KVM that cannot run the guest makes QEMU pause it forever: stop
     * now, with the reason, rather than at the timeout. */
    if (!s->guest_stuck && memmem(s->err, s->nerr, "KVM internal error", 18)) {
        s->guest_stuck = "KVM internal error (this KVM cannot run the guest; use --accel tcg or auto)";
        session_stop(s);
    }
}

static void on_accept(struct session *s) {
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    close_fd(&s->listen_fd);
    cleanup_remove(s->serial_socket);
    s->out_fd = s->in_fd = fd;
}

static void on_stdin(struct session **ss, size_t n) {
    char buf[1024];
    ssize_t r = read(0, buf, sizeof buf);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    for (size_t i = 0; i < n; i++) {
        if (!ss[i]->forward_stdin || ss[i]->stdin_eof) continue;
        if (r <= 0) ss[i]->stdin_eof = true;
        else watch_queue_input(ss[i]->watch, buf, (size_t)r);
        flush_input(ss[i]);
    }
}

void sessions_poll(struct session **ss, size_t n, int max_ms) {
    struct pollfd *p = xcalloc(n * 4 + 1, sizeof *p);
    struct {
        struct session *s;
        int what; /* 0 out, 1 err, 2 listen, 3 in */
    } *who = xcalloc(n * 4 + 1, sizeof *who);
    size_t np = 0;
    bool want_stdin = false;
    double t = now_s();
    int wait_ms = max_ms;
    for (size_t i = 0; i < n; i++) {
        struct session *s = ss[i];
        if (!s->running) continue;
        bool out = s->in_fd >= 0 && s->watch->ninput > 0; /* input waiting for the guest */
        if (s->out_fd >= 0) {
            short ev = POLLIN | (out && s->in_fd == s->out_fd ? POLLOUT : 0); /* one socket both ways */
            p[np] = (struct pollfd){s->out_fd, ev, 0}, who[np].s = s, who[np++].what = 0;
        }
        if (s->err_fd >= 0) p[np] = (struct pollfd){s->err_fd, POLLIN, 0}, who[np].s = s, who[np++].what = 1;
        if (s->listen_fd >= 0) p[np] = (struct pollfd){s->listen_fd, POLLIN, 0}, who[np].s = s, who[np++].what = 2;
        if (out && s->in_fd != s->out_fd) p[np] = (struct pollfd){s->in_fd, POLLOUT, 0}, who[np].s = s, who[np++].what = 3;
        if (s->forward_stdin && !s->stdin_eof) want_stdin = true;
        /* Wake up for the timeout, the SIGKILL after a SIGTERM, and often
         * enough to reap a QEMU that exited without closing anything. */
        double until = s->stopping ? s->stop_at : s->timeout_s ? s->start + s->timeout_s : t + 1;
        int ms = (int)((until - t) * 1000) + 1;
        if (ms < wait_ms) wait_ms = ms < 0 ? 0 : ms;
    }
    if (wait_ms > 200) wait_ms = 200;
    size_t nstdin = np;
    if (want_stdin) p[np++] = (struct pollfd){0, POLLIN, 0};
    int r = poll(p, (nfds_t)np, wait_ms);
    if (r > 0) {
        for (size_t i = 0; i < np; i++) {
            if (!p[i].revents) continue;
            if (i == nstdin && want_stdin) {
                on_stdin(ss, n);
                continue;
            }
            struct session *s = who[i].s;
            switch (who[i].what) {
            case 0:
                if (p[i].revents & POLLOUT) flush_input(s);
                if ((p[i].revents & ~POLLOUT) && s->out_fd == p[i].fd) on_output(s);
                break;
            case 1:
                if (s->err_fd == p[i].fd) on_stderr(s);
                break;
            case 2:
                if (s->listen_fd == p[i].fd) on_accept(s);
                break;
            case 3: flush_input(s); break;
            }
        }
    }
    free(p);
    free(who);
    t = now_s();
    for (size_t i = 0; i < n; i++) {
        struct session *s = ss[i];
        if (!s->running) continue;
        read_guest_files(s);
        if (!s->exited) {
            int st;
            pid_t w = waitpid(s->pid, &st, WNOHANG);
            if (w == s->pid) {
                read_guest_files(s); /* what QEMU wrote last */
                s->exited = true;
                s->status = st;
                s->end = t;
                cleanup_remove_pid(s->pid);
                close_fd(&s->listen_fd);
                if (s->serial_socket) cleanup_remove(s->serial_socket);
            }
        }
        if (!s->exited && !s->stopping && s->timeout_s && t - s->start >= s->timeout_s) {
            s->timed_out = true;
            session_stop(s);
        }
        if (!s->exited && s->stopping && t >= s->stop_at) {
            kill(s->pid, SIGKILL);
            s->stop_at = t + 3600;
        }
        if (s->exited && s->out_fd < 0 && s->err_fd < 0) {
            s->running = false;
            if (s->in_fd >= 0 && s->in_fd != s->out_fd) close_fd(&s->in_fd);
            s->in_fd = -1;
        }
    }
}

bool session_done(const struct session *s) { return !s->running; }

void session_outcome(struct session *s, struct outcome *o) {
    memset(o, 0, sizeof *o);
    const struct serial_watch *w = s->watch;
    o->timed_out = s->timed_out;
    o->guest_stuck = s->guest_stuck;
    o->pass_on_hit = w->pass_on_hit;
    o->interrupted = s->interrupted;
    o->guest_reset = s->reset_cause;
    o->reset_state = s->reset_cause ? s->reset_state : NULL;
    o->no_boot = s->no_boot;
    o->exited = WIFEXITED(s->status);
    o->exit_code = o->exited ? WEXITSTATUS(s->status) : -1;
    o->signal = WIFSIGNALED(s->status) ? WTERMSIG(s->status) : 0;
    o->timeout_s = s->timeout_s;
    o->npass = w->npass;
    o->nfail = w->nfail;
    o->expect_matched = w->next_expect;
    o->nexpect = w->nexpect;
    o->first_missing = w->next_expect < w->nexpect ? w->expect_src[w->next_expect] : NULL;
    /* QEMU's last line on stderr explains an exit status of 1. */
    s->last_err[0] = 0;
    if (s->nerr) {
        size_t end = s->nerr;
        while (end && (s->err[end - 1] == '\n' || s->err[end - 1] == '\r')) end--;
        size_t start = end;
        while (start && s->err[start - 1] != '\n') start--;
        snprintf(s->last_err, sizeof s->last_err, "%.*s", (int)(end - start), s->err + start);
        if (s->last_err[0]) o->qemu_error = s->last_err;
    }
}

void session_free(struct session *s) {
    if (s->in_fd == s->out_fd) s->in_fd = -1; /* one socket */
    close_fd(&s->in_fd);
    close_fd(&s->out_fd);
    close_fd(&s->err_fd);
    close_fd(&s->listen_fd);
    close_fd(&s->reset_fd);
    close_fd(&s->fw_fd);
    free(s->reset_text);
    s->reset_text = NULL;
    free(s->err);
    s->err = NULL;
    free(s->errline);
    s->errline = NULL;
}
