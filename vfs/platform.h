/*
** platform.h: the narrow questions walsafe asks the operating system.
** Answered by platform_unix.c or platform_win32.c; the logic in the other
** files is the same on every platform.
*/
#ifndef WALSAFE_PLATFORM_H
#define WALSAFE_PLATFORM_H

#include "walsafe_int.h"

/* Thread-local storage for walsafe_errmsg(). */
#if defined(_MSC_VER)
#define WS_THREAD_LOCAL __declspec(thread)
#else
#define WS_THREAD_LOCAL _Thread_local
#endif

/*
** walsafe's own mutexes, statically initialised, never SQLite's: SQLite may
** be shut down and initialised again with another mutex implementation or
** memory allocator in between (SQLITE_CONFIG_MUTEX, SQLITE_CONFIG_HEAP), and
** walsafe's registry and settings outlive that. Held only while pointers and
** counters change, never across I/O or a sleep.
*/
#ifdef _WIN32
typedef struct ws_mutex {
  void *opaque; /* an SRWLOCK */
} ws_mutex;
#define WS_MUTEX_INIT \
  { 0 }
#else
#include <pthread.h>
typedef pthread_mutex_t ws_mutex;
#define WS_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
#endif
void ws_mutex_enter(ws_mutex *m);
void ws_mutex_leave(ws_mutex *m);

/* Is '\\' a directory separator too (Windows), or a character of a name? */
#ifdef _WIN32
#define WS_PLATFORM_BACKSLASH_SEPARATES 1
#else
#define WS_PLATFORM_BACKSLASH_SEPARATES 0
#endif

/* Milliseconds from a monotonic clock (never goes back). */
sqlite3_int64 ws_platform_now_ms(void);

/* Sleep for ms milliseconds. */
void ws_platform_sleep_ms(int ms);

/*
** Is sys_err, the parent VFS's xGetLastError() right after a failed call on
** zPath, a transient sharing conflict that may clear if we wait (another
** handle, a scanner, a pending delete), rather than a permanent error?
*/
int ws_platform_is_transient(int sys_err, const char *zPath);

/*
** Write the canonical identity of the full path zFull (as the parent's
** xFullPathname spells it) into zKey: two spellings of one file give the
** same key. Returns the key's length, or -1 if nKey is too small.
*/
int ws_platform_path_key(const char *zFull, char *zKey, int nKey);

/* Is zFull on a network file system, where WAL is not safe? */
int ws_platform_is_network_path(const char *zFull);

/*
** Can a file be deleted while this process holds it open (unix: yes;
** Windows: no, the win32 VFS never opens with FILE_SHARE_DELETE)?
*/
int ws_platform_can_delete_open_file(void);

/*
** Is a file's name gone once its delete succeeds (unix: yes)? On Windows a
** delete succeeds but is only pending while another handle (opened with
** FILE_SHARE_DELETE) is open: the name and its content stay until then.
*/
int ws_platform_delete_removes_name(void);

/*
** Does the native VFS retry sharing errors inside its own calls, and take
** SQLITE_FCNTL_WIN32_AV_RETRY to turn that down (Windows: yes; unix: no)?
** vfs.c then turns it down as soon as walsafe is registered.
*/
int ws_platform_has_native_retry(void);

/*
** Is sys_err, a file's SQLITE_FCNTL_LAST_ERRNO after a failed read or
** write, one the native VFS would have retried (its own set, so that a
** read or write behaves as it did before the native retry was turned
** down)? Only asked where ws_platform_has_native_retry() is true.
*/
int ws_platform_is_transient_io(int sys_err);

/*
** How many descriptors does this process hold on the file zFull (matched
** by identity, not name)? walsafe_delete_database asks when walsafe has no
** handle of its own on it: any it finds belong to a connection that does
** not go through walsafe, or to the program itself. 0 where the platform
** cannot tell (Windows answers by refusing the delete instead).
**
** The unix VFS keeps a closed connection's descriptor open while another
** connection of the process holds a lock on the same file (unixClose,
** setPendingFd: closing it would drop that lock) and closes it when the
** last lock goes; so once no connection is open none is left, and while
** one is, the delete must wait anyway: none of them is a false refusal.
*/
int ws_platform_fds_on(const char *zFull);

/* Describe sys_err in words into zBuf (never fails; always terminated). */
void ws_platform_describe_error(int sys_err, char *zBuf, int nBuf);

#endif /* WALSAFE_PLATFORM_H */
