#ifndef CORE_VERSION_H
#define CORE_VERSION_H
#define KILN_LOADER_NAME "Kiln"
#define KILN_LOADER_VERSION "0.1.0"
#endif
