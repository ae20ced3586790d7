/*
 * fs_notify: the thread that tells the kernel to drop cached names, attributes and
 * pages. libfuse forbids sending these notifications from inside a request handler
 * (it can deadlock, doc/README.notifications), so every part of forcefs queues them
 * here and this thread sends them.
 */
#ifndef FORCEFS_FS_NOTIFY_H
#define FORCEFS_FS_NOTIFY_H

#include <fuse_lowlevel.h>
#include <stdint.h>

struct fs_notify;

/* Creates the queue; the thread starts with fs_notify_start() (after any fork). */
struct fs_notify *fs_notify_new(struct fuse_session *se);
void fs_notify_start(struct fs_notify *n);
/* Sends what is queued, then stops the thread. */
void fs_notify_stop(struct fs_notify *n);

/* Queue invalidations; safe from any thread, including FUSE request handlers. */
void fs_notify_inval_inode(void *n, uint64_t ino);
void fs_notify_inval_entry(void *n, uint64_t parent, const char *name);

#endif
