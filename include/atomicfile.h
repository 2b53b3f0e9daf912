/* atomicfile.h - write a small file into a directory that others may
 * share (an sd_dir volume mounted into many containers, a world-writable
 * /tmp) so that a reader sees the old file or the whole new one, and so
 * that the agent never writes through a name somebody else put there: the
 * JVM is often root in a container, and a symbolic link planted at a name
 * it opens with O_CREAT|O_TRUNC would make it truncate any file.
 *
 * How: the directory is opened once (O_PATH), every name is resolved
 * relative to it; the data goes into a new file ".NAME.<16 hex digits>.tmp"
 * created with O_CREAT|O_EXCL|O_NOFOLLOW (a random name, so two writers
 * that share a pid in different containers never share a temporary file;
 * O_EXCL fails on anything already there, a symbolic link included), which
 * renameat() then moves over NAME.  rename(2) replaces a link at NAME
 * instead of following it; the agent refuses anyway when NAME is a link or
 * not a regular file, so that a planted link is reported, not silently
 * replaced.  Temporary names end in ".tmp", never in ".json": a file_sd glob
 * "*.json" never matches one.  Pure C. */
#ifndef JXA_ATOMICFILE_H
#define JXA_ATOMICFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes len bytes of data to dir/name as described above; a new file gets
 * mode (less the umask).  Returns 0, or -1 with errno set and one phrase
 * in err saying what failed and what to do, without the path the caller
 * was given (the caller prefixes it, e.g. "port_file=/x: ").  Touches
 * nothing in the directory when it refuses; removes its temporary file
 * when a later step fails. */
int jxa_atomicfile_write(const char *dir, const char *name, const void *data, size_t len,
                         mode_t mode, char *err, size_t errlen);

/* The same for a path: its directory and last component ("." when the
 * path has no '/'). */
int jxa_atomicfile_write_path(const char *path, const void *data, size_t len, mode_t mode,
                              char *err, size_t errlen);

/* Tests only: the random part of the next temporary names comes from fn
 * instead of getrandom(2) (NULL: back to getrandom). */
void jxa_atomicfile_random_for_tests(uint64_t (*fn)(void));

#endif
