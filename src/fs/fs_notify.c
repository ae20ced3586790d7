#include "fs_notify.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "log.h"

struct fs_notify {
	struct fuse_session *se;
	GAsyncQueue *queue;
	GThread *thread;
};

struct notice {
	uint64_t ino; /* inode to invalidate, or the parent of `name` */
	char *name;   /* NULL: inode notice */
	bool stop;
};

static gpointer notify_main(gpointer data)
{
	struct fs_notify *n = data;
	for (;;) {
		struct notice *msg = g_async_queue_pop(n->queue);
		if (msg->stop) {
			g_free(msg);
			break;
		}
		int rc;
		if (msg->name)
			rc = fuse_lowlevel_notify_inval_entry(n->se, msg->ino, msg->name,
							      strlen(msg->name));
		else
			rc = fuse_lowlevel_notify_inval_inode(n->se, msg->ino, 0, 0);
		/* ENOENT: the kernel had nothing cached, which is fine. */
		if (rc && rc != -ENOENT && rc != -ENOTCONN)
			log_debug("cache invalidation failed: %s", strerror(-rc));
		g_free(msg->name);
		g_free(msg);
	}
	return NULL;
}

struct fs_notify *fs_notify_new(struct fuse_session *se)
{
	struct fs_notify *n = g_new0(struct fs_notify, 1);
	n->se = se;
	n->queue = g_async_queue_new();
	return n;
}

void fs_notify_start(struct fs_notify *n)
{
	n->thread = g_thread_new("forcefs-notify", notify_main, n);
}

void fs_notify_stop(struct fs_notify *n)
{
	if (!n)
		return;
	if (n->thread) {
		struct notice *msg = g_new0(struct notice, 1);
		msg->stop = true;
		g_async_queue_push(n->queue, msg);
		g_thread_join(n->thread);
	}
	struct notice *left;
	while ((left = g_async_queue_try_pop(n->queue)) != NULL) {
		g_free(left->name);
		g_free(left);
	}
	g_async_queue_unref(n->queue);
	g_free(n);
}

void fs_notify_inval_inode(void *ctx, uint64_t ino)
{
	struct fs_notify *n = ctx;
	struct notice *msg = g_new0(struct notice, 1);
	msg->ino = ino;
	g_async_queue_push(n->queue, msg);
}

void fs_notify_inval_entry(void *ctx, uint64_t parent, const char *name)
{
	struct fs_notify *n = ctx;
	struct notice *msg = g_new0(struct notice, 1);
	msg->ino = parent;
	msg->name = g_strdup(name);
	g_async_queue_push(n->queue, msg);
}
