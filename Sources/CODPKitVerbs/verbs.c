#include "CODPKitVerbs.h"

// Layouts Swift mirrors: a GID is read as 16 raw bytes.
_Static_assert(sizeof(union ibv_gid) == 16, "union ibv_gid is 16 bytes");

int odpkit_ibv_query_port(struct ibv_context *context, uint8_t port_num,
                          struct ibv_port_attr *port_attr) {
    return ibv_query_port(context, port_num, port_attr);
}

int odpkit_ibv_query_gid_ex(struct ibv_context *context, uint32_t port_num,
                            uint32_t gid_index, struct ibv_gid_entry *entry) {
    return ibv_query_gid_ex(context, port_num, gid_index, entry, 0);
}

const void *odpkit_libibverbs_symbol(void) {
    return (const void *)&ibv_get_device_list;
}
