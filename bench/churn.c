/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Placement quality under churn: a seeded trace of domain starts and stops
 * on 16 homogeneous NVIDIA GPUs (one vGPU type per GPU at a time), kept
 * between two offered loads (framebuffer of the domains that are up,
 * admitted or not, over the GPUs' total). Prints how many starts were
 * refused by one placement:
 *
 *   bench-churn KIND SEED LOW HIGH EVENTS first-fit|repack
 *   bench-churn KIND SEED LOW HIGH EVENTS hook PATH-TO-vgpu-hook
 *   bench-churn KIND SEED LOW HIGH EVENTS library
 *
 * KIND is t4 (16 GiB, builtin scenario t4x16) or p40 (24 GiB,
 * bench/p40x16.conf); LOW and HIGH in percent. EVENTS starts and stops
 * are counted after the load first reaches LOW. first-fit is a reference:
 * the first GPU (by name) that holds the type with room or is empty.
 * repack is the lower bound: a start is refused only if the domains that
 * are up could not fit even re-placed from scratch (each type t with c_t
 * devices needs ceil(c_t / max_t) GPUs). hook runs every start and stop
 * through the real hook (prepare begin / release end) on the emulator
 * named by LIBVGPU_ROOT, with the policy of its libvgpu.conf; library
 * makes the hook's placement calls in this process (churn-lib.c).
 *
 * Output: "arrivals A refused R" then one "TYPE A R" line per type.
 */
#include "churn.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#define GPUS 16
#define MAX_TYPES 8
#define MAX_DOMAINS 4096

typedef struct {
    const char *id, *name;
    unsigned max, weight; /* instances per GPU, share of requests in % */
} Type;

typedef struct {
    unsigned fb; /* GiB per GPU */
    Type types[MAX_TYPES];
} Kind;

static const Kind t4 = {16,
                        {{"nvidia-234", "T4-1Q", 16, 20},
                         {"nvidia-226", "T4-2Q", 8, 30},
                         {"nvidia-227", "T4-4Q", 4, 25},
                         {"nvidia-228", "T4-8Q", 2, 15},
                         {"nvidia-230", "T4-16Q", 1, 10}}};
static const Kind p40 = {24,
                         {{"nvidia-46", "P40-1Q", 24, 10},
                          {"nvidia-47", "P40-2Q", 12, 20},
                          {"nvidia-48", "P40-3Q", 8, 15},
                          {"nvidia-49", "P40-4Q", 6, 20},
                          {"nvidia-50", "P40-6Q", 4, 15},
                          {"nvidia-51", "P40-8Q", 3, 10},
                          {"nvidia-52", "P40-12Q", 2, 5},
                          {"nvidia-53", "P40-24Q", 1, 5}}};

typedef struct {
    int type, gpu; /* gpu: -1 refused (or not placed by the model) */
} Domain;

static const Kind *kind;
static Domain domains[MAX_DOMAINS];
static int gpu_type[GPUS], gpu_count[GPUS]; /* models only */
static unsigned type_count[MAX_TYPES];      /* admitted, per type */
static const char *hook;
static uint64_t rng;

static uint64_t
next_random(void) /* xorshift64*: the same trace on every machine */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

static unsigned
type_fb(int t)
{
    return kind->fb / kind->types[t].max;
}

static void
domain_uuid(int id, char uuid[37])
{
    snprintf(uuid, 37, "%08x-0000-4000-8000-000000000000", id);
}

static int
run_hook(int id, const char *op, const char *subop)
{
    char name[32], xml[1024], uuid[37];
    int fd = memfd_create("xml", 0), status;
    pid_t pid;

    snprintf(name, sizeof(name), "churn%d", id);
    domain_uuid(id, uuid);
    snprintf(xml, sizeof(xml),
             "<domain type='kvm'><name>%s</name><metadata><vgpu:vgpu "
             "xmlns:vgpu=\"urn:libvgpu:domain:1\"><vgpu:mdev uuid=\"%s\" "
             "type=\"%s\"/></vgpu:vgpu></metadata><devices><hostdev "
             "mode='subsystem' type='mdev' model='vfio-pci'><source><address "
             "uuid='%s'/></source></hostdev></devices></domain>\n",
             name, uuid, kind->types[domains[id].type].id, uuid);
    if (fd < 0 || write(fd, xml, strlen(xml)) < 0 || lseek(fd, 0, 0) < 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);

        dup2(fd, 0);
        dup2(null, 1);
        if (!getenv("CHURN_VERBOSE"))
            dup2(null, 2);
        execl(hook, hook, name, op, subop, "-", (char *)NULL);
        _exit(127);
    }
    close(fd);
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static int
place_first_fit(int t)
{
    for (int g = 0; g < GPUS; g++) {
        if (gpu_count[g] == 0 ||
            (gpu_type[g] == t && gpu_count[g] < (int)kind->types[t].max)) {
            gpu_type[g] = t;
            gpu_count[g]++;
            return g;
        }
    }
    return -1;
}

static int
repack_fits(int t)
{
    unsigned need = 0;

    for (int u = 0; u < MAX_TYPES && kind->types[u].id; u++) {
        unsigned c = type_count[u] + (u == t);
        need += (c + kind->types[u].max - 1) / kind->types[u].max;
    }
    return need <= GPUS;
}

/* Admits domain @id (its type set) with @mode; TRUE if placed. */
static int
admit(int id, const char *mode)
{
    int t = domains[id].type, rc;
    char uuid[37];

    domains[id].gpu = -1;
    domain_uuid(id, uuid);
    if (strcmp(mode, "first-fit") == 0) {
        domains[id].gpu = place_first_fit(t);
    } else if (strcmp(mode, "repack") == 0) {
        domains[id].gpu = repack_fits(t) ? 0 : -1;
    } else if (strcmp(mode, "library") == 0) {
        domains[id].gpu = churn_lib_prepare(kind->types[t].id, uuid) ? -1 : 0;
    } else {
        rc = run_hook(id, "prepare", "begin");
        if (rc < 0) {
            fprintf(stderr, "bench-churn: cannot run %s\n", hook);
            exit(1);
        }
        domains[id].gpu = rc == 0 ? 0 : -1;
    }
    if (domains[id].gpu >= 0)
        type_count[t]++;
    return domains[id].gpu >= 0;
}

static void
depart(int id, const char *mode)
{
    int g = domains[id].gpu;
    char uuid[37];

    if (g < 0)
        return;
    domain_uuid(id, uuid);
    if (strcmp(mode, "library") == 0)
        churn_lib_release(uuid);
    type_count[domains[id].type]--;
    if (strcmp(mode, "first-fit") == 0 && --gpu_count[g] == 0)
        gpu_type[g] = -1;
    if (strcmp(mode, "hook") == 0 && run_hook(id, "release", "end") != 0) {
        fprintf(stderr, "bench-churn: release of churn%d failed\n", id);
        exit(1);
    }
}

static int
pick_type(void)
{
    unsigned r = next_random() % 100, sum = 0;
    int t = 0;

    for (; t < MAX_TYPES - 1 && kind->types[t + 1].id; t++) {
        sum += kind->types[t].weight;
        if (r < sum)
            break;
    }
    return t;
}

int
main(int argc, char **argv)
{
    unsigned arrivals[MAX_TYPES] = {0}, refused[MAX_TYPES] = {0};
    unsigned total_a = 0, total_r = 0, capacity, offered = 0;
    int up[MAX_DOMAINS], n_up = 0, n_domains = 0, counting = 0;
    long low, high, events;
    const char *mode;

    if (argc < 7 || (strcmp(argv[6], "hook") == 0 && argc != 8)) {
        fprintf(stderr, "usage: bench-churn t4|p40 SEED LOW HIGH EVENTS "
                        "first-fit|repack|library|hook [HOOK]\n");
        return 2;
    }
    kind = strcmp(argv[1], "p40") == 0 ? &p40 : &t4;
    rng = strtoull(argv[2], NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
    low = strtol(argv[3], NULL, 10);
    high = strtol(argv[4], NULL, 10);
    events = strtol(argv[5], NULL, 10);
    mode = argv[6];
    hook = argc > 7 ? argv[7] : NULL;
    capacity = GPUS * kind->fb;
    for (int g = 0; g < GPUS; g++)
        gpu_type[g] = -1;

    while (events > 0 && n_domains < MAX_DOMAINS) {
        unsigned load = 100 * offered / capacity;
        int arrive = load < low || (load < high && next_random() % 2);

        if (load >= low)
            counting = 1;
        if (arrive) {
            int id = n_domains++, t = pick_type();

            domains[id].type = t;
            up[n_up++] = id;
            offered += type_fb(t);
            if (!admit(id, mode) && counting)
                refused[t]++;
            arrivals[t] += counting;
        } else {
            int i = next_random() % n_up, id = up[i];

            up[i] = up[--n_up];
            offered -= type_fb(domains[id].type);
            depart(id, mode);
        }
        events -= counting;
    }
    for (int i = 0; i < n_up; i++) /* leave the host empty */
        depart(up[i], mode);
    for (int t = 0; t < MAX_TYPES && kind->types[t].id; t++) {
        total_a += arrivals[t];
        total_r += refused[t];
    }
    printf("arrivals %u refused %u\n", total_a, total_r);
    for (int t = 0; t < MAX_TYPES && kind->types[t].id; t++)
        printf("%s %u %u\n", kind->types[t].name, arrivals[t], refused[t]);
    return 0;
}
