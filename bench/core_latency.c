/* The round trip of a cache line between two cores, in nanoseconds.

   Two threads, pinned to the first two CPUs this process may run on, pass
   a flag back and forth ROUNDS times. On this machine (a KVM guest with two
   vCPUs) it reads about 55 ns when the host runs both vCPUs on cores that
   share a cache and about 330 ns when it runs them apart, which slows every
   step whose threads share data (bench/RESULTS.md). step_times.py builds
   it and runs it before each round to tell the two apart.

   Build: cc -O2 -pthread bench/core_latency.c -o core_latency */

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { ROUNDS = 100000 };

static _Atomic int flag __attribute__((aligned(64)));

static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *answer(void *cpu) {
  pin(*(int *)cpu);
  for (int i = 0; i < ROUNDS; ++i) {
    while (atomic_load_explicit(&flag, memory_order_acquire) != 1)
      ;
    atomic_store_explicit(&flag, 0, memory_order_release);
  }
  return NULL;
}

int main(void) {
  cpu_set_t allowed;
  sched_getaffinity(0, sizeof allowed, &allowed);
  int cpus[2], found = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; ++cpu)
    if (CPU_ISSET(cpu, &allowed))
      cpus[found++] = cpu;
  if (found < 2) {
    fprintf(stderr, "core_latency: needs two CPUs\n");
    return 1;
  }
  pin(cpus[0]);
  pthread_t other;
  pthread_create(&other, NULL, answer, &cpus[1]);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int i = 0; i < ROUNDS; ++i) {
    atomic_store_explicit(&flag, 1, memory_order_release);
    while (atomic_load_explicit(&flag, memory_order_acquire) != 0)
      ;
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  pthread_join(other, NULL);
  double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
  printf("%.0f\n", ns / ROUNDS);
  return 0;
}
