/*
 * sipsim: a small static launcher in front of sipsim-core (the program, linked against ns-3).
 *
 * For `sipsim run` it blocks SIGINT and SIGTERM before anything else happens and then executes
 * sipsim-core, which inherits the blocked signals (and any that arrive meanwhile, pending)
 * through execve. sipsim-core installs its stop handlers from its .preinit_array and unblocks
 * them, so a signal that comes while the dynamic loader maps ns-3's libraries (milliseconds)
 * is delivered then and recorded: the run leaves a valid trace marked incomplete. Being
 * static, the launcher itself runs no dynamic loader before its main. Other commands keep the
 * default actions.
 *
 * sipsim-core is looked up beside the launcher (a build tree) or in ../libexec/sipsim (an
 * installed tree), from the launcher's own path (/proc/self/exe).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
Exists(const char* path)
{
    return access(path, X_OK) == 0;
}

int
main(int argc, char** argv)
{
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
    {
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        sigprocmask(SIG_BLOCK, &stop, NULL);
    }
    char self[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
    {
        fprintf(stderr, "sipsim: cannot find its own path (/proc/self/exe): %s\n",
                strerror(errno));
        return 2;
    }
    self[n] = '\0';
    char* slash = strrchr(self, '/');
    if (slash == NULL)
    {
        fprintf(stderr, "sipsim: odd path of its own: %s\n", self);
        return 2;
    }
    *slash = '\0';
    char core[PATH_MAX + 64];
    snprintf(core, sizeof core, "%s/sipsim-core", self);
    if (!Exists(core))
    {
        snprintf(core, sizeof core, "%s/../libexec/sipsim/sipsim-core", self);
    }
    argv[0] = core;
    execv(core, argv);
    fprintf(stderr, "sipsim: cannot run %s: %s\n", core, strerror(errno));
    return 2;
}
