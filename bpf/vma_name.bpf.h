/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names a VMA the way /proc/PID/maps (get_vma_name()) does, in the kernel: the file's path
 * rebuilt by walking dentries and mounts (tracing programs cannot call bpf_d_path), the
 * special mapping's name, [heap], [stack], [anon:...]. The one place the BPF side decides a
 * name's kind (enum vms_name_kind) and text. Names are interned by content into a names map the
 * caller hands in (key: the name hash of vmscope.h, value: struct vms_name_ent), so records carry
 * an 8-byte id. The .bpf.c that names defines vms_scratch (vms_scratch_map below).
 */
#ifndef VMS_VMA_NAME_BPF_H
#define VMS_VMA_NAME_BPF_H

#include "vma_common.bpf.h"

#define MAX_DEPTH	32	/* path components */

/* d_dname implementations we can spell (typeless ksyms: their addresses, from kallsyms). A
 * .bpf.c that learns them another way defines VMS_DNAME_SIMPLE and VMS_DNAME_ANON before this
 * header: for a typeless ksym libbpf parses all of /proc/kallsyms at load (0.17 s on a 2-core
 * VM). */
#ifndef VMS_DNAME_SIMPLE
extern const void simple_dname __ksym __weak;
extern const void anon_inodefs_dname __ksym __weak;
#define VMS_DNAME_SIMPLE	((const void *)&simple_dname)
#define VMS_DNAME_ANON		((const void *)&anon_inodefs_dname)
#endif

/* The name is built at buf + NAME_OFF (room for the vms_name_ent header in front); positions
 * stay below 1024 and copies below 256 bytes, which is what the masks tell the verifier. */
#define NAME_OFF __builtin_offsetof(struct vms_name_ent, name)
#define POS(x) ((x) & 1023)

struct scratch {
	__u32 busy;		/* taken (scratch(), scratch_put()) */
	__u32 pad;
	char buf[1024 + 256];
	const unsigned char *comp[MAX_DEPTH];
	__u32 clen[MAX_DEPTH];
	/* build_path's walk: components collected, bytes written. In the map, not in the stack
	 * context of the bpf_loop callbacks, where the verifier would know them exactly and check
	 * the callbacks again for every value (32 times each). */
	__u32 depth, off;
};

/*
 * Per-CPU scratch, in slots taken and given back: where syscall tracepoints run preemptibly
 * (7.x), another program can run on this CPU while one is preempted in the middle of a name, and
 * must not write over it (a garbled name was seen that way). A program that finds every slot
 * taken gets none: its name is unbuilt (the reader falls back to /proc), never wrong.
 */
#define SCRATCH_SLOTS 4

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct scratch);
} vms_scratch_map;
extern vms_scratch_map vms_scratch SEC(".maps");

static __always_inline struct scratch *scratch(void)
{
	for (__u32 i = 0; i < SCRATCH_SLOTS; i++) {
		__u32 k = i;
		struct scratch *s = bpf_map_lookup_elem(&vms_scratch, &k);

		if (s && !__sync_lock_test_and_set(&s->busy, 1))
			return s;
	}
	return NULL;
}

static __always_inline void scratch_put(struct scratch *s)
{
	if (!s)
		return;
	asm volatile("" ::: "memory"); /* every use of the slot comes before this store */
	*(volatile __u32 *)&s->busy = 0;
}

/* The name hash's key (vmscope.h), drawn by user space at each load; the .bpf.c that interns
 * defines it. Read-only data: no lookup on the hot path. */
extern const volatile __u64 vms_name_key[2];

/* The name hash, one bpf_loop step per 8-byte block: an inline loop made the verifier walk each
 * of its iterations at every call site. Names start 8-aligned (NAME_OFF) in map values of at
 * least NAME_OFF + 512 + 8 bytes, so the masked loads stay inside. */
struct hash_ctx {
	const char *s;
	__u32 len;
	struct vms_sip st;
	__u64 id;
};

/* unused where names are only built (vma_iter.bpf.c) */
static __attribute__((unused)) long hash_step(__u32 i, void *arg)
{
	struct hash_ctx *c = arg;
	__u64 m;

	if (i > c->len / 8 || i > VMS_NAME_MAX / 8)
		return 1;
	m = vms_le64(*(const __u64 *)(c->s + (i & 127) * 8));
	if (i < c->len / 8) {
		vms_sip_block(&c->st, m);
		return 0;
	}
	c->id = vms_sip_final(&c->st, m & vms_sip_tail_mask(c->len), c->len);
	return 1;
}

static __always_inline __u64 name_hash(const char *s, __u32 len)
{
	struct hash_ctx c = { .s = s, .len = len, .id = 0 };

	vms_sip_init(&c.st, vms_name_key[0], vms_name_key[1]);
	bpf_loop(VMS_NAME_MAX / 8 + 1, hash_step, &c, 0);
	return c.id;
}

/* Whether an interned entry holds the len bytes at s: 8 bytes per step, as the hash. */
struct same_ctx {
	const char *a, *b;
	__u32 len;
	bool differ;
};

static __attribute__((unused)) long same_step(__u32 i, void *arg)
{
	struct same_ctx *c = arg;
	__u64 x, y, mask = ~0ULL;

	if (i >= (c->len + 7) / 8 || i >= VMS_NAME_MAX / 8)
		return 1;
	x = *(const __u64 *)(c->a + (i & 63) * 8);
	y = *(const __u64 *)(c->b + (i & 63) * 8);
	if (c->len - i * 8 < 8)
		mask = vms_le64(vms_sip_tail_mask(c->len)); /* the bytes of the tail, as loaded */
	c->differ = (x ^ y) & mask;
	return c->differ;
}

static __always_inline bool same_name(const struct vms_name_ent *e, const char *s, __u32 len)
{
	struct same_ctx c = { .a = e->name, .b = s, .len = len };

	if (e->len != len)
		return false;
	bpf_loop(VMS_NAME_MAX / 8, same_step, &c, 0);
	return !c.differ;
}

/*
 * The id of the name of len bytes at s->buf + NAME_OFF, interned into names (a hash map of
 * __u64 -> struct vms_name_ent). 0 when it cannot be: too long, names is full (*full set; a
 * full table leaves new names unbuilt rather than evicting names still in use), or the id is
 * taken by another name (a collision: unbuilt, so that readers ask /proc, never a wrong name).
 */
static __always_inline __u64 intern(void *names, struct scratch *s, __u32 len, bool *full)
{
	const struct vms_name_ent *old;
	__u64 id;

	if (len > VMS_NAME_MAX)
		return 0;
	id = name_hash(s->buf + NAME_OFF, len);
	old = bpf_map_lookup_elem(names, &id);
	if (!old) {
		/* vms_name_ent is {len, pad, name[]}: the text is already in place after it */
		struct vms_name_ent *e = (void *)s->buf;

		e->len = len;
		e->pad = 0;
		if (!bpf_map_update_elem(names, &id, e, BPF_NOEXIST))
			return id;
		old = bpf_map_lookup_elem(names, &id); /* another CPU's, or none: full */
		if (!old) {
			*full = true;
			return 0; /* the caller marks the VMA unnamed */
		}
	}
	return same_name(old, s->buf + NAME_OFF, len) ? id : 0;
}

struct walk_ctx {
	struct scratch *s;
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *mnt;
	int err;
};

/* One step up the tree: a path component, or a hop from a mount's root to its mountpoint. */
static long walk_up(__u32 i, void *arg)
{
	/* locals: BPF_CORE_READ must not relocate walk_ctx's own fields */
	struct walk_ctx *w = arg;
	struct vfsmount *vm = w->vm;
	struct mount *mnt = w->mnt;
	struct dentry *d = w->d;
	struct dentry *root = BPF_CORE_READ(vm, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	struct scratch *s = w->s;

	if (d == root || d == parent) {
		struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);

		if (d != root || mnt == mp)
			return 1; /* the root of everything, or a disconnected tree */
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mp;
		w->vm = &mp->mnt;
		return 0;
	}
	if (!s || s->depth >= MAX_DEPTH) {
		w->err = -1;
		return 1;
	}
	s->comp[s->depth & (MAX_DEPTH - 1)] = BPF_CORE_READ(d, d_name.name);
	s->clen[s->depth & (MAX_DEPTH - 1)] = BPF_CORE_READ(d, d_name.len);
	s->depth++;
	w->d = parent;
	return 0;
}

/* Writes component depth-1-i: the walk collected them leaf first. */
static long write_down(__u32 i, void *arg)
{
	struct walk_ctx *w = arg;
	struct scratch *s = w->s;
	__u32 c, len, off;

	if (!s || i >= s->depth)
		return 1;
	off = s->off;
	c = (s->depth - 1 - i) & (MAX_DEPTH - 1);
	len = s->clen[c];
	if (len > 255 || off + 1 + len > VMS_NAME_MAX - 16) {
		w->err = -1;
		return 1;
	}
	s->buf[POS(NAME_OFF + off)] = '/';
	off++;
	bpf_probe_read_kernel(s->buf + POS(NAME_OFF + off), len & 0xff, s->comp[c]);
	s->off = off + len;
	return 0;
}

/* The file's path the way d_path() spells it, " (deleted)" included, at buf + NAME_OFF.
 * Returns the length, or -1 if it cannot be built here (too deep, too long, a d_dname). */
static __always_inline int build_path(struct scratch *s, struct file *file)
{
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *vm = BPF_CORE_READ(file, f_path.mnt);
	struct walk_ctx w = { .s = s, .d = d, .vm = vm, .mnt = container_of(vm, struct mount, mnt) };
	__u32 off;

	/* Pseudo files name themselves through d_dname: memfd, shared anon and SysV shm use
	 * simple_dname ("/name (deleted)"), anon inodes "anon_inode:name". Others we cannot
	 * spell (pipe:[n], ...): the reader falls back to /proc for them. */
	if (BPF_CORE_READ(d, d_op) && BPF_CORE_READ(d, d_op, d_dname)) {
		const void *fn = BPF_CORE_READ(d, d_op, d_dname);
		const unsigned char *nm = BPF_CORE_READ(d, d_name.name);
		__u32 len = BPF_CORE_READ(d, d_name.len);

		if (len > 200)
			return -1;
		if (VMS_DNAME_SIMPLE && fn == VMS_DNAME_SIMPLE) {
			s->buf[NAME_OFF] = '/';
			bpf_probe_read_kernel(s->buf + NAME_OFF + 1, len & 0xff, nm);
			__builtin_memcpy(s->buf + POS(NAME_OFF + 1 + len), " (deleted)", 10);
			return 11 + len;
		}
		if (VMS_DNAME_ANON && fn == VMS_DNAME_ANON) {
			__builtin_memcpy(s->buf + NAME_OFF, "anon_inode:", 11);
			bpf_probe_read_kernel(s->buf + NAME_OFF + 11, len & 0xff, nm);
			return 11 + len;
		}
		return -1;
	}
	s->depth = 0;
	s->off = 0;
	bpf_loop(MAX_DEPTH * 2, walk_up, &w, 0);
	if (w.err)
		return -1;
	bpf_loop(MAX_DEPTH, write_down, &w, 0);
	if (w.err)
		return -1;
	off = s->off;
	if (!s->depth) {
		s->buf[NAME_OFF] = '/';
		off = 1;
	}
	/* d_unlinked(): unhashed and not a root */
	if (!BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d) {
		__builtin_memcpy(s->buf + POS(NAME_OFF + off), " (deleted)", 10);
		off += 10;
	}
	return off;
}

/* A kernel string (anon_vma_name, a special mapping's name) at buf + NAME_OFF: its length or -1. */
static __always_inline int copy_kstr(struct scratch *s, const char *src)
{
	long n = bpf_probe_read_kernel_str(s->buf + NAME_OFF, VMS_NAME_MAX, src);

	return n > 0 ? (int)(n - 1) : -1;
}

/* Which of get_vma_name()'s cases named the VMA, for callers that care. */
enum { VMA_IS_OTHER, VMA_IS_HEAP, VMA_IS_STACK };

/* [heap] or [stack] (is), which get_vma_name() spells itself: *kind, and the text at
 * s->buf + NAME_OFF; its length, or -1 without a scratch slot. */
static __always_inline int name_heap_stack(struct scratch *s, int is, __u32 *kind)
{
	*kind = VMS_NAME_STRING;
	if (!s)
		return -1;
	if (is == VMA_IS_HEAP) {
		__builtin_memcpy(s->buf + NAME_OFF, "[heap]", 6);
		return 6;
	}
	__builtin_memcpy(s->buf + NAME_OFF, "[stack]", 7);
	return 7;
}

/* A file's path (build_path()), of a VMA or an exec: *kind, and its length or -1. */
static __always_inline int name_file(struct scratch *s, struct file *file, __u32 *kind)
{
	*kind = VMS_NAME_PATH;
	return s ? build_path(s, file) : -1;
}

/*
 * Builds the name of the VMA [start, end) of mm as get_vma_name() spells it, at s->buf + NAME_OFF
 * (the prefix of [anon:%s]-style names is the kind's, not in the text). Returns its length (0
 * for an anonymous VMA), or -1 when it cannot be built here; *kind gets the enum vms_name_kind.
 * vma and mm may be untrusted (a lockless iterator's, or bpf_rdonly_cast ones): plain loads
 * only, no helper that needs a trusted pointer. A name may then be stale: callers validate the
 * walk it came from.
 */
static __always_inline int vma_name_build(struct scratch *s, struct vm_area_struct *vma,
					  struct mm_struct *mm, __u64 start, __u64 end,
					  __u32 *kind, int *is)
{
	struct anon_vma_name *anon = vma_anon_name(vma);
	struct file *file = vma->vm_file;

	*kind = VMS_NAME_NONE;
	*is = VMA_IS_OTHER;
	if (file) {
		if (anon) {
			*kind = VMS_NAME_ANON_SHMEM;
			return copy_kstr(s, anon->name);
		}
		return name_file(s, file, kind);
	}
	if (vma->vm_ops && vma->vm_ops->name) {
		/* special mappings ([vdso], [vvar], [uprobes]) name themselves */
		struct vm_special_mapping *sm = BPF_CORE_READ(vma, vm_private_data);

		*kind = VMS_NAME_STRING;
		return sm ? copy_kstr(s, BPF_CORE_READ(sm, name)) : -1;
	}
	if (vma_is_heap(start, end, mm)) {
		*is = VMA_IS_HEAP;
		return name_heap_stack(s, VMA_IS_HEAP, kind);
	}
	if (vma_is_stack(start, end, mm)) {
		*is = VMA_IS_STACK;
		return name_heap_stack(s, VMA_IS_STACK, kind);
	}
	if (anon) {
		*kind = VMS_NAME_ANON;
		return copy_kstr(s, anon->name);
	}
	return 0;
}

/*
 * The name id of the VMA (0 for none), interned into names (intern()); *kind as above. A name
 * that cannot be built or interned sets VMS_VMA_UNNAMED in *flags (and *full, names being full).
 */
static __always_inline __u64 vma_name(void *names, struct scratch *s, struct vm_area_struct *vma,
				      struct mm_struct *mm, __u64 start, __u64 end,
				      __u32 *kind, __u32 *flags, int *is, bool *full)
{
	int len = vma_name_build(s, vma, mm, start, end, kind, is);
	__u64 id = 0;

	if (len > 0)
		id = intern(names, s, (__u32)len, full);
	if (*kind != VMS_NAME_NONE && !id)
		*flags |= VMS_VMA_UNNAMED;
	return id;
}

#endif
