/* gmime-gio - gmime's GIO stream type, left out of portero-deliver
 *
 * g_mime_init() registers every gmime type, GMimeStreamGIO among them (it
 * only calls the get_type function). In a static link that one type pulls in
 * all of GIO, and with it GIO's mount-table code, whose libmount Debian ships
 * only as a shared library: loading libmount and what it needs (libblkid,
 * libselinux, libpcre2) costs 2.8 ms and 90 page faults, a fifth of a
 * delivery. portero never makes a GIO stream, so portero-deliver does not
 * register the type: this definition comes first in the link, and the
 * archive's object is never pulled in. Code that needed the real one would
 * pull that object in and fail to link (a duplicate definition); it cannot
 * silently get this one. Linked into portero-deliver only when static. */
#include <glib-object.h>

GType g_mime_stream_gio_get_type (void);

GType
g_mime_stream_gio_get_type (void)
{
  return G_TYPE_INVALID;
}
