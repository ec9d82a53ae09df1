/* Private CRC-32 (the zlib / PNG checksum) used by the model-file format. */
#ifndef PRIMOD_CRC32_H
#define PRIMOD_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC-32 over len bytes; start with crc = 0. pm_crc32_update(0, "123456789", 9) == 0xCBF43926. */
uint32_t pm_crc32_update(uint32_t crc, const void *data, size_t len);

#endif
