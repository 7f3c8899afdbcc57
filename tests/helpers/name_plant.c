// SPDX-License-Identifier: BSD-2-Clause
/*
 * name_plant: stands in for a name-hash collision in the live model (tests/bpf/names.sh).
 * A real one cannot be searched for in a test; what it does to the names table can be made:
 * an id that already holds another name's content when a region's name is interned.
 *
 * Usage: name_plant FILE TEXT
 * Maps FILE, prints "mapped ADDR" and "ready", then on SIGUSR1 (the test has had the model
 * name the region meanwhile): reads the region's name id from the pinned model, unmaps it,
 * writes TEXT under that id into the pinned vms_names (as a colliding name would have been
 * interned), maps FILE again at the same address (so that its name is interned anew) and
 * prints "planted ID" (hex). Then sleeps until killed. Exit 2 on any failure.
 *
 * Usage: name_plant FILE TEXT ID...
 * For a watch: prints "ready"; on SIGUSR1 writes TEXT under each ID (hex) into every watch's
 * names table (the LRU maps named vms_names), then maps FILE, prints "planted" and sleeps.
 */
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../bpf/vmscope.h"

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static int obj_get(const char *name)
{
	const char *dir = getenv("VMSCOPE_PIN_DIR");
	char path[512];
	union bpf_attr a;

	snprintf(path, sizeof(path), "%s/maps/%s", dir && *dir ? dir : "/sys/fs/bpf/vmscope", name);
	memset(&a, 0, sizeof(a));
	a.pathname = (uintptr_t)path;
	return (int)sys_bpf(BPF_OBJ_GET, &a);
}

static int map_op(int cmd, int fd, const void *key, void *val, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)val; /* next_key for BPF_MAP_GET_NEXT_KEY */
	a.flags = flags;
	return (int)sys_bpf(cmd, &a);
}

/* The name id the model gave the region at start (any generation that has one). */
/* The region's name id in the model: in the slab through its index (tier kfunc-resync), or in
 * the hash vms_vmas (tier event-resync). */
static uint64_t region_name_id(int vmas, int index, int slab, uint64_t start)
{
	struct vms_vma_key k, next;
	struct vms_slab_rec rec;
	struct vms_vma_ent e;
	int map = index >= 0 && slab >= 0 ? index : vmas;
	void *prev = NULL;
	uint32_t slot;

	while (map >= 0 && !map_op(BPF_MAP_GET_NEXT_KEY, map, prev, &next, 0)) {
		k = next;
		prev = &k;
		if (k.tgid != (uint32_t)getpid() || k.start != start)
			continue;
		if (map == index) {
			if (!map_op(BPF_MAP_LOOKUP_ELEM, index, &k, &slot, 0) &&
			    !map_op(BPF_MAP_LOOKUP_ELEM, slab, &slot, &rec, 0) && rec.ent.name_id)
				return rec.ent.name_id;
		} else if (!map_op(BPF_MAP_LOOKUP_ELEM, vmas, &k, &e, 0) && e.name_id) {
			return e.name_id;
		}
	}
	return 0;
}

/* TEXT under each id into every watch's names table; the number of tables. */
static int plant_in_watches(const struct vms_name_ent *ne, char **ids, int n_ids)
{
	union bpf_attr a;
	uint32_t id = 0;
	int found = 0;

	for (;;) {
		struct bpf_map_info info;
		int fd;

		memset(&a, 0, sizeof(a));
		a.start_id = id;
		if (sys_bpf(BPF_MAP_GET_NEXT_ID, &a))
			return found;
		id = a.next_id;
		memset(&a, 0, sizeof(a));
		a.map_id = id;
		fd = (int)sys_bpf(BPF_MAP_GET_FD_BY_ID, &a);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (uint32_t)fd;
		a.info.info_len = sizeof(info);
		a.info.info = (uintptr_t)&info;
		if (!sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) && info.type == BPF_MAP_TYPE_LRU_HASH &&
		    !strcmp(info.name, "vms_names")) {
			for (int i = 0; i < n_ids; i++) {
				uint64_t key = strtoull(ids[i], NULL, 16);

				if (map_op(BPF_MAP_UPDATE_ELEM, fd, &key, (void *)ne, BPF_ANY))
					return -1;
			}
			found++;
		}
		close(fd);
	}
}

int main(int argc, char **argv)
{
	struct vms_name_ent ne = { 0 };
	int fd, vmas, names;
	uint64_t id;
	void *m;

	if (argc < 3 || strlen(argv[2]) > VMS_NAME_MAX) {
		fprintf(stderr, "usage: name_plant FILE TEXT [ID...]\n");
		return 2;
	}
	signal(SIGUSR1, on_usr1);
	ne.len = (uint32_t)strlen(argv[2]);
	memcpy(ne.name, argv[2], ne.len);
	if (argc > 3) {
		printf("ready\n");
		fflush(stdout);
		while (!go)
			pause();
		fd = open(argv[1], O_RDONLY);
		if (plant_in_watches(&ne, argv + 3, argc - 3) <= 0 || fd < 0 ||
		    mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED) {
			fprintf(stderr, "name_plant: no watch's names table, or FILE\n");
			return 2;
		}
		printf("planted\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	fd = open(argv[1], O_RDONLY);
	m = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		perror(argv[1]);
		return 2;
	}
	printf("mapped %lx\nready\n", (unsigned long)m);
	fflush(stdout);
	while (!go)
		pause();
	vmas = obj_get("vms_vmas");
	names = obj_get("vms_names");
	id = region_name_id(-1, obj_get("vms_index"), obj_get("vms_slab"), (uintptr_t)m);
	if (!id)
		id = region_name_id(vmas, -1, -1, (uintptr_t)m);
	if (names < 0 || !id) {
		fprintf(stderr, "name_plant: no name id for the region in the model\n");
		return 2;
	}
	if (munmap(m, 4096) || map_op(BPF_MAP_UPDATE_ELEM, names, &id, &ne, BPF_ANY) ||
	    mmap(m, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0) != m) {
		perror("name_plant");
		return 2;
	}
	printf("planted %llx\n", (unsigned long long)id);
	fflush(stdout);
	for (;;)
		pause();
}
