/* imgcache.h - the image cache (imgcache.c): a kernel ELF that `kiln run`
 * or `kiln test` boots becomes a disk image once per distinct input, in
 * the cache directory, which also holds the record of a KVM that failed. */
#ifndef KILN_TOOL_IMGCACHE_H
#define KILN_TOOL_IMGCACHE_H

#include "tools/kiln/config/config.h"
#include "tools/kiln/image/image.h"

const char *cache_dir(struct arena *a); /* $KILN_CACHE, $XDG_CACHE_HOME/kiln or ~/.cache/kiln */

/* Fills the image options from the configuration and returns where the
 * image for exactly these inputs lives in the cache; *cfg_text is the
 * image config text with its templates expanded (NULL without one). */
const char *imgcache_path(struct run_config *c, struct image_opts *o, char **cfg_text);
/* Builds that image, atomically, and prunes images unused for a month. */
void imgcache_build(struct run_config *c, const char *image, struct image_opts *o, const char *cfg_text);

#endif
