/* Cache-line round trip between two CPUs: one thread on each (pinned), passing a flag
 * back and forth. On a VM it says how far apart the host has placed the vCPUs: ~50-80 ns
 * on one Zen CCD (shared L3), ~150-250 ns across CCDs, more across sockets. A 2-thread
 * training step moves its activations, gradients and parameters between the two cores'
 * caches several times, so 2-thread figures track this number.
 * Prints {"ns": <round trip>} or {"error": "..."}.  Usage: core_latency [CPU_A CPU_B] */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { kTrips = 200000 };
static _Atomic int flag __attribute__((aligned(64)));
static int cpu_b = 1;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  return pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

static void *echo(void *arg) {
  (void)arg;
  pin(cpu_b);
  for (int i = 0; i < kTrips; ++i) {
    while (atomic_load_explicit(&flag, memory_order_acquire) != 1) {}
    atomic_store_explicit(&flag, 0, memory_order_release);
  }
  return NULL;
}

int main(int argc, char **argv) {
  const int cpu_a = argc > 2 ? atoi(argv[1]) : 0;
  cpu_b = argc > 2 ? atoi(argv[2]) : 1;
  if (pin(cpu_a) != 0) {
    printf("{\"error\": \"cannot pin to CPU %d\"}\n", cpu_a);
    return 0;
  }
  pthread_t t;
  pthread_create(&t, NULL, echo, NULL);
  double best = 1e30;
  for (int round = 0; round < 3; ++round) {
    const double t0 = now();
    for (int i = 0; i < kTrips / 3; ++i) {
      atomic_store_explicit(&flag, 1, memory_order_release);
      while (atomic_load_explicit(&flag, memory_order_acquire) != 0) {}
    }
    const double dt = (now() - t0) / (kTrips / 3);
    if (dt < best) best = dt;
  }
  for (int i = 3 * (kTrips / 3); i < kTrips; ++i) {  /* the echo thread's remaining trips */
    atomic_store_explicit(&flag, 1, memory_order_release);
    while (atomic_load_explicit(&flag, memory_order_acquire) != 0) {}
  }
  pthread_join(t, NULL);
  printf("{\"ns\": %.1f}\n", best * 1e9);
  return 0;
}
