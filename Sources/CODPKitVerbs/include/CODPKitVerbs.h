// The verbs shim: what Swift cannot import from libibverbs (function-like macros, inline functions),
// each symbol prefixed `odpkit_`. Only the Verbs module (and what reports on it) imports it.
#ifndef CODPKIT_VERBS_H
#define CODPKIT_VERBS_H

#include <infiniband/verbs.h>
#include <stdint.h>

/// `ibv_query_port` is a macro over an inline function in rdma-core's header.
int odpkit_ibv_query_port(struct ibv_context *context, uint8_t port_num,
                          struct ibv_port_attr *port_attr);

/// `ibv_query_gid_ex` is an inline function that passes `sizeof(struct ibv_gid_entry)`.
int odpkit_ibv_query_gid_ex(struct ibv_context *context, uint32_t port_num,
                            uint32_t gid_index, struct ibv_gid_entry *entry);

/// The address of `ibv_get_device_list`, to locate the libibverbs actually loaded.
const void *odpkit_libibverbs_symbol(void);

#endif
