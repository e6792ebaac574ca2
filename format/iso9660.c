/* iso9660.c - reading ISO 9660 volume descriptors, a directory and the
 * El Torito catalog (iso9660.h). Every field from the image is checked
 * before it is used: this parses files the user hands `kiln info`. */
#include "format/iso9660.h"

#include <kiln/string.h>

/* A both-byte-order 32-bit field: little-endian then big-endian copies. */
static bool both32(const uint8_t *p, uint32_t *out) {
    uint32_t le = get_le32(p), be = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    *out = le;
    return le == be;
}

int iso_descriptor_type(const uint8_t *b) {
    if (kiln_memcmp(b + 1, "CD001", 5) || b[6] != 1) return -1;
    return b[0];
}

bool iso_parse_pvd(const uint8_t *b, struct iso_volume *v, kiln_err *e) {
    if (iso_descriptor_type(b) != 1) return err_set(e, "iso: no primary volume descriptor at block 16");
    uint32_t blocks, size;
    if (!both32(b + 80, &blocks)) return err_set(e, "iso: the volume space size's two byte orders disagree");
    uint16_t bsize = get_le16(b + 128);
    if (bsize != ISO_BLOCK) return err_set(e, "iso: logical block size %u, Kiln reads only %u", bsize, ISO_BLOCK);
    const uint8_t *root = b + 156;
    if (root[0] < 34) return err_set(e, "iso: the root directory record is %u bytes, less than 34", root[0]);
    if (!both32(root + 2, &v->root_lba) || !both32(root + 10, &size))
        return err_set(e, "iso: the root directory record's two byte orders disagree");
    if (!(root[25] & 2)) return err_set(e, "iso: the root directory record is not a directory");
    if (!size || v->root_lba >= blocks || (uint64_t)v->root_lba + (size + ISO_BLOCK - 1) / ISO_BLOCK > blocks)
        return err_set(e, "iso: the root directory (block %u, %u bytes) is not inside the volume (%u blocks)",
                       v->root_lba, size, blocks);
    v->root_size = size;
    v->blocks = blocks;
    kiln_memcpy(v->volume_id, b + 40, 32);
    v->volume_id[32] = 0;
    for (int i = 31; i >= 0 && v->volume_id[i] == ' '; i--) v->volume_id[i] = 0;
    return true;
}

bool iso_parse_boot_record(const uint8_t *b, struct iso_volume *v, kiln_err *e) {
    static const char id[] = "EL TORITO SPECIFICATION";
    if (iso_descriptor_type(b) != 0 || kiln_memcmp(b + 7, id, sizeof id - 1))
        return err_set(e, "iso: a boot record that is not El Torito's");
    v->catalog_lba = get_le32(b + 0x47);
    if (!v->catalog_lba || (v->blocks && v->catalog_lba >= v->blocks))
        return err_set(e, "iso: the El Torito catalog block %u is outside the volume", v->catalog_lba);
    return true;
}

static char upper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c; }

/* Does the record's identifier (len bytes) name `name`? "NAME;1" and
 * "NAME." (no extension) match "NAME". */
static bool name_matches(const uint8_t *id, size_t len, const char *name) {
    size_t n = kiln_strlen(name);
    for (size_t i = 0; i < len; i++)
        if (id[i] == ';') len = i;
    if (len == n + 1 && id[n] == '.') len = n;
    if (len != n) return false;
    for (size_t i = 0; i < n; i++)
        if (upper((char)id[i]) != upper(name[i])) return false;
    return true;
}

bool iso_dir_find(const uint8_t *dir, size_t len, const char *name, struct iso_file *out, kiln_err *e) {
    e->msg[0] = 0;
    size_t off = 0;
    while (off < len) {
        uint8_t rlen = dir[off];
        if (rlen == 0) { /* records never cross a block: the rest of this block is padding */
            off = (off / ISO_BLOCK + 1) * ISO_BLOCK;
            continue;
        }
        if (rlen < 34 || off + rlen > len || off / ISO_BLOCK != (off + rlen - 1) / ISO_BLOCK)
            return err_set(e, "iso: a directory record at byte %zu is malformed (length %u)", off, rlen);
        const uint8_t *r = dir + off;
        uint8_t idlen = r[32];
        if (33u + idlen > rlen) return err_set(e, "iso: a directory record's name runs past the record");
        if (name_matches(r + 33, idlen, name)) {
            if (!both32(r + 2, &out->lba) || !both32(r + 10, &out->size))
                return err_set(e, "iso: the record of '%s' has disagreeing byte orders", name);
            out->dir = r[25] & 2;
            if (r[25] & 0x80) return err_set(e, "iso: '%s' has more than one extent, which Kiln does not read", name);
            return true;
        }
        off += rlen;
    }
    return false;
}

int eltorito_parse(const uint8_t *b, struct eltorito_entry *out, size_t cap, kiln_err *e) {
    if (b[0] != 1 || b[0x1e] != 0x55 || b[0x1f] != 0xaa) {
        err_set(e, "El Torito: the boot catalog has no validation entry");
        return -1;
    }
    uint16_t sum = 0;
    for (int i = 0; i < 32; i += 2) sum = (uint16_t)(sum + get_le16(b + i));
    if (sum) {
        err_set(e, "El Torito: the validation entry's checksum is wrong (sum 0x%04x, must be 0)", sum);
        return -1;
    }
    /* The initial entry, then sections: a header (0x90, 0x91 for the last)
     * naming a platform and counting its entries, which follow it, each
     * perhaps followed by extension records (0x44). */
    const uint8_t *x = b + 32;
    size_t n = 0;
    if (n < cap) out[n++] = (struct eltorito_entry){b[1], x[0] == 0x88, x[1], get_le16(x + 2), get_le16(x + 6), get_le32(x + 8)};
    size_t off = 64;
    bool last = false;
    while (!last && off + 32 <= ISO_BLOCK && (b[off] == 0x90 || b[off] == 0x91)) {
        last = b[off] == 0x91;
        uint8_t platform = b[off + 1];
        uint16_t count = get_le16(b + off + 2);
        off += 32;
        for (uint16_t i = 0; i < count; i++) {
            if (off + 32 > ISO_BLOCK) {
                err_set(e, "El Torito: a section's entries run past the catalog's block");
                return -1;
            }
            x = b + off;
            if (n < cap) out[n++] = (struct eltorito_entry){platform, x[0] == 0x88, x[1], get_le16(x + 2),
                                                            get_le16(x + 6), get_le32(x + 8)};
            off += 32;
            while (off + 32 <= ISO_BLOCK && b[off] == 0x44) off += 32;
        }
    }
    return (int)n;
}
