/*
 * fs_watch: the thread that keeps the mount's caches true to the database.
 *
 * Every `interval_ms` (or at once when the capture triggers NOTIFY), it asks db_changes
 * what others changed and has the tree re-read those records; the tree then
 * invalidates exactly what changed in the kernel. A change made anywhere is visible
 * through the mount within about one interval (docs/contract.md §8: within about a second).
 */
#ifndef FORCEFS_FS_WATCH_H
#define FORCEFS_FS_WATCH_H

#include "fs_tree.h"

struct fs_watch;

/*
 * Connects and marks every object; returns NULL with `err` set when it cannot
 * connect. The thread starts with fs_watch_start() (after any fork).
 */
struct fs_watch *fs_watch_open(struct fs_tree *tree, const char *url, const char *schema,
			       int interval_ms, struct error *err);
void fs_watch_start(struct fs_watch *watch);
/* Has `fn(ctx)` called on the watcher's thread after each look at the database (the
 * .changes feed, docs/views.md). Before fs_watch_start(). */
void fs_watch_on_poll(struct fs_watch *watch, void (*fn)(void *ctx), void *ctx);
void fs_watch_stop(struct fs_watch *watch);

#endif
