/* NAME
 *	bench-drive - run a delivery agent once per message, N at a time
 * SUMMARY
 *	bench-drive [-j JOBS] [-t SECONDS] [-m MIN] [-e ERRLOG] [-o PER-MESSAGE]
 *		LIST -- COMMAND [ARG...]
 * DESCRIPTION
 *	Like Postfix's pipe(8): one process per message, the message written
 *	into a pipe on its standard input (by a thread of bench-drive, as
 *	pipe(8) writes it from the queue file), at most JOBS at a time.
 *	LIST has one message a line:
 *	path, envelope sender, recipient, queue id (tab-separated; more
 *	columns are ignored). An ARG that is exactly %s, %r, %q or %f becomes
 *	the message's sender, recipient, queue id or path.
 *
 *	Each child is timed from its spawn to its reaping (wall time, which
 *	includes exec, dynamic linking and any wait for a lock) and its peak
 *	resident set size is read from wait4(). After SECONDS (0: no limit) no
 *	new message is started once MIN of them are done, so that a slow case
 *	cannot hold the whole run up.
 *
 *	Prints one line of key=value pairs: n, failed, elapsed (s), rate
 *	(messages/s), mean_ms, median_ms, p99_ms, max_ms, cpu_ms (mean user +
 *	system time of a child) and maxrss_kb (the largest child's peak). With
 *	-o, one line a message: path, wall ms, cpu ms, peak RSS KB, exit status.
 * EXIT STATUS
 *	0 when every delivery exited 0, 1 when one did not (the first is named
 *	on stderr, every child's stderr goes to ERRLOG), 2 for bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct {
  char *path, *sender, *recipient, *queue_id;
  pid_t pid;
  int feed;          /* the write end of the child's standard input */
  pthread_t feeder;
  double start, ms, cpu_ms;
  long rss_kb;
  int status;
} Item;

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Write the message file into the pipe, then close it. A child that exits
 * before reading it all (EPIPE) ends the feeding; it is the child's status
 * that counts. */
static void *
feed (void *data)
{
  Item *it = data;
  int fd = open (it->path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      char buf[65536];
      ssize_t n;
      while ((n = read (fd, buf, sizeof buf)) > 0)
        {
          for (ssize_t off = 0; off < n;)
            {
              ssize_t w = write (it->feed, buf + off, (size_t) (n - off));
              if (w < 0 && errno == EINTR)
                continue;
              if (w <= 0)
                goto done;
              off += w;
            }
        }
    done:
      close (fd);
    }
  close (it->feed);
  return NULL;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static char *
field (char **cursor)
{
  char *start = *cursor;
  if (start == NULL)
    return strdup ("");
  char *tab = strchr (start, '\t');
  if (tab)
    {
      *tab = '\0';
      *cursor = tab + 1;
    }
  else
    *cursor = NULL;
  return strdup (start);
}

static void
usage (void)
{
  fprintf (stderr, "usage: bench-drive [-j JOBS] [-t SECONDS] [-m MIN] [-e ERRLOG] [-o PER-MESSAGE] LIST -- COMMAND [ARG...]\n");
  exit (2);
}

int
main (int argc, char **argv)
{
  int jobs = 1, min_done = 20;
  double budget = 0;
  const char *errlog = "/dev/null", *per_message = NULL;
  int opt;
  while ((opt = getopt (argc, argv, "+j:t:m:e:o:")) != -1)
    switch (opt)
      {
      case 'j': jobs = atoi (optarg); break;
      case 't': budget = atof (optarg); break;
      case 'm': min_done = atoi (optarg); break;
      case 'e': errlog = optarg; break;
      case 'o': per_message = optarg; break;
      default: usage ();
      }
  if (jobs < 1 || optind + 2 > argc)
    usage ();
  const char *list_path = argv[optind++];
  if (strcmp (argv[optind], "--") == 0)
    optind++;
  if (optind >= argc)
    usage ();
  char **cmd = argv + optind;
  int ncmd = argc - optind;

  FILE *list = fopen (list_path, "r");
  if (list == NULL)
    {
      fprintf (stderr, "bench-drive: %s: %s\n", list_path, strerror (errno));
      return 2;
    }
  size_t cap = 256, n = 0;
  Item *items = calloc (cap, sizeof *items);
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t got;
  while ((got = getline (&line, &line_cap, list)) > 0)
    {
      if (line[got - 1] == '\n')
        line[got - 1] = '\0';
      if (line[0] == '\0')
        continue;
      if (n == cap)
        items = realloc (items, (cap *= 2) * sizeof *items);
      char *cursor = line;
      Item *it = &items[n++];
      memset (it, 0, sizeof *it);
      it->path = field (&cursor);
      it->sender = field (&cursor);
      it->recipient = field (&cursor);
      it->queue_id = field (&cursor);
    }
  free (line);
  fclose (list);
  if (n == 0)
    {
      fprintf (stderr, "bench-drive: %s: no messages\n", list_path);
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);

  char **args = calloc ((size_t) ncmd + 1, sizeof *args);
  size_t next = 0, done = 0, running = 0, failed = 0;
  long maxrss = 0;
  double t0 = now ();
  const char *first_failure = NULL;
  int first_status = 0;
  while (done < next || next < n)
    {
      int may_start = next < n && !(budget > 0 && now () - t0 > budget && done >= (size_t) min_done);
      if (!may_start && running == 0)
        break;
      if (may_start && running < (size_t) jobs)
        {
          Item *it = &items[next];
          for (int i = 0; i < ncmd; i++)
            {
              const char *a = cmd[i];
              args[i] = (char *) (strcmp (a, "%s") == 0 ? it->sender
                                  : strcmp (a, "%r") == 0 ? it->recipient
                                  : strcmp (a, "%q") == 0 ? it->queue_id
                                  : strcmp (a, "%f") == 0 ? it->path : a);
            }
          if (access (it->path, R_OK) != 0)
            {
              fprintf (stderr, "bench-drive: %s: %s\n", it->path, strerror (errno));
              return 2;
            }
          int ends[2];
          if (pipe2 (ends, O_CLOEXEC) != 0)
            {
              fprintf (stderr, "bench-drive: pipe: %s\n", strerror (errno));
              return 2;
            }
          posix_spawn_file_actions_t fa;
          posix_spawn_file_actions_init (&fa);
          posix_spawn_file_actions_adddup2 (&fa, ends[0], 0);
          posix_spawn_file_actions_addopen (&fa, 1, "/dev/null", O_WRONLY, 0);
          posix_spawn_file_actions_addopen (&fa, 2, errlog, O_WRONLY | O_APPEND | O_CREAT, 0644);
          it->start = now ();
          int rc = posix_spawn (&it->pid, args[0], &fa, NULL, args, environ);
          posix_spawn_file_actions_destroy (&fa);
          close (ends[0]);
          if (rc != 0)
            {
              fprintf (stderr, "bench-drive: cannot run %s: %s\n", args[0], strerror (rc));
              return 2;
            }
          it->feed = ends[1];
          if ((rc = pthread_create (&it->feeder, NULL, feed, it)) != 0)
            {
              fprintf (stderr, "bench-drive: thread: %s\n", strerror (rc));
              return 2;
            }
          next++;
          running++;
          continue;
        }
      int status;
      struct rusage ru;
      pid_t pid = wait4 (-1, &status, 0, &ru);
      double end = now ();
      if (pid < 0)
        {
          if (errno == EINTR)
            continue;
          fprintf (stderr, "bench-drive: wait4: %s\n", strerror (errno));
          return 2;
        }
      for (size_t i = 0; i < next; i++)
        if (items[i].pid == pid)
          {
            Item *it = &items[i];
            pthread_join (it->feeder, NULL);
            it->ms = (end - it->start) * 1000.0;
            it->rss_kb = ru.ru_maxrss;
            it->cpu_ms = (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0
                         + (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
            it->status = status;
            it->pid = 0;
            if (ru.ru_maxrss > maxrss)
              maxrss = ru.ru_maxrss;
            if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
              {
                if (failed++ == 0)
                  {
                    first_failure = it->path;
                    first_status = status;
                  }
              }
            break;
          }
      running--;
      done++;
    }
  double elapsed = now () - t0;

  double *ms = calloc (done, sizeof *ms);
  double sum = 0, cpu = 0;
  FILE *pm = per_message ? fopen (per_message, "w") : NULL;
  for (size_t i = 0; i < done; i++)
    {
      ms[i] = items[i].ms;
      sum += ms[i];
      cpu += items[i].cpu_ms;
      if (pm)
        fprintf (pm, "%s\t%.3f\t%.3f\t%ld\t%d\n", items[i].path, items[i].ms, items[i].cpu_ms, items[i].rss_kb,
                 WIFEXITED (items[i].status) ? WEXITSTATUS (items[i].status) : 128 + WTERMSIG (items[i].status));
    }
  if (pm)
    fclose (pm);
  qsort (ms, done, sizeof *ms, cmp_double);
  /* nearest rank */
  size_t p50 = (done + 1) / 2, p99 = (size_t) ((double) done * 0.99 + 0.999999);
  if (p99 < 1)
    p99 = 1;
  printf ("n=%zu failed=%zu elapsed=%.3f rate=%.2f mean_ms=%.2f median_ms=%.2f p99_ms=%.2f max_ms=%.2f"
          " cpu_ms=%.2f maxrss_kb=%ld\n",
          done, failed, elapsed, (double) done / elapsed, sum / (double) done, ms[p50 - 1], ms[p99 - 1],
          ms[done - 1], cpu / (double) done, maxrss);
  if (failed)
    {
      if (WIFEXITED (first_status))
        fprintf (stderr, "bench-drive: %zu of %zu deliveries failed; first: %s exited %d (stderr in %s)\n", failed,
                 done, first_failure, WEXITSTATUS (first_status), errlog);
      else
        fprintf (stderr, "bench-drive: %zu of %zu deliveries failed; first: %s killed by signal %d\n", failed,
                 done, first_failure, WTERMSIG (first_status));
      return 1;
    }
  return 0;
}
